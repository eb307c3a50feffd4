"""Graph algorithms on plain networkx graphs: moral graph, topological order, (d-)separation.

Every function here takes networkx graphs and variable names, never a model, so the models can
call them for their convenience methods and every engine uses the same one of each algorithm.

Examples
--------
>>> dag = nx.DiGraph([("A", "C"), ("B", "C"), ("C", "D")])
>>> sorted(tuple(sorted(e)) for e in moral_graph(dag).edges)
[('A', 'B'), ('A', 'C'), ('B', 'C'), ('C', 'D')]
>>> d_separated(dag, {"A"}, {"B"}, set()), d_separated(dag, {"A"}, {"B"}, {"D"})
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

import networkx as nx

from .exceptions import StructureError

__all__ = [
    "d_separated",
    "factor_graph",
    "format_statement",
    "latex_name",
    "markov_blanket",
    "maximal_cliques",
    "moral_graph",
    "reachable",
    "separated",
    "topological_order",
]


def moral_graph(dag: nx.DiGraph, parents: Mapping[Hashable, Sequence[Hashable]] | None = None) -> nx.Graph:
    """Return the moral graph of ``dag``: parents of a common child married, directions dropped.

    Parameters
    ----------
    dag : nx.DiGraph
        The directed graph; its node order is kept.
    parents : mapping, optional
        ``{node: parents in axis order}``; default the graph's predecessors.

    Examples
    --------
    >>> sorted(tuple(sorted(e)) for e in moral_graph(nx.DiGraph([("A", "C"), ("B", "C")])).edges)
    [('A', 'B'), ('A', 'C'), ('B', 'C')]
    """
    graph = nx.Graph()
    graph.add_nodes_from(dag.nodes(data=True))
    for v in dag.nodes:
        ps = list(parents[v]) if parents is not None else list(dag.predecessors(v))
        graph.add_edges_from((p, v) for p in ps)
        graph.add_edges_from((p, q) for i, p in enumerate(ps) for q in ps[i + 1:])
    return graph


def topological_order(dag: nx.DiGraph, rank: Mapping[Hashable, int] | None = None) -> list[Hashable]:
    """Return the nodes parents-first; ties go to the lowest ``rank`` (default: node order).

    Examples
    --------
    >>> topological_order(nx.DiGraph([("B", "A"), ("C", "A")]))
    ['B', 'C', 'A']
    """
    if rank is None:
        rank = {v: i for i, v in enumerate(dag.nodes)}
    return list(nx.lexicographical_topological_sort(dag, key=rank.__getitem__))


def reachable(dag: nx.DiGraph, start: Iterable[Hashable], observed: Iterable[Hashable]) -> set[Hashable]:
    """Return the nodes joined to ``start`` by an active trail given ``observed`` (Bayes-ball).

    ``start`` itself is included unless observed.

    Examples
    --------
    >>> collider = nx.DiGraph([("A", "C"), ("B", "C")])
    >>> sorted(reachable(collider, {"A"}, set())), sorted(reachable(collider, {"A"}, {"C"}))
    (['A', 'C'], ['A', 'B'])
    """
    observed = set(observed)
    ancestors_of_observed = set(observed)
    for z in observed:
        ancestors_of_observed |= nx.ancestors(dag, z)
    visited: set[tuple[Hashable, bool]] = set()
    found: set[Hashable] = set()
    stack = [(v, True) for v in start]  # True: the ball travels up (from a child)
    while stack:
        node, up = stack.pop()
        if (node, up) in visited:
            continue
        visited.add((node, up))
        if node not in observed:
            found.add(node)
        if up and node not in observed:
            stack += [(p, True) for p in dag.predecessors(node)]
            stack += [(c, False) for c in dag.successors(node)]
        elif not up:
            if node not in observed:
                stack += [(c, False) for c in dag.successors(node)]
            if node in ancestors_of_observed:
                stack += [(p, True) for p in dag.predecessors(node)]
    return found


def _disjoint(xs: AbstractSet[Hashable], ys: AbstractSet[Hashable], zs: AbstractSet[Hashable]) -> None:
    overlap = (xs & ys) | ((xs | ys) & zs)
    if overlap:
        raise StructureError(
            f"x, y and given must be disjoint sets; {sorted(map(str, overlap))} appear twice"
        )


def d_separated(dag: nx.DiGraph, xs: AbstractSet[Hashable], ys: AbstractSet[Hashable], zs: AbstractSet[Hashable]) -> bool:
    """Whether every trail between ``xs`` and ``ys`` is blocked by ``zs`` in ``dag``.

    Raises
    ------
    StructureError
        If the three sets overlap.

    Examples
    --------
    >>> d_separated(nx.DiGraph([("A", "B"), ("B", "C")]), {"A"}, {"C"}, {"B"})
    True
    """
    _disjoint(xs, ys, zs)
    return not (reachable(dag, xs, zs) & ys)


def separated(graph: nx.Graph, xs: AbstractSet[Hashable], ys: AbstractSet[Hashable], zs: AbstractSet[Hashable]) -> bool:
    """Whether every path between ``xs`` and ``ys`` in the undirected ``graph`` passes through ``zs``.

    A breadth of search from ``xs`` that never enters ``zs`` must not reach ``ys``; the three
    sets must be disjoint (StructureError otherwise).

    >>> separated(nx.path_graph(["A", "B", "C"]), {"A"}, {"C"}, {"B"})
    True
    """
    _disjoint(xs, ys, zs)
    seen = set(xs)
    stack = list(xs)
    while stack:
        v = stack.pop()
        for u in graph.neighbors(v):
            if u in ys:
                return False
            if u not in seen and u not in zs:
                seen.add(u)
                stack.append(u)
    return True


def markov_blanket(graph: nx.Graph, variable: Hashable) -> set[Hashable]:
    """Return the Markov blanket of ``variable``: parents, children and co-parents in a DAG,
    the neighbours in an undirected graph.

    Examples
    --------
    >>> sorted(markov_blanket(nx.DiGraph([("A", "C"), ("B", "C")]), "A"))
    ['B', 'C']
    """
    if not graph.is_directed():
        return set(graph.neighbors(variable))
    blanket = set(graph.predecessors(variable)) | set(graph.successors(variable))
    for child in graph.successors(variable):
        blanket |= set(graph.predecessors(child))
    blanket.discard(variable)
    return blanket


def format_statement(left: Sequence[str], right: Sequence[str], given: Sequence[str] = ()) -> str:
    """Write ``left ⊥ right | given`` in the statement syntax.

    Examples
    --------
    >>> format_statement(["X4"], ["X1", "X2"], ["X3"])
    'X4 ⊥ X1, X2 | X3'
    """
    text = f"{', '.join(left)} ⊥ {', '.join(right)}"
    return f"{text} | {', '.join(given)}" if given else text


def latex_name(name: Hashable) -> str:
    r"""Write a variable name for LaTeX: ``X1`` -> ``X_{1}``, ``smoke`` -> ``\text{smoke}``.

    Examples
    --------
    >>> latex_name("X12"), latex_name("A"), latex_name("lung_cancer")
    ('X_{12}', 'A', '\\text{lung\\_cancer}')
    """
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", str(name))
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", str(name)):
        return str(name)
    return r"\text{" + str(name).replace("_", r"\_") + "}"


def maximal_cliques(graph: nx.Graph, order: Sequence[Hashable] | None = None) -> list[tuple[Hashable, ...]]:
    """Return the maximal cliques of ``graph``, each in ``order`` (default node order), sorted by it.

    Examples
    --------
    >>> maximal_cliques(nx.Graph([("C", "B"), ("A", "B"), ("A", "C"), ("C", "D")]), "ABCD")
    [('A', 'B', 'C'), ('C', 'D')]
    """
    rank = {v: i for i, v in enumerate(graph.nodes if order is None else order)}
    cliques = [tuple(sorted(c, key=rank.__getitem__)) for c in nx.find_cliques(graph)]
    return sorted(cliques, key=lambda c: [rank[v] for v in c])


def factor_graph(variables: Iterable[Hashable], scopes: Iterable[tuple[Sequence[Hashable], str]]) -> nx.Graph:
    """Return the bipartite factor graph of ``(scope, label)`` factors over ``variables``.

    Variable nodes are the names (``kind="variable"``); factor node ``("factor", i)``
    (``kind="factor"``, ``scope``, ``label``) joins the variables of the i-th factor.

    Examples
    --------
    >>> g = factor_graph(["A", "B"], [(("A", "B"), "φ(A, B)")])
    >>> sorted(g.neighbors(("factor", 0)))
    ['A', 'B']
    """
    graph = nx.Graph()
    for v in variables:
        graph.add_node(v, kind="variable")
    for i, (scope, label) in enumerate(scopes):
        node = ("factor", i)
        graph.add_node(node, kind="factor", scope=tuple(scope), label=label)
        graph.add_edges_from((node, v) for v in scope)
    return graph
