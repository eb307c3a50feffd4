"""Min-fill on integer ids with bitmask neighbourhoods (the core of ``elimination.min_fill_ids``).

Variable ``v`` is bit ``v + 1`` (ids start at -1, the batch axis of the query planner).
Neighbourhoods are kept twice: as sets (to iterate) and as bitmasks (to count the pairs already
connected without building intersection sets). The query planner relabels a piece's variables
``0..n-1`` first, so the masks are as wide as the piece, not as the model.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable

__all__ = ["min_fill_run"]


def _scores(adj: dict[int, set[int]], candidates: Iterable[int]) -> tuple[dict, set, int, dict]:
    """Start a run: neighbour bitmasks, candidates (set and bitmask), their fill counts."""
    # (loops, not comprehensions: on Python 3.11 a comprehension is a function call, and the
    # neighbourhoods of a query piece hold a few variables; a new question plans once)
    bits = {}
    for v, near in adj.items():
        m = 0
        for u in near:
            m |= 1 << (u + 1)
        bits[v] = m
    todo = set(candidates)
    todo_bits = 0
    current = {}
    for v in todo:
        todo_bits |= 1 << (v + 1)
        near = adj[v]
        k = len(near)
        if k < 2:
            current[v] = 0
            continue
        m = bits[v]
        linked = 0
        for a in near:
            linked += (m & bits[a]).bit_count()
        current[v] = (k * (k - 1) - linked) // 2
    return bits, todo, todo_bits, current


def _fill_edges(fill: list[tuple[int, int]], bits: dict, keep: int, changed: dict, current: dict) -> None:
    """Lower the scores of common neighbours of fill edges a-b (in ``keep``): one missing pair less."""
    for a, b in fill:
        common = bits[a] & bits[b] & keep
        while common:
            low = common & -common
            common ^= low
            u = low.bit_length() - 2
            changed[u] = changed.get(u, current[u]) - 1


def min_fill_run(adj: dict[int, set[int]], candidates: Iterable[int],
                 seconds: float) -> tuple[list[int], list[tuple[int, ...]], list[int] | None]:
    """Min-fill order of ``candidates`` on ``adj`` (mutated): ``(order, cliques, rest)``.

    See :func:`pgm_lite.elimination.min_fill_ids`. ``rest`` is None, or, when the run stopped
    after ``seconds``, the candidates left, sorted (``adj`` holds what remains of the graph).
    """
    bits, todo, todo_bits, current = _scores(adj, candidates)
    heap = list(zip(current.values(), current))  # (score, variable)
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    order: list[int] = []
    cliques: list[tuple[int, ...]] = []
    start = time.perf_counter()
    while heap:
        s, v = pop(heap)
        if v not in todo:
            continue
        if current[v] != s:  # stale; a score that grew is pushed when its old entry comes up
            if current[v] > s:
                push(heap, (current[v], v))
            continue
        if not len(order) % 32 and time.perf_counter() - start > seconds:
            return order, cliques, sorted(todo)
        todo.discard(v)
        off = ~(1 << (v + 1))
        todo_bits &= off
        nbrs = adj.pop(v)
        nmask = bits.pop(v)
        order.append(v)
        cliques.append((v, *nbrs))
        if s:  # fill edges: connect the neighbours, rescore what changes
            for u, score in _connect(v, nbrs, nmask, adj, bits, todo, todo_bits, current).items():
                if score < current[u]:
                    push(heap, (score, u))
                current[u] = score
            continue
        for u in nbrs:  # simplicial: each neighbour loses the pairs (v, x), x not near v
            near = adj[u]
            near.discard(v)
            m = bits[u] & off
            bits[u] = m
            if u in todo:
                now = current[u]
                score = now - len(near) + (m & nmask).bit_count()
                if score < now:
                    current[u] = score
                    push(heap, (score, u))
    return order, cliques, None


def _connect(v: int, nbrs: set[int], nmask: int, adj: dict, bits: dict, todo: set[int], todo_bits: int,
             current: dict) -> dict[int, int]:
    """Eliminate ``v`` (not simplicial): connect its neighbours; return the scores that change."""
    off = ~(1 << (v + 1))
    fill: list[tuple[int, int]] = []
    grew = 0  # bitmask of the neighbours of v that gain fill edges
    for a in nbrs:
        near = adj[a]
        near.discard(v)
        ma = bits[a] & off
        missing = nmask & ~ma & ~(1 << (a + 1))
        if missing:
            new = nbrs - near
            new.discard(a)
            near |= new
            ma |= missing
            for b in new:
                if a < b:  # each edge once
                    fill.append((a, b))
            grew |= 1 << (a + 1)
        bits[a] = ma
    changed = {}
    for u in nbrs:
        if u not in todo:
            continue
        near = adj[u]
        m = bits[u]
        if not grew >> (u + 1) & 1:  # only loses the pairs (v, x), x not near v
            changed[u] = current[u] - len(near) + (m & nmask).bit_count()
        else:
            k = len(near)
            linked = 0
            for a in near:
                linked += (m & bits[a]).bit_count()
            changed[u] = (k * (k - 1) - linked) // 2
    if fill:  # common neighbours that did not grow (those were recomputed above)
        _fill_edges(fill, bits, todo_bits & ~grew, changed, current)
    return changed
