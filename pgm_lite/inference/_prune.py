"""Query pruning: ancestry, barren and d-separated parts, CPDs folded with private ancestry."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from .. import tuning
from ._coded import Compiled

__all__ = ["ancestor_mask", "ancestors", "children_of", "collapsed", "collapsed_entry", "collapsed_shape",
           "fill_children", "positive_states", "prune", "topological_rank"]

Ids = Sequence[int]
#: (main factor ids, side pieces, bitmask of the relevant variables)
Pieces = tuple[list[int], list[list[int]], int]
#: a CPD with its single-child parents summed in: (table, scope with the child last, absorbed mask)
Collapsed = tuple[np.ndarray, tuple[int, ...], int]
#: the same without the table, plus the parents summed in: (scope, absorbed mask, parents)
Shape = tuple[tuple[int, ...], int, tuple[int, ...]]

# Everything here is per model version and built for the part of the network a question
# touches: a single posterior on a big network reads the ancestors of its variables only.


def children_of(c: Compiled, v: int) -> list[int]:
    """Return the ids of the children of ``v``, ascending (Bayesian networks; read on first use)."""
    got = c.children[v]
    if got is None and not c.lazy_structure:
        fill_children(c)
        got = c.children[v]
    if got is None:
        index = c.index
        got = c.children[v] = sorted([index[u] for u in c.successors[c.names[v]]])
    return got


def fill_children(c: Compiled) -> None:
    """Read every variable's parents and children at once (Bayesian networks; a no-op after that).

    A model's first question reads the structure of its own part only; from its second
    question on (``_bn_pieces``) one pass over all CPDs costs less than reading each variable
    on demand. The lists are the same either way.
    """
    if c.children_complete:
        return
    parents = c.parents
    assert parents is not None
    kids: list[list[int]] = [[] for _ in parents]
    for v, ps in enumerate(parents):
        for p in ps:
            kids[p].append(v)  # ascending, as children_of gives them
    c.children[:] = kids
    c.children_complete = True


def ancestor_mask(c: Compiled, ids: Iterable[int]) -> int:
    """Bitmask of ``ids`` and all their ancestors (Bayesian networks).

    Each variable's own mask is built on first use from its parents' (a walk up from it only)
    and kept, so a later question pays one OR per variable.
    """
    masks = c.ancestry
    mask = 0
    for v in ids:
        got = masks[v]
        mask |= _own_mask(c, v) if got is None else got
    return mask


def _own_mask(c: Compiled, v: int) -> int:
    masks, parent_ids = c.ancestry, c.parent_ids
    stack = [v]  # parents first, without recursion (chains may be thousands long)
    while stack:
        u = stack[-1]
        parents = parent_ids[u] or c.parents_of(u)
        todo = [p for p in parents if masks[p] is None]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        mask = 1 << u
        for p in parents:
            mask |= masks[p]  # type: ignore[operator]
        masks[u] = mask
    return masks[v]  # type: ignore[return-value]


def ancestors(c: Compiled, ids: Iterable[int]) -> set[int]:
    """Return the given ids and all their ancestors (Bayesian networks)."""
    mask = ancestor_mask(c, ids)
    return {v for v in range(mask.bit_length()) if mask >> v & 1}


def positive_states(c: Compiled, v: int) -> list[bool]:
    """``positive[s]``: whether every entry of the CPD of ``v`` at state ``s`` is positive (cached)."""
    got = c.positive.get(v)
    if got is None:
        t = c.table(v)
        got = ([bool(x) for x in np.asarray((t > 0).reshape(-1, t.shape[-1]).all(axis=0))]
               if c.zero_in(v) else [True] * t.shape[-1])
        c.positive[v] = got
    return got


def topological_rank(c: Compiled) -> list[int]:
    """``rank[v]``: position of variable ``v`` in a topological order (Bayesian networks; whole model)."""
    rank = c.topological_rank
    if rank is None:
        assert c.parents is not None
        parents = c.parents
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
                stack.extend((p, False) for p in parents[u] if not seen[p])
        rank = [0] * n
        for i, v in enumerate(order):
            rank[v] = i
        c.topological_rank = rank
    return rank


def collapsed_shape(c: Compiled, v: int) -> Shape | None:
    """Return ``(scope, mask, folded)`` of :func:`collapsed_entry` without computing its table.

    Which parents are summed in depends on the scopes and cardinalities only, so a walk can
    decide whether a query may use the entry before any table is read or multiplied;
    ``folded`` lists the parents summed in, in order. Cached per variable.
    """
    memo = c.collapsed_shapes
    got = memo.get(v, _UNSEEN)
    if got is not _UNSEEN:
        return got  # type: ignore[return-value]
    parent_ids, children = c.parent_ids, c.children
    stack = [v]  # parents summed in first, without recursion (chains may be thousands long)
    while stack:
        u = stack[-1]
        todo = [b for b in parent_ids[u] or c.parents_of(u)
                if b not in memo and len(children[b] or children_of(c, b)) == 1]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        if u not in memo:
            memo[u] = _fold_shape(c, u, memo)
    return memo[v]


def _fold_shape(c: Compiled, v: int, memo: dict[int, Shape | None]) -> Shape | None:
    private = [b for b in c.parents_of(v) if len(children_of(c, b)) == 1]
    if not private:
        return None
    cards = c.cards
    scope, mask = c.scope(v), 0
    size = math.prod([cards[u] for u in scope])
    folded = []
    for b in private:
        got = memo[b]
        sb, mb = (c.scope(b), 0) if got is None else (got[0], got[1])
        head = [u for u in scope[:-1] if u != b]
        head += [u for u in sb[:-1] if u not in head and u != v]
        new_scope = (*head, v)
        new_size = math.prod([cards[u] for u in new_scope])
        if len(new_scope) > len(scope) or new_size > size:
            continue  # only when it makes the table no bigger
        scope, size, mask = new_scope, new_size, mask | mb | 1 << b
        folded.append(b)
    return (scope, mask, tuple(folded)) if mask else None


def collapsed_entry(c: Compiled, v: int) -> Collapsed | None:
    """Return the CPD of ``v`` with its single-child parents summed in, or None (cached per variable).

    A parent ``b`` whose only child is ``x`` appears in two factors: its CPD and ``x``'s. When
    ``b`` is neither queried nor observed, any elimination may start by summing it out of their
    product, a table over ``x``, ``x``'s other parents and ``b``'s parents: this is done once
    per model and variable, recursively (``b``'s own CPD may have absorbed its single-child
    parents), when the table is no larger than the largest one it replaces. Returns ``(table,
    scope, mask)`` (``v`` last in ``scope``; ``mask`` is the bitmask of the absorbed variables):
    a query may use it (as factor id ``n + v``) when none of them is queried or observed and
    ``v`` is not observed. Only ``v``'s private ancestry is read; :func:`collapsed_shape`
    tells the scope and mask without computing the table.
    """
    memo = c.collapsed_by_var
    got = memo.get(v, _UNSEEN)
    if got is not _UNSEEN:
        return got  # type: ignore[return-value]
    stack = [v]  # parents summed in first, without recursion (chains may be thousands long)
    while stack:
        u = stack[-1]
        shape = collapsed_shape(c, u)
        tree = None if shape is None else _tree(c, u, shape)
        if tree is None and shape is not None:
            todo = [b for b in shape[2] if b not in memo]
            if todo:
                stack.extend(todo)
                continue
        stack.pop()
        if u not in memo:
            if shape is None:
                memo[u] = None
            elif tree is not None:
                memo[u] = _fold_tree(c, tree, shape)
            else:
                memo[u] = _fold(c, u, shape, memo)
    return memo[v]


_UNSEEN = object()


def _tree(c: Compiled, v: int, shape: Shape) -> list[int] | None:
    """``v`` and the variables its entry absorbs, when one einsum over their CPDs is small.

    The entry is the product of those CPDs summed over the absorbed variables: one einsum whose
    iteration space (every variable of their scopes) is at most ``tuning.FOLD_TREE_ENTRIES``
    replaces one einsum per parent summed in (a fold of one root parent is the same call).
    """
    members = [v]
    mask = shape[1]
    while mask:
        low = mask & -mask
        mask ^= low
        members.append(low.bit_length() - 1)
    if len(members) > tuning.MAX_EINSUM_OPERANDS:
        return None
    cards, limit = c.cards, tuning.FOLD_TREE_ENTRIES
    seen: set[int] = set()
    space = 1
    for m in members:
        for u in c.scope(m):
            if u not in seen:
                seen.add(u)
                space *= cards[u]
    return members if space <= limit else None


def _fold_tree(c: Compiled, members: list[int], shape: Shape) -> Collapsed:
    label: dict[int, int] = {}
    operands: list = []
    for m in members:
        operands.append(c.table(m))
        operands.append([label.setdefault(u, len(label)) for u in c.scope(m)])
    table = np.einsum(*operands, [label[u] for u in shape[0]], order="C")
    return table, shape[0], shape[1]


def _fold(c: Compiled, v: int, shape: Shape, memo: dict[int, Collapsed | None]) -> Collapsed:
    table, scope = c.table(v), c.scope(v)
    for b in shape[2]:
        got = memo[b]
        tb, sb = (c.table(b), c.scope(b)) if got is None else (got[0], got[1])
        head = [u for u in scope[:-1] if u != b]
        head += [u for u in sb[:-1] if u not in head and u != v]
        new_scope = (*head, v)
        label = {u: i for i, u in enumerate(dict.fromkeys((*scope, *sb)))}  # einsum's sublist form
        table = np.einsum(table, [label[u] for u in scope], tb, [label[u] for u in sb],
                          [label[u] for u in new_scope])
        scope = new_scope
    return np.ascontiguousarray(table), scope, shape[1]


def collapsed(c: Compiled) -> dict[int, Collapsed]:
    """Every collapsed CPD of the model (see :func:`collapsed_entry`), as ``{n + v: entry}``."""
    n = len(c.names)
    entries = [(v, collapsed_entry(c, v)) for v in range(n)]
    return {n + v: entry for v, entry in entries if entry is not None}


class _Walk:
    """Walk from variables through unobserved ones inside the relevant (ancestral) set."""

    def __init__(self, c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], collapse: bool) -> None:
        self.c = c
        self.observed = set(evidence_ids)
        qe = 0
        for v in (*query_ids, *evidence_ids):
            qe |= 1 << v
        self.relevant = ancestor_mask(c, (*query_ids, *evidence_ids))
        self.qe, self.collapse = qe, collapse
        self._kids: dict[int, list[int]] | None = None

    def relevant_children(self) -> dict[int, list[int]]:
        """Per variable, its relevant children, ascending (from the parents ``ancestor_mask`` read)."""
        kids = self._kids
        if kids is None:
            kids = self._kids = {}
            c, mask = self.c, self.relevant
            while mask:
                low = mask & -mask
                mask ^= low
                u = low.bit_length() - 1
                for p in c.parent_ids[u] or c.parents_of(u):
                    kids.setdefault(p, []).append(u)
        return kids

    def plain(self, start_vars: Ids, seen_f: set[int], budget: int = 0) -> list[int] | None:
        """:meth:`component` with every CPD as it is, reading only the relevant variables.

        With a ``budget``, None as soon as the piece holds more factors than that.
        """
        kids, observed, c = self.relevant_children(), self.observed, self.c
        scope_ids = c.scope_ids
        found: list[int] = []
        seen_v, stack = set(start_vars), list(start_vars)
        while stack:
            v = stack.pop()
            for f in (v, *kids.get(v, ())):
                if f in seen_f:
                    continue
                seen_f.add(f)
                found.append(f)
                for u in scope_ids[f] or c.scope(f):
                    if u not in seen_v and u not in observed:
                        seen_v.add(u)
                        stack.append(u)
            if len(found) > budget > 0:
                return None
        return found

    def _through_absorbed(self, f: int, x: int) -> int:
        # a child summed into its own child's table: the variable is in that table instead
        # (``x``: the only child of ``f``)
        c = self.c
        while True:
            if x in self.observed:
                return f
            shape = collapsed_shape(c, x)
            if shape is None or not shape[1] >> f & 1 or shape[1] & self.qe:
                return f
            f = x
            kids = children_of(c, f)
            if len(kids) != 1:
                return f
            x = kids[0]

    def component(self, start_vars: Ids, seen_f: set[int]) -> list[int]:
        """Factor ids reached from ``start_vars`` (not in ``seen_f``, which is updated)."""
        if not self.collapse:
            return self.plain(start_vars, seen_f)  # type: ignore[return-value]
        found = []
        relevant, observed, c, qe = self.relevant, self.observed, self.c, self.qe
        blocked = observed.union(start_vars)  # variables reached, and the observed ones
        stack = list(start_vars)
        children, shapes, n = c.children, c.collapsed_shapes, c.n_factors
        scope_ids, entries = c.scope_ids, c.collapsed_by_var
        while stack:
            v = stack.pop()
            kids = children[v]
            for f in (v, *(children_of(c, v) if kids is None else kids)):
                if f in seen_f or not relevant >> f & 1:
                    # taken (a factor found is where its own walk below stops), or barren, and
                    # so are its descendants (a relevant one would make f relevant)
                    continue
                below = children[f]
                if below is None:
                    below = children_of(c, f)
                if len(below) == 1:
                    x = below[0]  # _through_absorbed's first test inline (most walks stop there)
                    shape = None if x in observed else shapes.get(x, _UNSEEN)
                    if shape is _UNSEEN or shape is not None and shape[1] >> f & 1 and not shape[1] & qe:  # type: ignore[index]
                        f = self._through_absorbed(f, x)
                        if f in seen_f or not relevant >> f & 1:
                            continue
                seen_f.add(f)
                shape = None if f in observed else shapes.get(f, _UNSEEN)
                if shape is _UNSEEN:
                    shape = collapsed_shape(c, f)
                if shape is not None and not shape[1] & qe:  # type: ignore[index]
                    if f not in entries:
                        collapsed_entry(c, f)  # the table, now that the query uses it
                    found.append(n + f)
                    scope = shape[0]  # type: ignore[index]
                else:
                    found.append(f)
                    scope = scope_ids[f] or c.scope(f)
                for u in scope:
                    if u not in blocked:
                        blocked.add(u)
                        stack.append(u)
        return found


def _bn_pieces(c: Compiled, query_ids: Ids, evidence_ids: tuple[int, ...], collapse: bool = True) -> Pieces:
    """Fast pruning of a Bayesian network when only the posterior is needed (see ``prune``).

    Walks from the query through unobserved variables inside the ancestral set, so the cost is
    that of the part of the network the query needs, not of the network. With ``collapse``,
    CPDs come with their single-child parents summed in when none of those is queried or
    observed (see ``collapsed``; their ids are ``n + variable``).
    """
    if c.plans:  # asked before: read the whole structure once rather than piece by piece
        fill_children(c)
    walk = _Walk(c, query_ids, evidence_ids, False)
    observed = walk.observed
    taken: set[int] = set()
    # a piece of up to tuning.UNFOLDED_PIECE_FACTORS CPDs is handed over as they are (a new
    # question saves the folding, later runs of its plan pay for the bigger einsums)
    budget = tuning.UNFOLDED_PIECE_FACTORS
    found = walk.plain(query_ids, taken, budget if collapse else 0) if budget > 0 or not collapse else None
    if found is None:
        taken.clear()
        walk.collapse = True
        found = walk.component(query_ids, taken)
    main = sorted(found)
    sides = []
    zeros = c.zeros
    for e in evidence_ids:
        # a piece without an observed CPD holding a zero has a positive total (its unobserved
        # CPDs sum to one, its observed ones are positive): only such CPDs can make e impossible
        if e in taken:
            continue
        zero = zeros[e]
        if not (c.zero_in(e) if zero is None else zero):
            continue
        hidden = [u for u in c.scope(e) if u not in observed]
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
    scope = c.scope
    for f in fids:
        hidden = [v for v in scope(f) if v not in observed]
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
