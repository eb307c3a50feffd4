"""MarkovNetwork: an undirected graph over discrete variables with factors on its cliques."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from . import graphs
from ._model import GraphicalModel, engine
from ._states import as_list, as_variables, check_names, merge_states
from ._typing import Edges, StatesSpec
from .exceptions import ArgumentTypeError, StructureError, VariableNotFoundError
from .factor import DiscreteFactor

__all__ = ["MarkovNetwork", "factor_graph"]


class MarkovNetwork(GraphicalModel):
    """A Markov random field: an undirected graph plus non-negative factors over its cliques.

    Parameters
    ----------
    edges : iterable of (str, str), optional
        Undirected edges. When none are given, the edges come from the factor scopes.
    factors : iterable of DiscreteFactor, optional
        Potentials; each scope must be a clique of the graph.
    variables : iterable of str, optional
        Variables to declare first (fixes the declaration order).
    states : int or dict, optional
        Number of states of every variable, or ``{variable: int | sequence of names}``.

    Raises
    ------
    StructureError
        If a factor's scope is not a clique (the message lists the missing edges), on a self-loop
        or a duplicate variable.

    Examples
    --------
    >>> phi = pl.DiscreteFactor(["A", "B"], [[10, 1], [1, 10]])
    >>> mn = pl.MarkovNetwork(factors=[phi])
    >>> mn.edges, mn.partition_function()
    ([('A', 'B')], 22.0)
    >>> pl.MarkovNetwork([("A", "B")], [pl.DiscreteFactor(["A", "C"], [[1, 1], [1, 1]])])
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.StructureError: the scope ('A', 'C') of a factor is not a clique of the graph: missing edge(s) [('A', 'C')]
    """

    is_directed = False

    def __init__(self, edges: Edges = (), factors: Iterable[DiscreteFactor] = (), *,
                 variables: Iterable[str] = (), states: StatesSpec = None) -> None:
        factors = as_list(factors, "factors")
        declared, default, per_var = self._declarations(variables, states)
        edges = [tuple(e) for e in as_list(edges, "edges")]  # checked to be pairs below
        names = dict.fromkeys(declared)
        for e in edges:
            if len(e) != 2:
                raise StructureError(f"an edge is a pair of variables, got {e!r}")
            check_names(e)
            if e[0] == e[1]:
                raise StructureError(f"self-loop on {e[0]!r}: an edge joins two different variables")
            names.update(dict.fromkeys(e))
        for f in factors:
            if not isinstance(f, DiscreteFactor):
                raise ArgumentTypeError(f"factors must be DiscreteFactor objects, got {type(f).__name__}")
            names.update(dict.fromkeys(f.variables))
        check_names(names)
        unknown = [v for v in per_var if v not in names]
        if unknown:
            raise VariableNotFoundError(f"states given for {unknown}, which appear in no edge or factor")
        graph = nx.Graph()
        graph.add_nodes_from(names)
        graph.add_edges_from(edges)
        if not edges:
            for f in factors:
                graph.add_edges_from(itertools.combinations(f.variables, 2))
        for f in factors:
            _check_clique(graph, f.variables)
        sources: dict[str, list[tuple[str, Any]]] = {v: [] for v in names}
        for v, spec in per_var.items():
            sources[v].append(("the states argument", spec))
        for i, f in enumerate(factors):
            for v in f.variables:
                sources[v].append((f"factor {i} {f.variables}", f.states[v]))
        self._init_protocol(graph, {v: merge_states(v, sources[v], default) for v in names})
        self._factors = [_relabel(f, self._states) for f in factors]

    # -- reading ----------------------------------------------------------------------------
    @property
    def edges(self) -> list[tuple[str, str]]:
        """list of (str, str): the undirected edges, each once, in declaration order."""
        index = {v: i for i, v in enumerate(self._states)}
        pairs = (tuple(sorted(e, key=index.__getitem__)) for e in self._graph.edges)
        return sorted(pairs, key=lambda e: (index[e[0]], index[e[1]]))

    def neighbors(self, variable: str) -> list[str]:
        """Return the neighbours of ``variable`` in declaration order."""
        near = set(self._graph.neighbors(self.check_variable(variable)))
        return [v for v in self._states if v in near]

    def markov_blanket(self, variable: str) -> list[str]:
        """Return the Markov blanket of ``variable``: its neighbours, in declaration order.

        Given its neighbours, a variable is independent of everything else (local Markov property).

        Examples
        --------
        >>> pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]).markov_blanket("A")
        ['B', 'D']
        """
        return self.neighbors(variable)

    # -- independencies read off the graph --------------------------------------------------
    def _variable_set(self, names: str | Iterable[str]) -> set[str]:
        return {self.check_variable(v) for v in as_variables(names)}

    def is_separated(self, x: str | Iterable[str], y: str | Iterable[str],
                     given: str | Iterable[str] = ()) -> bool:
        """Whether every path between ``x`` and ``y`` (variables or sets) passes through ``given``.

        Graph separation is the global Markov property: separated sets are conditionally
        independent in every distribution that factorises over the graph.

        Raises
        ------
        StructureError
            If the sets overlap.
        VariableNotFoundError
            If a name is not a variable.

        Examples
        --------
        >>> cycle = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")])
        >>> cycle.is_separated("A", "C", ["B"]), cycle.is_separated("A", "C", ["B", "D"])
        (False, True)
        """
        return graphs.separated(self._graph, self._variable_set(x), self._variable_set(y),
                                self._variable_set(given))

    def local_independencies(self) -> list[str]:
        """Return ``X ⊥ (all but X and its neighbours) | neighbours`` for every variable.

        Variables adjacent to every other variable have no statement.

        Examples
        --------
        >>> pl.MarkovNetwork([("A", "B"), ("B", "C")]).local_independencies()
        ['A ⊥ C | B', 'C ⊥ A | B']
        """
        statements = []
        for v in self._states:
            blanket = self.neighbors(v)
            rest = [u for u in self._states if u != v and u not in blanket]
            if rest:
                statements.append(graphs.format_statement([v], rest, blanket))
        return statements

    def pairwise_independencies(self) -> list[str]:
        """Return ``X ⊥ Y | (all other variables)`` for every pair of non-adjacent variables.

        Examples
        --------
        >>> pl.MarkovNetwork([("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]).pairwise_independencies()
        ['A ⊥ C | B, D', 'B ⊥ D | A, C']
        """
        names = list(self._states)
        return [
            graphs.format_statement([x], [y], [v for v in names if v not in (x, y)])
            for x, y in itertools.combinations(names, 2)
            if not self._graph.has_edge(x, y)
        ]

    def factorization(self, latex: bool = False) -> str:
        r"""Return the Gibbs factorisation ``1/Z φ(A, B) φ(B, C)`` over the factor scopes.

        A structure-only network (no factors yet) is written over its maximal cliques.

        Parameters
        ----------
        latex : bool, optional
            Give LaTeX for a slide (``\\frac{1}{Z}``, ``\\phi``; ``X1`` becomes ``X_{1}``).

        Examples
        --------
        >>> mn = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")])
        >>> mn.factorization()
        '1/Z φ(A, B, C) φ(C, D)'
        >>> mn.factorization(latex=True)
        '\\frac{1}{Z}\\,\\phi(A, B, C)\\,\\phi(C, D)'
        >>> pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], np.ones((2, 2))),
        ...                           pl.DiscreteFactor(["B"], [1.0, 2.0])]).factorization()
        '1/Z φ(A, B) φ(B)'
        """
        scopes: list[tuple[Any, ...]]
        if self._factors:
            scopes = [f.variables for f in self._factors]
        else:
            scopes = graphs.maximal_cliques(self._graph, list(self._states))
        name = graphs.latex_name if latex else str
        head, phi, sep = (r"\frac{1}{Z}", r"\phi", r"\,") if latex else ("1/Z", "φ", " ")
        return sep.join([head, *(f"{phi}({', '.join(name(v) for v in scope)})" for scope in scopes)])

    def factors(self) -> list[DiscreteFactor]:
        """Return the factors (a new list; factors are immutable, their tables read-only)."""
        return list(self._factors)

    def is_fully_specified(self) -> bool:
        """Whether every variable appears in at least one factor."""
        covered = {v for f in self._factors for v in f.variables}
        return bool(self._factors) and covered == set(self._states)

    def check(self) -> None:
        """Raise StructureError unless every variable appears in some factor."""
        covered = {v for f in self._factors for v in f.variables}
        missing = [v for v in self._states if v not in covered]
        if missing:
            raise StructureError(f"variables in no factor: {missing}")

    def joint(self, *, max_entries: int = 2**24) -> DiscreteFactor:
        """Return the normalised joint distribution over ``variables`` (small models only)."""
        return self._unnormalised(max_entries).normalize()

    def partition_function(self, *, elimination_order: str | Sequence[str] = "auto",
                           max_memory: int = 2 * 2**30) -> float:
        """Return Z, the sum over all assignments of the product of the factors.

        Computed by variable elimination (sum-product over the factors, in the order the heuristic
        picks), so grids far too big for a joint table work; the result is cached until the model
        changes.

        Parameters
        ----------
        elimination_order : str or list of str, optional
            A heuristic name (see :func:`pgm_lite.elimination_order`) or an explicit order.
        max_memory : int, optional
            Bytes the largest intermediate table may take.

        Raises
        ------
        StructureError
            If the network has no factor at all (a variable in no factor just multiplies Z by
            its number of states).
        NumericRangeError
            If Z is outside the range of a float: use :meth:`log_partition_function`.
        MemoryLimitError
            If elimination would need a table larger than ``max_memory``.

        Examples
        --------
        >>> pair = [[2.0, 0.5], [0.5, 2.0]]
        >>> cycle = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]
        >>> pl.MarkovNetwork(cycle, [pl.DiscreteFactor(e, pair) for e in cycle]).partition_function()
        44.125
        """
        return float(engine("partition_function")(self, elimination_order=elimination_order,
                                                  max_memory=max_memory))

    def log_partition_function(self, *, elimination_order: Any = "auto", max_memory: int = 2 * 2**30) -> float:
        """Return log Z (natural log), exact for any magnitude (see :func:`pgm_lite.log_partition_function`).

        Examples
        --------
        >>> big = [[1e200, 1.0], [1.0, 1e200]]
        >>> chain = [("A", "B"), ("B", "C")]
        >>> round(pl.MarkovNetwork(chain, [pl.DiscreteFactor(e, big) for e in chain]).log_partition_function(), 3)
        921.727
        """
        return float(engine("log_partition_function")(self, elimination_order=elimination_order,
                                                      max_memory=max_memory))

    def _unnormalised(self, max_entries: int) -> DiscreteFactor:
        self.check()
        self._guard_joint(max_entries, "use exact inference (pl.query) instead of brute force")
        result = DiscreteFactor((), 1.0)
        for f in self._factors:
            result = result.product(f)
        return result.transpose(self.variables)

    def copy(self) -> MarkovNetwork:
        """Return an independent copy; its factors are shared, being immutable."""
        return self._copy_protocol(_factors=list(self._factors))

    def _table_count(self) -> str:
        return f"{len(self._factors)} factors"

    def factor_scopes(self) -> list[tuple[tuple[str, ...], str]]:
        """Return ``(scope, label)`` of every factor, labels such as ``"φ(A, B)"``."""
        return [(f.variables, f"φ({', '.join(f.variables)})") for f in self._factors]

    def factor_graph(self) -> nx.Graph:
        """Return the bipartite factor graph (see :func:`factor_graph`)."""
        return factor_graph(self)

    # -- changing ---------------------------------------------------------------------------
    def add_edge(self, u: str, v: str) -> None:
        """Add the undirected edge ``u - v``; unknown variables are added with two states."""
        check_names([u, v])
        if u == v:
            raise StructureError(f"self-loop on {u!r}: an edge joins two different variables")
        self._link(u, v)

    def add_factor(self, factor: DiscreteFactor) -> None:
        """Attach a factor whose scope is a clique (unknown single variables are added)."""
        if not isinstance(factor, DiscreteFactor):
            raise ArgumentTypeError(f"add_factor needs a DiscreteFactor, got {type(factor).__name__}")
        graph = self._graph.copy()
        graph.add_nodes_from(factor.variables)
        _check_clique(graph, factor.variables)
        merged = {
            v: merge_states(v, [("the network", self._states[v]), ("the factor", factor.states[v])], 2)
            if v in self._states
            else factor.states[v]
            for v in factor.variables
        }
        renamed = {v for v in factor.variables if self._states.get(v, merged[v]) != merged[v]}
        self._states.update(merged)  # declared names replace default ones ("0", "1", ...)
        self._graph = graph
        self._factors = [_relabel(f, self._states) if renamed.intersection(f.variables) else f
                         for f in self._factors]
        self._factors.append(_relabel(factor, self._states))
        self._changed()

    @classmethod
    def from_independencies(cls, variables: Sequence[str], independencies: Any,
                            states: int | Mapping[str, Any] = 2) -> MarkovNetwork:
        """Build the pairwise-Markov network: ``X ⊥ Y | (all others)`` removes the edge X - Y.

        See :func:`pgm_lite.independence.pairwise_markov_network`.

        Examples
        --------
        >>> mn = pl.MarkovNetwork.from_independencies(["A", "B", "C"], ["A ⊥ C | B"])
        >>> mn.edges
        [('A', 'B'), ('B', 'C')]
        """
        from .independence import pairwise_markov_network

        return pairwise_markov_network(variables, independencies, states=states)



def _check_clique(graph: nx.Graph, scope: Sequence[str]) -> None:
    missing = [(u, v) for u, v in itertools.combinations(scope, 2) if not graph.has_edge(u, v)]
    if missing:
        raise StructureError(
            f"the scope {tuple(scope)} of a factor is not a clique of the graph: missing edge(s) {missing}"
        )


def _relabel(factor: DiscreteFactor, states: Mapping[str, tuple[str, ...]]) -> DiscreteFactor:
    return factor.with_states({v: states[v] for v in factor.variables})


def factor_graph(model: Any) -> nx.Graph:
    """Return the bipartite factor graph of a Bayesian or Markov network.

    Variable nodes are the variable names (``kind="variable"``); factor node ``("factor", i)``
    (``kind="factor"``, ``scope``, ``label`` such as ``"φ(A, B)"`` or ``"P(B | A)"``) joins the
    variables of the i-th factor (for a Bayesian network, the i-th variable's CPD scope).

    Examples
    --------
    >>> g = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], np.ones((2, 2)))]).factor_graph()
    >>> sorted(g.neighbors(("factor", 0)))
    ['A', 'B']
    """
    return graphs.factor_graph(model.variables, model.factor_scopes())
