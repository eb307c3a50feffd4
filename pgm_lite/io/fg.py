"""libDAI factor graphs (``.fg``): reader and writer for Markov networks, with located errors.

A file gives the number of factors, then per factor: the number of variables, their integer
labels, their cardinalities, the number of nonzero entries and ``index value`` lines. The
index runs over the factor's table with the FIRST variable varying fastest (Fortran order),
the opposite of pgm_lite's C-order axes; entries not listed are zero. Lines starting with
``#`` are comments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ..factor import DiscreteFactor, default_state_names
from ..markov_network import MarkovNetwork
from ._assemble import ATOL, check_table_bytes, require_model
from ._lexer import WordTokens
from ._source import Source, is_float, open_text_for_writing, read_text

__all__ = ["read_fg", "write_fg", "parse_fg"]


class _Tokens(WordTokens):
    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, name, r"^[ \t]*#[^\n]*")

    def number(self, what: str) -> float:
        i = self.i
        tok = self.toks[i] if i < len(self.toks) else ""
        if not is_float(tok):
            raise self.error(i, f"found {self.found(i)}, expected {what}")
        self.i += 1
        return float(tok)


def _factor(t: _Tokens, f: int, cards: dict[int, tuple[int, int]]) -> tuple[list[int], np.ndarray]:
    """Read factor ``f``; return its labels and its table with axes in label order as listed."""
    size = t.integer(f"the number of variables of factor {f}")
    at = t.i
    labels = [t.integer(f"a variable label of factor {f}") for _ in range(size)]
    if len(set(labels)) != size:
        raise t.error(at, f"found the labels {labels} in factor {f} with a repeat, expected distinct variables")
    shape = []
    for label in labels:
        spot = t.i
        k = t.integer(f"the cardinality of variable {label}", 1)
        if cards.setdefault(label, (k, spot))[0] != k:
            first = cards[label][0]
            raise t.error(spot, f"found cardinality {k} for variable {label} in factor {f}, expected {first} "
                                "as in its first factor")
        shape.append(k)
    total = math.prod(shape)
    count = t.integer(f"the number of nonzero entries of factor {f}", 0, total)
    check_table_bytes(f"factor {f}", total, 1, sum(shape), t.error, at)
    flat = np.zeros(total)
    seg = t.toks[t.i:t.i + 2 * count]
    try:  # fast path: every entry well formed (short ASCII digits), checked with numpy
        good = (len(seg) == 2 * count and all(len(j) <= 18 and j.isascii() and j.isdigit() for j in seg[0::2]))
        if good:
            index = np.array(list(map(int, seg[0::2])), dtype=np.int64)
            value = np.array(list(map(float, seg[1::2])))
            good = (bool(np.all(index < total)) and len(np.unique(index)) == count
                    and bool(np.all(np.isfinite(value) & (value >= 0))))
    except ValueError:
        good = False
    if good:
        flat[index] = value
        t.i += 2 * count
        return labels, flat.reshape(shape, order="F")
    seen = set()
    for _ in range(count):  # slow path: find and locate the first bad entry
        spot = t.i
        j = t.integer(f"an entry index of factor {f}", 0, total - 1)
        if j in seen:
            raise t.error(spot, f"found entry {j} of factor {f} a second time, expected each index once")
        seen.add(j)
        x = t.number(f"the value of entry {j} of factor {f}")
        if not np.isfinite(x) or x < 0:
            raise t.error(t.i - 1, f"found the value {x!r} in factor {f}, expected a non-negative number")
        flat[j] = x
    return labels, flat.reshape(shape, order="F")


def parse_fg(text: str, name: str = "<string>", *, variables: Sequence[str] | None = None,
             atol: float = ATOL) -> MarkovNetwork:
    """Parse libDAI factor-graph text (a ``str``); see :func:`read_fg`."""
    del atol  # potentials have no rows to check; accepted so every reader takes it
    t = _Tokens(text, name)
    if not t.toks:
        raise t.error(0, "found an empty file, expected the number of factors of a libDAI factor graph")
    m = t.integer("the number of factors")
    cards: dict[int, tuple[int, int]] = {}
    tables = [_factor(t, f, cards) for f in range(m)]
    if t.i < len(t.toks):
        raise t.error(t.i, f"found {t.found(t.i)} after the last factor, expected end of file")
    labels = sorted(cards)
    if variables is None:
        names = {label: f"X{label}" for label in labels}
    else:
        given = [str(v) for v in variables]
        if len(given) != len(labels) or len(set(given)) != len(given):
            raise ParseError(f"the file has {len(labels)} variables (labels {labels[:10]}...) but "
                             f"{len(given)} distinct names were given", file=name)
        names = dict(zip(labels, given))
    states = {names[label]: default_state_names(cards[label][0]) for label in labels}
    factors = [DiscreteFactor.from_validated(tuple(names[label] for label in scope), table,
                                             {names[label]: states[names[label]] for label in scope})
               for scope, table in tables]
    return MarkovNetwork(factors=factors, variables=list(states), states=states)


def read_fg(path_or_file: Source, *, variables: Sequence[str] | None = None, atol: float = ATOL) -> MarkovNetwork:
    """Read a libDAI factor graph (``.fg``) as a Markov network.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.fg`` file (gzip-compressed files are detected from their content).
    variables : sequence of str, optional
        Names for the variables in increasing label order (default ``X<label>``).
    atol : float, optional
        Accepted for symmetry with the other readers (potentials are not normalised rows).

    Returns
    -------
    MarkovNetwork
        One factor per file factor, axes in the order the file lists its variables; variables
        in increasing label order, states ``"0".."k-1"``.

    Raises
    ------
    ParseError
        ``file:line:column``: bad counts, repeated labels, cardinalities that disagree between
        factors, indices out of range, negative values, trailing tokens, truncation.

    Examples
    --------
    >>> import io
    >>> mn = pl.read_fg(io.StringIO('''1
    ...
    ... 2
    ... 0 1
    ... 2 2
    ... 3
    ... 0 1.0
    ... 1 2.0
    ... 3 4.0'''))
    >>> mn.factors()[0].variables, mn.factors()[0].values.tolist()
    (('X0', 'X1'), [[1.0, 0.0], [2.0, 4.0]])
    """
    text, name = read_text(path_or_file)
    return parse_fg(text, name, variables=variables, atol=atol)


def write_fg(model: GraphicalModel, path_or_file: Source) -> None:
    """Write a Markov network (or a Bayesian network's CPDs as factors) as a libDAI factor graph.

    Variables are labelled ``0..n-1`` in ``model.variables`` order; names and state names are
    not stored (the format has none). Every nonzero entry is written with ``repr``, so
    :func:`read_fg` gives back exactly the same tables. A Bayesian network is written in its
    Markov form (one factor per CPD, scope ``(*parents, child)``), as libDAI treats one.

    Parameters
    ----------
    model : MarkovNetwork or BayesianNetwork
    path_or_file : str, os.PathLike or file object
        Where to write; ``.gz`` paths are compressed with gzip.

    Raises
    ------
    ArgumentTypeError
        For anything else than a Markov or Bayesian network.

    Examples
    --------
    >>> import io
    >>> mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], [[1.0, 0.0], [2.0, 4.0]])])
    >>> out = io.StringIO()
    >>> pl.write_fg(mn, out)
    >>> print(out.getvalue())
    1
    <BLANKLINE>
    2
    0 1
    2 2
    3
    0 1.0
    1 2.0
    3 4.0
    <BLANKLINE>
    """
    model = require_model(model, "write_fg")
    index = {v: i for i, v in enumerate(model.variables)}
    functions = ([(c.scope, c.table) for c in model.cpds()] if isinstance(model, BayesianNetwork)
                 else [(f.variables, f.values) for f in model.factors()])
    lines = [str(len(functions))]
    for scope, values in functions:
        flat = np.asarray(values, dtype=float).ravel(order="F")
        nonzero = np.flatnonzero(flat)
        lines += ["", str(len(scope)), " ".join(str(index[v]) for v in scope),
                  " ".join(str(model.cardinality(v)) for v in scope), str(len(nonzero))]
        lines += [f"{i} {x!r}" for i, x in zip(nonzero.tolist(), flat[nonzero].tolist())]
    with open_text_for_writing(path_or_file, "fg") as handle:
        handle.write("\n".join(lines) + "\n")
