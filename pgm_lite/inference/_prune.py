"""Query pruning: ancestry, barren and d-separated parts, CPDs folded with private ancestry."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ._coded import Compiled

__all__ = ["ancestors", "collapsed", "prune", "structure", "topological_rank"]

Structure = tuple[list[int], list[list[int]], list[list[bool]]]
Ids = Sequence[int]
#: (main factor ids, side pieces, bitmask of the relevant variables)
Pieces = tuple[list[int], list[list[int]], int]


def _ancestor_masks(parents: list[tuple[int, ...]]) -> list[int]:
    n = len(parents)
    anc = [0] * n
    done = [False] * n
    for v in range(n):  # iterative DFS: ancestors before descendants
        stack = [v]
        while stack:
            u = stack[-1]
            if done[u]:
                stack.pop()
                continue
            todo = [p for p in parents[u] if not done[p]]
            if todo:
                stack.extend(todo)
                continue
            mask = 1 << u
            for p in parents[u]:
                mask |= anc[p]
            anc[u] = mask
            done[u] = True
            stack.pop()
    return anc


def structure(c: Compiled) -> Structure:
    """Per-version structure of a Bayesian network, built on first use and cached.

    ``(anc, children, positive)``: ``anc[v]`` is the bitmask of ``v`` and its ancestors,
    ``children[v]`` the ids of its children, ``positive[v][s]`` whether every entry of the CPD
    of ``v`` at state ``s`` is strictly positive (whatever the parents).
    """
    got = c.structure
    if got is None:
        assert c.parents is not None
        n = len(c.names)
        children: list[list[int]] = [[] for _ in range(n)]
        for v in range(n):
            for p in c.parents[v]:
                children[p].append(v)
        positive: list[list[bool]] = [
            [bool(x) for x in np.all((t > 0).reshape(-1, t.shape[-1]), axis=0).ravel()] if has_zero
            else [True] * t.shape[-1]
            for t, has_zero in zip(c.tables, c.has_zero)
        ]
        got = (_ancestor_masks(c.parents), children, positive)
        c.structure = got
    return got


def ancestors(c: Compiled, ids: Iterable[int]) -> set[int]:
    """Return the given ids and all their ancestors (Bayesian networks)."""
    anc = structure(c)[0]
    mask = 0
    for v in ids:
        mask |= anc[v]
    return {v for v in range(mask.bit_length()) if mask >> v & 1}


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


def collapsed(c: Compiled) -> dict[int, tuple[np.ndarray, tuple[int, ...], int]]:
    """CPDs with single-child parents summed into them, cached per model version.

    A parent ``b`` whose only child is ``x`` appears in two factors: its CPD and ``x``'s. When
    ``b`` is neither queried nor observed, any elimination may start by summing it out of their
    product, a table over ``x``, ``x``'s other parents and ``b``'s parents: this is done once
    per model, recursively (``b``'s own CPD may have absorbed its single-child parents), when
    the table is no larger than the largest one it replaces. Returns ``{n + x: (table, scope,
    mask)}`` (``x`` last in ``scope``; ``mask`` is the bitmask of the absorbed variables): a
    query may use it when none of them is queried or observed and ``x`` is not observed.
    """
    got = c.collapsed
    if got is None:
        assert c.parents is not None
        _, children, _ = structure(c)
        n = len(c.names)
        rank = topological_rank(c)
        cards = c.cards
        got = {}
        for v in sorted(range(n), key=rank.__getitem__):
            table, scope, mask = c.tables[v], c.scopes[v], 0
            for b in c.parents[v]:
                if len(children[b]) != 1:
                    continue
                tb, sb, mb = got.get(n + b) or (c.tables[b], c.scopes[b], 0)
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
            if mask:
                got[n + v] = (np.ascontiguousarray(table), scope, mask)
        c.collapsed = got
    return got


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _short_cuts(c: Compiled) -> list[tuple[int, tuple[int, ...], int] | None]:
    """Per variable, its collapsed CPD ``(factor id, scope, absorbed mask)`` or None (cached)."""
    short = c.collapsed_by_var
    if short is None:
        n = len(c.scopes)
        short = [None] * n
        for fid, (_, scope, mask) in collapsed(c).items():
            short[fid - n] = (fid, scope, mask)
        c.collapsed_by_var = short
    return short


def _masks(anc: list[int], ids: Iterable[int]) -> tuple[int, int]:
    """Bitmasks of the ancestors of ``ids`` (with them) and of ``ids`` themselves."""
    relevant = qe = 0
    for v in ids:
        relevant |= anc[v]
        qe |= 1 << v
    return relevant, qe


class _Walk:
    """Walk from variables through unobserved ones inside the relevant (ancestral) set."""

    def __init__(self, c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], collapse: bool) -> None:
        anc, self.children, _ = structure(c)
        self.observed = set(evidence_ids)
        masks = c.evidence_masks.get(evidence_ids)
        if masks is None:  # shared by every query with this evidence (e.g. all marginals)
            if len(c.evidence_masks) >= 64:
                c.evidence_masks.clear()
            masks = c.evidence_masks[evidence_ids] = _masks(anc, evidence_ids)
        relevant, qe = masks
        for v in query_ids:
            relevant |= anc[v]
            qe |= 1 << v
        self.relevant, self.qe, self.scopes = relevant, qe, c.scopes
        self.short = _short_cuts(c) if collapse else None

    def _through_absorbed(self, f: int) -> int:
        # a child summed into its own child's table: the variable is in that table instead
        children, short = self.children, self.short
        assert short is not None
        while len(children[f]) == 1:
            x = children[f][0]
            entry = short[x]
            if entry is None or not entry[2] >> f & 1 or entry[2] & self.qe or x in self.observed:
                break
            f = x
        return f

    def _factor(self, f: int) -> tuple[int, tuple[int, ...]]:
        entry = self.short[f] if self.short else None
        if entry is not None and not entry[2] & self.qe and f not in self.observed:
            return entry[0], entry[1]
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
                if self.short:
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
    has_zero = c.has_zero
    for e in evidence_ids:
        # a piece without an observed CPD holding a zero has a positive total (its unobserved
        # CPDs sum to one, its observed ones are positive): only such CPDs can make e impossible
        if e in taken or not has_zero[e]:
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
        fids = range(len(c.tables))
    main, pieces = _components(c, fids, observed, query_ids)
    sides = []
    for piece in pieces:
        if c.is_bn and not any(f in observed for f in piece):
            continue  # CPDs of unobserved variables only: sums to exactly one
        if not need_value and not any(c.has_zero[f] for f in piece):
            continue  # strictly positive, cannot make the evidence impossible
        sides.append(piece)
    mask = 0
    for v in relevant:
        mask |= 1 << v
    return main, sides, mask
