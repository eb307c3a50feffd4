"""The UAI competition format (``BAYES`` and ``MARKOV`` preambles): reader with located errors, writer.

UAI files number the variables and their states, so names are not stored: reading gives the
variables ``X0, X1, ...`` (or the names you pass) and the states ``"0".."k-1"``. Everything
else, the variable order, cardinalities, scopes (parents in order) and tables, survives a round
trip exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import tuning
from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ..factor import DiscreteFactor, default_state_names
from ..markov_network import MarkovNetwork
from ._assemble import ATOL, assemble_network, require_model, table_bytes
from ._lexer import WordTokens
from ._source import Source, is_float, open_text_for_writing, parse_count, read_text

__all__ = ["read_uai", "write_uai", "parse_uai", "read_uai_evidence"]


class _Tokens(WordTokens):
    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, name, r"#[^\n]*")  # pyAgrum writes "1 0   # asia" after each scope

    def numbers(self, count: int, what: str) -> list[float]:
        start, end = self.i, self.i + count
        chunk = self.toks[start:end]
        try:
            values = list(map(float, chunk))
        except ValueError:
            bad = next(j for j, t in enumerate(chunk) if not is_float(t))
            raise self.error(start + bad, f"found {chunk[bad]!r}, expected a number ({what})") from None
        if len(values) < count:
            raise self.error(end, f"found end of file after {len(values)} numbers, expected {count} ({what})")
        self.i = end
        return values


def read_uai(path_or_file: Source, *, variables: Sequence[str] | None = None,
             atol: float = ATOL) -> BayesianNetwork | MarkovNetwork:
    """Read a network in the UAI competition format.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.uai`` file (gzip-compressed files are detected from their content).
    variables : sequence of str, optional
        Names for the variables in file order (default ``X0, X1, ...``); UAI stores none.
    atol : float, optional
        How far a row of a ``BAYES`` table may sum from one (default 0.01, as every reader).

    Returns
    -------
    BayesianNetwork or MarkovNetwork
        ``BAYES`` files give a Bayesian network (the last variable of each function's scope is
        the child, the others its parents in order); ``MARKOV`` files a Markov network with one
        factor per function; a function with no variables (a constant, as in the competition's
        ``sat-grid`` instances) becomes a factor over ``()`` that multiplies Z. States are
        named ``"0".."k-1"``.

    Raises
    ------
    ParseError
        ``file:line:column``: unknown preamble, bad counts or indices, tables with the wrong
        number of entries (saying how many were expected), rows not summing to one, cycles.

    Examples
    --------
    >>> import io
    >>> bn = pl.read_uai(io.StringIO("BAYES 2  2 2  2  1 0  2 0 1   2 0.3 0.7   4 0.9 0.1 0.2 0.8"),
    ...                  variables=["rain", "wet"])
    >>> bn.parents("wet"), bn.cpd("wet").table.tolist()
    (['rain'], [[0.9, 0.1], [0.2, 0.8]])
    >>> mn = pl.read_uai(io.StringIO("MARKOV 1 2 2  1 0  0   2 0.5 0.5  1 3.0"))
    >>> [(f.variables, f.values.tolist()) for f in mn.factors()]
    [(('X0',), [0.5, 0.5]), ((), 3.0)]
    """
    text, name = read_text(path_or_file)
    return parse_uai(text, name, variables=variables, atol=atol)


def _markov(t: _Tokens, names: list[str], cards: list[int], states: dict[str, tuple[str, ...]],
            scopes: list[tuple[list[int], int]], tables: list[tuple[list[float], int]]) -> MarkovNetwork:
    """Build the Markov network of a ``MARKOV`` file (a scope of no variables is a constant factor)."""
    factors = []
    for f, ((scope, _), (values, at)) in enumerate(zip(scopes, tables)):
        array = np.array(values).reshape([cards[v] for v in scope])
        if not np.all(np.isfinite(array)) or array.min() < 0:
            raise t.error(at, f"found a negative or non-finite entry in function {f}, "
                              "expected non-negative potentials")
        factors.append(DiscreteFactor.from_validated(tuple(names[v] for v in scope), array,
                                                  {names[v]: states[names[v]] for v in scope}))
    return MarkovNetwork(factors=factors, variables=names, states=states)


def _check_unlisted(t: _Tokens, scopes: list[tuple[list[int], int]], cards: list[int]) -> None:
    """Refuse state counts no table lists, before naming their states (a variable in a scope has
    had its table read, so its count is bounded by the file).
    """
    listed = {v for scope, _ in scopes for v in scope}
    alone = [i for i in range(len(cards)) if i not in listed]
    total = sum(cards[i] for i in alone)
    limit = tuning.READ_MAX_TABLE_BYTES
    if table_bytes(0, 0, total) > limit:
        raise t.error(2 + alone[0], f"found {total} states of variables {alone[:5]} that are in no function, "
                                    f"expected at most {limit // table_bytes(0, 0, 1):,}: naming them needs about "
                                    f"{table_bytes(0, 0, total) / 2**30:.1f} GiB, more than "
                                    f"pgm_lite.tuning.READ_MAX_TABLE_BYTES = {limit:,} bytes")



def parse_uai(text: str, name: str = "<string>", *, variables: Sequence[str] | None = None,
              atol: float = ATOL) -> BayesianNetwork | MarkovNetwork:
    """Parse UAI text (a ``str``); see :func:`read_uai`."""
    t = _Tokens(text, name)
    if not t.toks:
        raise t.error(0, "found an empty file, expected 'BAYES' or 'MARKOV'")
    kind = t.toks[0].upper()
    if kind not in ("BAYES", "MARKOV"):
        raise t.error(0, f"found {t.found(0)}, expected 'BAYES' or 'MARKOV'")
    t.i = 1
    n = t.integer("the number of variables", 1)
    if variables is not None:
        names = [str(v) for v in variables]
        if len(names) != n or len(set(names)) != n:
            raise ParseError(f"the file has {n} variables but {len(names)} distinct names were given: {names}",
                             file=name)
    # every count is used by a loop that reads one token per step (so stops at the end of the
    # file) before anything is built from it: 'MARKOV 10000000000' builds no names
    cards = [t.integer(f"the cardinality of variable {i}", 1) for i in range(n)]
    if variables is None:
        names = [f"X{i}" for i in range(n)]
    m = t.integer("the number of functions")
    scopes: list[tuple[list[int], int]] = []
    for f in range(m):
        at = t.i
        size = t.integer(f"the scope size of function {f}", 1 if kind == "BAYES" else 0, n)
        scope = [t.integer(f"a variable index of function {f}", 0, n - 1) for _ in range(size)]
        if len(set(scope)) != len(scope):
            raise t.error(at, f"found the scope {scope} of function {f} with a repeated variable, "
                              "expected distinct variables")
        scopes.append((scope, at))
    tables: list[tuple[list[float], int]] = []
    for f, (scope, _) in enumerate(scopes):
        at = t.i
        expected = math.prod(cards[v] for v in scope)
        count = t.integer(f"the number of entries of function {f}")
        if count != expected:
            raise t.error(at, f"found {count} entries for function {f}, expected {expected} "
                              f"(the product of the cardinalities {[cards[v] for v in scope]})")
        tables.append((t.numbers(count, f"an entry of function {f}"), at))
    if t.i < len(t.toks):
        raise t.error(t.i, f"found {t.found(t.i)} after the last table, expected end of file")
    _check_unlisted(t, scopes, cards)
    states = {v: default_state_names(k) for v, k in zip(names, cards)}
    if kind == "MARKOV":
        return _markov(t, names, cards, states, scopes, tables)
    declared = {v: (states[v], i) for i, v in enumerate(names)}
    blocks: dict[str, tuple[list[str], list[int], int, list[float]]] = {}
    for f, ((scope, at), (values, table_at)) in enumerate(zip(scopes, tables)):
        child = names[scope[-1]]
        if child in blocks:
            raise t.error(at, f"found function {f} for {child!r}, which already has a table, "
                              "expected one function per variable")
        blocks[child] = ([names[v] for v in scope[:-1]], [at] * (len(scope) - 1), table_at, values)
    missing = [v for v in names if v not in blocks]
    if missing:
        raise ParseError(f"found no function for the variables {missing}, expected one per variable "
                         "(the child is the last variable of a scope)", file=name)
    return assemble_network(declared, blocks, t.error, block="function", atol=atol)


def write_uai(model: GraphicalModel, path_or_file: Source) -> None:
    """Write a Bayesian network (``BAYES``) or Markov network (``MARKOV``) in the UAI format.

    Variables are numbered in ``model.variables`` order; a Bayesian network has one function per
    variable with scope ``(*parents, child)``; a Markov network one per factor. Variable and
    state names are not stored (the format has no place for them); numbers use ``repr`` so
    tables read back exactly.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    path_or_file : str, os.PathLike or file object
        Destination; a path ending in ``.gz`` is gzip-compressed.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> pl.write_uai(pl.example("sprinkler"), out)
    >>> out.getvalue().splitlines()[:4]
    ['BAYES', '4', '2 2 2 2', '4']
    >>> pl.read_uai(io.StringIO(out.getvalue())).edges
    [('X0', 'X1'), ('X0', 'X2'), ('X1', 'X3'), ('X2', 'X3')]
    """
    model = require_model(model, "write_uai")
    if isinstance(model, BayesianNetwork):
        kind = "BAYES"
        functions = [(c.scope, c.table) for c in model.cpds()]
    else:
        kind = "MARKOV"
        functions = [(f.variables, f.values) for f in model.factors()]
    index = {v: i for i, v in enumerate(model.variables)}
    lines = [kind, str(len(index)), " ".join(str(len(model.states(v))) for v in model.variables),
             str(len(functions))]
    lines += [" ".join(map(str, [len(scope), *(index[v] for v in scope)])) for scope, _ in functions]
    for _, values in functions:
        lines += ["", str(values.size), " ".join(map(repr, np.asarray(values, dtype=float).ravel().tolist()))]
    with open_text_for_writing(path_or_file, "uai") as handle:
        handle.write("\n".join(lines) + "\n")


def read_uai_evidence(path_or_file: Source, model: GraphicalModel | None = None) -> dict[str, str]:
    """Read a UAI evidence file (``.uai.evid``) as ``{variable: state}``, ready for ``evidence=``.

    Both layouts of the competitions are read: ``n  v1 s1 ... vn sn`` (UAI 2014) and the
    older ``1  n  v1 s1 ...`` (one evidence sample). Variables and states are numbers in the
    file; they become the names :func:`read_uai` gives (``"X3"``, ``"1"``), or, with ``model``,
    that model's variables (in file order) and state names, checked against its cardinalities.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
    model : BayesianNetwork or MarkovNetwork, optional
        The network read from the matching ``.uai`` file.

    Returns
    -------
    dict
        ``{variable name: state name}`` in file order.

    Raises
    ------
    ParseError
        ``file:line:column`` for bad counts, indices out of range or trailing tokens.

    Examples
    --------
    >>> import io
    >>> mn = pl.read_uai(io.StringIO("MARKOV 2 2 3 1 2 0 1 6 1 2 3 4 5 6"))
    >>> pl.read_uai_evidence(io.StringIO("1 1 2"), mn)
    {'X1': '2'}
    >>> pl.query(mn, ["X0"], evidence=pl.read_uai_evidence(io.StringIO("1 1 2"), mn)).values.tolist()
    [0.3333333333333333, 0.6666666666666666]
    >>> pl.read_uai_evidence(io.StringIO("1 1 3"), mn)
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: <stream>:1:5: found '3', expected the state of variable X1 (an integer 0..2)
    """
    text, name = read_text(path_or_file)
    t = _Tokens(text, name)
    names = model.variables if model is not None else None
    declared = parse_count(t.toks[1]) if len(t.toks) >= 2 else None
    if t.toks[:1] == ["1"] and declared is not None and len(t.toks) == 2 + 2 * declared:
        t.i = 1  # the older layout: the number of samples (one), then the sample
    count = t.integer("the number of observed variables", 0, len(names) if names is not None else None)
    evidence: dict[str, str] = {}
    for _ in range(count):
        at = t.i
        v = t.integer("a variable index", 0, len(names) - 1 if names is not None else None)
        var = names[v] if names is not None else f"X{v}"
        if var in evidence:
            raise t.error(at, f"found variable {v} observed twice, expected each variable once")
        k = model.cardinality(var) if model is not None else None
        s = t.integer(f"the state of variable {var}", 0, k - 1 if k is not None else None)
        evidence[var] = model.states(var)[s] if model is not None else str(s)
    if t.i < len(t.toks):
        raise t.error(t.i, f"found {t.found(t.i)} after {count} observations, expected end of file")
    return evidence
