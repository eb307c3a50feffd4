"""Elimination steps: simulating an order on scopes, and fusing small steps into one einsum.

Used by ``_plan`` (``SubPlan``), which owns running them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from ._coded import Compiled
from ._contract import BATCH, LETTERS

__all__ = ["Fusion", "Instruction", "Side", "Simulation", "Step", "big_side", "card_of", "contraction_path",
           "run_instruction", "side_layout", "side_plan"]


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


class Side(NamedTuple):
    """A big step as a batched matrix product (see :func:`side_layout`, :func:`run_instruction`).

    The big table's axes go to ``(*kept, v, *passed)`` by ``perm`` and are viewed as
    ``big_shape`` (``passed`` merged into one axis: no copy when the table starts or ends with
    ``v`` and ``kept``); the small operands' product, scoped ``(*kept, v, *new)``, as
    ``small_shape``. ``form`` says how the result's axes are grouped (``"KPN"``: kept, passed,
    new; also ``"PKN"``, ``"KNP"``, ``"NKP"``); ``out_shape`` is its shape.
    """

    perm: tuple[int, ...]
    big_shape: tuple[int, ...]
    small_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    form: str


class Instruction(NamedTuple):
    """What runs: one einsum of ``operands`` into ``slot`` (then a max over ``max_axis``).

    With ``side`` set the operands are ``(big, small)`` and a matrix product runs instead.
    """

    slot: int
    operands: tuple[int, ...]
    subscripts: Any  # str (None only past 52 variables, which the memory guard refuses first)
    max_axis: int | None
    path: list | None
    side: Side | None = None


def run_instruction(ins: Instruction, operands: Sequence[np.ndarray]) -> np.ndarray:
    """Run one summing instruction on its operand tables (the one place a plan step runs)."""
    side = ins.side
    if side is not None:
        return _side_product(side, operands[0], operands[1])
    if ins.path is None:
        return np.einsum(ins.subscripts, *operands)
    return np.einsum(ins.subscripts, *operands, optimize=ins.path)


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
        kinds, steps, prod, limit = self.kinds, self.steps, math.prod, tuning.OPTIMIZE_LIMIT
        largest, largest_scope = self.largest, self.largest_scope
        # C-level helpers: a step's bookkeeping is a handful of calls, no Python-level loop over
        # its operands' variables (cold planning runs this once per variable of a piece)
        chain, scope_of, new_step, pop = itertools.chain.from_iterable, scopes.__getitem__, tuple.__new__, holders.pop
        for v in order:
            ops = tuple(sorted(pop(v, ())))
            if len(ops) == 1:
                union = scopes[ops[0]]
                at = union.index(v)  # (v is in the scope that holds it)
                kept = union[:at] + union[at + 1:]
            else:
                merged = dict.fromkeys(chain(map(scope_of, ops)))
                union = tuple(merged)
                merged.pop(v, None)  # (absent only for a variable in no scope: an empty step)
                kept = tuple(merged)
            kind = kinds.get(v, "sum") if kinds else "sum"
            if kind != "sum":  # a max step keeps the whole product
                size, space = prod(map(card, union)), None
            else:
                size = prod(map(card, kept))
                whole = size * card(v)
                space = None if batched else whole
                if whole > limit and len(ops) > 1:
                    side = None if batched else big_side(scopes, ops, card)
                    if side is not None:  # one matrix product: only the result is allocated
                        kept = side_layout(scopes[side[0]], v, side[1])  # the same variables
                    elif BATCH not in union:
                        size = whole  # pairwise intermediates stay within the union
            if size > largest:
                largest, largest_scope = size, union
            new = len(scopes)
            scopes.append(kept)
            for u in kept:  # exactly the variables of the operands other than v
                h = holders[u]
                h.difference_update(ops)
                h.add(new)
            live.difference_update(ops)
            live.add(new)
            steps.append(new_step(Step, (v, ops, space, union, kind)))
        self.final_ops = tuple(sorted(live))
        size = prod([card_of(c, u) for u in self.out if u != BATCH])
        if size > largest:
            largest, largest_scope = size, self.out
        self.largest, self.largest_scope = largest, largest_scope


_new = tuple.__new__  # a named tuple built without its Python-level __new__ (cold planning)


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
        # (the steps' variables are among the inputs': the same characters as over every scope)
        seen = dict.fromkeys(itertools.chain.from_iterable(scopes[:n_inputs]))  # first appearance order
        chars: dict[int, str] = dict(zip(seen, LETTERS))
        if len(seen) > len(LETTERS):
            chars.update([(v, chr(0x100 + k)) for k, v in enumerate(seen) if k >= len(LETTERS)])
        self.chars = chars
        self.short = len(chars) <= len(LETTERS)
        # per slot its characters: the inputs' now, a step's when its einsum is emitted (a slot
        # is read only after that; inlined steps never are)
        char = chars.__getitem__
        words: list[str | None] = []
        for s in scopes[:n_inputs]:
            words.append("".join(map(char, s)))
        words.extend([None] * (len(scopes) - n_inputs))
        self.words = words
        cards = c.cards
        self.card = (lambda u: 64 if u == BATCH else cards[u]) if BATCH in chars else cards.__getitem__

    def _word(self, o: int) -> str:
        word = self.words[o] = "".join(map(self.chars.__getitem__, self.scopes[o]))
        return word

    def subscripts(self, ops: Sequence[int], result: Sequence[int], slot: int | None = None) -> str | None:
        """Einsum subscripts of ``ops`` into ``result`` (the scope of ``slot``, when given)."""
        words = self.words
        try:
            inputs = ",".join(map(words.__getitem__, ops))  # type: ignore[arg-type]  # (None: below)
        except TypeError:  # a slot not named yet
            inputs = ",".join([words[o] or self._word(o) for o in ops])
        tail = "".join(map(self.chars.__getitem__, result))
        if slot is not None:
            words[slot] = tail
        text = inputs + "->" + tail
        if self.short:
            return text
        used = dict.fromkeys(inputs.replace(",", ""))  # the result's variables are among them
        if len(used) > len(LETTERS):
            return None  # more than 52 variables in one step: the memory guard refuses it
        return text.translate(dict(zip(map(ord, used), LETTERS)))

    def emit(self, slot: int) -> None:
        ops, _, space = self.pending.pop(slot)
        scopes = self.scopes
        if space <= tuning.OPTIMIZE_LIMIT:  # the common case: one plain einsum
            self.program.append(_new(Instruction, (slot, ops, self.subscripts(ops, scopes[slot], slot), None, None,
                                                   None)))
            return
        side = big_side(scopes, ops, self.card) if BATCH not in self.chars else None
        if side is not None:
            self._emit_side(slot, ops, side)
            return
        subs = self.subscripts(ops, scopes[slot], slot)
        path = contraction_path(self.c, subs, [scopes[o] for o in ops], scopes[slot])
        self.program.append(_new(Instruction, (slot, ops, subs, None, path, None)))

    def _emit_side(self, slot: int, ops: tuple[int, ...], side: tuple[int, tuple[int, ...]]) -> None:
        """Emit a big step as the product of its small operands, then one batched matrix product.

        The small operands' product gets a new slot (after every step's), scoped
        ``(*kept, v, *new)`` in the result's order (:func:`side_layout`).
        """
        big, small_scope = side
        scopes = self.scopes
        plan, scope = side_plan(scopes[big], small_scope, scopes[slot], self.card)
        others = tuple([o for o in ops if o != big])
        if len(others) == 1 and scopes[others[0]] == scope:  # already the product, in its order
            self.program.append(Instruction(slot, (big, others[0]),
                                            self.subscripts((big, others[0]), scopes[slot], slot), None, None, plan))
            return
        tmp = len(scopes)
        scopes.append(scope)
        self.words.append(None)
        self.program.append(Instruction(tmp, others, self.subscripts(others, scope, tmp), None, None))
        self.program.append(Instruction(slot, (big, tmp), self.subscripts((big, tmp), scopes[slot], slot), None, None,
                                        plan))

    def gather(self, ops: tuple[int, ...], allow: bool, base: int) -> tuple[tuple[int, ...], int]:
        """Inline the pending operands of a step iterating over ``base`` entries if small enough.

        Returns ``(operands, factor)``: the inlined steps multiply the iteration space by
        ``factor`` (the cardinalities of the variables they eliminate).
        """
        pending = self.pending
        if pending.keys().isdisjoint(ops):
            return ops, 1
        # (loops, not comprehensions: on Python 3.11 a comprehension is a function call, and a
        # step has a few operands; a new question plans once)
        inner = []
        factor = 1
        for o in ops:
            p = pending.get(o)
            if p is not None:
                inner.append(o)
                factor *= p[1]
        if allow and base * factor <= tuning.FUSE_LIMIT:
            merged: list[int] = []
            for o in ops:
                p = pending.pop(o, None)
                if p is None:
                    merged.append(o)
                else:
                    merged.extend(p[0])
            return tuple(merged), factor
        for o in inner:
            self.emit(o)
        return ops, 1

    def fuse(self, steps: list[Step], final_ops: tuple[int, ...]) -> tuple[list[Instruction], tuple]:
        """Return ``(program, final)``."""
        card, pending, n_inputs = self.card, self.pending, self.n_inputs
        waiting = pending.keys()
        for k, (v, ops, base, union, kind) in enumerate(steps):
            slot = n_inputs + k
            if kind == "max":
                ops, _ = self.gather(ops, False, 0)
                self.program.append(Instruction(slot, ops, self.subscripts(ops, union), union.index(v), None))
                continue
            if base is None:
                base = math.prod(map(card, union))
            if waiting.isdisjoint(ops):  # (gather's first test, without the call)
                pending[slot] = (ops, card(v), base)
                continue
            ops, factor = self.gather(ops, True, base)
            # the iteration space of ops is base * factor; eliminated inside: card(v) * factor
            pending[slot] = (ops, card(v) * factor, base * factor)
        ops, _ = self.gather(final_ops, True, math.prod(map(card, self.out)))
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


def _side_product(side: Side, table: np.ndarray, small: np.ndarray) -> np.ndarray:
    """Run a :class:`Side` step: per assignment of ``kept``, ``passed x v`` times ``v x new``.

    ``passed`` is cut into blocks of ``tuning.SIDE_ROWS`` rows (one more batch axis): each BLAS
    call stays small enough to run on one thread (a 2-core machine running other work stalls
    for 100+ ms in multi-threaded calls of this shape) and in cache. The products are written
    straight into the result's memory order.
    """
    k = len(side.big_shape) - 2
    kept, (n_v, n_p), n_n = side.big_shape[:k], side.big_shape[k:], side.small_shape[-1]
    rows = tuning.SIDE_ROWS
    c = n_p // rows if n_p > rows and n_p % rows == 0 else 1
    # (kept..., v, passed): a view when the table starts with v and kept or ends with them (v
    # last), else one copy that keeps the table's innermost run (passed) innermost
    big = table.transpose(side.perm).reshape(*kept, n_v, c, n_p // c)
    small = np.ascontiguousarray(small).reshape(*kept, 1, n_v, n_n)  # a few entries; BLAS needs it dense
    ks = tuple(range(k))
    form = side.form
    if form == "KPN":
        out = np.empty((*kept, c, n_p // c, n_n))
        dst = out
    elif form == "PKN":
        out = np.empty((c, n_p // c, *kept, n_n))
        dst = out.transpose(*[a + 2 for a in ks], 0, 1, k + 2)
    elif form == "KNP":
        out = np.empty((*kept, n_n, c, n_p // c))
        dst = out.transpose(*ks, k + 1, k, k + 2)
    else:  # "NKP"
        out = np.empty((n_n, *kept, c, n_p // c))
        dst = out.transpose(*[a + 1 for a in ks], k + 1, 0, k + 2)
    if form in ("KPN", "PKN"):  # (kept, C, R, v) @ (kept, 1, v, N)
        np.matmul(big.transpose(*ks, k + 1, k + 2, k), small, out=dst)
    else:  # (kept, 1, N, v) @ (kept, C, v, R)
        np.matmul(small.swapaxes(-1, -2), big.transpose(*ks, k + 1, k, k + 2), out=dst)
    return out.reshape(side.out_shape)


def big_side(scopes: Sequence[tuple[int, ...]], ops: Sequence[int], card: Any) -> tuple[int, tuple[int, ...]] | None:
    """``(big, small_scope)`` when a step is one big table times small ones, else None.

    ``big`` is the operand with the most entries (the latest on ties); ``small_scope`` the
    variables of the other operands, which must have at most ``tuning.SIDE_LIMIT`` entries
    together. Such a step runs as the small operands' product, then one two-operand einsum.
    """
    if len(ops) < 2:
        return None
    big = max(ops, key=lambda o: (math.prod(map(card, scopes[o])), o))
    small = tuple(dict.fromkeys([u for o in ops if o != big for u in scopes[o]]))
    if math.prod(map(card, small)) > tuning.SIDE_LIMIT or math.prod(map(card, scopes[big])) <= tuning.OPTIMIZE_LIMIT:
        return None
    return big, small


def side_plan(big_scope: tuple[int, ...], small_scope: tuple[int, ...], result: tuple[int, ...],
              card: Any) -> tuple[Side, tuple[int, ...]]:
    """Return the :class:`Side` of a big step and the scope its small operands' product must have.

    ``result`` is the step's scope (a :func:`side_layout`); ``card`` maps a variable to its
    cardinality.
    """
    (v,) = set(big_scope).difference(result)
    inside, small = set(big_scope), set(small_scope)
    kept = [u for u in result if u in inside and u in small]
    new = [u for u in result if u not in inside]
    passed = [u for u in big_scope if u not in small]
    axis = {u: a for a, u in enumerate(big_scope)}
    cards = [card(u) for u in kept]
    plan = Side(tuple([axis[u] for u in (*kept, v, *passed)]),
                (*cards, card(v), math.prod(map(card, passed))),
                (*cards, card(v), math.prod(map(card, new))),
                tuple([card(u) for u in result]),
                _form(result, set(kept), set(new)))
    return plan, (*kept, v, *new)


def _form(result: tuple[int, ...], kept: set[int], new: set[int]) -> str:
    """Which of :class:`Side`'s forms a :func:`side_layout` result has."""
    groups = "".join(["K" if u in kept else "N" if u in new else "P" for u in result])
    for form in ("KPN", "PKN", "KNP", "NKP"):
        if groups == "".join([c * groups.count(c) for c in form]):
            return form
    raise AssertionError(f"not a side layout: {groups}")


def side_layout(big_scope: tuple[int, ...], v: int, small_scope: tuple[int, ...]) -> tuple[int, ...]:
    """Axis order of a big step's result: ``(*kept, *new, *passed)``.

    ``kept`` are the big table's variables the small operands also touch (other than ``v``),
    ``new`` the small operands' others, ``passed`` the big table's others, in its order. Per
    assignment of ``kept``, :func:`run_instruction` computes a ``new x passed`` matrix product;
    putting what the step touched first keeps the table's innermost run (variables untouched
    longest) innermost, so in a sweep (breadth-first or row by row) the next step reads its
    table as a matrix without a copy, or with one that streams (measured on Ising grids,
    benchmarks/partition.py).
    """
    small = set(small_scope)
    inside = set(big_scope)
    kept = [u for u in big_scope if u in small and u != v]
    new = [u for u in small_scope if u not in inside]
    return (*kept, *new, *[u for u in big_scope if u not in small])
