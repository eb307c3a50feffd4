"""Conditional independence: parse statements, build structures from them, read them off graphs.

Statements are written as in a lecture: ``"X3 ⊥ X1 | X2"``, ``"X4 _|_ X1, X2 | X3"``, ``"A ⊥ B"``.
"""

from __future__ import annotations

import dataclasses
import re

import networkx as nx

from ._validate import check_variables
from .bayesian_network import BayesianNetwork
from .exceptions import ParseError, StructureError
from .graphs import format_statement
from .markov_network import MarkovNetwork

__all__ = [
    "Independence",
    "parse_independence",
    "minimal_imap",
    "pairwise_markov_network",
    "is_d_separated",
    "active_trail_nodes",
    "markov_blanket",
    "local_independencies",
    "moralize",
    "independencies_hold",
]

_SEPARATORS = ("_|_", "⊥", "⟂")


@dataclasses.dataclass(frozen=True)
class Independence:
    """The statement ``left ⊥ right | given`` over tuples of variable names.

    Examples
    --------
    >>> str(pl.Independence(("X4",), ("X1", "X2"), ("X3",)))
    'X4 ⊥ X1, X2 | X3'
    """

    left: tuple
    right: tuple
    given: tuple = ()

    def __str__(self) -> str:
        return format_statement(self.left, self.right, self.given)

    @property
    def variables(self):
        """tuple: every variable the statement mentions, left to right."""
        return (*self.left, *self.right, *self.given)


_TOKEN = re.compile(r"\s*(?:(?P<sep>_\|_|[⊥⟂])|(?P<given>\|)|(?P<comma>,)|(?P<name>(?:(?!_\|_)[^\s,|⊥⟂])+))")


def _tokens(text):
    """Yield (kind, value, column) with kinds 'name', 'sep', 'given', 'comma'; columns are 0-based."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is not None:
            yield kind, match.group(kind), match.start(kind)


def _error(text, column, message):
    caret = " " * column + "^"
    return ParseError(f"{message} in independence statement\n    {text}\n    {caret}", column=column + 1)


def parse_independence(statement):
    """Parse ``"A, B ⊥ C | D, E"`` (``_|_`` works too) into an :class:`Independence`.

    Parameters
    ----------
    statement : str or Independence
        The statement; an :class:`Independence` is returned unchanged.

    Raises
    ------
    ParseError
        If the statement is malformed; the message points at the offending character.

    Examples
    --------
    >>> pl.parse_independence("X4 _|_ X1, X2 | X3")
    Independence(left=('X4',), right=('X1', 'X2'), given=('X3',))
    >>> pl.parse_independence("A ⊥ | C")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: column 5: expected a variable name, found '|' in independence statement
        A ⊥ | C
            ^
    """
    if isinstance(statement, Independence):
        return statement
    if not isinstance(statement, str):
        raise TypeError(f"an independence statement is a string, got {type(statement).__name__}")
    tokens = list(_tokens(statement))
    tokens.append(("end", "end of statement", len(statement)))
    pos = 0

    def name_list(expect_more):
        nonlocal pos
        names = []
        while True:
            kind, value, col = tokens[pos]
            if kind != "name":
                found = "the end of the statement" if kind == "end" else repr(value)
                raise _error(statement, col, f"expected a variable name, found {found}")
            names.append(value)
            pos += 1
            if tokens[pos][0] != "comma":
                break
            pos += 1
        kind, value, col = tokens[pos]
        if kind not in expect_more:
            wanted = " or ".join(_WHAT[k] for k in expect_more)
            found = "the end of the statement" if kind == "end" else repr(value)
            raise _error(statement, col, f"expected {wanted}, found {found}")
        return tuple(names)

    left = name_list(("sep",))
    pos += 1
    right = name_list(("given", "end"))
    given = ()
    if tokens[pos][0] == "given":
        pos += 1
        given = name_list(("end",))
    result = Independence(left, right, given)
    seen = {}
    for side, names in (("left", left), ("right", right), ("given", given)):
        for v in names:
            if v in seen:
                col = statement.find(v, tokens[0][2] if seen[v] == side else 0)
                raise _error(statement, max(col, 0), f"variable {v!r} appears twice ({seen[v]} and {side})")
            seen[v] = side
    return result


_WHAT = {"sep": "'⊥' (or '_|_')", "given": "'|'", "end": "the end of the statement", "comma": "','"}


def _parse_all(variables, statements):
    parsed = [parse_independence(s) for s in statements]
    for stmt in parsed:
        check_variables(stmt.variables, variables)
    return parsed


def minimal_imap(variables, independencies, states=2):
    """Build the minimal I-map of the declared independencies for the given variable order.

    The parents of ``X_i`` are the smallest subset ``U`` of its predecessors such that
    ``X_i ⊥ (predecessors - U) | U`` follows from one declared statement by symmetry,
    decomposition and weak union. When no statement applies, all predecessors become parents
    (the chain rule).

    Parameters
    ----------
    variables : sequence of str
        The variable order.
    independencies : iterable of str or Independence
        Declared statements.
    states : int or dict, optional
        Cardinalities (or state names) of the variables; the result has no CPDs.

    Returns
    -------
    BayesianNetwork
        A structure-only network.

    Examples
    --------
    >>> xs = ["X1", "X2", "X3", "X4"]
    >>> markov = [f"X{i + 1} ⊥ {', '.join(xs[:i - 1])} | X{i}" for i in range(2, 4)]
    >>> markov
    ['X3 ⊥ X1 | X2', 'X4 ⊥ X1, X2 | X3']
    >>> pl.BayesianNetwork.from_independencies(xs, markov).factorization()
    'P(X1) P(X2 | X1) P(X3 | X2) P(X4 | X3)'
    >>> pl.BayesianNetwork.from_independencies(xs, []).factorization()
    'P(X1) P(X2 | X1) P(X3 | X1, X2) P(X4 | X1, X2, X3)'
    """
    variables = list(variables)
    order = {v: i for i, v in enumerate(variables)}
    if len(order) != len(variables):
        raise StructureError("variables must not repeat")
    applicable = {v: [] for v in variables}   # x -> statements with x on the left (after symmetry)
    for stmt in _parse_all(order, independencies):
        a, b, c = set(stmt.left), set(stmt.right), set(stmt.given)
        abc = a | b | c
        for x in a:
            applicable[x].append((a, b, c, abc))
        for x in b:
            applicable[x].append((b, a, c, abc))
    edges = []
    for i, x in enumerate(variables):
        preds = set(variables[:i])
        best = preds
        for _a, b, c, abc in applicable[x]:
            if not b.isdisjoint(preds) and c <= preds and preds <= abc:
                candidate = preds - b
                if len(candidate) < len(best):
                    best = candidate
        edges += [(p, x) for p in sorted(best, key=order.get)]
    return BayesianNetwork(edges, variables=variables, states=states)


def pairwise_markov_network(variables, independencies, states=2):
    """Build the Markov network whose missing edges are the declared pairwise independencies.

    Start from the complete graph; a statement ``A ⊥ B | C`` whose variables cover all the
    variables implies ``a ⊥ b | (all others)`` for each ``a`` in A and ``b`` in B (decomposition and
    weak union) and removes the edge ``a - b``.

    Raises
    ------
    StructureError
        If a statement does not condition on all the other variables (the pairwise Markov
        property cannot use it); the message lists what is missing.

    Examples
    --------
    >>> grid = pl.MarkovNetwork.from_independencies(
    ...     ["A", "B", "C", "D"], ["A ⊥ D | B, C", "B ⊥ C | A, D"])
    >>> grid.edges
    [('A', 'B'), ('A', 'C'), ('B', 'D'), ('C', 'D')]
    """
    variables = list(variables)
    if len(set(variables)) != len(variables):
        raise StructureError("variables must not repeat")
    graph = nx.complete_graph(variables)
    for stmt in _parse_all(dict.fromkeys(variables), independencies):
        missing = [v for v in variables if v not in stmt.variables]
        if missing:
            raise StructureError(
                f"'{stmt}' does not condition on {missing}; the pairwise Markov property needs "
                "statements of the form 'X ⊥ Y | all other variables'"
            )
        graph.remove_edges_from((a, b) for a in stmt.left for b in stmt.right)
    return MarkovNetwork(list(graph.edges), variables=variables, states=states)


def active_trail_nodes(model, x, given=()):
    """Return the variables joined to ``x`` by an active trail given ``given`` (Bayes-ball).

    Parameters
    ----------
    model : BayesianNetwork
    x : str or iterable of str
        Start variable(s); they are not part of the result.
    given : iterable of str
        Observed variables.

    Returns
    -------
    list of str
        Reachable variables in declaration order.

    Examples
    --------
    >>> v = pl.BayesianNetwork([("A", "C"), ("B", "C")])      # collider A -> C <- B
    >>> pl.active_trail_nodes(v, "A"), pl.active_trail_nodes(v, "A", given=["C"])
    (['C'], ['B'])
    """
    return model.active_trail_nodes(x, given)


def is_d_separated(model, x, y, given=()):
    """Whether every trail between ``x`` and ``y`` is blocked by ``given`` (d-separation).

    Parameters
    ----------
    model : BayesianNetwork
    x, y : str or iterable of str
        The two (disjoint) sets of variables.
    given : iterable of str
        Observed variables, disjoint from ``x`` and ``y``.

    Raises
    ------
    StructureError
        If the sets overlap.

    Examples
    --------
    >>> chain = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    >>> pl.is_d_separated(chain, "A", "C"), pl.is_d_separated(chain, "A", "C", given=["B"])
    (False, True)
    """
    return model.is_d_separated(x, y, given)


def markov_blanket(model, variable):
    """Return the Markov blanket of ``variable``, in declaration order.

    For a Bayesian network: parents, children and the children's other parents; for a Markov
    network: the neighbours.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "C"), ("B", "C"), ("C", "D"), ("E", "A")])
    >>> pl.markov_blanket(bn, "A")
    ['C', 'B', 'E']
    """
    return model.markov_blanket(variable)


def local_independencies(model):
    """Return each variable's local Markov statement ``X ⊥ non-descendants | parents``.

    Examples
    --------
    >>> pl.independence.local_independencies(pl.BayesianNetwork([("A", "B"), ("B", "C")]))
    ['C ⊥ A | B']
    """
    return model.local_independencies()


def moralize(model):
    """Return the moral graph of a Bayesian network as a :class:`MarkovNetwork`.

    Examples
    --------
    >>> pl.independence.moralize(pl.BayesianNetwork([("A", "C"), ("B", "C")])).edges
    [('A', 'C'), ('A', 'B'), ('C', 'B')]
    """
    return model.moralize()


def independencies_hold(model, statement, atol=1e-9):
    """Check a statement numerically in the joint of a fully specified (small) model.

    ``A ⊥ B | C`` holds when ``P(A, B, C) P(C) = P(A, C) P(B, C)`` everywhere, within ``atol``.

    Examples
    --------
    >>> chain = pl.BayesianNetwork(cpds=[
    ...     pl.TabularCPD("A", [0.3, 0.7]),
    ...     pl.TabularCPD("B", [[0.9, 0.1], [0.2, 0.8]], parents=["A"]),
    ...     pl.TabularCPD("C", [[0.6, 0.4], [0.1, 0.9]], parents=["B"])])
    >>> pl.independencies_hold(chain, "C ⊥ A | B"), pl.independencies_hold(chain, "C ⊥ A")
    (True, False)
    """
    stmt = parse_independence(statement)
    check_variables(stmt.variables, model.state_names)
    joint = model.joint()
    abc = joint.marginalize([v for v in joint.variables if v not in stmt.variables])
    ac = abc.marginalize(stmt.right)
    bc = abc.marginalize(stmt.left)
    c = ac.marginalize(stmt.left)
    return (abc * c).allclose(ac * bc, atol=atol)
