"""Reading and writing networks (BIF, XMLBIF, UAI, Hugin NET, GeNIe XDSL/DSL, libDAI FG), plus interop.

:func:`read` and :func:`write` choose the format from the file name; :func:`read` also looks at
the content when the extension is missing or names another format.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from typing import Any

from .._model import GraphicalModel
from .._validate import check_option
from ..bayesian_network import BayesianNetwork
from ..exceptions import OptionError, ParseError
from ..markov_network import MarkovNetwork
from ._assemble import ATOL
from ._source import EXTENSIONS, FORMAT_NAMES, Source, format_of_name, read_text, source_name
from .bif import parse_bif, read_bif, write_bif
from .dsl import parse_dsl, read_dsl
from .fg import parse_fg, read_fg, write_fg
from .interop import from_networkx, from_pgmpy, to_networkx, to_pgmpy
from .net import parse_net, read_net, write_net
from .uai import parse_uai, read_uai, read_uai_evidence, write_uai
from .xdsl import parse_xdsl, read_xdsl, write_xdsl
from .xmlbif import parse_xmlbif, read_xmlbif, write_xmlbif

__all__ = [
    "read", "write", "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
    "read_uai_evidence", "read_net", "write_net", "read_xdsl", "write_xdsl", "read_dsl", "read_fg",
    "write_fg", "from_pgmpy", "to_pgmpy", "to_networkx", "from_networkx", "format_of", "sniff_format",
    "FORMATS",
]

_PARSERS: dict[str, Callable[..., BayesianNetwork | MarkovNetwork]] = {
    "bif": parse_bif, "xmlbif": parse_xmlbif, "uai": parse_uai, "net": parse_net,
    "xdsl": parse_xdsl, "dsl": parse_dsl, "fg": parse_fg,
}
_WRITERS: dict[str, Callable[..., None]] = {
    "bif": write_bif, "xmlbif": write_xmlbif, "uai": write_uai, "net": write_net,
    "xdsl": write_xdsl, "fg": write_fg,
}

#: Every format :func:`read` knows, with its extensions (each may end in ``.gz``).
FORMATS: dict[str, tuple[str, ...]] = dict(EXTENSIONS)

_SUPPORTED = sorted(e + gz for exts in EXTENSIONS.values() for e in exts for gz in ("", ".gz"))
_SKIP = re.compile(r"(?:\s+|%[^\n]*|//[^\n]*|#[^\n]*|/\*[\s\S]*?\*/)*")
_FIRST = re.compile(r"[A-Za-z_]+|\d+|\S")


def sniff_format(text: str) -> str | None:
    r"""Guess the format of a file's text from its first tokens, or return None.

    Examples
    --------
    >>> [sniff_format(t) for t in ("network x { }", "net { }", "net x { node a { }; };", "MARKOV 1",
    ...                            "<?xml version='1.0'?><smile>", "<BIF>", "% c\nnode a { }", "1\n\n2", "??")]
    ['bif', 'net', 'dsl', 'uai', 'xdsl', 'xmlbif', 'net', 'fg', None]
    """
    head = text[:8192]
    head = head[_SKIP.match(head).end():]  # type: ignore[union-attr]  # the pattern matches ""
    if head.startswith("<"):
        if re.search(r"<smile\b", head, re.I):
            return "xdsl"
        return "xmlbif" if re.search(r"<bif\b", head, re.I) else None
    words = [m.group() for m in itertools.islice(_FIRST.finditer(head, 0, 2000), 2)]  # not every token
    if not words:
        return None
    first = words[0]
    if first.upper() in ("BAYES", "MARKOV"):
        return "uai"
    if first in ("network", "variable", "probability"):
        return "bif"
    if first == "net":
        return "net" if words[1:] == ["{"] else "dsl"
    if first in ("node", "potential", "class", "discrete"):
        return "net"
    return "fg" if first.isdigit() else None


def format_of(path: str | os.PathLike[str]) -> str:
    """Return the format :func:`read` would use for ``path`` (the content decides if the name cannot).

    Examples
    --------
    >>> from pgm_lite.io import format_of
    >>> format_of("alarm.bif.gz"), format_of("net.xml"), format_of("grid.uai"), format_of("x.net")
    ('bif', 'xmlbif', 'uai', 'net')
    """
    fmt = format_of_name(path)
    if fmt is not None:
        return fmt
    if os.path.isfile(path):
        guessed = sniff_format(read_text(path)[0])
        if guessed is not None:
            return guessed
        raise ParseError(f"cannot tell the format of {os.fspath(path)!r} from its extension or its content; "
                         f"supported: {_SUPPORTED}")
    raise ParseError(f"cannot tell the format of {os.fspath(path)!r} from its extension; supported: {_SUPPORTED}")


def read(path_or_file: Source, *, format: str | None = None, atol: float = ATOL,
         **options: Any) -> BayesianNetwork | MarkovNetwork:
    """Read a network file, choosing the format from the extension or, failing that, the content.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.bif``, ``.xml``/``.xmlbif``/``.bifxml``, ``.uai``, ``.net``, ``.xdsl``, ``.dsl`` or
        ``.fg`` file, each optionally followed by ``.gz``. When the extension is missing or
        names another format than the content shows, the content decides, and a parse error
        then says which format was assumed.
    format : str, optional
        Force a format: one of :data:`FORMATS` (``"bif"``, ``"net"``, ...).
    atol : float, optional
        How far a table row may sum from one (default 0.01, the rule of every reader; numbers
        are kept as written). Pass e.g. ``1e-9`` to refuse rows that do not sum to one.
    **options
        Passed to the reader (``variables=`` for UAI and FG files).

    Returns
    -------
    BayesianNetwork or MarkovNetwork

    Raises
    ------
    MissingFileError
        If the file does not exist (also a FileNotFoundError).
    ParseError
        For a format that cannot be told (listing the supported extensions) or a malformed file;
        also for a ``.gz`` file inflating to more than ``pgm_lite.tuning.READ_MAX_GZIP_BYTES``
        (256 MiB; it is inflated in steps, so a gzip bomb is refused there) and for a table whose
        reading would need more than ``pgm_lite.tuning.READ_MAX_TABLE_BYTES`` (1 GiB), refused
        before allocating. Set either constant to read bigger files.

    Examples
    --------
    >>> import io
    >>> pl.read(io.StringIO('net { }  node a { states = ("x" "y"); }  potential (a) { data = (0.5 0.5); }')).states("a")
    ('x', 'y')
    >>> pl.read(io.StringIO("node a { states = (x y); }"))
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: <stream>:1:6: found variable 'a' without a potential, expected one (read as Hugin NET, guessed from the content)
    >>> pl.read("nope.bif")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.MissingFileError: [Errno 2] No such file or directory: 'nope.bif'
    """
    text, name = read_text(path_or_file)
    by_name = format_of_name(path_or_file) if isinstance(path_or_file, (str, os.PathLike)) else None
    note = None
    if format is not None:
        fmt = check_option("format", format, list(_PARSERS))
    else:
        guessed = sniff_format(text)
        if by_name is not None and guessed in (None, by_name):
            fmt = by_name
        elif guessed is not None:
            fmt = guessed
            note = f"read as {FORMAT_NAMES[fmt]}, guessed from the content"
            if by_name is not None:
                note += f" although the extension says {FORMAT_NAMES[by_name]}"
        else:
            raise ParseError(f"cannot tell the format of {name!r} from its extension or its content; "
                             f"supported: {_SUPPORTED}")
    try:
        return _PARSERS[fmt](text, name, atol=atol, **options)
    except ParseError as err:
        if note is None:
            raise
        raise ParseError(f"{err.message} ({note})", file=err.file, line=err.line, column=err.column) from err


def write(model: GraphicalModel, path_or_file: Source, *, format: str | None = None, **options: Any) -> None:
    """Write a network, choosing the format from the extension (or ``format=``).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    path_or_file : str, os.PathLike or file object
        Destination; ``.gz`` paths are compressed. A file object needs ``format=``.
    format : str, optional
        One of ``"bif"``, ``"xmlbif"``, ``"uai"``, ``"net"``, ``"xdsl"``, ``"fg"``
        (DSL is read only).
    **options
        Passed to the writer (``network_name=`` for BIF, XMLBIF and XDSL).

    Raises
    ------
    OptionError
        For an unknown format or extension (listing the valid ones).
    ArgumentTypeError
        If the format cannot hold the model (a Markov network as BIF, NET, XMLBIF or XDSL).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> pl.write(pl.example("asia"), out, format="net")
    >>> pl.read(io.StringIO(out.getvalue())).variables == pl.example("asia").variables
    True
    >>> pl.write(pl.MarkovNetwork([("A", "B")]), "mrf.net")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ArgumentTypeError: write_net needs a BayesianNetwork, got MarkovNetwork; Hugin NET cannot express Markov networks, use write_uai or write_fg
    """
    if format is None:
        fmt = format_of_name(path_or_file) if isinstance(path_or_file, (str, os.PathLike)) else None
        if fmt is None:
            raise OptionError(f"cannot tell the format to write {source_name(path_or_file)!r} in from its "
                              f"extension; use one of {sorted(e for f in _WRITERS for e in EXTENSIONS[f])} "
                              f"or format= one of {list(_WRITERS)}")
        if fmt not in _WRITERS:
            raise OptionError(f"cannot write {FORMAT_NAMES[fmt]} ({source_name(path_or_file)!r}): pgm_lite reads "
                              f"it but does not write it; choose from {list(_WRITERS)}")
    else:
        fmt = check_option("format", format, list(_WRITERS))
    _WRITERS[fmt](model, path_or_file, **options)
