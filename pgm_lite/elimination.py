"""Elimination orders: the heuristic registry, induced width and the steps of an elimination.

Heuristics are greedy: at each step they eliminate the variable with the lowest score on the
current interaction graph (moral graph of a Bayesian network, the graph of a Markov network) and
connect its neighbours. Ties go to the variable declared first, so orders are deterministic.
"""

from __future__ import annotations

import heapq
import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from . import bandwidth, tuning
from ._min_fill import min_fill_run
from ._model import check_model
from ._validate import check_variable, format_choices
from .exceptions import OptionError, StructureError
from .graphs import moral_graph

__all__ = [
    "ORDERINGS",
    "CliqueTree",
    "clique_tree",
    "eliminate",
    "get_heuristic",
    "greedy_order",
    "min_fill_ids",
    "Step",
    "elimination_order",
    "elimination_steps",
    "induced_width",
    "interaction_graph",
    "junction_tree_structure",
]


# -- scores: f(v, adj, cards) -> number; adj maps a node to the set of its neighbours ------------
def _degree(v, adj, cards):
    return len(adj[v])


def _fill(v, adj, cards):
    nbrs = adj[v]
    k = len(nbrs)
    if k < 2:
        return 0
    inside = nbrs.intersection
    return (k * (k - 1) - sum([len(inside(adj[a])) for a in nbrs])) // 2


def _weighted_fill(v, adj, cards):
    nbrs = list(adj[v])
    total = 0
    for i, a in enumerate(nbrs):
        near = adj[a]
        for b in nbrs[i + 1:]:
            if b not in near:
                total += cards[a] * cards[b]
    return total


def _weight(v, adj, cards):
    return math.prod(cards[u] for u in adj[v]) * cards[v]


def _one(a, b, cards):
    return 1


def _product(a, b, cards):
    return cards[a] * cards[b]


#: Registry of elimination heuristics: name -> (score function, fill-edge weight or None).
#: The weight says how much a new fill edge a-b lowers the score of a common neighbour of a
#: and b (fill-based scores); None when fill edges elsewhere leave a score unchanged.
ORDERINGS = {
    "min-degree": (_degree, None),
    "min-fill": (_fill, _one),
    "weighted-min-fill": (_weighted_fill, _product),
    "min-weight": (_weight, None),
}


def get_heuristic(heuristic: str) -> tuple[Any, Any]:
    """Return ``(score, fill-edge weight)`` of ``heuristic``; ``(None, None)`` for bandwidth's orders.

    Raises
    ------
    OptionError
        If no heuristic of that name is registered (the message lists those that are).

    Examples
    --------
    >>> pl.elimination.get_heuristic("min-fil")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: unknown elimination order 'min-fil'; choose from ['min-degree', 'min-fill', 'weighted-min-fill', 'min-weight', 'reverse-cuthill-mckee', 'auto'] or pass an explicit list of variables
    """
    if not isinstance(heuristic, str) or (heuristic not in ORDERINGS and heuristic not in bandwidth.WHOLE_ORDERINGS):
        raise OptionError(f"unknown elimination order {heuristic!r}; choose from "
                          f"{[*ORDERINGS, *bandwidth.WHOLE_ORDERINGS]} or pass an explicit list of variables")
    return ORDERINGS.get(heuristic, (None, None))


def greedy_order(adj: dict[Hashable, set], cards: Mapping[Hashable, int], candidates: Iterable[Hashable],
                 heuristic: str, rank: Mapping[Hashable, int] | None = None) -> tuple[list, list[tuple]]:
    """Greedy order of ``candidates`` on ``adj`` (dict node -> set; mutated: pass a copy).

    Returns ``(order, cliques)`` where ``cliques[i]`` is the eliminated variable plus its
    neighbours at that time (the scope of the factor the step builds, before summing). Ties go
    to the lowest ``rank`` (default: the order of ``candidates``). ``"min-fill"`` runs
    :func:`min_fill_ids` (on nodes relabelled by rank).
    """
    score, edge_weight = get_heuristic(heuristic)
    candidates = list(candidates)
    rank = rank or {v: i for i, v in enumerate(candidates)}
    if heuristic == "min-fill":
        return _min_fill_relabelled(adj, candidates, rank)
    if heuristic in bandwidth.WHOLE_ORDERINGS:  # "auto", "reverse-cuthill-mckee"
        return bandwidth.WHOLE_ORDERINGS[heuristic](adj, cards, candidates, rank, (_min_fill_relabelled, min_fill_ids))
    return _greedy(adj, cards, candidates, score, edge_weight, rank)


def _greedy(adj, cards, candidates, score, edge_weight, rank):
    todo = set(candidates)
    current = {v: score(v, adj, cards) for v in candidates}
    heap = [(s, rank[v], v) for v, s in current.items()]
    heapq.heapify(heap)
    order, cliques = [], []
    while heap:
        s, _, v = heapq.heappop(heap)
        if v not in todo or current[v] != s:
            continue
        todo.discard(v)
        nbrs = adj.pop(v)
        order.append(v)
        cliques.append((v, *nbrs))
        fill: list[tuple] = []
        done: set = set()
        for a in nbrs:
            near = adj[a]
            near.discard(v)
            new = nbrs - near
            new.discard(a)
            if new:
                near |= new
                fill.extend((a, b) for b in new if b not in done)  # each edge once
            done.add(a)
        changed = {u: score(u, adj, cards) for u in nbrs if u in todo}
        if edge_weight is not None:
            # a fill edge a-b is one missing pair less for every other common neighbour of a, b
            for a, b in fill:
                w = edge_weight(a, b, cards)
                for u in adj[a] & adj[b]:
                    if u not in nbrs and u in todo:
                        changed[u] = changed.get(u, current[u]) - w
        for u, new in changed.items():
            if new != current[u]:
                current[u] = new
                heapq.heappush(heap, (new, rank[u], u))
    return order, cliques


def _min_fill_relabelled(adj, candidates, rank):
    """Min-fill on any hashable nodes: relabel them ``0..n-1`` (candidates by rank first)."""
    chosen = sorted(candidates, key=rank.__getitem__)
    picked = set(chosen)
    nodes = [*chosen, *[v for v in adj if v not in picked]]
    label = {v: i for i, v in enumerate(nodes)}
    ids = {label[v]: {label[u] for u in near} for v, near in adj.items()}
    order, cliques = min_fill_ids(ids, range(len(chosen)))
    return [nodes[v] for v in order], [tuple(nodes[u] for u in clique) for clique in cliques]


def min_fill_ids(adj: dict[int, set[int]], candidates: Iterable[int]) -> tuple[list[int], list[tuple[int, ...]]]:
    """Min-fill order of ``candidates`` (int ids >= -1; ties to the lowest id) on ``adj`` (mutated).

    The one min-fill of the package (:func:`greedy_order` and the query planner call it; the
    planner passes a piece's variables relabelled ``0..n-1`` so the bitmasks stay short).
    Scores are updated incrementally (only neighbours of the eliminated variable and common
    neighbours of its fill edges change) and popped from a heap with lazy deletion (a score that
    grows is pushed again only when its old entry comes up), so a step costs about its
    neighbourhood, as in networkx's treewidth heuristics. If the run takes more
    than ``tuning.MIN_FILL_SECONDS``, the remaining variables are ordered by min-degree (a
    warning says so). Returns ``(order, cliques)`` as :func:`greedy_order` does.
    """
    limit = tuning.MIN_FILL_SECONDS
    order, cliques, rest = min_fill_run(adj, candidates, limit)
    if rest is None:
        return order, cliques
    return _fall_back(adj, rest, order, cliques, limit)


def _fall_back(adj, rest, order, cliques, limit):
    warnings.warn(f"min-fill ordering stopped after {limit:g} s (tuning.MIN_FILL_SECONDS) with "
                  f"{len(rest)} variables left; ordering them by min-degree", RuntimeWarning, stacklevel=3)
    score, edge_weight = ORDERINGS["min-degree"]
    more, more_cliques = _greedy(adj, {}, rest, score, edge_weight, {v: v for v in rest})
    return order + more, cliques + more_cliques


# -- public API ---------------------------------------------------------------------------------
def interaction_graph(model: Any) -> nx.Graph:
    """Return the undirected interaction graph of a model.

    For a Bayesian network this is the moral graph (parents of a common child married, directions
    dropped); for a Markov network it is a copy of its graph. Nodes carry ``cardinality``.

    Examples
    --------
    >>> g = pl.elimination.interaction_graph(pl.BayesianNetwork([("A", "C"), ("B", "C")]))
    >>> sorted(tuple(sorted(e)) for e in g.edges)
    [('A', 'B'), ('A', 'C'), ('B', 'C')]
    """
    if model.is_directed:
        graph = moral_graph(model.structure, {v: model.parents(v) for v in model.variables})
    else:
        graph = nx.Graph()
        graph.add_nodes_from(model.variables)
        graph.add_edges_from(model.edges)
    for v, names in model.state_names.items():
        graph.nodes[v]["cardinality"] = len(names)
    return graph


def _renamed(function: str, old: str, value: Any, current: Any) -> Any:
    """Return ``value`` (and warn) when the deprecated keyword ``old`` was used, else ``current``."""
    if value is None:
        return current
    warnings.warn(f"{function}({old}=) is deprecated; use elimination_order=", DeprecationWarning,
                  stacklevel=3)
    return value


def elimination_order(model: Any, elimination_order: str | Sequence[str] = "min-fill", *,
                      variables: Iterable[str] | None = None,
                      heuristic: str | Sequence[str] | None = None) -> list[str]:
    """Return an elimination order chosen by a greedy heuristic.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model whose interaction graph is triangulated.
    elimination_order : str or list of str, optional
        ``"min-degree"``, ``"min-fill"``, ``"weighted-min-fill"`` or ``"min-weight"``
        (see ``ORDERINGS``), or an explicit order, which is validated and returned (the
        option has this name everywhere in the package).
    variables : iterable of str, optional
        The variables to eliminate (default: all); the others stay in the graph.
    heuristic : str or list of str, optional
        Deprecated spelling of ``elimination_order`` (a DeprecationWarning says so).

    Returns
    -------
    list of str

    Raises
    ------
    PGMError
        For an unknown heuristic (the message lists the valid ones).
    VariableNotFoundError
        For unknown variables.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "D")])
    >>> pl.elimination_order(bn, "min-degree")
    ['A', 'B', 'C', 'D']
    >>> pl.elimination_order(bn, variables=["C", "B"])
    ['B', 'C']
    >>> pl.elimination_order(bn, "min-fil")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: unknown elimination order 'min-fil'; choose from ['min-degree', 'min-fill', 'weighted-min-fill', 'min-weight', 'reverse-cuthill-mckee', 'auto'] or pass an explicit list of variables
    """
    heuristic = _renamed("elimination_order", "heuristic", heuristic, elimination_order)
    check_model(model)
    states = {v: None for v in model.variables}
    wanted = list(states) if variables is None else [check_variable(v, states) for v in variables]
    if not isinstance(heuristic, str):
        order = [check_variable(v, states) for v in heuristic]
        _check_permutation(order, wanted)
        keep = set(wanted)
        return [v for v in order if v in keep]
    graph = interaction_graph(model)
    adj = {v: set(graph[v]) for v in graph}
    cards = {v: graph.nodes[v]["cardinality"] for v in graph}
    rank = {v: i for i, v in enumerate(states)}
    wanted = sorted(dict.fromkeys(wanted), key=rank.__getitem__)
    return greedy_order(adj, cards, wanted, heuristic, rank)[0]


def _check_permutation(order, wanted):
    dupes = sorted({v for v in order if order.count(v) > 1})
    if dupes:
        raise StructureError(f"elimination order lists {dupes} more than once")
    missing = [v for v in wanted if v not in set(order)]
    if missing:
        raise StructureError(f"elimination order misses variable(s) {format_choices(missing)}")


def induced_width(model: Any, elimination_order: str | Sequence[str] = "min-fill", *,
                  order: str | Sequence[str] | None = None) -> int:
    """Return the induced width of an elimination order: the largest clique it creates, minus one.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    elimination_order : list of str or str, optional
        A permutation of the model's variables, or a heuristic name (default ``"min-fill"``).
    order : list of str or str, optional
        Deprecated spelling of ``elimination_order`` (a DeprecationWarning says so).

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "D")])
    >>> pl.induced_width(bn, ["A", "B", "C", "D"]), pl.induced_width(bn, ["B", "C", "A", "D"])
    (1, 2)
    """
    spec = _renamed("induced_width", "order", order, elimination_order)
    check_model(model)
    names = _order_of(model, spec if isinstance(spec, str) else list(spec))
    steps = elimination_steps(interaction_graph(model), names)
    return max((len(s.neighbors) for s in steps), default=0)


def _order_of(model: Any, spec: str | Sequence[str]) -> list[str]:
    return elimination_order(model, spec)


@dataclass(frozen=True)
class Step:
    """One elimination step: the variable, its neighbours then, and the fill edges it adds."""

    variable: str
    neighbors: tuple
    fill_edges: list = field(default_factory=list)


def elimination_steps(graph: nx.Graph, order: Sequence[Any]) -> list[Step]:
    """Simulate eliminating ``order`` from an undirected graph (the graph is not changed).

    Parameters
    ----------
    graph : networkx.Graph
        For instance :func:`interaction_graph` of a model.
    order : list
        Nodes of ``graph`` in elimination order (may be a subset).

    Returns
    -------
    list of Step
        ``neighbors`` in graph-node order; ``fill_edges`` as ``(u, v)`` pairs, also in node order.

    Examples
    --------
    >>> g = pl.elimination.interaction_graph(pl.BayesianNetwork([("A", "B"), ("B", "C")]))
    >>> [(s.variable, s.neighbors, s.fill_edges) for s in pl.elimination.elimination_steps(g, ["B", "A", "C"])]
    [('B', ('A', 'C'), [('A', 'C')]), ('A', ('C',), []), ('C', (), [])]
    """
    rank = {v: i for i, v in enumerate(graph.nodes)}
    for v in order:
        check_variable(v, rank, "node")
    adj = {v: set(graph[v]) - {v} for v in graph}
    steps = []
    for v in order:
        nbrs = sorted(adj.pop(v), key=rank.__getitem__)
        fill = []
        for i, a in enumerate(nbrs):
            adj[a].discard(v)
            for b in nbrs[i + 1:]:
                if b not in adj[a]:
                    fill.append((a, b))
                    adj[a].add(b)
                    adj[b].add(a)
        steps.append(Step(v, tuple(nbrs), fill))
    return steps


def eliminate(adj: dict, order: Sequence[Hashable]) -> tuple[list, list[tuple]]:
    """Eliminate ``order`` from ``adj`` (dict node -> set; mutated: pass a copy).

    Returns ``(order, cliques)`` as :func:`greedy_order` does, for an explicit order.
    """
    elim = []
    for v in order:
        nbrs = adj.pop(v)
        elim.append((v, *nbrs))
        for a in nbrs:
            adj[a].discard(v)
            adj[a] |= nbrs - {a}
    return list(order), elim


def clique_tree(order: Sequence[Hashable], elim: Sequence[tuple]) -> tuple[list[set], set[tuple[int, int]]]:
    """Maximal cliques and tree edges from elimination cliques (non-maximal ones merged).

    Parameters
    ----------
    order : list
        The elimination order.
    elim : list of tuple
        ``elim[i]``: the i-th eliminated node followed by its neighbours at that time.

    Returns
    -------
    (list of set, set of (int, int))
        The maximal cliques and the tree edges between them.

    Examples
    --------
    >>> cliques, links = clique_tree(["A", "B", "C"], [("A", "B"), ("B", "C"), ("C",)])
    >>> [sorted(c) for c in cliques], sorted(links)
    ([['A', 'B'], ['B', 'C']], [(0, 1)])
    """
    when = {v: i for i, v in enumerate(order)}
    sets = [set(e) for e in elim]
    nbr: dict[int, set[int]] = {i: set() for i in range(len(sets))}
    for i, e in enumerate(elim):
        rest = e[1:]
        if rest:
            j = min(when[u] for u in rest)
            nbr[i].add(j)
            nbr[j].add(i)
    alive = set(range(len(sets)))
    for i in range(len(sets)):
        host = next((j for j in sorted(nbr[i]) if sets[i] <= sets[j]), None)
        if host is None:
            continue
        for k in nbr[i]:
            nbr[k].discard(i)
            if k != host:
                nbr[k].add(host)
                nbr[host].add(k)
        del nbr[i]
        alive.discard(i)
    keep = sorted(alive)
    new = {old: k for k, old in enumerate(keep)}
    links = {(new[i], new[j]) for i in keep for j in nbr[i] if i < j}
    return [sets[i] for i in keep], links


@dataclass(frozen=True)
class CliqueTree:
    """The structure of a junction tree: maximal cliques and the tree edges between them.

    ``cliques[i]`` lists its variables in declaration order; ``edges`` are ``(i, j)`` with
    ``i < j``, sorted.
    """

    cliques: list
    edges: list

    def separator(self, i: int, j: int) -> tuple:
        """Return the variables shared by cliques ``i`` and ``j`` (in clique ``i``'s order)."""
        if (min(i, j), max(i, j)) not in set(self.edges):
            raise StructureError(f"({i}, {j}) is not an edge of the junction tree; edges: {self.edges}")
        other = set(self.cliques[j])
        return tuple(v for v in self.cliques[i] if v in other)


def junction_tree_structure(model: Any, elimination_order: str | Sequence[str] = "min-fill", *,
                            heuristic: str | Sequence[str] | None = None) -> CliqueTree:
    """Return the :class:`CliqueTree` a junction tree of ``model`` uses (no tables, no inference).

    The cliques are those the elimination creates, non-maximal ones merged into a neighbour.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    elimination_order : str or list of str, optional
        A heuristic name or an explicit order (the option's name everywhere in the package).
    heuristic : str or list of str, optional
        Deprecated spelling of ``elimination_order`` (a DeprecationWarning says so).

    Examples
    --------
    >>> t = pl.elimination.junction_tree_structure(pl.example("sprinkler"))
    >>> t.cliques, t.edges
    ([('Cloudy', 'Sprinkler', 'Rain'), ('Sprinkler', 'Rain', 'WetGrass')], [(0, 1)])
    """
    elimination_order = _renamed("junction_tree_structure", "heuristic", heuristic, elimination_order)
    names = model.variables
    graph = interaction_graph(model)
    index = {v: i for i, v in enumerate(names)}
    adj = {index[v]: {index[u] for u in graph[v]} for v in names}
    cards = {index[v]: graph.nodes[v]["cardinality"] for v in names}
    if isinstance(elimination_order, str):
        order, elim = greedy_order(adj, cards, range(len(names)), elimination_order)  # type: ignore[arg-type]
    else:
        order, elim = eliminate(adj, [index[check_variable(v, index)] for v in elimination_order])
    return clique_tree_of(names, order, elim)


def clique_tree_of(names: Sequence[str], order: Sequence[int], elim: Sequence[tuple]) -> CliqueTree:
    """Build the :class:`CliqueTree` of an elimination over variable ids ``0..n-1``."""
    sets, links = clique_tree(order, elim)
    cliques = [tuple(names[v] for v in sorted(s)) for s in sets]
    return CliqueTree(cliques, sorted(tuple(sorted(e)) for e in links))
