"""MarkovNetwork: an undirected graph over discrete variables with factors on its cliques."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np

from ._checks import _merge_states, _reject_duplicates, _split_states, check_variable
from .exceptions import MemoryLimitError, StructureError, VariableNotFoundError
from .factor import DiscreteFactor, _state_tuple, state_index

__all__ = ["MarkovNetwork", "factor_graph"]


class MarkovNetwork:
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

    def __init__(self, edges=(), factors=(), *, variables=(), states=None):
        edges = [tuple(e) for e in edges]
        factors = list(factors)
        declared = list(variables)
        _reject_duplicates(declared)
        default, per_var = _split_states(states)
        names = dict.fromkeys(declared)
        for e in edges:
            if len(e) != 2:
                raise StructureError(f"an edge is a pair of variables, got {e!r}")
            if e[0] == e[1]:
                raise StructureError(f"self-loop on {e[0]!r}: an edge joins two different variables")
            names.update(dict.fromkeys(e))
        for f in factors:
            if not isinstance(f, DiscreteFactor):
                raise TypeError(f"factors must be DiscreteFactor objects, got {type(f).__name__}")
            names.update(dict.fromkeys(f.variables))
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
        sources = {v: [] for v in names}
        for v, spec in per_var.items():
            sources[v].append(("the states argument", spec))
        for i, f in enumerate(factors):
            for v in f.variables:
                sources[v].append((f"factor {i} {f.variables}", f.states[v]))
        self._states = {v: _merge_states(v, sources[v], default) for v in names}
        self._graph = graph
        self._factors = [_relabel(f, self._states) for f in factors]
        self._version = 0

    # -- reading ----------------------------------------------------------------------------
    @property
    def variables(self):
        """list of str: the variables in declaration order."""
        return list(self._states)

    @property
    def edges(self):
        """list of (str, str): the undirected edges, each once, in declaration order."""
        index = {v: i for i, v in enumerate(self._states)}
        pairs = (tuple(sorted(e, key=index.get)) for e in self._graph.edges)
        return sorted(pairs, key=lambda e: (index[e[0]], index[e[1]]))

    @property
    def graph(self):
        """nx.Graph: a copy of the structure."""
        return self._graph.copy()

    def _check(self, variable):
        return check_variable(variable, self._states)

    def states(self, variable):
        """Return the state names of ``variable``."""
        return self._states[self._check(variable)]

    def cardinality(self, variable):
        """Return the number of states of ``variable``."""
        return len(self.states(variable))

    def neighbors(self, variable):
        """Return the neighbours of ``variable`` in declaration order."""
        near = set(self._graph.neighbors(self._check(variable)))
        return [v for v in self._states if v in near]

    def markov_blanket(self, variable):
        """Return the Markov blanket of ``variable``: its neighbours."""
        return self.neighbors(variable)

    def factors(self):
        """Return the factors (a new list; the factors themselves are shared, do not mutate them)."""
        return list(self._factors)

    def is_fully_specified(self):
        """Whether every variable appears in at least one factor."""
        covered = {v for f in self._factors for v in f.variables}
        return bool(self._factors) and covered == set(self._states)

    def state_index(self, variable, state):
        """Return the integer code of ``state`` (a name or an index) of ``variable``."""
        return state_index(variable, self.states(variable), state)

    def encode_evidence(self, evidence):
        """Translate ``{variable: state name or index}`` to ``{variable: code}``, validating both."""
        return {v: self.state_index(v, s) for v, s in dict(evidence or {}).items()}

    def check(self):
        """Raise StructureError unless every variable appears in some factor."""
        covered = {v for f in self._factors for v in f.variables}
        missing = [v for v in self._states if v not in covered]
        if missing:
            raise StructureError(f"variables in no factor: {missing}")

    def joint(self, *, max_entries=2**24):
        """Return the normalised joint distribution over ``variables`` (small models only)."""
        return self._unnormalised(max_entries).normalize()

    def partition_function(self, *, elimination_order="min-fill", max_memory=2 * 2**30):
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
            If a variable is in no factor.
        MemoryLimitError
            If elimination would need a table larger than ``max_memory``.

        Examples
        --------
        >>> pair = [[2.0, 0.5], [0.5, 2.0]]
        >>> cycle = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]
        >>> pl.MarkovNetwork(cycle, [pl.DiscreteFactor(e, pair) for e in cycle]).partition_function()
        44.125
        """
        from .inference._prune import compiled, elimination_key
        from .inference.variable_elimination import partition_function

        self.check()
        c = compiled(self)
        return float(partition_function(c, elimination_key(c, elimination_order), max_memory))

    def _unnormalised(self, max_entries):
        self.check()
        size = math.prod(len(s) for s in self._states.values())
        if size > max_entries:
            raise MemoryLimitError(
                f"the joint of {len(self._states)} variables has {size:.3g} entries, more than "
                f"max_entries={max_entries}; use exact inference (pl.query) instead of brute force"
            )
        result = DiscreteFactor._from_parts((), np.array(1.0), {})
        for f in self._factors:
            result = result.product(f)
        return result.transpose(self.variables)

    def factor_graph(self):
        """Return the bipartite factor graph (see :func:`factor_graph`)."""
        return factor_graph(self)

    # -- changing ---------------------------------------------------------------------------
    def add_variable(self, variable, states=2):
        """Declare a new variable with ``states`` (a count or a sequence of names)."""
        if variable in self._states:
            raise StructureError(f"variable {variable!r} already exists")
        names = _state_tuple(variable, states)
        self._graph.add_node(variable)
        self._states[variable] = names
        self._version += 1

    def add_edge(self, u, v):
        """Add the undirected edge ``u - v``; unknown variables are added with two states."""
        if u == v:
            raise StructureError(f"self-loop on {u!r}: an edge joins two different variables")
        for x in (u, v):
            if x not in self._states:
                self.add_variable(x)
        self._graph.add_edge(u, v)
        self._version += 1

    def add_factor(self, factor):
        """Attach a factor whose scope is a clique (unknown single variables are added)."""
        if not isinstance(factor, DiscreteFactor):
            raise TypeError(f"add_factor needs a DiscreteFactor, got {type(factor).__name__}")
        graph = self._graph.copy()
        graph.add_nodes_from(factor.variables)
        _check_clique(graph, factor.variables)
        merged = {
            v: _merge_states(v, [("the network", self._states[v]), ("the factor", factor.states[v])], 2)
            if v in self._states
            else factor.states[v]
            for v in factor.variables
        }
        for v in factor.variables:
            self._states.setdefault(v, merged[v])
        self._graph = graph
        self._factors.append(_relabel(factor, self._states))
        self._version += 1

    def copy(self):
        """Return an independent copy (factors included)."""
        new = object.__new__(MarkovNetwork)
        new._graph = self._graph.copy()
        new._states = dict(self._states)
        new._factors = [f.copy() for f in self._factors]
        new._version = 0
        return new

    def __repr__(self):
        return (
            f"<MarkovNetwork with {len(self._states)} variables, "
            f"{self._graph.number_of_edges()} edges, {len(self._factors)} factors>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Jupyter display: the graph drawn by :func:`pgm_lite.render` (runs ``dot`` only here)."""
        from .render import render

        return render(self)._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    @classmethod
    def from_independencies(cls, variables, independencies, states=2):
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

    def to_networkx(self):
        """Return the graph as an ``nx.Graph`` whose nodes carry ``states``; see :func:`pgm_lite.io.interop.to_networkx`."""
        from .io.interop import to_networkx

        return to_networkx(self)

    @classmethod
    def from_networkx(cls, graph):
        """Build a structure-only Markov network from a networkx graph (node attribute ``states``).

        See :func:`pgm_lite.io.interop.from_networkx`.
        """
        from .io.interop import from_networkx

        return from_networkx(graph, directed=False)


def _check_clique(graph, scope):
    missing = [(u, v) for u, v in itertools.combinations(scope, 2) if not graph.has_edge(u, v)]
    if missing:
        raise StructureError(
            f"the scope {tuple(scope)} of a factor is not a clique of the graph: missing edge(s) {missing}"
        )


def _relabel(factor, states):
    wanted = {v: states[v] for v in factor.variables}
    if wanted == factor.states:
        return factor
    return DiscreteFactor._from_parts(factor.variables, factor.values, wanted)


def factor_graph(model):
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
    graph = nx.Graph()
    for v in model.variables:
        graph.add_node(v, kind="variable")
    if hasattr(model, "_factors"):
        scopes = [(f.variables, f"φ({', '.join(f.variables)})") for f in model._factors]
    else:
        scopes = []
        for v in model.variables:
            parents = model.parents(v)
            label = f"P({v} | {', '.join(parents)})" if parents else f"P({v})"
            scopes.append(((*parents, v), label))
    for i, (scope, label) in enumerate(scopes):
        node = ("factor", i)
        graph.add_node(node, kind="factor", scope=tuple(scope), label=label)
        graph.add_edges_from((node, v) for v in scope)
    return graph
