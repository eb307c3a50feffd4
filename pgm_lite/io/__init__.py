"""Reading and writing networks: BIF, XMLBIF and UAI files, plus pgmpy and networkx interop."""

from __future__ import annotations

import os

from ..exceptions import ParseError
from .bif import read_bif, write_bif
from .interop import from_networkx, from_pgmpy, to_networkx, to_pgmpy
from .uai import read_uai, write_uai
from .xmlbif import read_xmlbif, write_xmlbif

__all__ = [
    "read", "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
    "from_pgmpy", "to_pgmpy", "to_networkx", "from_networkx", "format_of",
]

_READERS = {
    ".bif": read_bif,
    ".xml": read_xmlbif,
    ".xmlbif": read_xmlbif,
    ".uai": read_uai,
}
_READERS.update({ext + ".gz": reader for ext, reader in list(_READERS.items())})


_NAMES = {read_bif: "bif", read_xmlbif: "xmlbif", read_uai: "uai"}


def _reader_for(path):
    name = os.fspath(path).lower()
    for ext in sorted(_READERS, key=len, reverse=True):
        if name.endswith(ext):
            return _READERS[ext]
    raise ParseError(
        f"cannot tell the format of {os.fspath(path)!r} from its extension; "
        f"supported: {sorted(_READERS)}"
    )


def format_of(path):
    """Return the format :func:`read` would use for ``path``: ``"bif"``, ``"xmlbif"`` or ``"uai"``.

    Examples
    --------
    >>> from pgm_lite.io import format_of
    >>> format_of("alarm.bif.gz"), format_of("net.xml"), format_of("grid.uai")
    ('bif', 'xmlbif', 'uai')
    """
    return _NAMES[_reader_for(path)]


def read(path):
    """Read a network file, choosing the format from the extension.

    Parameters
    ----------
    path : str or os.PathLike
        A file ending in ``.bif``, ``.xml``, ``.xmlbif`` or ``.uai``, each optionally followed
        by ``.gz``.

    Returns
    -------
    BayesianNetwork or MarkovNetwork

    Raises
    ------
    ParseError
        For an unknown extension (listing the supported ones) or a malformed file.

    Examples
    --------
    >>> pl.read("network.txt")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: cannot tell the format of 'network.txt' from its extension; supported: ['.bif', '.bif.gz', '.uai', '.uai.gz', '.xml', '.xml.gz', '.xmlbif', '.xmlbif.gz']
    """
    return _reader_for(path)(path)
