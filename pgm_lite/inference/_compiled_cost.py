"""Cost estimates of the compiled-query strategies, read off their plans (see ``compiled``).

Costs are in nanoseconds (constants ``tuning.COMPILED_*_NS``). A plan's work splits into what it does once (the steps no evidence
reaches: computed by its first run and again when it freezes them), what every run costs (the
einsum calls of the steps the evidence reaches, Python overhead), and, for a batch plan, what
every evidence row adds to a run (its slice of the inputs and of every batched step).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from .. import tuning
from ._contract import BATCH
from ._plan import SubPlan

__all__ = ["RunCost", "full_cost", "subplan_cost"]


class RunCost(NamedTuple):
    """Nanoseconds of a plan's work: ``once`` per compiled query, ``per_run`` per run, ``per_row`` per row of a run."""

    once: float
    per_run: float
    per_row: float


def _size(cards: Sequence[int], scope: Sequence[int]) -> int:
    return math.prod([cards[v] for v in scope if v != BATCH])


def _pairwise(cards: Sequence[int], scopes: list[set[int]], out: Sequence[int], path: list) -> float:
    """Nanoseconds of a contraction run pair by pair along ``path`` (numpy's BLAS route)."""
    cost = 0.0
    for i, j in path[1:]:
        left, right = scopes[i], scopes[j]
        scopes = [s for k, s in enumerate(scopes) if k not in (i, j)]
        union = left | right
        kept = union & set(out).union(*scopes)
        moved = _size(cards, sorted(left)) + _size(cards, sorted(right)) + _size(cards, sorted(kept))
        cost += _size(cards, sorted(union)) * tuning.COMPILED_PAIR_NS + moved * tuning.COMPILED_MEMORY_NS
        scopes.append(kept)
    return cost + tuning.COMPILED_PATH_CALL_NS


def _einsums(sp: SubPlan) -> list[tuple[int, tuple[int, ...], tuple[int, ...], Any]]:
    """``(slot, operands, result scope, route)`` of every einsum a run makes (the final one has slot -1).

    ``route``: None (one plain einsum), a contraction path, or ``"product"`` (a step the plan
    runs as one matrix product of its big operand with the product of the others).
    """
    calls = [(ins.slot, ins.operands, sp.slot_scopes[ins.slot],
              "product" if getattr(ins, "side", None) is not None else ins.path) for ins in sp.program]
    ops = sp.final[0]
    if ops:
        calls.append((-1, tuple(ops), sp.out, None))
    return calls


def subplan_cost(sp: SubPlan) -> RunCost:
    """Estimate the nanoseconds of running ``sp`` (one evidence row per run, or a batch plan's rows).

    Mirrors what a run does: steps whose operands hold no evidence are computed once and kept
    (unless they exceed ``tuning.FREEZE_MAX_ENTRIES``, then every run repeats them); a batch
    step iterates over its scope once per row, with no BLAS path. A plain einsum costs about
    its iteration space times its operands; a pairwise one its pairs' spaces plus the entries
    it moves (big tables are memory bound).
    """
    cards = sp.c.cards
    scopes = sp.slot_scopes or sp.input_scopes
    n_in = len(sp.inputs)
    dynamic = [pick is not None for _, pick in sp.inputs] + [False] * (len(scopes) - n_in)
    once = per_run = per_row = 0.0
    kept = 0
    for slot, ops, result, path in _einsums(sp):
        live = any([dynamic[o] for o in ops])
        if slot >= 0:
            dynamic[slot] = live
        operand_scopes = [set(scopes[o]) for o in ops]
        space = _size(cards, sorted(set().union(*operand_scopes))) * len(ops)
        axes = sum([len(scopes[o]) for o in ops]) + len(result)
        call = tuning.COMPILED_CALL_NS + axes * tuning.COMPILED_AXIS_NS
        if live and sp.batch:
            per_run += call
            per_row += space * tuning.COMPILED_BATCH_NS
            continue
        if path is None:
            big = space > tuning.COMPILED_CACHE_ENTRIES * len(ops)  # out of cache: strided, memory bound
            work = call + space * (tuning.COMPILED_BIG_ENTRY_NS if big else tuning.COMPILED_ENTRY_NS)
        elif path == "product":
            moved = sum([_size(cards, scopes[o]) for o in ops]) + _size(cards, result)
            work = call + space / len(ops) * tuning.COMPILED_PAIR_NS + moved * tuning.COMPILED_MEMORY_NS
        else:
            work = call + _pairwise(cards, operand_scopes, result, path)
        if live:
            per_run += work
            kept += sum([_size(cards, scopes[o]) for o in ops if o >= n_in and not dynamic[o]])
        else:
            once += 2 * work  # the first run computes it, the second freezes it
    if kept > tuning.FREEZE_MAX_ENTRIES:  # nothing is kept: every run computes everything
        per_run, once = per_run + once / 2, 0.0
    if sp.batch:  # the evidence rows' slices of the inputs are gathered (copied)
        per_row += tuning.COMPILED_GATHER_NS * sum(
            [_size(cards, scope) for (_, pick), scope in zip(sp.inputs, sp.input_scopes) if pick is not None])
    return RunCost(once, per_run + (tuning.COMPILED_BATCH_RUN_NS if sp.batch else tuning.COMPILED_RUN_NS), per_row)


def full_cost(sp: SubPlan) -> float:
    """Nanoseconds of one run of every step of ``sp`` (a table strategy's build, no evidence)."""
    cost = subplan_cost(sp)
    return cost.once / 2 + cost.per_run
