"""Markov equivalence classes of DAGs: CPDAGs, consistent extensions, structural Hamming distance.

Two DAGs are Markov equivalent when they have the same skeleton and the same v-structures
(Verma & Pearl). The class is drawn as a CPDAG: the edges every member orients the same way are
directed, the others undirected. :func:`cpdag` builds it (v-structures, then Meek's rules),
:meth:`CPDAG.to_dag` picks one member (Dor & Tarsi), :func:`structural_hamming_distance` and
:func:`compare_structures` compare two structures edge by edge.

Examples
--------
>>> chain = nx.DiGraph([("A", "B"), ("B", "C")])
>>> collider = nx.DiGraph([("A", "B"), ("C", "B")])
>>> cpdag(chain).undirected_edges, cpdag(collider).directed_edges
([('A', 'B'), ('B', 'C')], [('A', 'B'), ('C', 'B')])
>>> structural_hamming_distance(chain, nx.DiGraph([("C", "B"), ("B", "A")]))  # equivalent
0
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import networkx as nx

from . import graphs
from ._model import register_engine
from .bayesian_network import BayesianNetwork
from .exceptions import ArgumentTypeError, StructureError

__all__ = ["CPDAG", "StructureComparison", "compare_structures", "cpdag", "orient_skeleton",
           "structural_hamming_distance"]

#: What the comparison functions accept.
StructureLike = Union[BayesianNetwork, nx.DiGraph, "CPDAG"]


class CPDAG:
    """A completed partially directed acyclic graph: one Markov equivalence class of DAGs.

    Parameters
    ----------
    variables : sequence of str
        The nodes, in the order results are listed.
    directed : iterable of (u, v)
        Edges oriented ``u -> v`` in every member of the class.
    undirected : iterable of (u, v)
        Edges ``u - v`` oriented both ways within the class.
    states : mapping, optional
        ``{variable: state names}``, kept so :meth:`to_dag` returns a network with those states.

    Examples
    --------
    >>> g = pl.cpdag(pl.BayesianNetwork([("A", "B"), ("B", "C")]))
    >>> g
    <CPDAG 3 variables, 0 directed and 2 undirected edges>
    >>> g.to_dag().edges
    [('B', 'A'), ('C', 'B')]
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, variables: Sequence[str], directed: Iterable[tuple[str, str]] = (),
                 undirected: Iterable[tuple[str, str]] = (), *,
                 states: Mapping[str, Sequence[str]] | None = None) -> None:
        self.variables = list(variables)
        self._rank: dict[Hashable, int] = {v: i for i, v in enumerate(self.variables)}
        self.states = {v: tuple(s) for v, s in (states or {}).items()}
        arcs, lines = set(), set()
        for u, v in directed:
            self._check(u, v)
            arcs.add((u, v))
        for u, v in undirected:
            self._check(u, v)
            lines.add(self._ordered(u, v))
        both = [e for e in lines if e in arcs or e[::-1] in arcs]
        if both or any((v, u) in arcs for u, v in arcs):
            clash = both[0] if both else next((u, v) for u, v in arcs if (v, u) in arcs)
            raise StructureError(f"the pair {clash} has more than one edge in the CPDAG")
        key = self._key
        self.directed_edges: list[tuple[str, str]] = sorted(arcs, key=key)
        self.undirected_edges: list[tuple[str, str]] = sorted(lines, key=key)

    def _key(self, edge: tuple[str, str]) -> tuple[int, int]:
        return self._rank[edge[0]], self._rank[edge[1]]

    def _ordered(self, u: str, v: str) -> tuple[str, str]:
        return (u, v) if self._rank[u] < self._rank[v] else (v, u)

    def _check(self, u: str, v: str) -> None:
        for x in (u, v):
            if x not in self._rank:
                raise StructureError(f"edge ({u!r}, {v!r}) names {x!r}, which is not a variable")
        if u == v:
            raise StructureError(f"self-loop on {u!r}")

    def marks(self) -> dict[tuple[str, str], str]:
        """Return ``{(u, v): "->" | "<-" | "--"}`` per adjacent pair, ``u`` first in variable order."""
        out = {}
        for u, v in self.directed_edges:
            out[self._ordered(u, v)] = "->" if self._rank[u] < self._rank[v] else "<-"
        for u, v in self.undirected_edges:
            out[(u, v)] = "--"
        return out

    def to_networkx(self) -> nx.DiGraph:
        """Return a DiGraph with one arc per directed edge and two arcs per undirected edge."""
        g = nx.DiGraph()
        g.add_nodes_from(self.variables)
        g.add_edges_from(self.directed_edges)
        g.add_edges_from(self.undirected_edges)
        g.add_edges_from((v, u) for u, v in self.undirected_edges)
        return g

    def to_dag(self) -> BayesianNetwork:
        """Return one DAG of the class (a consistent extension, Dor & Tarsi 1992).

        The returned network is structure-only, with the CPDAG's ``states`` when it has them.
        If the graph admits no consistent extension (possible for a PDAG learned from data),
        its undirected edges are oriented along a topological order of the directed part.

        Raises
        ------
        StructureError
            If the directed edges alone contain a cycle.
        """
        edges = _consistent_extension(self.variables, self.directed_edges, self.undirected_edges)
        if edges is None:
            directed = nx.DiGraph(self.directed_edges)
            directed.add_nodes_from(self.variables)
            if not nx.is_directed_acyclic_graph(directed):
                cycle = [u for u, _ in nx.find_cycle(directed)]
                raise StructureError(f"the directed edges contain the cycle "
                                     f"{' -> '.join(map(str, cycle + cycle[:1]))}")
            position = {v: i for i, v in enumerate(graphs.topological_order(directed, self._rank))}
            edges = list(self.directed_edges) + [
                (u, v) if position[u] < position[v] else (v, u) for u, v in self.undirected_edges]
        edges.sort(key=self._key)
        states = self.states or None
        return BayesianNetwork(edges, variables=self.variables, states=states)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CPDAG):
            return NotImplemented
        return (sorted(self.variables) == sorted(other.variables)
                and set(self.directed_edges) == set(other.directed_edges)
                and {frozenset(e) for e in self.undirected_edges}
                == {frozenset(e) for e in other.undirected_edges})

    def __repr__(self) -> str:
        return (f"<CPDAG {len(self.variables)} variables, {len(self.directed_edges)} directed and "
                f"{len(self.undirected_edges)} undirected edges>")


def _consistent_extension(variables: list[str], directed: list[tuple[str, str]],
                          undirected: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """Dor-Tarsi: repeatedly remove a sink whose undirected neighbours are adjacent to all its neighbours."""
    out: dict[str, set[str]] = {v: set() for v in variables}
    into: dict[str, set[str]] = {v: set() for v in variables}
    lines: dict[str, set[str]] = {v: set() for v in variables}
    for u, v in directed:
        out[u].add(v)
        into[v].add(u)
    for u, v in undirected:
        lines[u].add(v)
        lines[v].add(u)
    edges = list(directed)
    alive = list(variables)
    while alive:
        for x in alive:
            if out[x]:
                continue
            near = into[x] | lines[x]
            if all(near - {y} <= (into[y] | out[y] | lines[y]) for y in lines[x]):
                break
        else:
            return None
        for y in sorted(lines[x], key=variables.index):
            edges.append((y, x))
            lines[y].discard(x)
        for y in into[x]:
            out[y].discard(x)
        alive.remove(x)
        for y in out:
            into[y].discard(x)
    return edges


def orient_skeleton(variables: Sequence[str], edges: Iterable[tuple[str, str]],
                    colliders: Iterable[tuple[str, str, str]], *,
                    states: Mapping[str, Sequence[str]] | None = None) -> CPDAG:
    """Orient a skeleton: v-structures ``a -> c <- b`` first, then Meek's rules R1-R3 to closure.

    Parameters
    ----------
    variables : sequence of str
        The nodes.
    edges : iterable of (u, v)
        The skeleton (orientation ignored).
    colliders : iterable of (a, c, b)
        V-structures to orient. A collider whose edges were already oriented the other way by an
        earlier one (conflicting independence tests) is skipped, first come first served; so is
        any orientation (collider or Meek rule) that would close a directed cycle, which only
        conflicting tests on data can ask for.
    states : mapping, optional
        Passed on to the CPDAG.

    Returns
    -------
    CPDAG

    Examples
    --------
    >>> orient_skeleton("ABCD", [("A", "C"), ("B", "C"), ("C", "D")], [("A", "C", "B")]).directed_edges
    [('A', 'C'), ('B', 'C'), ('C', 'D')]
    """
    variables = list(variables)
    adjacent: dict[str, set[str]] = {v: set() for v in variables}
    for u, v in edges:
        adjacent[u].add(v)
        adjacent[v].add(u)
    arcs: set[tuple[str, str]] = set()

    def free(u, v):
        return v in adjacent[u] and (u, v) not in arcs and (v, u) not in arcs

    for a, c, b in colliders:
        if ((free(a, c) or (a, c) in arcs) and (free(b, c) or (b, c) in arcs)
                and not _closes_cycle(arcs, [(a, c), (b, c)])):
            arcs.update([(a, c), (b, c)])
    _meek(variables, adjacent, arcs)
    undirected = [(u, v) for i, u in enumerate(variables) for v in variables[i + 1:]
                  if free(u, v)]
    return CPDAG(variables, sorted(arcs), undirected, states=states)


def _closes_cycle(arcs: set[tuple[str, str]], new: list[tuple[str, str]]) -> bool:
    """Whether adding the arcs ``new`` to ``arcs`` makes a directed cycle."""
    children: dict[str, list[str]] = {}
    for u, v in [*arcs, *new]:
        children.setdefault(u, []).append(v)
    for u, v in new:  # a path v ~> u plus the arc u -> v
        seen, stack = {v}, [v]
        while stack:
            x = stack.pop()
            if x == u:
                return True
            for y in children.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
    return False


def _meek(variables, adjacent, arcs):
    """Apply Meek's rules R1-R3 to ``arcs`` (a set, updated) until nothing changes."""
    def undirected(u, v):
        return v in adjacent[u] and (u, v) not in arcs and (v, u) not in arcs

    def parents(v):
        return [u for u in adjacent[v] if (u, v) in arcs]

    changed = True
    while changed:
        changed = False
        for b in variables:
            for c in sorted(adjacent[b], key=variables.index):
                if not undirected(b, c):
                    continue
                pb = parents(b)
                r1 = any(c not in adjacent[a] and a != c for a in pb)
                r2 = any((b, a) in arcs and (a, c) in arcs for a in adjacent[b] & adjacent[c])
                # R3: b - c, b - x, b - y, x -> c <- y, x and y not adjacent => b -> c
                pc = [x for x in parents(c) if undirected(b, x)]
                r3 = any(y not in adjacent[x] for i, x in enumerate(pc) for y in pc[i + 1:])
                if (r1 or r2 or r3) and not _closes_cycle(arcs, [(b, c)]):
                    arcs.add((b, c))
                    changed = True


def _as_digraph(structure: Any) -> nx.DiGraph:
    if isinstance(structure, BayesianNetwork):
        return nx.DiGraph(structure.structure)
    if isinstance(structure, nx.DiGraph):
        if not nx.is_directed_acyclic_graph(structure):
            raise StructureError("the graph has a cycle; an equivalence class needs a DAG")
        return structure
    raise ArgumentTypeError(
        f"expected a BayesianNetwork, a networkx DiGraph or a CPDAG, got {type(structure).__name__}"
    )


def cpdag(structure: BayesianNetwork | nx.DiGraph | CPDAG) -> CPDAG:
    """Return the CPDAG (essential graph) of a DAG's Markov equivalence class.

    Parameters
    ----------
    structure : BayesianNetwork, networkx.DiGraph or CPDAG
        A DAG (a CPDAG is returned unchanged). A network's state names are kept.

    Returns
    -------
    CPDAG
        Directed edges: those in a v-structure or forced by Meek's rules; the rest undirected.

    Raises
    ------
    StructureError
        If a DiGraph has a cycle.

    Examples
    --------
    >>> g = pl.cpdag(pl.BayesianNetwork([("A", "C"), ("B", "C"), ("C", "D")], variables="ABCD"))
    >>> g.directed_edges, g.undirected_edges
    ([('A', 'C'), ('B', 'C'), ('C', 'D')], [])
    """
    if isinstance(structure, CPDAG):
        return structure
    dag = _as_digraph(structure)
    variables = list(dag.nodes)
    rank = {v: i for i, v in enumerate(variables)}
    colliders = []
    for c in variables:
        ps = sorted(dag.predecessors(c), key=rank.__getitem__)
        colliders += [(a, c, b) for i, a in enumerate(ps) for b in ps[i + 1:]
                      if not dag.has_edge(a, b) and not dag.has_edge(b, a)]
    states = ({v: structure.states(v) for v in variables}
              if isinstance(structure, BayesianNetwork) else None)
    return orient_skeleton(variables, dag.edges, colliders, states=states)


def _marks(structure: Any, dag: bool) -> tuple[list[Any], dict[tuple[Any, Any], str]]:
    """Variables and ``{(u, v): mark}`` pairs (u first in variable order) of a structure."""
    if dag:
        if isinstance(structure, CPDAG):
            raise ArgumentTypeError("dag=True compares DAGs; got a CPDAG (use its .to_dag() or dag=False)")
        g = _as_digraph(structure)
        rank = {v: i for i, v in enumerate(g.nodes)}
        marks = {}
        for u, v in g.edges:
            marks[(u, v) if rank[u] < rank[v] else (v, u)] = "->" if rank[u] < rank[v] else "<-"
        return list(g.nodes), marks
    c = cpdag(structure)
    return c.variables, c.marks()


def _aligned(a: Any, b: Any, dag: bool) -> tuple[list[Any], dict[Any, str], dict[Any, str], dict[Any, int]]:
    va, ma = _marks(a, dag)
    vb, mb = _marks(b, dag)
    if set(va) != set(vb):
        only_a = [v for v in va if v not in set(vb)]
        only_b = [v for v in vb if v not in set(va)]
        raise StructureError(f"the structures have different variables: only in the first "
                             f"{only_a}, only in the second {only_b}")
    rank = {v: i for i, v in enumerate(va)}

    def realign(marks):  # put both on the first structure's variable order
        flip = {"->": "<-", "<-": "->", "--": "--"}
        return {((u, v) if rank[u] < rank[v] else (v, u)): (m if rank[u] < rank[v] else flip[m])
                for (u, v), m in marks.items()}

    return va, ma, realign(mb), rank


def structural_hamming_distance(a: StructureLike, b: StructureLike, *, dag: bool = False) -> int:
    """Return the structural Hamming distance between two structures over the same variables.

    Parameters
    ----------
    a, b : BayesianNetwork, networkx.DiGraph or CPDAG
        The structures.
    dag : bool, optional
        ``False`` (default): compare the CPDAGs of their equivalence classes, so Markov-equivalent
        DAGs are at distance 0 (Tsamardinos et al. 2006). ``True``: compare the DAG edges as given.

    Returns
    -------
    int
        Number of node pairs whose edge differs: missing, extra, or oriented differently
        (reversed, or directed in one and undirected in the other); each pair counts once.

    Raises
    ------
    StructureError
        If the variable sets differ.

    Examples
    --------
    >>> a = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    >>> b = pl.BayesianNetwork([("A", "B"), ("C", "B")])
    >>> pl.structural_hamming_distance(a, b), pl.structural_hamming_distance(a, b, dag=True)
    (2, 1)
    """
    _, ma, mb, _ = _aligned(a, b, dag)
    return sum(ma.get(p) != mb.get(p) for p in set(ma) | set(mb))


@dataclass(frozen=True)
class StructureComparison:
    """Edge-by-edge difference of a learned structure from a reference one.

    Attributes
    ----------
    correct : list of (u, v)
        Edges with the same orientation in both (``u -> v``, or ``u - v`` in CPDAGs).
    missing : list of (u, v)
        Edges of the reference that the learned structure lacks (as in the reference).
    extra : list of (u, v)
        Edges of the learned structure the reference lacks (as in the learned one).
    reversed : list of (u, v)
        Edges of both with another orientation, as in the learned structure (for CPDAGs this
        includes an edge that is directed in one and undirected in the other).
    undirected : list of (u, v)
        Pairs drawn undirected in the learned structure (a CPDAG), among ``correct`` / ``extra``
        / ``reversed``.
    """

    correct: list[tuple[str, str]]
    missing: list[tuple[str, str]]
    extra: list[tuple[str, str]]
    reversed: list[tuple[str, str]]
    undirected: list[tuple[str, str]]

    @property
    def shd(self) -> int:
        """Structural Hamming distance: ``len(missing) + len(extra) + len(reversed)``."""
        return len(self.missing) + len(self.extra) + len(self.reversed)


def _edge(pair, mark):
    u, v = pair
    return (v, u) if mark == "<-" else (u, v)


def compare_structures(true: StructureLike, learned: StructureLike) -> StructureComparison:
    """List the missing, extra and reversed edges of ``learned`` with respect to ``true``.

    DAGs (networks, DiGraphs) are compared edge by edge as given; if either argument is a
    :class:`CPDAG` (e.g. from ``learn_structure(method="pc")``), both are compared as CPDAGs.

    Parameters
    ----------
    true, learned : BayesianNetwork, networkx.DiGraph or CPDAG
        The reference structure and the one to judge, over the same variables.

    Returns
    -------
    StructureComparison
        ``.missing``, ``.extra``, ``.reversed``, ``.correct`` edge lists and ``.shd``.

    Examples
    --------
    >>> true = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    >>> diff = pl.compare_structures(true, pl.BayesianNetwork([("B", "A"), ("A", "C")], variables="ABC"))
    >>> diff.missing, diff.extra, diff.reversed, diff.shd
    ([('B', 'C')], [('A', 'C')], [('B', 'A')], 3)
    """
    as_dag = not (isinstance(true, CPDAG) or isinstance(learned, CPDAG))
    variables, mt, ml, rank = _aligned(true, learned, as_dag)
    out: dict[str, list[tuple[str, str]]] = {k: [] for k in ("correct", "missing", "extra", "reversed",
                                                             "undirected")}
    for pair in sorted(set(mt) | set(ml), key=lambda p: (rank[p[0]], rank[p[1]])):
        t, m = mt.get(pair), ml.get(pair)
        kind = "missing" if m is None else "extra" if t is None else "correct" if t == m else "reversed"
        out[kind].append(_edge(pair, t if kind == "missing" else m))
        if m == "--":
            out["undirected"].append(pair)
    return StructureComparison(**out)


register_engine("equivalence_class", cpdag)  # bn.equivalence_class(): the model layer cannot import this module
