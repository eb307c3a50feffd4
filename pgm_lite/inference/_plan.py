"""Elimination plans: which factors, in which order, as one ``np.einsum`` call per step.

A plan is built once per (model version, query variables, evidence variables, order) and run
many times with different evidence values. Each einsum call gets its own local letters, so no
call ever sees more labels than the variables of one step.

Magnitudes: a plain run can only overflow as far as the bound computed when the plan is built
(``top``: log10 of the largest value any table of the plan can reach, from the inputs' maxima
and the cardinalities summed out), and an entry that underflows can change the result by at
most ``1e-308 * 10**top``. A plain run is therefore
exact when its result's total is at least ``10**(top - tuning.SCALING_LOG10_LIMIT)``; when it
is not (or the bound itself is too large, or a step has more operands than numpy's einsum
takes) the plan runs scaled (see ``_contract``): each intermediate carries a power-of-two
exponent and nothing leaves float64. Plain runs pay one comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from ..elimination import greedy_order, min_fill_ids
from ..exceptions import MemoryLimitError
from ._coded import Compiled
from ._contract import BATCH, LETTERS, Exponent, fold_recipe, normalise, run_fold, subscripts
from ._query_args import check_order_covers

__all__ = ["BATCH", "Instruction", "Step", "SubPlan", "check_memory", "slice_evidence"]


class Step(NamedTuple):
    """One elimination step: ``variable`` summed (or maximised) out of ``operands``.

    ``operands`` are slots (inputs first, then the results of earlier steps); ``union`` is the
    scope of their product; ``space`` the iteration space of a summing step (None in batch
    mode or for a max step).
    """

    variable: int
    operands: tuple[int, ...]
    space: int | None
    union: tuple[int, ...]
    kind: str


class Instruction(NamedTuple):
    """What runs: one einsum of ``operands`` into ``slot`` (then a max over ``max_axis``)."""

    slot: int
    operands: tuple[int, ...]
    subscripts: Any  # str (None only past 52 variables, which the memory guard refuses first)
    max_axis: int | None
    path: list | None


class SubPlan:
    """One connected piece of a query, compiled to einsum steps.

    ``inputs[k] = (table, template, slots)``: the factor table and how to slice the evidence
    out of it (``template`` is a list of ``slice(None)`` with the evidence axes filled from
    ``slots``, positions in the evidence-code tuple). In batch mode the evidence axes are moved
    to the front and indexed with code arrays, which puts the rows on a leading axis.
    ``steps`` describe the elimination (for explanations and MAP traceback); ``program`` is
    what runs (small steps fused), ``final`` the last einsum.

    ``kinds`` maps a variable to ``"max"`` for max-product steps (MAP); others are summed.
    In batch mode ``out`` starts with ``BATCH`` when any factor holds evidence.
    """

    def __init__(self, c: Compiled, factor_ids: Sequence[int], evidence_ids: Sequence[int],
                 out: Sequence[int], order_key: Any, *, batch: bool = False,
                 kinds: dict[int, str] | None = None) -> None:
        self.c = c
        self.factor_ids = list(factor_ids)
        self.batch = batch
        self.order_key = order_key
        self.kinds: dict[int, str] = kinds or {}
        self.deferred = False
        self.runs = 0
        self.steps: list[Step] | None = None
        self.program: list[Instruction] = []
        self.final: tuple[tuple[int, ...], Any] = ((), None)
        self.slot_scopes: list[tuple[int, ...]] = []
        self.largest = 1
        self.largest_scope: tuple[int, ...] = ()
        self.scaled = False
        self.floor = 10.0 ** -tuning.SCALING_LOG10_LIMIT
        self._recipes: dict[int, Any] | None = None
        self._slice_inputs(evidence_ids)
        if batch and not any(BATCH in s for s in self.input_scopes):
            out = tuple([v for v in out if v != BATCH])
        self.out: tuple[int, ...] = tuple(out)
        hidden = set().union(*self.input_scopes)
        hidden.difference_update(self.out)
        if self.kinds:
            # summed variables first, then maximised ones (MAP needs that constraint)
            phases = [{v for v in hidden if self.kinds.get(v) != "max"},
                      {v for v in hidden if self.kinds.get(v) == "max"}]
        else:
            phases = [hidden]
        if not (self.kinds or batch or not isinstance(order_key, str) or not self._one_einsum(hidden)):
            return
        self._simulate(_order(c, self.input_scopes, phases, order_key))

    def _slice_inputs(self, evidence_ids: Sequence[int]) -> None:
        position = dict(zip(evidence_ids, range(len(evidence_ids))))
        observed = position.keys()
        inputs: list[tuple[np.ndarray, Any, Any]] = []
        input_scopes: list[tuple[int, ...]] = []
        for f in self.factor_ids:
            table, scope = self.c.table_of(f)
            if observed.isdisjoint(scope):
                inputs.append((table, None, None))
                input_scopes.append(scope)
                continue
            ev_axes = [a for a, v in enumerate(scope) if v in position]
            rest = tuple([v for v in scope if v not in position])
            if self.batch:
                moved = np.moveaxis(table, ev_axes, list(range(len(ev_axes))))
                inputs.append((moved, None, [position[scope[a]] for a in ev_axes]))
                rest = (BATCH, *rest)
            else:
                template = [slice(None)] * len(scope)
                inputs.append((table, template, [(a, position[scope[a]]) for a in ev_axes]))
            input_scopes.append(rest)
        self.inputs, self.input_scopes = inputs, input_scopes

    def _one_einsum(self, hidden: set[int]) -> bool:
        """Plan the piece as one einsum when that is cheaper than ordering it (True if done).

        Its work is about the iteration space times the operands; the steps are simulated on
        demand (:meth:`planned_steps`); only the result is allocated.
        """
        cards = self.c.cards
        out_size = math.prod([cards[v] for v in self.out])
        space = out_size * math.prod([cards[v] for v in hidden])
        n_ops = len(self.input_scopes)
        if space * n_ops > tuning.WHOLE_LIMIT or n_ops > tuning.MAX_EINSUM_OPERANDS:
            return False
        subs = subscripts(self.input_scopes, self.out)
        if subs is None:
            return False
        self.final = (tuple(range(n_ops)), subs)
        self.slot_scopes = list(self.input_scopes)
        self.largest, self.largest_scope = out_size, self.out
        self.deferred = space > tuning.FUSE_LIMIT  # step by step is faster once planned
        self.scaled = self._needs_scaling()
        return True

    # -- planning ----------------------------------------------------------------------------
    def planned_steps(self) -> list[Step]:
        """Return the elimination steps (simulated now if the plan skipped them)."""
        if self.steps is None:
            hidden = set().union(*self.input_scopes).difference(self.out)
            full = _Simulation(self.c, self.input_scopes, self.out, {})
            full.run(_order(self.c, self.input_scopes, [hidden], self.order_key))
            self.steps = full.steps
        return self.steps

    def _simulate(self, order: list[int]) -> None:
        sim = _Simulation(self.c, self.input_scopes, self.out, self.kinds)
        sim.run(order)
        self.steps, self.slot_scopes = sim.steps, sim.scopes
        self.program, self.final = _Fusion(self.c, sim.scopes, len(self.input_scopes), self.out).fuse(
            sim.steps, sim.final_ops)
        self.largest, self.largest_scope = sim.largest, sim.largest_scope
        self.deferred = False
        self._recipes = None
        self.scaled = self._needs_scaling()

    def _needs_scaling(self) -> bool:
        """Whether the plan must always run scaled; sets ``floor``, the smallest trusted total.

        ``top`` bounds log10 of every table of the plan: the inputs' maxima times the
        cardinalities summed out on the way (Markov networks; a Bayesian network's tables are
        probabilities and likelihoods, and a plain run that overflowed would show inf).
        """
        c, limit = self.c, tuning.SCALING_LOG10_LIMIT
        scopes, cards = self.slot_scopes, c.cards
        if any(len(ins.operands) > tuning.MAX_EINSUM_OPERANDS for ins in self.program) or len(
                self.final[0]) > tuning.MAX_EINSUM_OPERANDS:
            return True
        if c.is_bn:
            # probabilities and likelihoods: an overflow would show as inf, and is rerun scaled
            self.floor = 10.0 ** -limit
            return False
        hi = [max(c.magnitude_of(f)[0], 0.0) for f in self.factor_ids]
        hi.extend([0.0] * (len(scopes) - len(hi)))
        top = 0.0
        jobs = [(ins.slot, ins.operands, ins.max_axis is not None) for ins in self.program]
        jobs.append((-1, self.final[0], False))
        for slot, ops, is_max in jobs:
            result = self.out if slot < 0 else scopes[slot]
            top = sum([hi[o] for o in ops])
            if not is_max:
                summed = set().union(*[scopes[o] for o in ops]).difference(result, (BATCH,))
                top += sum([math.log10(cards[v]) for v in summed])
            if slot >= 0:
                hi[slot] = top
        if top > limit:
            return True
        self.floor = 10.0 ** (top - limit)
        return False

    # -- running -----------------------------------------------------------------------------
    def evaluate(self, codes: Sequence[int]) -> tuple[np.ndarray, int, float]:
        """Run for one evidence assignment: ``(table, e, total)``, the result being ``table * 2**e``.

        ``total`` is the sum of ``table`` (its value for a max-product plan).
        """
        if self.deferred:
            if self.runs:
                self._plan_deferred()
            else:
                self.runs = 1
        if not self.scaled:
            table = self._contract(slice_evidence(self.inputs, codes))
            # a small table is summed in Python (numpy's reduction costs about a microsecond)
            total = math.fsum(table.ravel().tolist()) if table.size <= 64 else float(table.sum())
            if self.floor <= total < math.inf:
                return table, 0, total
        table, shift = self._contract_scaled(slice_evidence(self.inputs, codes))
        return table, int(shift), float(table.sum())

    def value(self, codes: Sequence[int]) -> np.ndarray:
        """Return the result of :meth:`evaluate` up to a positive constant (enough for a posterior)."""
        return self.evaluate(codes)[0]

    def log_total(self, codes: Sequence[int]) -> float:
        """Natural log of the sum of the result (-inf when it is exactly zero)."""
        _, shift, total = self.evaluate(codes)
        return math.log(total) + shift * math.log(2) if total > 0 else -math.inf

    def evaluate_batch(self, columns: Sequence[np.ndarray]) -> tuple[np.ndarray, Exponent]:
        """Run a batch plan; ``columns[j]`` is the code array of evidence position ``j``."""
        def arrays():
            return [table if slots is None else table[tuple(columns[j] for j in slots)]
                    for table, _, slots in self.inputs]

        if not self.scaled:
            table = self._contract(arrays())
            rows = table.reshape(len(columns[0]), -1) if BATCH in self.out and columns else table.reshape(1, -1)
            totals = rows.sum(axis=1)
            if (totals >= self.floor).all() and (totals < math.inf).all():
                return table, 0
        return self._contract_scaled(arrays())

    def trace(self, codes: Sequence[int]) -> tuple[float, list[np.ndarray]]:
        """Run a max-product plan: natural log of the best value and the argmax tables."""
        traces: list[np.ndarray] = []
        if not self.scaled:
            best = float(self._contract(slice_evidence(self.inputs, codes), traces))
            if self.floor <= best < math.inf:
                return math.log(best), traces
            traces = []
        table, shift = self._contract_scaled(slice_evidence(self.inputs, codes), traces)
        best = float(table)
        return (math.log(best) + int(shift) * math.log(2) if best > 0 else -math.inf), traces

    def _plan_deferred(self) -> None:
        """Plan a one-einsum subplan step by step (its first run skipped that; reruns gain by it).

        The steps' tables stay within the piece's iteration space, which the memory guard admitted.
        """
        hidden = set().union(*self.input_scopes).difference(self.out)
        self._simulate(_order(self.c, self.input_scopes, [hidden], self.order_key))

    def _contract(self, arrays: list, traces: list | None = None) -> np.ndarray:
        if self.program:
            arrays.extend([None] * (len(self.slot_scopes) - len(arrays)))
        for slot, ops, subs, axis, path in self.program:
            operands = [arrays[i] for i in ops]
            for i in ops:
                arrays[i] = None
            table = np.einsum(subs, *operands) if path is None else np.einsum(subs, *operands, optimize=path)
            if axis is not None:
                assert traces is not None
                traces.append(table.argmax(axis))
                table = table.max(axis)
            arrays[slot] = table
        ops, subs = self.final
        if not ops:
            return np.ones(())
        return np.einsum(subs, *[arrays[i] for i in ops])

    def _contract_scaled(self, arrays: list, traces: list | None = None) -> tuple[np.ndarray, Exponent]:
        recipes = self._recipes
        scopes = self.slot_scopes
        if recipes is None:
            recipes = self._recipes = {}
            for ins in self.program:
                union = tuple(dict.fromkeys([u for o in ins.operands for u in scopes[o]]))
                recipes[ins.slot] = fold_recipe([scopes[o] for o in ins.operands],
                                                union if ins.max_axis is not None else scopes[ins.slot])
            recipes[-1] = fold_recipe([scopes[o] for o in self.final[0]], self.out)
        exps: list[Exponent] = [0] * len(scopes)
        arrays.extend([None] * (len(scopes) - len(arrays)))
        for i, s in enumerate(self.input_scopes):  # inputs may be sliced far below their maximum
            arrays[i], exps[i] = normalise(arrays[i], s)
        for ins in self.program:
            table, shift = run_fold(recipes[ins.slot], [arrays[o] for o in ins.operands],
                                    [exps[o] for o in ins.operands])
            if ins.max_axis is not None:
                assert traces is not None
                traces.append(table.argmax(ins.max_axis))
                table = table.max(ins.max_axis)
            for o in ins.operands:
                arrays[o] = None
            arrays[ins.slot], exps[ins.slot] = table, shift
        ops = self.final[0]
        return run_fold(recipes[-1], [arrays[o] for o in ops], [exps[o] for o in ops])


def card_of(c: Compiled, v: int, n_rows: int = 1) -> int:
    """Cardinality of variable id ``v`` (``n_rows`` for the batch axis)."""
    return n_rows if v == BATCH else c.cards[v]


def _order(c: Compiled, scopes: Sequence[Sequence[int]], phases: list[set[int]], order_key: Any) -> list[int]:
    if not isinstance(order_key, str):
        check_order_covers(c, order_key, set().union(*phases))
        return [v for phase in phases for v in order_key if v in phase]
    if sum(map(len, phases)) <= 1:
        return [v for phase in phases for v in phase]
    adj: dict[int, set[int]] = {}
    for s in scopes:
        for v in s:
            near = adj.get(v)
            if near is None:
                adj[v] = set(s)
            else:
                near.update(s)
    for v, near in adj.items():
        near.discard(v)
    order: list[int] = []
    if order_key == "min-fill":
        for phase in phases:
            order += min_fill_ids(adj, phase)[0]
        return order
    cards: dict[Any, int] = {v: card_of(c, v, 2**10) for v in adj}
    rank: dict[Any, int] = {v: v for v in adj}  # ids: ties go to the variable declared first
    for phase in phases:
        order += greedy_order(adj, cards, sorted(phase), order_key, rank)[0]  # type: ignore[arg-type]
    return order


class _Simulation:
    """Simulate an elimination order on scopes: the steps, their sizes, the final operands."""

    def __init__(self, c: Compiled, input_scopes: Sequence[tuple[int, ...]], out: tuple[int, ...],
                 kinds: dict[int, str]) -> None:
        self.c, self.out, self.kinds = c, out, kinds
        self.scopes: list[tuple[int, ...]] = list(input_scopes)
        self.n_inputs = len(input_scopes)
        self.steps: list[Step] = []
        self.largest = 1
        self.largest_scope: tuple[int, ...] = ()
        self.final_ops: tuple[int, ...] = ()

    def run(self, order: list[int]) -> None:
        scopes, c = self.scopes, self.c
        holders: dict[int, set[int]] = {}
        for i, s in enumerate(scopes):
            for v in s:
                h = holders.get(v)
                if h is None:
                    holders[v] = {i}
                else:
                    h.add(i)
        live = set(range(self.n_inputs))
        batched = BATCH in holders
        if batched:
            card = {u: 1 if u == BATCH else c.cards[u] for u in holders}.__getitem__  # per row
        else:
            card = c.cards.__getitem__
        for v in order:
            ops = tuple(sorted(holders.pop(v, ())))
            union = scopes[ops[0]] if len(ops) == 1 else tuple(dict.fromkeys([u for i in ops for u in scopes[i]]))
            kept = tuple([u for u in union if u != v])
            kind = self.kinds.get(v, "sum") if self.kinds else "sum"
            size, space = self._size(kind, kept, union, card(v), len(ops), batched, card)
            if size > self.largest:
                self.largest, self.largest_scope = size, union
            new = len(scopes)
            scopes.append(kept)
            for u in kept:  # exactly the variables of the operands other than v
                h = holders[u]
                h.difference_update(ops)
                h.add(new)
            live.difference_update(ops)
            live.add(new)
            self.steps.append(Step(v, ops, space, union, kind))
        self.final_ops = tuple(sorted(live))
        size = math.prod(card_of(c, u) for u in self.out if u != BATCH)
        if size > self.largest:
            self.largest, self.largest_scope = size, self.out

    @staticmethod
    def _size(kind: str, kept: tuple[int, ...], union: tuple[int, ...], card_v: int, n_ops: int,
              batched: bool, card: Any) -> tuple[int, int | None]:
        """Entries the step allocates and its iteration space (None when not a summing step)."""
        if kind != "sum":
            return math.prod(map(card, union)), None
        size = math.prod(map(card, kept))
        space = None if batched else size * card_v
        if n_ops > 1 and size * card_v > tuning.OPTIMIZE_LIMIT and BATCH not in union:
            size *= card_v  # pairwise intermediates stay within the union
        return size, space


class _Fusion:
    """Merge chains of small summing steps into one einsum each (fewer Python-level calls).

    A step's result is inlined into the step that consumes it when the merged einsum iterates
    over at most ``tuning.FUSE_LIMIT`` entries; big steps and max-product steps stay on their own.
    """

    def __init__(self, c: Compiled, scopes: list[tuple[int, ...]], n_inputs: int, out: tuple[int, ...]) -> None:
        self.c, self.scopes, self.n_inputs, self.out = c, scopes, n_inputs, out
        self.program: list[Instruction] = []
        self.pending: dict[int, tuple[tuple[int, ...], int, int]] = {}  # slot -> (operands, eliminated, space)
        # each variable gets one character; when there are more than 52 variables in all, an
        # einsum's characters are translated to letters local to it
        chars: dict[int, str] = {}
        for s in scopes:
            for v in s:
                if v not in chars:
                    chars[v] = LETTERS[len(chars)] if len(chars) < len(LETTERS) else chr(0x100 + len(chars))
        self.chars = chars
        self.words = ["".join([chars[v] for v in s]) for s in scopes]
        cards = c.cards
        self.card = (lambda u: 64 if u == BATCH else cards[u]) if BATCH in chars else cards.__getitem__

    def subscripts(self, ops: Sequence[int], result: Sequence[int]) -> str | None:
        inputs = [self.words[o] for o in ops]
        text = ",".join(inputs) + "->" + "".join([self.chars[v] for v in result])
        if len(self.chars) <= len(LETTERS):
            return text
        used = dict.fromkeys("".join(inputs))  # the result's variables are among them
        if len(used) > len(LETTERS):
            return None  # more than 52 variables in one step: the memory guard refuses it
        return text.translate(dict(zip(map(ord, used), LETTERS)))

    def emit(self, slot: int) -> None:
        ops, _, space = self.pending.pop(slot)
        scopes = self.scopes
        subs = self.subscripts(ops, scopes[slot])
        path = None if space <= tuning.OPTIMIZE_LIMIT else _path(self.c, subs, [scopes[o] for o in ops],
                                                                   scopes[slot])
        self.program.append(Instruction(slot, ops, subs, None, path))

    def gather(self, ops: tuple[int, ...], allow: bool, base: int) -> tuple[tuple[int, ...], int]:
        """Inline the pending operands of a step iterating over ``base`` entries if small enough.

        Returns ``(operands, factor)``: the inlined steps multiply the iteration space by
        ``factor`` (the cardinalities of the variables they eliminate).
        """
        pending = self.pending
        inner = [o for o in ops if o in pending]
        if not inner:
            return ops, 1
        factor = math.prod([pending[o][1] for o in inner])
        if allow and base * factor <= tuning.FUSE_LIMIT:
            merged = tuple([x for o in ops for x in (pending.pop(o)[0] if o in inner else (o,))])
            return merged, factor
        for o in inner:
            self.emit(o)
        return ops, 1

    def fuse(self, steps: list[Step], final_ops: tuple[int, ...]) -> tuple[list[Instruction], tuple]:
        """Return ``(program, final)``."""
        card = self.card
        for k, (v, ops, base, union, kind) in enumerate(steps):
            slot = self.n_inputs + k
            if kind == "max":
                ops, _ = self.gather(ops, False, 0)
                self.program.append(Instruction(slot, ops, self.subscripts(ops, union), union.index(v), None))
                continue
            if base is None:
                base = math.prod([card(u) for u in union])
            ops, factor = self.gather(ops, True, base)
            # the iteration space of ops is base * factor; eliminated inside: card(v) * factor
            self.pending[slot] = (ops, card(v) * factor, base * factor)
        ops, _ = self.gather(final_ops, True, math.prod([card(u) for u in self.out]))
        for slot in sorted(self.pending):
            self.emit(slot)
        return self.program, (ops, self.subscripts(ops, self.out))


def _path(c: Compiled, subs: str | None, scopes: list[tuple[int, ...]], out: tuple[int, ...]) -> list | None:
    """Return a pairwise (BLAS-backed) contraction path for a big multi-operand step, else None.

    Greedy like ``np.einsum_path(..., optimize="greedy")`` (contract the pair whose result
    grows memory least), without its overhead.
    """
    if subs is None or len(scopes) < 2 or any(BATCH in s for s in scopes):
        return None
    cards = c.cards
    if math.prod([cards[u] for u in set().union(*scopes)]) <= tuning.OPTIMIZE_LIMIT:
        return None
    sets = [set(s) for s in scopes]
    path: list = ["einsum_path"]
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
        assert best is not None
        _, i, j, result = best
        path.append((i, j))
        sets = [s for k, s in enumerate(sets) if k != i and k != j] + [result]
    return path


def check_memory(c: Compiled, subplans: Sequence[SubPlan], max_memory: int, n_rows: int = 1,
                 what: str = "this query") -> None:
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


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.3g} GiB"


def slice_evidence(inputs: Sequence[tuple], codes: Sequence[int]) -> list[np.ndarray]:
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
