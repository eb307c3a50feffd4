"""Reading and writing the bytes behind every format: paths or file objects, ``.gz``, UTF-8, locations."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import zlib

from ..exceptions import ParseError

__all__ = ["read_text", "locate", "open_text_for_writing", "source_name"]

_GZIP_MAGIC = b"\x1f\x8b"


def source_name(path_or_file):
    """Return the name used in error messages: the path, or the file object's name."""
    if isinstance(path_or_file, (str, os.PathLike)):
        return os.fspath(path_or_file)
    return str(getattr(path_or_file, "name", "<stream>"))


def read_text(path_or_file):
    """Return ``(text, name)`` from a path or a file object; gzip is detected by its magic bytes.

    Raises
    ------
    ParseError
        On a corrupt or truncated gzip stream, or bytes that are not UTF-8 (with their position).
    """
    name = source_name(path_or_file)
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as handle:
            data = handle.read()
    else:
        data = path_or_file.read()
        if isinstance(data, str):
            return data.removeprefix("\ufeff"), name
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise ParseError(
                f"found a truncated or corrupt gzip stream ({err}), expected a complete .gz file",
                file=name,
            ) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - data.rfind(b"\n", 0, err.start)
        raise ParseError(
            f"found byte 0x{data[err.start]:02x}, which is not UTF-8, expected UTF-8 text",
            file=name,
            line=line,
            column=column,
        ) from err
    return text, name


def is_float(token):
    """Whether ``float(token)`` succeeds (used to point at the first bad number in a table)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def locate(text, offset):
    r"""Return the 1-based ``(line, column)`` of character ``offset`` in ``text``.

    Examples
    --------
    >>> locate("ab\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return line, column


@contextlib.contextmanager
def open_text_for_writing(path_or_file):
    """Yield a text handle: a path (gzip-compressed when it ends in ``.gz``) or a file object."""
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.fspath(path_or_file)
        if path.endswith(".gz"):
            # mtime=0 keeps the output byte-for-byte reproducible.
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as handle:
                    yield handle
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                yield handle
    elif isinstance(path_or_file, io.TextIOBase) or not _is_binary(path_or_file):
        yield path_or_file
    else:
        handle = io.TextIOWrapper(path_or_file, encoding="utf-8", newline="\n")
        try:
            yield handle
        finally:
            handle.flush()
            handle.detach()


def _is_binary(handle):
    return isinstance(handle, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(handle, "mode", "")
