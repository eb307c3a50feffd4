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
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from ..bandwidth import cheaper_sweep, order_cost
from ..elimination import greedy_order, min_fill_ids
from ..exceptions import MemoryLimitError
from ._coded import Compiled
from ._contract import BATCH, Exponent, fold_recipe, normalise, run_fold, subscripts
from ._query_args import check_max_memory, check_order_covers
from ._steps import Fusion, Instruction, Simulation, Step, card_of, run_instruction

__all__ = ["BATCH", "Instruction", "Step", "SubPlan", "check_memory", "slice_evidence"]


class SubPlan:
    """One connected piece of a query, compiled to einsum steps.

    ``inputs[k] = (table, pick)``: the factor table with its evidence axes moved to the front
    (a view) and ``pick``, None when it holds no evidence, else an ``operator.itemgetter`` of
    their positions in the evidence-code tuple, so ``table[pick(codes)]`` slices the evidence
    out in one indexing (in batch mode the codes are arrays, which puts the rows on a leading
    axis). ``steps`` describe the elimination (for explanations and MAP traceback);
    ``program`` is what runs (small steps fused), ``final`` the last einsum.

    Steps that read no evidence give the same table on every run: the first plain run computes
    them once (:meth:`_freeze`) and later runs start from those tables, running only the steps
    the evidence reaches (``tuning.FREEZE_MAX_ENTRIES`` bounds what a plan keeps).

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
        self.steps: list[Step] | None = None
        self.program: list[Instruction] = []
        self.final: tuple[tuple[int, ...], Any] = ((), None)
        self.slot_scopes: list[tuple[int, ...]] = []
        self.largest = 1
        self.largest_scope: tuple[int, ...] = ()
        self.scaled = False
        self.floor = 10.0 ** -tuning.SCALING_LOG10_LIMIT
        self._recipes: dict[int, Any] | None = None
        self._frozen: _Frozen | None = None
        self._ran = False
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
        inputs: list[tuple[np.ndarray, Any]] = []
        tables, input_scopes = self.c.tables_of(self.factor_ids)
        batch = self.batch
        for k, (table, scope) in enumerate(zip(tables, input_scopes)):
            if observed.isdisjoint(scope):
                inputs.append((table, None))
                continue
            ev_axes: list[int] = []
            rest_axes: list[int] = []
            picks: list[int] = []
            rest: list[int] = []
            for a, v in enumerate(scope):  # (loops, not comprehensions: a new question plans once)
                j = position.get(v)
                if j is None:
                    rest_axes.append(a)
                    rest.append(v)
                else:
                    ev_axes.append(a)
                    picks.append(j)
            # the same view np.moveaxis gives, without its argument normalisation (cold planning)
            moved = table if ev_axes[-1] == len(ev_axes) - 1 else table.transpose(ev_axes + rest_axes)
            inputs.append((moved, itemgetter(*picks)))
            input_scopes[k] = (BATCH, *rest) if batch else tuple(rest)
        self.inputs, self.input_scopes = inputs, input_scopes

    def _one_einsum(self, hidden: set[int]) -> bool:
        """Plan the piece as one einsum when that is cheaper than ordering it (True if done).

        Its work is about the iteration space times the operands; the steps are simulated on
        demand (:meth:`planned_steps`); only the result is allocated.
        """
        cards = self.c.cards
        out_size = 1
        for v in self.out:  # (loops, not comprehensions: a new question plans once)
            out_size *= cards[v]
        space = out_size
        for v in hidden:
            space *= cards[v]
        n_ops = len(self.input_scopes)
        # a bigger piece is planned step by step at once (not on a later run): every call runs
        # the same program, so an answer never depends on what ran before (issue 12)
        work = space * n_ops
        if (space > tuning.FUSE_LIMIT and work > tuning.ONE_EINSUM_WORK) or work > tuning.WHOLE_LIMIT \
                or n_ops > tuning.MAX_EINSUM_OPERANDS:
            return False
        subs = subscripts(self.input_scopes, self.out)
        if subs is None:
            return False
        self.final = (tuple(range(n_ops)), subs)
        self.slot_scopes = list(self.input_scopes)
        self.largest, self.largest_scope = out_size, self.out
        # a Bayesian network's one einsum (no program, few operands) never needs scaling: the
        # answer of _needs_scaling, known without asking
        self.scaled = False if self.c.is_bn else self._needs_scaling()
        return True

    # -- planning ----------------------------------------------------------------------------
    def planned_steps(self) -> list[Step]:
        """Return the elimination steps (simulated now if the plan skipped them)."""
        if self.steps is None:
            hidden = set().union(*self.input_scopes).difference(self.out)
            full = Simulation(self.c, self.input_scopes, self.out, {})
            full.run(_order(self.c, self.input_scopes, [hidden], self.order_key))
            self.steps = full.steps
        return self.steps

    def _simulate(self, order: list[int]) -> None:
        sim = Simulation(self.c, self.input_scopes, self.out, self.kinds)
        sim.run(order)
        self.steps, self.slot_scopes = sim.steps, sim.scopes
        self.program, self.final = Fusion(self.c, sim.scopes, len(self.input_scopes), self.out).fuse(
            sim.steps, sim.final_ops)
        self.largest, self.largest_scope = sim.largest, sim.largest_scope
        self._recipes = None
        self._frozen = None
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
        if not self.scaled:
            if self.steps is None and not self._ran and self.final[0]:
                # a new question's one einsum (see _one_einsum): _run's first run, inline
                self._ran = True
                table = np.einsum(self.final[1], *[table if pick is None else table[pick(codes)]
                                                   for table, pick in self.inputs])
            else:
                table = self._run(codes)
            # a small table is summed in Python (numpy's reduction costs about a microsecond)
            total = math.fsum(table.ravel().tolist()) if table.size <= 64 else float(table.sum())
            if self.floor <= total < math.inf:
                return table, 0, total
        table, shift = self._contract_scaled(self._sliced(codes))
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
        if not self.scaled:
            table = self._run(columns)
            rows = table.reshape(len(columns[0]), -1) if BATCH in self.out and columns else table.reshape(1, -1)
            totals = rows.sum(axis=1)
            if (totals >= self.floor).all() and (totals < math.inf).all():
                return table, 0
        return self._contract_scaled(self._sliced(columns))

    def trace(self, codes: Sequence[int]) -> tuple[float, list[np.ndarray]]:
        """Run a max-product plan: natural log of the best value and the argmax tables."""
        traces: list[np.ndarray] = []
        if not self.scaled:
            best = float(self._contract(self._sliced(codes), traces))
            if self.floor <= best < math.inf:
                return math.log(best), traces
            traces = []
        table, shift = self._contract_scaled(self._sliced(codes), traces)
        best = float(table)
        return (math.log(best) + int(shift) * math.log(2) if best > 0 else -math.inf), traces

    def _sliced(self, codes: Sequence[Any]) -> list:
        """Return the input tables with the evidence sliced out (``codes`` by evidence position)."""
        return [table if pick is None else table[pick(codes)] for table, pick in self.inputs]

    def _freeze(self) -> _Frozen:
        """Run the steps no evidence reaches, once; keep what the other steps need (see the class)."""
        n_in, program, (final_ops, final_subs) = len(self.inputs), self.program, self.final
        arrays: list = [table if pick is None else None for table, pick in self.inputs]
        arrays.extend([None] * (len(self.slot_scopes) - n_in))
        picks = [(k, table, pick) for k, (table, pick) in enumerate(self.inputs) if pick is not None]
        live: list[Instruction] = []
        if not final_ops:
            frozen = _Frozen(arrays, picks, program, None)
        else:
            dynamic = [pick is not None for _, pick in self.inputs] + [False] * (len(arrays) - n_in)
            for ins in program:
                if any([dynamic[o] for o in ins.operands]):
                    dynamic[ins.slot] = True
                    live.append(ins)
            needed = [o for ins in live for o in ins.operands] + list(final_ops)
            kept = {o for o in needed if not dynamic[o] and o >= n_in}
            const = not any([dynamic[o] for o in final_ops])
            cards = self.c.cards
            entries = sum([math.prod([cards[u] for u in self.slot_scopes[o]]) for o in kept])
            if entries > tuning.FREEZE_MAX_ENTRIES:
                frozen = _Frozen(arrays, picks, program, None)
            else:
                for ins in program:
                    if not dynamic[ins.slot]:
                        arrays[ins.slot] = _step(ins, [arrays[o] for o in ins.operands])
                result = np.einsum(final_subs, *[arrays[o] for o in final_ops]) if const else None
                if isinstance(result, np.ndarray):
                    result.flags.writeable = False
                keep = kept.union(range(n_in))
                frozen = _Frozen([a if k in keep else None for k, a in enumerate(arrays)], picks, live, result)
        self._frozen = frozen  # published whole (threads may share the plan)
        return frozen

    def _run(self, codes: Sequence[Any]) -> np.ndarray:
        """Return the plain (unscaled) result for evidence ``codes`` (code arrays in batch mode)."""
        if self.kinds:  # max-product steps: the whole program, with its argmax bookkeeping
            return self._contract(self._sliced(codes), [])
        frozen = self._frozen
        if frozen is None:
            if not self._ran:  # a plan used once (a new question) skips the freezing bookkeeping
                self._ran = True
                return self._contract(self._sliced(codes))
            frozen = self._freeze()
        if frozen.result is not None:
            return frozen.result
        arrays = frozen.base.copy()
        for k, table, pick in frozen.picks:
            arrays[k] = table[pick(codes)]
        for ins in frozen.live:
            ops = ins.operands
            operands = [arrays[i] for i in ops]
            for i in ops:
                arrays[i] = None
            arrays[ins.slot] = run_instruction(ins, operands)
        ops, subs = self.final
        if not ops:
            return np.ones(())
        return np.einsum(subs, *[arrays[i] for i in ops])

    def _contract(self, arrays: list, traces: list | None = None) -> np.ndarray:
        if self.program:
            arrays.extend([None] * (len(self.slot_scopes) - len(arrays)))
        einsum = np.einsum
        for ins in self.program:
            slot, ops, axis = ins.slot, ins.operands, ins.max_axis
            operands = [arrays[i] for i in ops]
            for i in ops:
                arrays[i] = None
            # (run_instruction's plain case inline: a new question runs its program once)
            table = einsum(ins.subscripts, *operands) if ins.side is None and ins.path is None else \
                run_instruction(ins, operands)
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
            recipes = {}
            for ins in self.program:
                union = tuple(dict.fromkeys([u for o in ins.operands for u in scopes[o]]))
                recipes[ins.slot] = fold_recipe([scopes[o] for o in ins.operands],
                                                union if ins.max_axis is not None else scopes[ins.slot])
            recipes[-1] = fold_recipe([scopes[o] for o in self.final[0]], self.out)
            self._recipes = recipes  # published whole: other threads never see a partial dict
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


class _Frozen(NamedTuple):
    """What a plain run starts from (see :meth:`SubPlan._freeze`).

    ``base``: per slot, the table that is the same on every run (None otherwise); ``picks``:
    ``(slot, table, pick)`` of the inputs that hold evidence; ``live``: the steps to run;
    ``result``: the final table when no evidence reaches it at all.
    """

    base: list
    picks: list
    live: list[Instruction]
    result: np.ndarray | None


def _step(ins: Instruction, operands: list) -> np.ndarray:
    """Run one summing instruction (the same call as :meth:`SubPlan._run`)."""
    return run_instruction(ins, operands)


def _order(c: Compiled, scopes: Sequence[Sequence[int]], phases: list[set[int]], order_key: Any) -> list[int]:
    if not isinstance(order_key, str):
        check_order_covers(c, order_key, set().union(*phases))
        return [v for phase in phases for v in order_key if v in phase]
    if sum(map(len, phases)) <= 1:
        return [v for phase in phases for v in phase]
    adj = _adjacency(scopes)
    order: list[int] = []
    if order_key in ("min-fill", "auto") and len(phases) == 1:  # the planner's default, direct
        order, cost = _min_fill_cost(c, adj, phases[0], order_key == "auto")
        if cost > tuning.AUTO_ORDER_COST:  # (cheaper_sweep checks it too; rank only built here)
            # (adj has lost the eliminated variables by now: the batch cards cover every scope's)
            cards = c.cards if BATCH not in adj else {v: card_of(c, v, 2**10) for v in set().union(*scopes)}
            ids = {v: v for v in phases[0]}  # the rank: ties go to the variable declared first
            found = cheaper_sweep(lambda: _adjacency(scopes), cards, phases[0], ids, cost)
            order = order if found is None else found[0]
        return order
    if order_key == "min-fill":
        for phase in phases:
            order += min_fill_ids(adj, phase)[0]
        return order
    cards = {v: card_of(c, v, 2**10) for v in adj}
    rank: dict[Any, int] = {v: v for v in adj}  # ids: ties go to the variable declared first
    for phase in phases:
        order += greedy_order(adj, cards, sorted(phase), order_key, rank)[0]  # type: ignore[arg-type]
    return order


def _min_fill_cost(c: Compiled, adj: dict[int, set[int]], candidates: set[int], cost: bool) -> tuple[list[int], int]:
    """Min-fill order of ``candidates`` and (if ``cost``) its :func:`~pgm_lite.bandwidth.order_cost`, else 0.

    A piece of a big model runs on its variables relabelled ``0..n-1`` in id order (the same
    ties), so min-fill's bitmasks are as wide as the piece, not as the model.
    """
    nodes = sorted(adj)
    cards = c.cards
    if nodes[-1] < 2 * len(nodes) + 64:
        order, cliques = min_fill_ids(adj, candidates)
        if not cost:
            return order, 0
        return order, order_cost(cliques, cards if nodes[0] != BATCH else {v: card_of(c, v, 2**10) for v in nodes})
    local = dict(zip(nodes, range(len(nodes))))
    to_local = local.__getitem__
    order, cliques = min_fill_ids({to_local(v): set(map(to_local, near)) for v, near in adj.items()},
                                  list(map(to_local, candidates)))
    order = [nodes[v] for v in order]
    if not cost:
        return order, 0
    return order, order_cost(cliques, [card_of(c, v, 2**10) for v in nodes] if nodes[0] == BATCH else
                                       [cards[v] for v in nodes])


def _adjacency(scopes: Sequence[Sequence[int]]) -> dict[int, set[int]]:
    """Return the interaction graph of ``scopes`` (variable id -> ids of its neighbours)."""
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
    return adj


def check_memory(c: Compiled, subplans: Sequence[SubPlan], max_memory: int, n_rows: int = 1,
                 what: str = "this query") -> None:
    """Raise MemoryLimitError if a table of the plan would exceed ``max_memory`` bytes."""
    check_max_memory(max_memory)
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
        "approximate inference: loopy belief propagation (pl.marginals(model, evidence, "
        "method=\"loopy\"), or method=\"auto\") or sampling (pl.approximate_query)"
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
