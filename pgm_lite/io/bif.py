"""BIF 0.15, the format of the bnlearn repository (and JavaBayes): reader and writer.

Well-formed files (nearly all) are read by :func:`pgm_lite.io._bif_fast.read_plain`, a few regular
expressions and one number conversion for the whole file; anything else, errors included, by
:mod:`pgm_lite.io._bif_parser`, which reads every form BIF allows and locates its errors.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ._assemble import ATOL, require_bayesian
from ._bif_fast import read_plain
from ._bif_parser import BifParser, blank_comments
from ._source import Source, open_text_for_writing, read_text

__all__ = ["read_bif", "write_bif", "parse_bif"]

_PLAIN = re.compile(r'[^\s{}()\[\];,|"/]+')


def parse_bif(text: str, name: str = "<string>", *, atol: float = ATOL) -> BayesianNetwork:
    """Parse BIF text (a ``str``) into a :class:`BayesianNetwork`; see :func:`read_bif`.

    Examples
    --------
    >>> bn = parse_bif('''variable rain { type discrete [ 2 ] { no, yes }; }
    ... probability ( rain ) { table 0.8, 0.2; }''')
    >>> bn.states("rain"), bn.cpd("rain").table
    (('no', 'yes'), array([0.8, 0.2]))
    """
    text = blank_comments(text, name)
    bn = read_plain(text, atol)
    return BifParser(text, name, atol, stripped=True).parse() if bn is None else bn


def read_bif(path_or_file: Source, *, atol: float = ATOL) -> BayesianNetwork:
    """Read a Bayesian network in BIF 0.15, the format of the bnlearn repository.

    The grammar covers ``network`` and ``property`` blocks, ``//`` and ``/* */`` comments,
    ``variable NAME { type discrete [ k ] { s1, s2 }; }``, and probability blocks with
    ``(a, b) p, q;`` rows, ``default p, q;`` and ``table ...;`` entries (a ``table`` lists the
    child's first state for every parent configuration, then its second state, and so on).
    Names may be quoted (``"Age group"``) or contain characters such as ``<5``, ``>=7.5``,
    ``Asy/Patch``, ``Transp.``; JavaBayes files (numbers and states separated by spaces only,
    ``probability ( child parent1 parent2 )``) are read too.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.bif`` file, optionally gzip-compressed (detected from its content; inflated in steps
        up to ``pgm_lite.tuning.READ_MAX_GZIP_BYTES``), or an open text or binary file.
    atol : float, optional
        How far a row may sum from one (default 0.01, what pgmpy accepts; numbers are kept as
        written and inference normalises rows). Pass e.g. ``1e-9`` to be strict.

    Returns
    -------
    BayesianNetwork
        Variables in declaration order, state names as written, each table with axes
        ``(*parents in the order of the probability block, child)``; probabilities are float64
        exactly as written.

    Raises
    ------
    ParseError
        With ``file:line:column``, what was found and what was expected: truncated or empty
        files, bytes that are not UTF-8, unknown parents or states, duplicate variables, rows of
        the wrong length or not summing to one (naming the parent configuration), cycles, an
        unterminated ``/*`` comment, a table (e.g. 26 parents and a ``default`` row) needing more
        than ``pgm_lite.tuning.READ_MAX_TABLE_BYTES`` to read (refused before allocating).

    Examples
    --------
    >>> import io
    >>> bn = pl.read_bif(io.StringIO('''
    ... network demo { }
    ... variable rain { type discrete [ 2 ] { no, yes }; }
    ... variable wet { type discrete [ 2 ] { dry, wet }; }
    ... probability ( rain ) { table 0.8, 0.2; }
    ... probability ( wet | rain ) { (no) 0.9, 0.1; (yes) 0.2, 0.8; }'''))
    >>> bn.parents("wet"), bn.cpd("wet").table.tolist()
    (['rain'], [[0.9, 0.1], [0.2, 0.8]])
    >>> pl.read_bif(io.StringIO("variable rain { type discrete [ 3 ] { no, yes }; }"))
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: <stream>:1:33: found [ 3 ] but 2 state names ['no', 'yes'], expected them to agree
    """
    text, name = read_text(path_or_file)
    return parse_bif(text, name, atol=atol)


def _quote(name: object) -> str:
    name = str(name)
    if _PLAIN.fullmatch(name) and name not in ("network", "variable", "probability", "property",
                                               "table", "default", "type", "discrete"):
        return name
    if '"' in name or "\n" in name:
        raise ParseError(f"cannot write the name {name!r} in BIF: names may not contain '\"' or newlines")
    return f'"{name}"'


def _numbers(values: np.ndarray) -> str:
    return ", ".join(map(repr, values.tolist()))


def write_bif(model: GraphicalModel, path_or_file: Source, *, network_name: str = "unknown") -> None:
    """Write a Bayesian network as BIF 0.15 (bnlearn style; ``.gz`` paths are compressed).

    Probabilities are written with ``repr``, the shortest text that reads back to the same
    float64, so ``read_bif(write_bif(bn))`` reproduces every table exactly. Names that are not
    plain words (spaces, punctuation such as ``,`` or ``(``) are quoted.

    Parameters
    ----------
    model : BayesianNetwork
        A fully specified network (every variable has a CPD).
    path_or_file : str, os.PathLike or file object
        Destination; a path ending in ``.gz`` is gzip-compressed.
    network_name : str, optional
        Name written in the ``network`` block.

    Raises
    ------
    ArgumentTypeError
        If ``model`` is not a BayesianNetwork (BIF cannot express Markov networks; use UAI).
    OptionError
        If the path's extension belongs to another format (``x.net``: use :func:`pl.write`).
    StructureError
        If a variable has no CPD.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> pl.write_bif(pl.example("sprinkler"), out)
    >>> print(out.getvalue().splitlines()[2])
    variable Cloudy {
    >>> pl.read_bif(io.StringIO(out.getvalue())).edges == pl.example("sprinkler").edges
    True
    """
    model = require_bayesian(model, "BIF", "write_bif")
    lines = [f"network {_quote(network_name)} {{", "}"]
    for v in model.variables:
        states = model.states(v)
        lines += [f"variable {_quote(v)} {{",
                  f"  type discrete [ {len(states)} ] {{ {', '.join(map(_quote, states))} }};", "}"]
    for v in model.variables:
        cpd = model.cpd(v)
        if cpd.parents:
            lines.append(f"probability ( {_quote(v)} | {', '.join(map(_quote, cpd.parents))} ) {{")
            rows = cpd.table.reshape(-1, cpd.cardinality)
            combos = itertools.product(*([_quote(s) for s in cpd.states[p]] for p in cpd.parents))
            lines += [f"  ({', '.join(key)}) {_numbers(row)};" for key, row in zip(combos, rows)]
        else:
            lines += [f"probability ( {_quote(v)} ) {{", f"  table {_numbers(cpd.table)};"]
        lines.append("}")
    with open_text_for_writing(path_or_file, "bif") as handle:
        handle.write("\n".join(lines) + "\n")
