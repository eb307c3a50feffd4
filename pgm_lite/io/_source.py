"""Reading and writing the bytes behind every format: paths or file objects, ``.gz``, UTF-8, locations."""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator
from typing import IO, Any

from .. import tuning
from ..exceptions import ArgumentTypeError, MissingFileError, OptionError, ParseError

__all__ = ["read_text", "locate", "open_text_for_writing", "source_name", "format_of_name",
           "strip_comments", "parse_count", "EXTENSIONS", "FORMAT_NAMES", "Source"]

#: A path or an open file, as every reader and writer takes.
Source = str | os.PathLike[str] | IO[Any]

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)

#: File extensions of every format (each may be followed by ``.gz``), first the one writers use.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "bif": (".bif",),
    "xmlbif": (".xml", ".xmlbif", ".bifxml"),
    "uai": (".uai",),
    "net": (".net", ".hugin"),
    "xdsl": (".xdsl",),
    "dsl": (".dsl",),
    "fg": (".fg",),
}

#: What error messages call each format.
FORMAT_NAMES: dict[str, str] = {
    "bif": "BIF", "xmlbif": "XMLBIF", "uai": "UAI", "net": "Hugin NET", "xdsl": "GeNIe XDSL",
    "dsl": "GeNIe DSL", "fg": "libDAI FG",
}


def format_of_name(path: str | os.PathLike[str]) -> str | None:
    """Return the format whose extension ``path`` ends with (``.gz`` allowed), or None.

    Examples
    --------
    >>> format_of_name("alarm.net.gz"), format_of_name("x.txt")
    ('net', None)
    """
    name = os.fspath(path).lower().removesuffix(".gz")
    for fmt, extensions in EXTENSIONS.items():
        if name.endswith(extensions):
            return fmt
    return None


def source_name(path_or_file: Source) -> str:
    """Return the name used in error messages: the path, or the file object's name."""
    if isinstance(path_or_file, (str, os.PathLike)):
        return os.fspath(path_or_file)
    return str(getattr(path_or_file, "name", "<stream>"))


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Return the bytes of the file at ``path``: four system calls (open, read, read, close) for
    a file of up to 64 KiB.

    ``open(path, "rb").read()`` makes nine, and on small files their cost (and what they evict
    from the CPU caches) is a good part of reading a network. A read returning nothing is the
    end (a shorter one is not, from a pipe), so no ``fstat`` is needed.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError as err:
        raise MissingFileError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(path)) from err
    try:
        chunks = []
        data = os.read(fd, _FIRST_READ)
        while data:
            chunks.append(data)
            data = os.read(fd, _CHUNK)
        return b"".join(chunks)
    finally:
        os.close(fd)


#: Bytes of the first read: the compressed size of nearly every network file (a larger buffer
#: would be mapped and unmapped by the allocator on every read).
_FIRST_READ = 2**16


def read_text(path_or_file: Source) -> tuple[str, str]:
    """Return ``(text, name)`` from a path or a file object; gzip is detected by its magic bytes.

    Raises
    ------
    ParseError
        On a corrupt or truncated gzip stream, one inflating past
        ``pgm_lite.tuning.READ_MAX_GZIP_BYTES``, or bytes that are not UTF-8 (with their position).
    MissingFileError
        If the path does not exist (also a FileNotFoundError).
    """
    if isinstance(path_or_file, str) or isinstance(path_or_file, os.PathLike):  # str first: no ABC check
        name = os.fspath(path_or_file)
        data = _read_bytes(name)
    elif not hasattr(path_or_file, "read"):
        raise ArgumentTypeError(f"expected a path or an open file, got {type(path_or_file).__name__}")
    else:
        name = source_name(path_or_file)
        data = path_or_file.read()
        if isinstance(data, str):
            return data.removeprefix("\ufeff"), name
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(data, name)
    if data[:3] == _BOM:
        data = data[3:]
    try:
        text = data.decode("utf-8")  # the C decoder ("utf-8-sig" runs a Python-level codec)
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


_CHUNK = 2**20


def _gunzip(data: bytes, name: str) -> bytes:
    """Inflate every gzip member of ``data`` in bounded steps, refusing more than the cap.

    The cap is ``pgm_lite.tuning.READ_MAX_GZIP_BYTES`` (read at call time), so a gzip bomb is
    refused after inflating at most one byte more than that, never decompressed whole. The usual
    file, one complete member within the cap, is inflated by a single call; anything else is
    inflated again in steps of ``_CHUNK`` bytes, which report what is wrong.
    """
    limit = tuning.READ_MAX_GZIP_BYTES
    inflater = zlib.decompressobj(31)  # wbits 31: gzip (positional: no keyword parsing)
    try:
        whole = inflater.decompress(data, min(limit + 1, sys.maxsize))
    except zlib.error:
        pass  # the loop below reports it
    else:
        if inflater.eof and not inflater.unused_data and len(whole) <= limit:
            return whole
        del whole  # more members, a truncated stream or past the cap: start again in steps
    return _gunzip_members(data, name, limit)


def _gunzip_members(data: bytes, name: str, limit: int) -> bytes:
    """Inflate every member of ``data`` in steps of ``_CHUNK`` bytes (see :func:`_gunzip`)."""
    out: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest:
            if rest[:2] != _GZIP_MAGIC:
                raise zlib.error("trailing bytes after the last gzip member")
            inflater = zlib.decompressobj(wbits=31)
            pending = rest
            while not inflater.eof:
                chunk = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                total += len(chunk)
                if total > limit:
                    raise ParseError(
                        f"found a gzip stream inflating to more than {limit:,} bytes, expected at most "
                        f"pgm_lite.tuning.READ_MAX_GZIP_BYTES = {limit:,} (raise it to read a larger file)",
                        file=name,
                    )
                out.append(chunk)
                if not chunk and not pending:
                    break
            if not inflater.eof:
                raise EOFError("the stream ends before the end-of-stream marker")
            rest = inflater.unused_data
    except (OSError, EOFError, zlib.error) as err:
        raise ParseError(
            f"found a truncated or corrupt gzip stream ({err}), expected a complete .gz file",
            file=name,
        ) from err
    return b"".join(out)


def strip_comments(text: str, name: str, strings: str, line_comment: str, *, block: bool = True) -> str:
    r"""Blank out comments (keeping line numbers) in linear time; strings are kept as they are.

    ``strings`` is a regular expression for a quoted string, ``line_comment`` one for a comment
    that ends at the line's end; with ``block``, ``/* ... */`` comments are found with
    :meth:`str.find`, so an unterminated one costs one scan and is a ParseError at its line.

    Examples
    --------
    >>> strip_comments('a /* x\n y */ b // c\n"//"', "f", '"[^"\n]*"', "//[^\n]*")
    'a     \n      b     \n"//"'
    >>> strip_comments("a\n /* b", "f.bif", '"[^"\n]*"', "//[^\n]*")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: f.bif:2:2: found '/*' without its closing '*/', expected a terminated comment
    """
    start = re.compile(f"{strings}|{line_comment}" + (r"|/\*" if block else ""))
    parts: list[str] = []
    done = 0
    at = 0
    while True:
        match = start.search(text, at)
        if match is None:
            break
        token = match.group()
        if token[0] == '"':
            at = match.end()
            continue
        if token == "/*":
            close = text.find("*/", match.start() + 2)
            if close < 0:
                line, column = locate(text, match.start())
                raise ParseError("found '/*' without its closing '*/', expected a terminated comment",
                                 file=name, line=line, column=column)
            end = close + 2
        else:
            end = match.end()
        parts += [text[done:match.start()], re.sub(r"[^\n]", " ", text[match.start():end])]
        done = at = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


#: Digits an integer count may have (int() refuses more than 4300; a count this long is absurd).
_MAX_DIGITS = 18


def parse_count(token: str | None) -> int | None:
    """Return ``int(token)`` for a plain ASCII decimal of at most 18 digits, else None.

    Examples
    --------
    >>> parse_count("12"), parse_count("-1"), parse_count("1" * 5000), parse_count("٣")
    (12, None, None, None)
    """
    if token is None or not (token.isascii() and token.isdigit()) or len(token.lstrip("0")) > _MAX_DIGITS:
        return None
    return int(token)


def is_float(token: str) -> bool:
    """Whether ``float(token)`` succeeds (used to point at the first bad number in a table)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def locate(text: str, offset: int) -> tuple[int, int]:
    r"""Return the 1-based ``(line, column)`` of character ``offset`` in ``text``.

    Examples
    --------
    >>> locate("ab\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return line, column


def check_extension(path_or_file: Source, fmt: str) -> None:
    """Refuse to write format ``fmt`` to a path whose extension names another format.

    Examples
    --------
    >>> check_extension("x.net", "bif")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: cannot write BIF to 'x.net': .net is the extension of Hugin NET; use a name ending in '.bif' (or '.bif.gz'), or pl.write(model, 'x.net') to write Hugin NET
    """
    if not isinstance(path_or_file, (str, os.PathLike)):
        return
    path = os.fspath(path_or_file)
    other = format_of_name(path)
    if other is not None and other != fmt:
        ext = next(e for e in EXTENSIONS[other] if path.lower().removesuffix(".gz").endswith(e))
        own = EXTENSIONS[fmt][0]
        raise OptionError(
            f"cannot write {FORMAT_NAMES[fmt]} to {path!r}: {ext} is the extension of "
            f"{FORMAT_NAMES[other]}; use a name ending in {own!r} (or {own + '.gz'!r}), "
            f"or pl.write(model, {path!r}) to write {FORMAT_NAMES[other]}"
        )


@contextlib.contextmanager
def open_text_for_writing(path_or_file: Source, fmt: str) -> Iterator[IO[str]]:
    """Yield a text handle: a path (gzip-compressed when it ends in ``.gz``) or a file object.

    A path whose extension belongs to another format than ``fmt`` is refused (OptionError).
    """
    check_extension(path_or_file, fmt)
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.fspath(path_or_file)
        if path.endswith(".gz"):
            # mtime=0 keeps the output byte-for-byte reproducible.
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as wrapped:
                    yield wrapped
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                yield handle
    elif isinstance(path_or_file, io.TextIOBase) or not _is_binary(path_or_file):
        yield path_or_file
    else:
        binary = io.TextIOWrapper(path_or_file, encoding="utf-8", newline="\n")
        try:
            yield binary
        finally:
            binary.flush()
            binary.detach()


def _is_binary(handle: Any) -> bool:
    return isinstance(handle, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(handle, "mode", "")
