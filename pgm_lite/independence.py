"""Conditional independence: parse statements, reason with them, build structures, read them off graphs.

Statements are written as in a lecture: ``"X3 ⊥ X1 | X2"``, ``"X4 _|_ X1, X2 | X3"``, ``"A ⊥ B"``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from ._model import GraphicalModel
from ._validate import check_variables
from .bayesian_network import BayesianNetwork
from .exceptions import ParseError, PGMError, StructureError
from .graphs import format_statement
from .markov_network import MarkovNetwork
from .semigraphoid import Triple, boundary_parents, closure_statements, find_derivation, is_implied

__all__ = [
    "Independence",
    "ParentChoice",
    "parse_independence",
    "closure",
    "implies",
    "derivation",
    "minimal_imap",
    "pairwise_markov_network",
    "is_d_separated",
    "is_separated",
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
    def variables(self) -> tuple:
        """tuple: every variable the statement mentions, left to right."""
        return (*self.left, *self.right, *self.given)


#: One statement (``"A ⊥ B | C"`` or an :class:`Independence`) or an iterable of them.
Statements = str | Independence | Iterable[str | Independence]


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


def parse_independence(statement: str | Independence) -> Independence:
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
    seen: dict[str, str] = {}
    for side, names in (("left", left), ("right", right), ("given", given)):
        for v in names:
            if v in seen:
                col = statement.find(v, tokens[0][2] if seen[v] == side else 0)
                raise _error(statement, max(col, 0), f"variable {v!r} appears twice ({seen[v]} and {side})")
            seen[v] = side
    return result


_WHAT = {"sep": "'⊥' (or '_|_')", "given": "'|'", "end": "the end of the statement", "comma": "','"}


def _statement_list(statements: Any) -> list:
    """Return a single statement (string or Independence) or an iterable of them as a list."""
    if isinstance(statements, (str, Independence)):
        return [statements]
    return list(statements)


def _parse_all(variables, statements):
    parsed = [parse_independence(s) for s in _statement_list(statements)]
    for stmt in parsed:
        check_variables(stmt.variables, variables)
    return parsed


def _triples(parsed: Sequence[Independence]) -> list[Triple]:
    return [(s.left, s.right, s.given) for s in parsed]


@dataclasses.dataclass(frozen=True)
class ParentChoice:
    """Why :func:`minimal_imap` gave ``variable`` its ``parents``.

    Attributes
    ----------
    variable : str
    parents : tuple of str
    statement : Independence or None
        ``variable ⊥ (predecessors - parents) | parents``, implied by the declared statements;
        None when the parents are all the predecessors (the chain rule).
    steps : tuple of str
        A numbered derivation of ``statement`` from the declared ones.
    minimal : bool
        True when no smaller parent set is implied (decided); False when that is undecided.
    """

    variable: str
    parents: tuple[str, ...]
    statement: Independence | None
    steps: tuple[str, ...]
    minimal: bool

    def __str__(self) -> str:
        given = ", ".join(self.parents) if self.parents else "no parents"
        head = f"{self.variable}: {given}"
        if self.statement is None:
            return f"{head} (all its predecessors: no statement removes any)" if self.parents \
                else f"{head} (first in the order)"
        lines = [f"{head}, since {self.statement}", *(f"    {step}" for step in self.steps)]
        if not self.minimal:
            lines.append("    (minimality not decided: too many variables for the exact closure)")
        return "\n".join(lines)


def minimal_imap(variables: Sequence[str], independencies: Statements, states: int | Mapping[str, Any] = 2, *,
                 explain: bool = False) -> BayesianNetwork | tuple[BayesianNetwork, dict[str, ParentChoice]]:
    """Build the minimal I-map of the declared independencies for the given variable order.

    The parents of ``X_i`` are an inclusion-minimal subset ``U`` of its predecessors ``P`` such
    that ``X_i ⊥ P - U | U`` is implied by the statements under the semi-graphoid axioms
    (symmetry, decomposition, weak union, contraction): Pearl's boundary DAG.
    See :func:`pgm_lite.semigraphoid.boundary_parents` for what is decided and how; in short,
    every parent set is implied, and minimality is decided when the statements all hold as
    d-separations of the result (so for the 784-pixel Markov chain) or there are at most
    :data:`pgm_lite.tuning.CLOSURE_MAX_VARIABLES` variables. Only statements with ``X_i`` on
    one side are searched for ``X_i``'s derivation. Semi-graphoid implication is sound for every
    distribution, but probabilistic implication in general is not finitely axiomatizable, so a
    statement all distributions satisfy may be out of reach of the axioms.

    Parameters
    ----------
    variables : sequence of str
        The variable order.
    independencies : str, Independence, or iterable of them
        Declared statements.
    states : int or dict, optional
        Cardinalities (or state names) of the variables; the result has no CPDs.
    explain : bool, optional
        Also return ``{variable: ParentChoice}``: the implied statement that justified each
        variable's parents and its derivation.

    Returns
    -------
    BayesianNetwork or (BayesianNetwork, dict)
        A structure-only network (and the explanations).

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

    Naive Bayes needs contraction: ``X3 ⊥ X2 | Y`` and ``X3 ⊥ X1 | Y, X2`` give
    ``X3 ⊥ X1, X2 | Y``.

    >>> bn, why = pl.BayesianNetwork.from_independencies(
    ...     ["Y", "X1", "X2", "X3"], ["X1 ⊥ X2, X3 | Y", "X2 ⊥ X3 | Y"], explain=True)
    >>> bn.factorization()
    'P(Y) P(X1 | Y) P(X2 | Y) P(X3 | Y)'
    >>> print(why["X3"])
    X3: Y, since X3 ⊥ X1, X2 | Y
        (1) X2 ⊥ X3 | Y    given
        (2) X3 ⊥ X2 | Y    from (1) by symmetry
        (3) X1 ⊥ X2, X3 | Y    given
        (4) X3 ⊥ X1 | Y, X2    from (3) by symmetry, weak union
        (5) X3 ⊥ X1, X2 | Y    contraction of (2) and (4)
    """
    variables = list(variables)
    order = {v: i for i, v in enumerate(variables)}
    if len(order) != len(variables):
        raise StructureError("variables must not repeat")
    choices: list[Any] = boundary_parents(variables, _triples(_parse_all(order, independencies)))
    edges = [(p, b.variable) for b in choices for p in b.parents]
    bn = BayesianNetwork(edges, variables=variables, states=states)
    if not explain:
        return bn
    why = {b.variable: ParentChoice(b.variable, b.parents, None if b.statement is None
                                    else Independence(*b.statement), b.steps, b.minimal)
           for b in choices}
    return bn, why


def _mentioned(parsed: Sequence[Independence]) -> list[str]:
    return list(dict.fromkeys(v for s in parsed for v in s.variables))


def closure(statements: Statements, variables: Sequence[str] | None = None) -> list[Independence]:
    """Return every statement the semi-graphoid axioms derive, as its maximal statements.

    Each implied statement follows from one returned statement by symmetry, decomposition
    and weak union (the returned ones follow from nothing larger); shorter conditioning sets
    come first. The closure is exact; listing it takes time growing like 4**n, so it is limited
    to :data:`pgm_lite.tuning.CLOSURE_LIST_MAX_VARIABLES` variables.

    Parameters
    ----------
    statements : str, Independence or iterable of them
    variables : sequence of str, optional
        The universe and the order names are written in; default the variables mentioned.

    Raises
    ------
    OptionError
        If there are too many variables.

    Examples
    --------
    Naive Bayes: the two declared statements close to "each feature is independent of the
    others given the class".

    >>> for s in pl.closure(["X1 ⊥ X2, X3 | Y", "X2 ⊥ X3 | Y"]):
    ...     print(s)
    X1 ⊥ X2, X3 | Y
    X1, X2 ⊥ X3 | Y
    X1, X3 ⊥ X2 | Y
    """
    parsed = [parse_independence(s) for s in _statement_list(statements)]
    universe = _mentioned(parsed) if variables is None else list(variables)
    for stmt in parsed:
        check_variables(stmt.variables, dict.fromkeys(universe))
    return [Independence(*t) for t in closure_statements(universe, _triples(parsed))]


def implies(statements: Statements, statement: str | Independence) -> bool:
    """Whether ``statement`` follows from ``statements`` under the semi-graphoid axioms.

    A derivation is first searched among the statements that mention the target's variables
    (any size); failing that, the exact closure decides (at most
    :data:`pgm_lite.tuning.CLOSURE_MAX_VARIABLES` variables).

    Raises
    ------
    OptionError
        If no derivation is found and there are too many variables to decide exactly.

    Examples
    --------
    >>> naive = ["X1 ⊥ X2, X3 | Y", "X2 ⊥ X3 | Y"]
    >>> pl.implies(naive, "X3 ⊥ X1, X2 | Y"), pl.implies(naive, "X1 ⊥ X2")
    (True, False)
    """
    parsed = [parse_independence(s) for s in _statement_list(statements)]
    target = parse_independence(statement)
    universe = _mentioned([*parsed, target])
    return is_implied(universe, _triples(parsed), (target.left, target.right, target.given))


def derivation(statements: Statements, statement: str | Independence,
               variables: Sequence[str] | None = None) -> list[str]:
    """Return a numbered, step-by-step derivation of ``statement`` from ``statements``.

    Sets are written in the order of ``variables`` (default: order of first mention).

    Raises
    ------
    PGMError
        If the targeted search finds no derivation (use :func:`implies` to decide).

    Examples
    --------
    >>> for step in pl.derivation(["A ⊥ B | C", "A ⊥ D | B, C"], "B, D ⊥ A | C"):
    ...     print(step)
    (1) A ⊥ B | C    given
    (2) A ⊥ D | B, C    given
    (3) A ⊥ B, D | C    contraction of (1) and (2)
    (4) B, D ⊥ A | C    from (3) by symmetry
    """
    parsed = [parse_independence(s) for s in _statement_list(statements)]
    target = parse_independence(statement)
    universe = _mentioned([*parsed, target])
    if variables is not None:
        universe = list(dict.fromkeys([*variables, *universe]))
    steps = find_derivation(universe, _triples(parsed), (target.left, target.right, target.given))
    if steps is None:
        raise PGMError(
            f"no derivation of '{target}' found by chaining contraction over the statements that "
            "mention its variables; pl.implies decides whether one exists"
        )
    return steps


def pairwise_markov_network(variables: Sequence[str], independencies: Statements,
                            states: int | Mapping[str, Any] = 2) -> MarkovNetwork:
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


def _directed(model: Any, function: str) -> Any:
    if not isinstance(model, GraphicalModel):
        raise TypeError(f"{function} needs a BayesianNetwork, got {type(model).__name__}")
    if not model.is_directed:
        raise StructureError(
            f"{function} follows trails in a Bayesian network (a DAG); this is a Markov network, "
            "where independence is graph separation: use pl.is_separated(model, x, y, given) "
            "or model.is_separated(x, y, given)"
        )
    return model


def active_trail_nodes(model: BayesianNetwork, x: str | Iterable[str], given: str | Iterable[str] = ()) -> list[str]:
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

    Raises
    ------
    StructureError
        On a Markov network (use :func:`is_separated` there).

    Examples
    --------
    >>> v = pl.BayesianNetwork([("A", "C"), ("B", "C")])      # collider A -> C <- B
    >>> pl.active_trail_nodes(v, "A"), pl.active_trail_nodes(v, "A", given=["C"])
    (['C'], ['B'])
    """
    return _directed(model, "active_trail_nodes").active_trail_nodes(x, given)


def is_d_separated(model: BayesianNetwork, x: str | Iterable[str], y: str | Iterable[str],
                   given: str | Iterable[str] = ()) -> bool:
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
        If the sets overlap, or on a Markov network (use :func:`is_separated` there).

    Examples
    --------
    >>> chain = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    >>> pl.is_d_separated(chain, "A", "C"), pl.is_d_separated(chain, "A", "C", given=["B"])
    (False, True)
    """
    return _directed(model, "is_d_separated").is_d_separated(x, y, given)


def is_separated(model: MarkovNetwork, x: str | Iterable[str], y: str | Iterable[str],
                 given: str | Iterable[str] = ()) -> bool:
    """Whether every path between ``x`` and ``y`` in a Markov network passes through ``given``.

    Graph separation is the global Markov property: in every distribution that factorises over
    the graph, separated sets are conditionally independent. Overlapping sets, or a Bayesian
    network (use :func:`is_d_separated` there), raise StructureError.

    Examples
    --------
    >>> square = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")])
    >>> [pl.is_separated(square, "A", "C", given) for given in (["B"], ["B", "D"])]
    [False, True]
    """
    if not isinstance(model, GraphicalModel):
        raise TypeError(f"is_separated needs a MarkovNetwork, got {type(model).__name__}")
    if model.is_directed:
        raise StructureError(
            "is_separated is graph separation in a Markov network; for a Bayesian network use "
            "pl.is_d_separated(model, x, y, given) (or separation in model.moralize() of the "
            "ancestral graph)"
        )
    return model.is_separated(x, y, given)


def markov_blanket(model: Any, variable: str) -> list[str]:
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


def local_independencies(model: Any) -> list[str]:
    """Return each variable's local Markov statement.

    ``X ⊥ non-descendants | parents`` in a Bayesian network, ``X ⊥ the rest | neighbours`` in a
    Markov network.

    Examples
    --------
    >>> pl.independence.local_independencies(pl.BayesianNetwork([("A", "B"), ("B", "C")]))
    ['C ⊥ A | B']
    """
    return model.local_independencies()


def moralize(model: BayesianNetwork) -> MarkovNetwork:
    """Return the moral graph of a Bayesian network as a :class:`MarkovNetwork`.

    Examples
    --------
    >>> pl.independence.moralize(pl.BayesianNetwork([("A", "C"), ("B", "C")])).edges
    [('A', 'C'), ('A', 'B'), ('C', 'B')]
    """
    return model.moralize()


def independencies_hold(model: Any, statements: Statements, atol: float = 1e-9) -> bool:
    """Check one statement, or every statement of a list, numerically in the joint of a small model.

    ``A ⊥ B | C`` holds when ``P(A, B, C) P(C) = P(A, C) P(B, C)`` everywhere, within ``atol``.

    Examples
    --------
    >>> chain = pl.BayesianNetwork(cpds=[
    ...     pl.TabularCPD("A", [0.3, 0.7]),
    ...     pl.TabularCPD("B", [[0.9, 0.1], [0.2, 0.8]], parents=["A"]),
    ...     pl.TabularCPD("C", [[0.6, 0.4], [0.1, 0.9]], parents=["B"])])
    >>> pl.independencies_hold(chain, "C ⊥ A | B"), pl.independencies_hold(chain, "C ⊥ A")
    (True, False)
    >>> pl.independencies_hold(chain, ["C ⊥ A | B", "A ⊥ C | B"])
    True
    """
    parsed = _parse_all(model.state_names, statements)
    joint = model.joint()
    for stmt in parsed:
        abc = joint.marginalize([v for v in joint.variables if v not in stmt.variables])
        ac = abc.marginalize(stmt.right)
        bc = abc.marginalize(stmt.left)
        c = ac.marginalize(stmt.left)
        if not (abc * c).allclose(ac * bc, atol=atol):
            return False
    return True
