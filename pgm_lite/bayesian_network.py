"""BayesianNetwork: a DAG over discrete variables with one conditional table per variable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from . import graphs
from ._data import encode_table
from ._model import GraphicalModel, engine
from ._states import as_list, as_variables, check_names, merge_states
from ._typing import Edges, StatesSpec
from .cpd import TabularCPD
from .exceptions import ArgumentTypeError, StructureError, VariableNotFoundError
from .factor import DiscreteFactor
from .markov_network import MarkovNetwork

__all__ = ["BayesianNetwork"]


class BayesianNetwork(GraphicalModel):
    """A Bayesian network: a directed acyclic graph plus ``P(variable | parents)`` per variable.

    The network *owns* an ``nx.DiGraph`` (it does not inherit from one), so every change goes
    through methods that validate first; a rejected change leaves the model as it was.

    Parameters
    ----------
    edges : iterable of (str, str), optional
        Directed edges ``(parent, child)``.
    cpds : iterable of TabularCPD, optional
        Conditional tables; each one also adds the edges from its parents.
    variables : iterable of str, optional
        Variables to declare first (fixes the declaration order).
    states : int or dict, optional
        Number of states of every variable, or ``{variable: int | sequence of names}``.
        Variables named nowhere get two states ``"0", "1"``.

    Raises
    ------
    StructureError
        On a cycle (the message prints it), a self-loop, a duplicate variable, or a CPD whose
        parents disagree with the edges.
    ShapeError
        If state names or cardinalities disagree between the CPDs and ``states``.

    Examples
    --------
    >>> bn = pl.BayesianNetwork(
    ...     cpds=[pl.TabularCPD("rain", [0.8, 0.2], states={"rain": ["no", "yes"]}),
    ...           pl.TabularCPD("wet", [[0.9, 0.1], [0.1, 0.9]], parents=["rain"],
    ...                         states={"wet": ["dry", "wet"]})])
    >>> bn.variables, bn.parents("wet"), bn.states("rain")
    (['rain', 'wet'], ['rain'], ('no', 'yes'))
    >>> bn.factorization()
    'P(rain) P(wet | rain)'
    >>> round(bn.log_probability({"rain": "yes", "wet": "wet"}), 4)   # log(0.2 * 0.9)
    -1.7148
    """

    is_directed = True
    _graph: nx.DiGraph

    def __init__(self, edges: Edges = (), cpds: Iterable[TabularCPD] = (), *,
                 variables: Iterable[str] = (), states: StatesSpec = None) -> None:
        self._cpds: dict[str, TabularCPD] = {}
        self._topological: list[str] | None = None
        cpds = as_list(cpds, "cpds")
        edges = [_as_edge(e) for e in as_list(edges, "edges")]
        declared, default, per_var = self._declarations(variables, states)

        names = dict.fromkeys(declared)
        for u, v in edges:
            names.update(dict.fromkeys((u, v)))
        seen_cpd = set()
        for cpd in cpds:
            if not isinstance(cpd, TabularCPD):
                raise ArgumentTypeError(f"cpds must be TabularCPD objects, got {type(cpd).__name__}")
            if cpd.variable in seen_cpd:
                raise StructureError(f"two CPDs given for variable {cpd.variable!r}")
            seen_cpd.add(cpd.variable)
            names.update(dict.fromkeys(cpd.scope))
        check_names(names)
        unknown = [v for v in per_var if v not in names]
        if unknown:
            raise VariableNotFoundError(
                f"states given for {unknown}, which appear in no variable, edge or CPD"
            )
        all_edges = list(dict.fromkeys(edges + [(p, c.variable) for c in cpds for p in c.parents]))
        graph = nx.DiGraph()
        graph.add_nodes_from(names)
        for u, v in all_edges:
            if u == v:
                raise StructureError(f"self-loop on {u!r}: a variable cannot be its own parent")
        graph.add_edges_from(all_edges)
        _check_acyclic(graph)
        for cpd in cpds:
            _check_cpd_parents(cpd, list(graph.predecessors(cpd.variable)))

        sources: dict[str, list[tuple[str, Any]]] = {v: [] for v in names}
        for v, spec in per_var.items():
            sources[v].append(("the states argument", spec))
        for cpd in cpds:
            for var in cpd.scope:
                sources[var].append((f"the CPD of {cpd.variable!r}", cpd.states[var]))
        self._init_protocol(graph, {v: merge_states(v, sources[v], default) for v in names})
        self._cpds = {c.variable: _relabel(c, self._states) for c in cpds}

    @classmethod
    def from_validated(cls, states: Mapping[str, tuple[str, ...]], cpds: Sequence[TabularCPD], *,
                       acyclic: bool = False) -> BayesianNetwork:
        """Build a network from pieces a file reader has checked, without validating them again.

        The trusted counterpart of the constructor: the result is the network
        ``BayesianNetwork(cpds=cpds, variables=list(states))`` would build (same variables,
        states, edge order, tables, a new version), but without validating anything again.

        Parameters
        ----------
        states : mapping
            ``{variable: tuple of distinct str state names}``, every variable in declaration
            order, each a non-empty str.
        cpds : sequence of TabularCPD
            At most one per variable, over declared variables, carrying these very state tuples
            (e.g. built with :meth:`TabularCPD.from_validated`); the model keeps them.
        acyclic : bool, optional
            True if the caller has checked that the parents form no cycle (e.g. every parent's
            table came before its child's in the file); False (the default) checks it here.

        Raises
        ------
        StructureError
            If the parents of the CPDs form a cycle (the message prints one): the one check made
            (unless ``acyclic``), on the graph that is built anyway.

        Examples
        --------
        >>> states = {"rain": ("no", "yes"), "wet": ("dry", "wet")}
        >>> cpds = [pl.TabularCPD.from_validated("rain", np.array([0.8, 0.2]), (), states),
        ...         pl.TabularCPD.from_validated("wet", np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain",), states)]
        >>> bn = pl.BayesianNetwork.from_validated(states, cpds)
        >>> bn.parents("wet"), bn.states("wet")
        (['rain'], ('dry', 'wet'))
        """
        families = [(c.variable, c.parents) for c in cpds]
        # nx.DiGraph() without the backend dispatch of DiGraph.__new__ (which, with no backend
        # installed, returns object.__new__(cls)): the same plain graph, a good part cheaper
        graph = object.__new__(nx.DiGraph)
        graph.__init__()
        graph.add_nodes_from(states)
        graph.add_edges_from([(p, v) for v, parents in families for p in parents])
        if not acyclic and not _is_acyclic(families):
            _check_acyclic(graph)  # raises, printing a cycle
        self = object.__new__(cls)
        self._cpds = {}
        self._topological = None
        self._init_protocol(graph, dict(states))
        self._cpds = {v: c for (v, _), c in zip(families, cpds)}
        return self

    # -- reading the model ------------------------------------------------------------------
    @property
    def edges(self) -> list[tuple[str, str]]:
        """list of (str, str): the directed edges ``(parent, child)``."""
        return [(p, v) for v in self._states for p in self.parents(v)]

    def parents(self, variable: str) -> list[str]:
        """Return the parents of ``variable`` in CPD axis order (edge order before a CPD exists)."""
        cpd = self._cpds.get(self.check_variable(variable))
        return list(cpd.parents) if cpd is not None else list(self._graph.predecessors(variable))

    def children(self, variable: str) -> list[str]:
        """Return the children of ``variable`` in declaration order."""
        kids = set(self._graph.successors(self.check_variable(variable)))
        return [v for v in self._states if v in kids]

    def has_cpd(self, variable: str) -> bool:
        """Whether ``variable`` has a conditional table."""
        return self.check_variable(variable) in self._cpds

    def cpd(self, variable: str) -> TabularCPD:
        """Return the :class:`TabularCPD` of ``variable``.

        Raises
        ------
        StructureError
            If the variable has no CPD yet (structure-only models).
        """
        cpd = self._cpds.get(self.check_variable(variable))
        if cpd is None:
            raise StructureError(
                f"variable {variable!r} has no CPD; add one with add_cpd or learn them with pl.fit"
            )
        return cpd

    def cpds(self) -> list[TabularCPD]:
        """Return the CPDs that exist, in declaration order."""
        cpds = self._cpds
        if len(cpds) == len(self._states):  # every variable has one: no test per variable
            return list(map(cpds.__getitem__, self._states))
        return [cpds[v] for v in self._states if v in cpds]

    def is_fully_specified(self) -> bool:
        """Whether every variable has a CPD."""
        return len(self._cpds) == len(self._states)

    def topological_order(self) -> list[str]:
        """Return the variables parents-first; ties follow declaration order (deterministic)."""
        if self._topological is None:
            self._topological = [str(v) for v in graphs.topological_order(self._graph)]
        return list(self._topological)

    def check(self) -> None:
        """Raise StructureError unless every variable has a CPD (tables were validated on entry).

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B")]).check()
        Traceback (most recent call last):
        ...
        pgm_lite.exceptions.StructureError: variables without a CPD: ['A', 'B']
        """
        missing = [v for v in self._states if v not in self._cpds]
        if missing:
            raise StructureError(f"variables without a CPD: {missing}")

    def factors(self) -> list[DiscreteFactor]:
        """Return one :class:`DiscreteFactor` per CPD, axes ``(*parents, child)``, declaration order."""
        self.check()
        return [self._cpds[v].to_factor() for v in self._states]

    def joint(self, *, max_entries: int = 2**24) -> DiscreteFactor:
        """Return the full joint distribution as a factor over ``variables`` (small models only).

        Raises
        ------
        MemoryLimitError
            If the joint has more than ``max_entries`` entries.
        """
        self._guard_joint(max_entries)
        result = DiscreteFactor((), 1.0)
        for factor in self.factors():
            result = result.product(factor)
        return result.transpose(self.variables)

    def log_probability(self, assignment: Any) -> float | np.ndarray:
        """Log-probability of a full assignment, or of every row of a table (vectorised).

        Parameters
        ----------
        assignment : dict or pandas.DataFrame or array_like
            ``{variable: state}`` for one assignment; a DataFrame with a column per variable
            (state names or codes); or an integer array of codes, columns in ``variables`` order.

        Returns
        -------
        float or ndarray
            ``log P(x)`` (``-inf`` for impossible assignments), one value per row for tables.
        """
        self.check()
        if isinstance(assignment, dict):
            missing = [v for v in self._states if v not in assignment]
            if missing:
                raise VariableNotFoundError(f"assignment misses variables {missing}")
            codes = np.array([[self.state_index(v, assignment[v]) for v in self._states]])
            return float(self._log_prob_codes(codes)[0])
        return self._log_prob_codes(encode_table(self, assignment))

    def factorization(self, latex: bool = False) -> str:
        r"""Return the chain-rule factorisation the graph encodes, e.g. ``"P(A) P(B | A)"``.

        Parameters
        ----------
        latex : bool, optional
            Return LaTeX for slides instead (``X1`` becomes ``X_{1}``).

        Examples
        --------
        >>> chain = pl.BayesianNetwork([("X1", "X2"), ("X2", "X3")])
        >>> chain.factorization()
        'P(X1) P(X2 | X1) P(X3 | X2)'
        >>> chain.factorization(latex=True)
        'P(X_{1})\\,P(X_{2} \\mid X_{1})\\,P(X_{3} \\mid X_{2})'
        """
        name = graphs.latex_name if latex else str
        given, sep = (r" \mid ", r"\,") if latex else (" | ", " ")
        terms = []
        for v in self.topological_order():
            parents = ", ".join(name(p) for p in self.parents(v))
            terms.append(f"P({name(v)}{given + parents if parents else ''})")
        return sep.join(terms)

    # -- changing the model -----------------------------------------------------------------
    def _changed(self) -> None:
        self._topological = None
        super()._changed()

    def add_edge(self, parent: str, child: str) -> None:
        """Add the edge ``parent -> child``; unknown variables are added with two states.

        Raises
        ------
        StructureError
            On a self-loop, on a cycle (the message prints it) or if ``child`` already has a CPD.
        """
        check_names([parent, child])
        if parent == child:
            raise StructureError(f"self-loop on {parent!r}: a variable cannot be its own parent")
        if self._graph.has_edge(parent, child):
            return
        if child in self._cpds:
            raise StructureError(
                f"{child!r} already has a CPD over parents {list(self._cpds[child].parents)}; "
                f"add a CPD with the new parents instead of the edge ({parent!r}, {child!r})"
            )
        if parent in self._graph and child in self._graph and nx.has_path(self._graph, child, parent):
            path = nx.shortest_path(self._graph, child, parent)
            raise StructureError(
                f"adding edge ({parent!r}, {child!r}) creates the cycle "
                f"{' -> '.join(map(str, path + [child]))}"
            )
        self._link(parent, child)

    def add_cpd(self, cpd: TabularCPD) -> None:
        """Attach (or replace) the conditional table of ``cpd.variable``.

        A variable without parents takes the CPD's parents as new edges; otherwise the CPD's
        parents must be the variable's parents. New variables are added.

        Raises
        ------
        StructureError
            If the parents disagree with the graph or new edges would make a cycle.
        ShapeError
            If a cardinality or state names disagree with the model.
        """
        if not isinstance(cpd, TabularCPD):
            raise ArgumentTypeError(f"add_cpd needs a TabularCPD, got {type(cpd).__name__}")
        v = cpd.variable
        current = list(self._graph.predecessors(v)) if v in self._graph else []
        if current:
            _check_cpd_parents(cpd, current)
        merged = {}
        for var in cpd.scope:
            sources = [("the CPD", cpd.states[var])]
            if var in self._states:
                sources.insert(0, ("the network", self._states[var]))
            merged[var] = merge_states(var, sources, 2)
        graph = self._graph.copy()
        graph.add_nodes_from(cpd.scope)
        graph.add_edges_from((p, v) for p in cpd.parents)
        if not nx.is_directed_acyclic_graph(graph):
            cycle = [u for u, _ in nx.find_cycle(graph)]
            raise StructureError(
                f"the parents of the CPD of {v!r} create the cycle {' -> '.join(cycle + cycle[:1])}"
            )
        renamed = {var for var in cpd.scope if self._states.get(var, merged[var]) != merged[var]}
        self._states.update(merged)  # declared names replace default ones ("0", "1", ...)
        self._graph = graph
        for other, table in list(self._cpds.items()):
            if renamed.intersection(table.scope):
                self._cpds[other] = _relabel(table, self._states)
        self._cpds[v] = _relabel(cpd, self._states)
        self._changed()

    def remove_cpd(self, variable: str) -> None:
        """Remove the conditional table of ``variable`` (the edges stay)."""
        self.cpd(variable)
        del self._cpds[variable]
        self._changed()

    def copy(self) -> BayesianNetwork:
        """Return an independent copy (tables included)."""
        # CPDs are immutable (read-only tables): sharing them is safe
        return self._copy_protocol(_cpds=dict(self._cpds), _topological=None)

    def _table_count(self) -> str:
        return f"{len(self._cpds)} CPDs"

    # -- structure queries (free functions in pgm_lite.independence) ------------------------
    @classmethod
    def from_independencies(cls, variables: Sequence[str], independencies: Any,
                            states: int | Mapping[str, Any] = 2, *, explain: bool = False) -> Any:
        """Build the minimal I-map of ``independencies`` for the order of ``variables``.

        The parents of each variable are an inclusion-minimal set of predecessors that the
        statements imply under the semi-graphoid axioms (Pearl's boundary DAG); ``explain=True``
        also returns ``{variable: ParentChoice}`` with the statement and derivation behind each
        parent set. See :func:`pgm_lite.independence.minimal_imap`.

        Examples
        --------
        >>> chain = pl.BayesianNetwork.from_independencies(
        ...     ["X1", "X2", "X3"], ["X3 ⊥ X1 | X2"], states=2)
        >>> chain.factorization()
        'P(X1) P(X2 | X1) P(X3 | X2)'
        """
        from .independence import minimal_imap

        return minimal_imap(variables, independencies, states=states, explain=explain)

    def _variable_set(self, names: str | Iterable[str]) -> set[str]:
        return {self.check_variable(v) for v in as_variables(names)}

    def is_d_separated(self, x: str | Iterable[str], y: str | Iterable[str],
                       given: str | Iterable[str] = ()) -> bool:
        """Whether ``x`` and ``y`` (variables or sets) are d-separated by ``given``.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B"), ("B", "C")]).is_d_separated("A", "C", ["B"])
        True
        """
        return graphs.d_separated(self._graph, self._variable_set(x), self._variable_set(y),
                                  self._variable_set(given))

    def active_trail_nodes(self, x: str | Iterable[str], given: str | Iterable[str] = ()) -> list[str]:
        """Return the variables reachable from ``x`` by an active trail given ``given``.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "C"), ("B", "C")]).active_trail_nodes("A", ["C"])
        ['B']
        """
        start = self._variable_set(x)
        found = graphs.reachable(self._graph, start, self._variable_set(given))
        return [v for v in self._states if v in found and v not in start]

    def markov_blanket(self, variable: str) -> list[str]:
        """Return parents, children and the children's other parents of ``variable``.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "C"), ("B", "C")]).markov_blanket("A")
        ['C', 'B']
        """
        blanket = graphs.markov_blanket(self._graph, self.check_variable(variable))
        return [v for v in self._states if v in blanket]

    def local_independencies(self) -> list[str]:
        """Return the local Markov statements ``X ⊥ non-descendants | parents`` as strings.

        Variables whose non-descendants are all parents have no statement.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B"), ("B", "C")]).local_independencies()
        ['C ⊥ A | B']
        """
        statements = []
        for v in self._states:
            parents = self.parents(v)
            excluded = nx.descendants(self._graph, v) | set(parents) | {v}
            others = [u for u in self._states if u not in excluded]
            if others:
                statements.append(graphs.format_statement([v], others, parents))
        return statements

    def moralize(self) -> MarkovNetwork:
        """Return the moral graph as a :class:`MarkovNetwork` (with the CPDs as factors if any).

        Parents of a common child are married and directions dropped. A fully specified network
        brings its CPDs along as factors (so the Markov network defines the same distribution).

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "C"), ("B", "C")]).moralize().edges
        [('A', 'C'), ('A', 'B'), ('C', 'B')]
        """
        edges = list(self.edges)
        for v in self._states:
            parents = self.parents(v)
            edges += [(p, q) for i, p in enumerate(parents) for q in parents[i + 1:]]
        factors = [c.to_factor() for c in self.cpds()] if self.is_fully_specified() else []
        return MarkovNetwork(edges, factors, variables=self.variables, states=dict(self._states))

    def equivalence_class(self) -> Any:
        """Return the CPDAG of this network's Markov equivalence class (same as :func:`pgm_lite.cpdag`).

        Examples
        --------
        >>> g = pl.BayesianNetwork([("A", "B"), ("B", "C"), ("D", "C")]).equivalence_class()
        >>> g.directed_edges, g.undirected_edges
        ([('B', 'C'), ('D', 'C')], [('A', 'B')])
        """
        return engine("equivalence_class")(self)

    def factor_scopes(self) -> list[tuple[tuple[str, ...], str]]:
        """Return ``(scope, label)`` of every factor: one ``P(child | parents)`` per variable.

        Examples
        --------
        >>> pl.BayesianNetwork([("A", "B")]).factor_scopes()
        [(('A',), 'P(A)'), (('A', 'B'), 'P(B | A)')]
        """
        out = []
        for v in self._states:
            parents = self.parents(v)
            label = f"P({v} | {', '.join(parents)})" if parents else f"P({v})"
            out.append(((*parents, v), label))
        return out

    def _log_prob_codes(self, codes: np.ndarray) -> np.ndarray:
        """Vectorised log P(row) for an (n, d) array of codes in ``variables`` order."""
        column = {v: i for i, v in enumerate(self._states)}
        by_variable = np.ascontiguousarray(codes.T)       # one contiguous row of codes per variable
        total = np.zeros(codes.shape[0])
        with np.errstate(divide="ignore"):
            for v, cpd in self._cpds.items():
                index = np.ravel_multi_index([by_variable[column[u]] for u in (*cpd.parents, v)],
                                             cpd.table.shape)
                total += np.log(cpd.table).ravel()[index]  # log of the small table, then one gather
        return total



# -- helpers -----------------------------------------------------------------------------------
def _as_edge(edge: Any) -> tuple[str, str]:
    edge = tuple(edge)
    if len(edge) != 2:
        raise StructureError(f"an edge is a pair (parent, child), got {edge!r}")
    check_names(edge)
    return edge


def _is_acyclic(families: Sequence[tuple[str, tuple[str, ...]]]) -> bool:
    """Whether the ``(child, parents)`` pairs form no cycle: Kahn's algorithm on plain dicts,
    several times cheaper than networkx's check on the small graphs most files hold.
    """
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    for v, parents in families:
        if parents:
            waiting[v] = len(parents)
            for p in parents:
                children.setdefault(p, []).append(v)
    ready = [v for v in children if v not in waiting]  # parents without parents of their own
    while ready:
        for child in children.get(ready.pop(), ()):
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    return not any(waiting.values())


def _check_acyclic(graph: nx.DiGraph) -> None:
    """Raise StructureError, printing a cycle, unless ``graph`` is acyclic."""
    if not nx.is_directed_acyclic_graph(graph):
        cycle = [u for u, _ in nx.find_cycle(graph)]
        raise StructureError(
            f"the edges contain the cycle {' -> '.join(map(str, cycle + cycle[:1]))}; "
            "a Bayesian network must be acyclic"
        )


def _relabel(cpd: TabularCPD, states: Mapping[str, tuple[str, ...]]) -> TabularCPD:
    """Return ``cpd`` carrying the model's state names (same table object, no copy)."""
    return cpd.with_states({v: states[v] for v in cpd.scope})


def _check_cpd_parents(cpd: TabularCPD, graph_parents: list[str]) -> None:
    if set(cpd.parents) != set(graph_parents):
        extra = [p for p in cpd.parents if p not in graph_parents]
        missing = [p for p in graph_parents if p not in cpd.parents]
        hint = f"; add the edge(s) {[(p, cpd.variable) for p in extra]} first" if extra else ""
        raise StructureError(
            f"CPD of {cpd.variable!r} has parents {list(cpd.parents)} but the network has "
            f"{sorted(graph_parents)} (CPD lacks {missing}){hint}"
            if missing
            else f"CPD of {cpd.variable!r} has parents {list(cpd.parents)} but the network has "
            f"{sorted(graph_parents)}{hint}"
        )
