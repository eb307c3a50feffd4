"""The UAI competition format (``BAYES`` and ``MARKOV`` preambles): reader with located errors, writer.

UAI files number the variables and their states, so names are not stored: reading gives the
variables ``X0, X1, ...`` (or the names you pass) and the states ``"0".."k-1"``. Everything
else, the variable order, cardinalities, scopes (parents in order) and tables, survives a round
trip exactly.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np

from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ..factor import DiscreteFactor, default_state_names
from ..markov_network import MarkovNetwork
from ._assemble import ATOL, assemble_network
from ._source import is_float, locate, open_text_for_writing, read_text

__all__ = ["read_uai", "write_uai"]

_WORD = re.compile(r"\S+")


class _Tokens:
    def __init__(self, text, name):
        self.text, self.name = text, name
        self.toks = _WORD.findall(text)
        self.i = 0

    def error(self, index, message):
        if index >= len(self.toks):
            offset = len(self.text.rstrip())
        else:
            offset = next(itertools.islice(_WORD.finditer(self.text), index, None)).start()
        line, column = locate(self.text, offset)
        return ParseError(message, file=self.name, line=line, column=column)

    def found(self, index):
        return "end of file" if index >= len(self.toks) else repr(self.toks[index])

    def integer(self, what, low=0, high=None):
        i = self.i
        tok = self.toks[i] if i < len(self.toks) else ""
        if not (tok.isascii() and tok.isdigit()) or int(tok) < low or (high is not None and int(tok) > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.error(i, f"found {self.found(i)}, expected {what} (an integer {bound})")
        self.i += 1
        return int(tok)

    def floats(self, count, what):
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


def read_uai(path_or_file, *, variables=None, atol=ATOL):
    """Read a network in the UAI competition format.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.uai`` file (gzip-compressed files are detected from their content).
    variables : sequence of str, optional
        Names for the variables in file order (default ``X0, X1, ...``); UAI stores none.
    atol : float, optional
        Tolerance for rows of ``BAYES`` tables summing to one.

    Returns
    -------
    BayesianNetwork or MarkovNetwork
        ``BAYES`` files give a Bayesian network (the last variable of each function's scope is
        the child, the others its parents in order); ``MARKOV`` files a Markov network with one
        factor per function. States are named ``"0".."k-1"``.

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
    """
    text, name = read_text(path_or_file)
    t = _Tokens(text, name)
    if not t.toks:
        raise t.error(0, "found an empty file, expected 'BAYES' or 'MARKOV'")
    kind = t.toks[0].upper()
    if kind not in ("BAYES", "MARKOV"):
        raise t.error(0, f"found {t.found(0)}, expected 'BAYES' or 'MARKOV'")
    t.i = 1
    n = t.integer("the number of variables", 1)
    if variables is None:
        names = [f"X{i}" for i in range(n)]
    else:
        names = [str(v) for v in variables]
        if len(names) != n or len(set(names)) != n:
            raise ParseError(f"the file has {n} variables but {len(names)} distinct names were given: {names}",
                             file=name)
    cards = [t.integer(f"the cardinality of variable {i}", 1) for i in range(n)]
    m = t.integer("the number of functions")
    scopes = []
    for f in range(m):
        at = t.i
        size = t.integer(f"the scope size of function {f}", 1, n)
        scope = [t.integer(f"a variable index of function {f}", 0, n - 1) for _ in range(size)]
        if len(set(scope)) != len(scope):
            raise t.error(at, f"found the scope {scope} of function {f} with a repeated variable, "
                              "expected distinct variables")
        scopes.append((scope, at))
    tables = []
    for f, (scope, _) in enumerate(scopes):
        at = t.i
        expected = math.prod(cards[v] for v in scope)
        count = t.integer(f"the number of entries of function {f}")
        if count != expected:
            raise t.error(at, f"found {count} entries for function {f}, expected {expected} "
                              f"(the product of the cardinalities {[cards[v] for v in scope]})")
        tables.append((t.floats(count, f"an entry of function {f}"), at))
    if t.i < len(t.toks):
        raise t.error(t.i, f"found {t.found(t.i)} after the last table, expected end of file")
    states = {v: default_state_names(k) for v, k in zip(names, cards)}
    if kind == "MARKOV":
        factors = []
        for f, ((scope, _), (values, at)) in enumerate(zip(scopes, tables)):
            array = np.array(values).reshape([cards[v] for v in scope])
            if not np.all(np.isfinite(array)) or array.min() < 0:
                raise t.error(at, f"found a negative or non-finite entry in function {f}, "
                                  "expected non-negative potentials")
            factors.append(DiscreteFactor.from_validated(tuple(names[v] for v in scope), array,
                                                      {names[v]: states[names[v]] for v in scope}))
        return MarkovNetwork(factors=factors, variables=names, states=states)
    declared = {v: (states[v], i) for i, v in enumerate(names)}
    blocks = {}
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


def write_uai(model, path_or_file):
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
    if isinstance(model, BayesianNetwork):
        model.check()
        kind = "BAYES"
        functions = [(c.scope, c.table) for c in model.cpds()]
    elif isinstance(model, MarkovNetwork):
        kind = "MARKOV"
        functions = [(f.variables, f.values) for f in model.factors()]
    else:
        raise TypeError(f"write_uai needs a BayesianNetwork or MarkovNetwork, got {type(model).__name__}")
    index = {v: i for i, v in enumerate(model.variables)}
    lines = [kind, str(len(index)), " ".join(str(len(model.states(v))) for v in model.variables),
             str(len(functions))]
    lines += [" ".join(map(str, [len(scope), *(index[v] for v in scope)])) for scope, _ in functions]
    for _, values in functions:
        lines += ["", str(values.size), " ".join(map(repr, np.asarray(values, dtype=float).ravel().tolist()))]
    with open_text_for_writing(path_or_file) as handle:
        handle.write("\n".join(lines) + "\n")
