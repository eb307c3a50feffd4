"""Whole-graph elimination orders: reverse Cuthill-McKee (bandwidth) and ``"auto"``.

Greedy scores (``elimination.ORDERINGS``) look one step ahead; on lattices such as an L x L
Ising grid min-fill reaches width ~1.4 L (L = 20: 2**29-entry tables, refused at the default
memory limit) where a breadth-first sweep keeps width L. ``"auto"``, the default of exact
queries and partition functions, runs min-fill and, when its order is costly, also the sweep,
and keeps the cheaper by :func:`order_cost`. Functions take ``adj`` (dict node -> set of
neighbours), as ``elimination.greedy_order`` does, and return ``(order, cliques)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import tuning

__all__ = ["WHOLE_ORDERINGS", "auto_order", "cheaper_sweep", "cuthill_mckee", "eliminate_within", "order_cost",
           "reverse_cuthill_mckee"]

Orders = tuple[list, list[tuple]]
MinFill = tuple[Callable[..., Orders], Callable[..., Orders]]


def _bfs(near: Mapping[Any, list], start: Any) -> tuple[list, dict]:
    """Breadth-first order of the piece of ``start`` and its levels (``near[v]``: v's neighbours, in visiting order)."""
    level = {start: 0}
    order = [start]
    for v in order:  # grows while iterating: a queue
        step = level[v] + 1
        for u in near[v]:
            if u not in level:
                level[u] = step
                order.append(u)
    return order, level


def cuthill_mckee(adj: Mapping[Any, set], candidates: Iterable[Any], rank: Mapping[Any, int]) -> list:
    """Cuthill-McKee order of ``candidates`` on ``adj`` (not changed).

    Each connected piece of the candidates (in the order of its lowest-ranked node) is visited
    breadth first from a pseudo-peripheral node (George and Liu: restart from the farthest node
    of least degree while the eccentricity grows), neighbours by increasing degree; ties go to
    the lowest ``rank``, so the order is deterministic (never set order). Eliminating it
    reversed keeps every clique within the bandwidth of this numbering.

    Examples
    --------
    >>> adj = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    >>> pl.bandwidth.cuthill_mckee(adj, ["b", "a", "c"], {"a": 0, "b": 1, "c": 2})
    ['a', 'b', 'c']
    """
    inside = set(candidates)
    # each node's neighbours within the candidates, sorted once by (degree, rank): a search
    # visits the unvisited ones in that order
    within = {v: adj[v] & inside for v in inside}
    keys = {v: (len(ns), rank[v]) for v, ns in within.items()}
    key = keys.__getitem__
    near = {v: sorted(ns, key=key) for v, ns in within.items()}
    order: list = []
    seen: set = set()
    for first in sorted(inside, key=rank.__getitem__):
        if first in seen:
            continue
        piece, level = _bfs(near, min(_bfs(near, first)[0], key=key))
        far = level[piece[-1]]
        while True:  # George-Liu: a few rounds in practice
            nxt_piece, nxt_level = _bfs(near, min([v for v in piece if level[v] == far], key=key))
            if nxt_level[nxt_piece[-1]] <= far:
                break
            piece, level, far = nxt_piece, nxt_level, nxt_level[nxt_piece[-1]]
        order.extend(piece)
        seen.update(piece)
    return order


def eliminate_within(adj: dict, order: Sequence[Any], cards: Mapping[Any, int] | Sequence[int],
                     limit: float = math.inf) -> list[tuple] | None:
    """Eliminate ``order`` from ``adj`` (mutated): the cliques, or None once they cost ``limit``.

    ``cliques[i]`` is the i-th variable and its neighbours when it is eliminated; the cost is
    :func:`order_cost`, counted as the cliques are made (so a bad order stops early).

    Examples
    --------
    >>> adj = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    >>> cliques = pl.bandwidth.eliminate_within(adj, ["b", "a", "c"], {"a": 2, "b": 2, "c": 2})
    >>> [(c[0], sorted(c[1:])) for c in cliques], adj
    ([('b', ['a', 'c']), ('a', ['c']), ('c', [])], {})
    >>> pl.bandwidth.eliminate_within({"a": {"b"}, "b": {"a"}}, ["a", "b"], {"a": 2, "b": 2}, limit=4) is None
    True
    """
    cliques = []
    cost = 0
    for v in order:
        nbrs = adj.pop(v)
        cost += cards[v] * math.prod([cards[u] for u in nbrs])
        if cost >= limit:
            return None
        cliques.append((v, *nbrs))
        for a in nbrs:
            near = adj[a]
            near.discard(v)
            near |= nbrs
            near.discard(a)
    return cliques


def order_cost(cliques: Iterable[tuple], cards: Mapping[Any, int] | Sequence[int]) -> int:
    """Entries an elimination iterates over: the sum of its cliques' table sizes.

    ``cards[v]`` is the cardinality of ``v`` (a mapping, or a list indexed by integer ids).

    Examples
    --------
    >>> pl.bandwidth.order_cost([("A", "B"), ("B",)], {"A": 2, "B": 3})
    9
    """
    card, prod = cards.__getitem__, math.prod
    total = 0
    for clique in cliques:  # (a loop, not a comprehension: a Python 3.11 comprehension is a call)
        total += prod(map(card, clique))
    return total


def reverse_cuthill_mckee(adj: dict, cards: Mapping[Any, int], candidates: list, rank: Mapping[Any, int],
                          min_fill: MinFill | None = None) -> Orders:
    """Eliminate the reversed :func:`cuthill_mckee` order of ``candidates`` (``adj`` mutated).

    ``min_fill`` is unused (the signature of ``WHOLE_ORDERINGS``).
    """
    order = cuthill_mckee(adj, candidates, rank)[::-1]
    cliques = eliminate_within(adj, order, cards)
    assert cliques is not None
    return order, cliques


def auto_order(adj: dict, cards: Mapping[Any, int], candidates: list, rank: Mapping[Any, int],
               min_fill: MinFill) -> Orders:
    """Min-fill, or reverse Cuthill-McKee where that is cheaper by :func:`order_cost`.

    ``min_fill`` is ``(on_any_nodes(adj, candidates, rank), on_ids(adj, candidates))``, the
    package's min-fill: the second (which eliminates from ``adj`` in place, as the query planner
    does) runs when the nodes are their own ranks (the planner's variable ids). The bandwidth
    order is only tried when min-fill's cost passes ``tuning.AUTO_ORDER_COST`` entries (small
    models pay one cost sum), and its simulation stops as soon as it costs as much as min-fill
    (ties keep min-fill). ``adj`` is then left as the chosen elimination leaves it (unchanged
    for min-fill on other nodes, as ``greedy_order``'s min-fill).
    """
    on_any, on_ids = min_fill
    if all([rank.get(v) == v for v in candidates]):
        pristine = {v: set(near) for v, near in adj.items()}
        order, cliques = on_ids(adj, candidates)
    else:
        pristine = adj
        order, cliques = on_any(adj, candidates, rank)
    found = cheaper_sweep(lambda: pristine, cards, candidates, rank, order_cost(cliques, cards))
    if found is None:
        return order, cliques
    adj.clear()
    adj.update(found[2])
    return found[0], found[1]


def cheaper_sweep(graph: Callable[[], dict], cards: Mapping[Any, int] | Sequence[int], candidates: Iterable[Any],
                  rank: Mapping[Any, int], cost: float) -> tuple[list, list[tuple], dict] | None:
    """``(order, cliques, graph left)`` of reverse Cuthill-McKee if it costs less than ``cost``.

    The choice of ``"auto"`` once min-fill's order is known to cost ``cost`` (see
    :func:`auto_order`): None at once when ``cost`` is at most ``tuning.AUTO_ORDER_COST``, so
    ``graph`` (a function returning the adjacency before any elimination; not changed) is only
    built for costly pieces. Ties keep min-fill (None).

    Examples
    --------
    >>> adj = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    >>> cards, rank = {"a": 2, "b": 2, "c": 2}, {"a": 0, "b": 1, "c": 2}
    >>> pl.bandwidth.cheaper_sweep(lambda: adj, cards, ["a", "b", "c"], rank, 10) is None  # cheap: not tried
    True
    >>> order, cliques, left = pl.bandwidth.cheaper_sweep(lambda: adj, cards, ["a", "b", "c"], rank, 2**30)
    >>> order, [(c[0], sorted(c[1:])) for c in cliques], left
    (['c', 'b', 'a'], [('c', ['b']), ('b', ['a']), ('a', [])], {})
    """
    if cost <= tuning.AUTO_ORDER_COST:
        return None
    pristine = graph()
    other = cuthill_mckee(pristine, candidates, rank)[::-1]
    work = {v: set(near) for v, near in pristine.items()}
    found = eliminate_within(work, other, cards, cost)
    return None if found is None else (other, found, work)


#: Orders made for the whole graph at once (no greedy score), as ``greedy_order`` runs them:
#: name -> function ``(adj, cards, candidates, rank, min_fill) -> (order, cliques)``.
WHOLE_ORDERINGS: dict[str, Callable[..., Orders]] = {
    "reverse-cuthill-mckee": reverse_cuthill_mckee,
    "auto": auto_order,
}
