"""Elimination plans: which factors, in which order, as one ``np.einsum`` call per step.

A plan is built once per (model version, query variables, evidence variables, order) and run
many times with different evidence values. Each einsum call gets its own local letters, so no
call ever sees more labels than the variables of one step.
"""

from __future__ import annotations

import heapq
import math
import string

import numpy as np

from .. import tuning
from ..elimination import greedy_order
from ..exceptions import MemoryLimitError
from ._query_args import check_order_covers

BATCH = -1  # pseudo-variable id of the batch (evidence rows) axis
_LETTERS = string.ascii_letters


try:  # the C entry point skips the Python wrapper (about a microsecond a call)
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # pragma: no cover - other numpy layouts
    _einsum = np.einsum


class SubPlan:
    """One connected piece of a query, compiled to einsum steps.

    ``inputs[k] = (table, template, slots)``: the factor table and how to slice the evidence
    out of it (``template`` is a list of ``slice(None)`` with the evidence axes filled from
    ``slots``, positions in the evidence-code tuple). In batch mode the evidence axes are moved
    to the front and indexed with code arrays, which puts the rows on a leading axis.
    ``steps[k] = (variable, operands, space, scope, kind)`` describes the elimination (for
    explanations and MAP traceback; ``space`` is the iteration space of a summing step, None
    in batch mode); ``program`` is what runs (small steps fused).
    """

    __slots__ = ("inputs", "input_scopes", "steps", "program", "final", "out", "largest", "largest_scope",
                 "factor_ids", "batch", "order_key", "kinds", "deferred", "runs")


def _subscripts(scopes, out):
    letters = {}
    try:
        for s in (*scopes, out):
            for v in s:
                if v not in letters:
                    letters[v] = _LETTERS[len(letters)]
    except IndexError:
        return None  # more than 52 variables in one step: the memory guard refuses it first
    return ",".join(["".join([letters[v] for v in s]) for s in scopes]) + "->" + "".join(
        [letters[v] for v in out])


def build_subplan(c, factor_ids, evidence_ids, out, order_key, *, batch=False, kinds=None):
    """Compile the product of ``factor_ids``, summed down to ``out`` (a tuple of ids).

    ``kinds`` maps a variable to ``"max"`` for max-product steps (MAP); others are summed.
    In batch mode ``out`` starts with ``BATCH`` when any factor holds evidence.
    """
    position = dict(zip(evidence_ids, range(len(evidence_ids))))
    observed = position.keys()
    sp = SubPlan()
    sp.factor_ids = factor_ids if factor_ids.__class__ is list else list(factor_ids)
    sp.batch = batch
    inputs, input_scopes = [], []
    add_input, add_scope = inputs.append, input_scopes.append
    scopes, tables = c.scopes, c.tables
    n_factors = len(tables)
    for f in factor_ids:
        if f < n_factors:
            scope, table = scopes[f], tables[f]
        else:  # a CPD with single-child parents summed in (see _prune.collapsed)
            table, scope, _ = c.extra["collapsed"][f]
        if observed.isdisjoint(scope):
            add_input((table, None, None))
            add_scope(scope)
            continue
        ev_axes = [a for a, v in enumerate(scope) if v in position]
        rest = tuple([v for v in scope if v not in position])
        if batch:
            moved = np.moveaxis(table, ev_axes, list(range(len(ev_axes))))
            inputs.append((moved, None, [position[scope[a]] for a in ev_axes]))
            rest = (BATCH, *rest)
        else:
            template = [slice(None)] * len(scope)
            inputs.append((table, template, [(a, position[scope[a]]) for a in ev_axes]))
        input_scopes.append(rest)
    sp.inputs, sp.input_scopes = inputs, input_scopes
    if batch and not any(BATCH in s for s in input_scopes):
        out = tuple([v for v in out if v != BATCH])
    sp.out = out = out if out.__class__ is tuple else tuple(out)
    hidden = set().union(*input_scopes)
    hidden.difference_update(out)
    if kinds:
        # summed variables first, then maximised ones (MAP needs that constraint)
        phases = [{v for v in hidden if kinds.get(v) != "max"}, {v for v in hidden if kinds.get(v) == "max"}]
    else:
        kinds = {}
        phases = [hidden]
    sp.order_key, sp.kinds = order_key, kinds
    sp.deferred = None
    if not kinds and not batch and order_key.__class__ is str:
        cards = c.cards
        out_size = math.prod([cards[v] for v in out])
        space = out_size * math.prod([cards[v] for v in hidden])
        subscripts = None if space * len(input_scopes) > tuning.WHOLE_LIMIT else _subscripts(input_scopes, out)
        if subscripts is not None:
            # one einsum over everything, when it costs less than ordering and simulating the
            # steps (its work is about the iteration space times the operands): steps are
            # simulated on demand (plan_steps); the einsum iterates without intermediates, only
            # the result is allocated
            sp.program, sp.steps = [], None
            sp.final = (tuple(range(len(input_scopes))), subscripts)
            sp.largest, sp.largest_scope = out_size, out
            if space > tuning.FUSE_LIMIT:  # step by step is faster once planned: plan it when reused
                sp.deferred, sp.runs = c, 0
            return sp
    _simulate(c, sp, _order(c, input_scopes, phases, order_key), kinds)
    return sp


def plan_steps(c, sp):
    """Return the elimination steps of ``sp`` (simulated now if the plan skipped them)."""
    if sp.steps is None:
        hidden = set().union(*sp.input_scopes).difference(sp.out)
        full = SubPlan()
        full.input_scopes, full.out = sp.input_scopes, sp.out
        _simulate(c, full, _order(c, sp.input_scopes, [hidden], sp.order_key), {})
        sp.steps = full.steps
    return sp.steps


def card_of(c, v, n_rows=1):
    return n_rows if v == BATCH else c.cards[v]


def _order(c, scopes, phases, order_key):
    if not isinstance(order_key, str):
        check_order_covers(c, order_key, set().union(*phases))
        return [v for phase in phases for v in order_key if v in phase]
    if sum(map(len, phases)) <= 1:
        return [v for phase in phases for v in phase]
    adj = {}
    for s in scopes:
        for v in s:
            near = adj.get(v)
            if near is None:
                adj[v] = set(s)
            else:
                near.update(s)
    for v, near in adj.items():
        near.discard(v)
    order = []
    if order_key == "min-fill":
        for phase in phases:
            order += _min_fill(adj, phase)
        return order
    cards = {v: card_of(c, v, 2**10) for v in adj}
    rank = {v: v for v in adj}  # ids: ties go to the variable declared first
    for phase in phases:
        order += greedy_order(adj, cards, sorted(phase), order_key, rank)[0]
    return order


def _min_fill(adj, candidates):
    """``elimination.greedy_order(..., "min-fill")`` with ids as ranks, inlined for speed.

    Neighbourhoods are kept twice: as sets (to iterate) and as bitmasks (to count the pairs
    already connected without building intersection sets). Variable ``v`` is bit ``v + 1``
    (the batch axis, id -1, is bit 0).
    """
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
        nbrs = adj[v]
        k = len(nbrs)
        if k < 2:
            current[v] = 0
        else:
            m = bits[v]
            current[v] = (k * (k - 1) - sum([(m & bits[a]).bit_count() for a in nbrs])) // 2
    heap = [(s, v) for v, s in current.items()]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    order = []
    while heap:
        s, v = pop(heap)
        if v not in todo or current[v] != s:
            continue
        todo.discard(v)
        off = ~(1 << (v + 1))
        todo_bits &= off
        nbrs = adj.pop(v)
        nmask = bits.pop(v)
        order.append(v)
        fill = []
        grew = set()  # neighbours of v that gain fill edges
        grew_bits = 0
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
                fill.extend([(a, b) for b in new if a < b])  # each edge once
                grew.add(a)
                grew_bits |= 1 << (a + 1)
            bits[a] = ma
        changed = {}
        for u in nbrs:
            if u not in todo:
                continue
            near = adj[u]
            if u not in grew:  # only loses the pairs (v, x), x not near v (fill edges: below)
                changed[u] = current[u] - len(near) + (bits[u] & nmask).bit_count()
                continue
            k = len(near)
            m = bits[u]
            changed[u] = (k * (k - 1) - sum([(m & bits[a]).bit_count() for a in near])) // 2
        if fill:
            keep = todo_bits & ~grew_bits
            for a, b in fill:
                # a fill edge a-b is one missing pair less for every other common neighbour of
                # a and b whose neighbourhood did not grow (those were recomputed above)
                common = bits[a] & bits[b] & keep
                while common:
                    low = common & -common
                    common ^= low
                    u = low.bit_length() - 2
                    changed[u] = changed.get(u, current[u]) - 1
        for u, new in changed.items():
            if new != current[u]:
                current[u] = new
                push(heap, (new, u))
    return order


def _simulate(c, sp, order, kinds):
    scopes = list(sp.input_scopes)
    n_inputs = len(scopes)
    holders = {}
    for i, s in enumerate(scopes):
        for v in s:
            h = holders.get(v)
            if h is None:
                holders[v] = {i}
            else:
                h.add(i)
    live = set(range(n_inputs))
    steps = []
    largest, largest_scope = 1, ()
    batched = BATCH in holders
    if batched:
        card = {u: 1 if u == BATCH else c.cards[u] for u in holders}.__getitem__  # per row
    else:
        card = c.cards.__getitem__
    prod = math.prod
    for v in order:
        ops = sorted(holders.pop(v, ()))
        if len(ops) == 1:
            union = scopes[ops[0]]
        else:
            union = tuple(dict.fromkeys([u for i in ops for u in scopes[i]]))
        kind = kinds.get(v, "sum") if kinds else "sum"
        if kind == "sum":
            kept = tuple([u for u in union if u != v])
            size = prod(map(card, kept))
            space = None if batched else size * card(v)  # the step's iteration space
            if len(ops) > 1 and size * card(v) > tuning.OPTIMIZE_LIMIT and BATCH not in union:
                size *= card(v)  # pairwise intermediates stay within the union
        else:
            size = prod(map(card, union))
            kept = tuple([u for u in union if u != v])
            space = None
        if size > largest:
            largest, largest_scope = size, union
        new = len(scopes)
        scopes.append(kept)
        ops = tuple(ops)
        for u in kept:  # exactly the variables of the operands other than v
            h = holders[u]
            h.difference_update(ops)
            h.add(new)
        live.difference_update(ops)
        live.add(new)
        steps.append((v, ops, space, union, kind))
    final_ops = tuple(sorted(live))
    sp.program, sp.final = _fuse(c, scopes, steps, final_ops, n_inputs, sp.out)
    size = math.prod(card_of(c, u) for u in sp.out if u != BATCH)
    if size > largest:
        largest, largest_scope = size, sp.out
    sp.steps = steps
    sp.largest, sp.largest_scope = largest, largest_scope


def _fuse(c, scopes, steps, final_ops, n_inputs, out):
    """Merge chains of small summing steps into one einsum each (fewer Python-level calls).

    A step's result is inlined into the step that consumes it when the merged einsum iterates
    over at most ``tuning.FUSE_LIMIT`` entries; big steps and max-product steps stay on their own.
    Returns ``(program, final)``: ``program[k] = (slot, operands, subscripts, max_axis)``.
    """
    program, pending = [], {}  # pending: step slot -> its expanded operand slots (not yet run)
    cards = c.cards
    # each variable gets one character; when there are more than 52 variables in all, an
    # einsum's characters are translated to letters local to it
    chars = {}
    for s in scopes:
        for v in s:
            if v not in chars:
                chars[v] = _LETTERS[len(chars)] if len(chars) < len(_LETTERS) else chr(0x100 + len(chars))
    words = ["".join([chars[v] for v in s]) for s in scopes]
    if len(chars) <= len(_LETTERS):
        def subscripts(ops, result):
            return ",".join([words[o] for o in ops]) + "->" + "".join([chars[v] for v in result])
    else:
        def subscripts(ops, result):
            inputs = [words[o] for o in ops]
            used = dict.fromkeys("".join(inputs))  # the result's variables are among them
            if len(used) > len(_LETTERS):
                return None  # more than 52 variables in one step: the memory guard refuses it
            table = dict(zip(map(ord, used), _LETTERS))
            return (",".join(inputs) + "->" + "".join([chars[v] for v in result])).translate(table)

    if BATCH in chars:
        def card(u):
            return 64 if u == BATCH else cards[u]
    else:
        card = cards.__getitem__

    def emit(slot):
        ops, _, space = pending.pop(slot)
        subs = subscripts(ops, scopes[slot])
        path = None if space <= tuning.OPTIMIZE_LIMIT else _path(c, subs, [scopes[o] for o in ops], scopes[slot])
        program.append((slot, ops, subs, None, path))

    def gather(ops, allow, base):
        """Inline the pending operands of a step iterating over ``base`` entries if small enough.

        Returns ``(operands, factor)``: the inlined steps multiply the iteration space by
        ``factor`` (the cardinalities of the variables they eliminate).
        """
        inner = [o for o in ops if o in pending]
        if not inner:
            return ops, 1
        factor = math.prod([pending[o][1] for o in inner])
        if allow and base * factor <= tuning.FUSE_LIMIT:
            merged = tuple([x for o in ops for x in (pending.pop(o)[0] if o in inner else (o,))])
            return merged, factor
        for o in inner:
            emit(o)
        return ops, 1

    for k, (v, ops, base, union, kind) in enumerate(steps):
        slot = n_inputs + k
        if kind == "max":
            ops, _ = gather(ops, False, 0)
            program.append((slot, ops, subscripts(ops, union), union.index(v), None))
        else:
            if base is None:
                base = math.prod([card(u) for u in union])
            ops, factor = gather(ops, True, base)
            # the iteration space of ops is base * factor; eliminated inside: card(v) * factor
            pending[slot] = (ops, card(v) * factor, base * factor)
    ops, _ = gather(final_ops, True, math.prod([card(u) for u in out]))
    for slot in sorted(pending):
        emit(slot)
    return program, (ops, subscripts(ops, out))


def _path(c, subscripts, scopes, out):
    """Return a pairwise (BLAS-backed) contraction path for a big multi-operand step, else None.

    Greedy like ``np.einsum_path(..., optimize="greedy")`` (contract the pair whose result
    grows memory least), without its overhead.
    """
    if subscripts is None or len(scopes) < 2 or any(BATCH in s for s in scopes):
        return None
    cards = c.cards
    if math.prod([cards[u] for u in set().union(*scopes)]) <= tuning.OPTIMIZE_LIMIT:
        return None
    sets = [set(s) for s in scopes]
    path = ["einsum_path"]
    while len(sets) > 1:
        best = None
        for i in range(len(sets)):
            for j in range(i + 1, len(sets)):
                needed = set(out).union(*[s for k, s in enumerate(sets) if k != i and k != j])
                result = (sets[i] | sets[j]) & needed
                cost = (math.prod([cards[u] for u in result]) - math.prod([cards[u] for u in sets[i]])
                        - math.prod([cards[u] for u in sets[j]]))
                if best is None or cost < best[0]:
                    best = (cost, i, j, result)
        _, i, j, result = best
        path.append((i, j))
        sets = [s for k, s in enumerate(sets) if k != i and k != j] + [result]
    return path


def check_memory(c, subplans, max_memory, n_rows=1, what="this query"):
    """Raise MemoryLimitError if a table of the plan would exceed ``max_memory`` bytes."""
    worst = max(subplans, key=lambda sp: sp.largest * (n_rows if sp.batch else 1), default=None)
    if worst is None:
        return
    entries = worst.largest * (n_rows if worst.batch else 1)
    if entries * 8 <= max_memory:
        return
    scope = [c.names[v] for v in worst.largest_scope if v != BATCH]
    cards = [c.cards[v] for v in worst.largest_scope if v != BATCH]
    shown = scope if len(scope) <= 12 else [*scope[:12], f"... ({len(scope) - 12} more)"]
    rows = f" for {n_rows} evidence rows" if worst.batch and n_rows > 1 else ""
    raise MemoryLimitError(
        f"{what} needs a table of {entries:.3g} entries ({_gib(entries * 8)}){rows}, more than "
        f"max_memory={_gib(max_memory)}; largest clique has {len(scope)} variables {shown} with "
        f"cardinalities {cards[:12]}. Try another elimination_order ('min-fill', "
        "'weighted-min-fill', 'min-weight'), fewer query variables, more evidence, or "
        "approximate inference by sampling (pl.approximate_query)"
    )


def _gib(n_bytes):
    return f"{n_bytes / 2**30:.3g} GiB"


def slice_evidence(inputs, codes):
    """Return the input tables with the evidence ``codes`` (by evidence position) sliced out.

    ``inputs[k]`` starts with ``(table, template, slots)`` (see :class:`SubPlan`; junction tree
    inputs carry a fourth item, ignored here): ``template`` is None when the table holds no
    evidence, else a list of ``slice(None)`` whose axes ``slots[i][0]`` get ``codes[slots[i][1]]``.
    """
    arrays = []
    for inp in inputs:
        template = inp[1]
        if template is None:
            arrays.append(inp[0])
        else:
            index = template.copy()
            for axis, j in inp[2]:
                index[axis] = codes[j]
            arrays.append(inp[0][tuple(index)])
    return arrays


def run(sp, codes):
    """Execute a subplan for one evidence assignment (``codes`` by evidence position)."""
    if sp.deferred is not None:
        if sp.runs:
            _plan_deferred(sp)
        else:
            sp.runs = 1
    return _contract(sp, slice_evidence(sp.inputs, codes))


def _plan_deferred(sp):
    """Plan a one-einsum subplan step by step (its first run skipped that; reruns gain by it).

    The steps' tables stay within the piece's iteration space, which the memory guard admitted.
    """
    c, sp.deferred = sp.deferred, None
    hidden = set().union(*sp.input_scopes).difference(sp.out)
    _simulate(c, sp, _order(c, sp.input_scopes, [hidden], sp.order_key), {})


def run_batch(sp, columns):
    """Execute a batch subplan; ``columns[j]`` is the code array of evidence position ``j``."""
    arrays = [
        table if slots is None else table[tuple(columns[j] for j in slots)]
        for table, _, slots in sp.inputs
    ]
    return _contract(sp, arrays)


def _contract(sp, arrays, traces=None):
    if sp.program:
        arrays.extend([None] * len(sp.steps))
    for slot, ops, subscripts, axis, path in sp.program:
        operands = [arrays[i] for i in ops]
        for i in ops:
            arrays[i] = None
        table = _einsum(subscripts, *operands) if path is None else np.einsum(
            subscripts, *operands, optimize=path)
        if axis is not None:
            traces.append(table.argmax(axis))
            table = table.max(axis)
        arrays[slot] = table
    ops, subscripts = sp.final
    if not ops:
        return np.ones(())
    return _einsum(subscripts, *[arrays[i] for i in ops])
