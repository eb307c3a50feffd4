"""Query pruning: ancestry, barren and d-separated parts, CPDs folded with private ancestry."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ._coded import Compiled

__all__ = ["ancestor_mask", "ancestors", "children_of", "collapsed", "collapsed_entry", "positive_states",
           "prune", "topological_rank"]

Ids = Sequence[int]
#: (main factor ids, side pieces, bitmask of the relevant variables)
Pieces = tuple[list[int], list[list[int]], int]
#: a CPD with its single-child parents summed in: (table, scope with the child last, absorbed mask)
Collapsed = tuple[np.ndarray, tuple[int, ...], int]

# Everything here is per model version and built for the part of the network a question
# touches: a single posterior on a big network reads the ancestors of its variables only.


def children_of(c: Compiled) -> list[list[int]]:
    """``children[v]``: the ids of the children of ``v`` (Bayesian networks; cached)."""
    got = c.children
    if got is None:
        assert c.parents is not None
        got = [[] for _ in range(len(c.names))]
        for v, parents in enumerate(c.parents):
            for p in parents:
                got[p].append(v)
        c.children = got
    return got


def ancestor_mask(c: Compiled, ids: Iterable[int]) -> int:
    """Bitmask of ``ids`` and all their ancestors (Bayesian networks): a walk up from them only."""
    parents = c.parents
    assert parents is not None
    mask = 0
    stack = []
    for v in ids:
        if not mask >> v & 1:
            mask |= 1 << v
            stack.append(v)
    while stack:
        for p in parents[stack.pop()]:
            if not mask >> p & 1:
                mask |= 1 << p
                stack.append(p)
    return mask


def ancestors(c: Compiled, ids: Iterable[int]) -> set[int]:
    """Return the given ids and all their ancestors (Bayesian networks)."""
    mask = ancestor_mask(c, ids)
    return {v for v in range(mask.bit_length()) if mask >> v & 1}


def positive_states(c: Compiled, v: int) -> list[bool]:
    """``positive[s]``: whether every entry of the CPD of ``v`` at state ``s`` is positive (cached)."""
    got = c.positive.get(v)
    if got is None:
        t = c.table(v)
        got = ([bool(x) for x in np.all((t > 0).reshape(-1, t.shape[-1]), axis=0).ravel()]
               if c.zero_in(v) else [True] * t.shape[-1])
        c.positive[v] = got
    return got


def topological_rank(c: Compiled) -> list[int]:
    """``rank[v]``: position of variable ``v`` in a topological order (Bayesian networks)."""
    rank = c.topological_rank
    if rank is None:
        assert c.parents is not None
        n = len(c.names)
        order, seen = [], [False] * n
        for v in range(n):  # depth first, parents before children
            stack = [(v, False)]
            while stack:
                u, ready = stack.pop()
                if ready:
                    order.append(u)
                    continue
                if seen[u]:
                    continue
                seen[u] = True
                stack.append((u, True))
                stack.extend((p, False) for p in c.parents[u] if not seen[p])
        rank = [0] * n
        for i, v in enumerate(order):
            rank[v] = i
        c.topological_rank = rank
    return rank


def collapsed_entry(c: Compiled, v: int) -> Collapsed | None:
    """Return the CPD of ``v`` with its single-child parents summed in, or None (cached per variable).

    A parent ``b`` whose only child is ``x`` appears in two factors: its CPD and ``x``'s. When
    ``b`` is neither queried nor observed, any elimination may start by summing it out of their
    product, a table over ``x``, ``x``'s other parents and ``b``'s parents: this is done once
    per model and variable, recursively (``b``'s own CPD may have absorbed its single-child
    parents), when the table is no larger than the largest one it replaces. Returns ``(table,
    scope, mask)`` (``v`` last in ``scope``; ``mask`` is the bitmask of the absorbed variables):
    a query may use it (as factor id ``n + v``) when none of them is queried or observed and
    ``v`` is not observed. Only ``v``'s private ancestry is read.
    """
    memo = c.collapsed_by_var
    if v in memo:
        return memo[v]
    children, parents = children_of(c), c.parents
    assert parents is not None
    stack = [v]  # parents summed in first, without recursion (chains may be thousands long)
    while stack:
        u = stack[-1]
        todo = [b for b in parents[u] if b not in memo and len(children[b]) == 1]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        if u not in memo:
            memo[u] = _fold(c, u, children, memo)
    return memo[v]


def _fold(c: Compiled, v: int, children: list[list[int]], memo: dict[int, Collapsed | None]) -> Collapsed | None:
    assert c.parents is not None
    cards = c.cards
    table, scope, mask = c.table(v), c.scopes[v], 0
    for b in c.parents[v]:
        if len(children[b]) != 1:
            continue
        tb, sb, mb = memo[b] or (c.table(b), c.scopes[b], 0)
        head = [u for u in scope[:-1] if u != b]
        head += [u for u in sb[:-1] if u not in head and u != v]
        new_scope = (*head, v)
        if len(new_scope) > len(scope) or math.prod([cards[u] for u in new_scope]) > table.size:
            continue  # only when it makes the table no bigger
        letters = dict(zip(dict.fromkeys((*scope, *sb)), _LETTERS))
        word = "".join
        table = np.einsum(f"{word(letters[u] for u in scope)},{word(letters[u] for u in sb)}"
                          f"->{word(letters[u] for u in new_scope)}", table, tb)
        scope, mask = new_scope, mask | mb | 1 << b
    return (np.ascontiguousarray(table), scope, mask) if mask else None


def collapsed(c: Compiled) -> dict[int, Collapsed]:
    """Every collapsed CPD of the model (see :func:`collapsed_entry`), as ``{n + v: entry}``."""
    n = len(c.names)
    entries = [(v, collapsed_entry(c, v)) for v in range(n)]
    return {n + v: entry for v, entry in entries if entry is not None}


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Walk:
    """Walk from variables through unobserved ones inside the relevant (ancestral) set."""

    def __init__(self, c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], collapse: bool) -> None:
        self.c, self.children = c, children_of(c)
        self.observed = set(evidence_ids)
        relevant = c.evidence_masks.get(evidence_ids)
        if relevant is None:  # shared by every query with this evidence (e.g. all marginals)
            if len(c.evidence_masks) >= 64:
                c.evidence_masks.clear()
            relevant = c.evidence_masks[evidence_ids] = ancestor_mask(c, evidence_ids)
        qe = 0
        for v in (*query_ids, *evidence_ids):
            qe |= 1 << v
        self.relevant = relevant | ancestor_mask(c, query_ids)
        self.qe, self.scopes, self.collapse = qe, c.scopes, collapse

    def _through_absorbed(self, f: int) -> int:
        # a child summed into its own child's table: the variable is in that table instead
        children, c = self.children, self.c
        while len(children[f]) == 1:
            x = children[f][0]
            entry = collapsed_entry(c, x)
            if entry is None or not entry[2] >> f & 1 or entry[2] & self.qe or x in self.observed:
                break
            f = x
        return f

    def _factor(self, f: int) -> tuple[int, tuple[int, ...]]:
        entry = collapsed_entry(self.c, f) if self.collapse else None
        if entry is not None and not entry[2] & self.qe and f not in self.observed:
            return self.c.n_factors + f, entry[1]
        return f, self.scopes[f]

    def component(self, start_vars: Ids, seen_f: set[int]) -> list[int]:
        """Factor ids reached from ``start_vars`` (not in ``seen_f``, which is updated)."""
        found = []
        seen_v = set(start_vars)
        stack = list(start_vars)
        relevant, observed = self.relevant, self.observed
        while stack:
            v = stack.pop()
            for f in (v, *self.children[v]):
                if not relevant >> f & 1:
                    continue  # barren, and so are its descendants (a relevant one would make f relevant)
                if self.collapse:
                    f = self._through_absorbed(f)
                if f in seen_f or not relevant >> f & 1:
                    continue
                seen_f.add(f)
                fid, scope = self._factor(f)
                found.append(fid)
                for u in scope:
                    if u not in seen_v and u not in observed:
                        seen_v.add(u)
                        stack.append(u)
        return found


def _bn_pieces(c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], collapse: bool = True) -> Pieces:
    """Fast pruning of a Bayesian network when only the posterior is needed (see ``prune``).

    Walks from the query through unobserved variables inside the ancestral set, so the cost is
    that of the part of the network the query needs, not of the network. With ``collapse``,
    CPDs come with their single-child parents summed in when none of those is queried or
    observed (see ``collapsed``; their ids are ``n + variable``).
    """
    walk = _Walk(c, query_ids, evidence_ids, collapse)
    observed, scopes = walk.observed, c.scopes
    taken: set[int] = set()
    main = sorted(walk.component(query_ids, taken))
    sides = []
    for e in evidence_ids:
        # a piece without an observed CPD holding a zero has a positive total (its unobserved
        # CPDs sum to one, its observed ones are positive): only such CPDs can make e impossible
        if e in taken or not c.zero_in(e):
            continue
        hidden = [u for u in scopes[e] if u not in observed]
        if not hidden:
            taken.add(e)
            sides.append([e])
            continue
        sides.append(sorted(walk.component(hidden, taken)))  # holds e's CPD: e is a child of hidden
    return main, sides, walk.relevant


def _components(c: Compiled, fids: Iterable[int], observed: set[int],
                query_ids: Ids) -> tuple[list[int], list[list[int]]]:
    """Union-find over the unobserved variables of ``fids``: (main factors, other pieces)."""
    root: dict[int, int] = {}

    def find(v):
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    hidden_of = {}
    for f in fids:
        hidden = [v for v in c.scopes[f] if v not in observed]
        hidden_of[f] = hidden
        for v in hidden:
            root.setdefault(v, v)
        for v in hidden[1:]:
            a, b = find(hidden[0]), find(v)
            if a != b:
                root[b] = a
    main_roots = {find(q) for q in query_ids}
    main: list[int] = []
    pieces: dict[object, list[int]] = {}
    for f in fids:
        hidden = hidden_of[f]
        if not hidden:
            pieces[("scalar", f)] = [f]
            continue
        r = find(hidden[0])
        if r in main_roots:
            main.append(f)
        else:
            pieces.setdefault(r, []).append(f)
    return main, list(pieces.values())


def prune(c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], *, need_value: bool,
          collapse: bool = True) -> Pieces:
    """Split the factors that matter for a query into connected pieces.

    Returns ``(main, sides, relevant)``: ``main`` lists the factors of the components (of the
    interaction graph with the evidence removed) that hold a query variable; each entry of
    ``sides`` is one other component (or one factor whose scope is all evidence) whose total only
    scales P(evidence). With ``need_value=False`` sides are kept only when they might be zero,
    just to detect impossible evidence: a table with zeros (Markov network), an observed
    variable's CPD with zeros (Bayesian network; sides whose observed CPDs are positive total a
    positive number). Barren variables (outside the ancestors of query and evidence) are never
    in ``relevant``, a bitmask of variable ids.
    """
    if c.is_bn and not need_value:
        return _bn_pieces(c, query_ids, evidence_ids, collapse)
    observed = set(evidence_ids)
    fids: list[int] | range
    if c.is_bn:
        relevant = ancestors(c, (*query_ids, *evidence_ids))
        fids = sorted(relevant)
    else:
        relevant = set(range(len(c.names)))
        fids = range(c.n_factors)
    main, pieces = _components(c, fids, observed, query_ids)
    sides = []
    for piece in pieces:
        if c.is_bn and not any(f in observed for f in piece):
            continue  # CPDs of unobserved variables only: sums to exactly one
        if not need_value and not any(c.zero_in(f) for f in piece):
            continue  # strictly positive, cannot make the evidence impossible
        sides.append(piece)
    mask = 0
    for v in relevant:
        mask |= 1 << v
    return main, sides, mask
