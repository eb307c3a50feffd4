"""Elimination steps: simulating an order on scopes, and fusing small steps into one einsum.

Used by ``_plan`` (``SubPlan``), which owns running them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from .. import tuning
from ._coded import Compiled
from ._contract import BATCH, LETTERS

__all__ = ["Fusion", "Instruction", "Simulation", "Step", "card_of", "contraction_path"]


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


def card_of(c: Compiled, v: int, n_rows: int = 1) -> int:
    """Cardinality of variable id ``v`` (``n_rows`` for the batch axis)."""
    return n_rows if v == BATCH else c.cards[v]


class Simulation:
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


class Fusion:
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
        path = None if space <= tuning.OPTIMIZE_LIMIT else contraction_path(self.c, subs, [scopes[o] for o in ops],
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


def contraction_path(c: Compiled, subs: str | None, scopes: list[tuple[int, ...]], out: tuple[int, ...]) -> list | None:
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
