"""Running einsum contractions, plain or scaled (a power-of-two exponent carried per table).

The plain path is one ``np.einsum`` per step. The scaled path contracts the operands of a step
pairwise, dividing every intermediate by the power of two nearest its largest entry (exact:
only exponents change) and adding that exponent to a running count, so no table ever leaves
float64 whatever the magnitudes involved, and any number of operands works. With a batch axis
(pseudo-variable ``BATCH``) the exponent is kept per row.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["BATCH", "Exponent", "FoldStep", "einsum", "fold_recipe", "letters_of", "local_subscripts", "normalise", "run_fold",
           "subscripts"]

#: the one einsum every contraction here runs: numpy's public one (its private C entry point would
#: save ~2-4 us of dispatch per call, but the package uses public numpy only)
einsum = np.einsum

BATCH = -1  # pseudo-variable id of the batch (evidence rows) axis
LETTERS = string.ascii_letters

#: A power-of-two exponent: one int, or one per batch row.
Exponent = int | np.ndarray


def subscripts(scopes: Sequence[Sequence[int]], out: Sequence[int]) -> str | None:
    """Einsum subscripts with letters local to this call (None past 52 distinct variables)."""
    letters: dict[int, str] = {}
    get = letters.get
    words = []
    for s in (*scopes, out):
        word = []
        for v in s:
            c = get(v)
            if c is None:
                if len(letters) == len(LETTERS):
                    return None  # more than 52 variables in one step: the memory guard refuses it first
                c = letters[v] = LETTERS[len(letters)]
            word.append(c)
        words.append("".join(word))
    tail = words.pop()
    return ",".join(words) + "->" + tail


def letters_of(scope: Sequence[int]) -> dict[Any, str] | None:
    """One letter per variable of ``scope`` (None past 52), for :func:`local_subscripts`."""
    return dict(zip(scope, LETTERS)) if len(scope) <= len(LETTERS) else None


def local_subscripts(letters: dict[Any, str], scopes: Sequence[Sequence[int]], out: Sequence[int]) -> str:
    """Einsum subscripts over variables that all have a letter in ``letters`` (:func:`letters_of`).

    The same contraction as :func:`subscripts` without making letters per call (a junction tree
    clique names its variables once, for every einsum at it). The word of each scope tuple is
    kept in ``letters`` too (keyed by the tuple), since a clique's einsums share their operands.

    Examples
    --------
    >>> from pgm_lite.inference._contract import letters_of, local_subscripts
    >>> local_subscripts(letters_of((3, 7, 9)), [(7, 3), [9]], (9, 7))
    'ba,c->cb'
    """
    get = letters.get
    words = []
    for s in (*scopes, out):
        word = get(s) if s.__class__ is tuple else None
        if word is None:
            word = "".join(map(letters.__getitem__, s))
            if s.__class__ is tuple:
                letters[s] = word
        words.append(word)
    tail = words.pop()
    return ",".join(words) + "->" + tail


def normalise(table: np.ndarray, scope: Sequence[int]) -> tuple[np.ndarray, Exponent]:
    """Divide ``table`` by the power of two of its largest entry (per row on a batch axis).

    Returns ``(table, exponent)`` with ``old table == table * 2**exponent`` exactly. An all-zero
    table (or row) keeps exponent 0.
    """
    if BATCH in scope and table.ndim > 1:
        axis = list(scope).index(BATCH)
        others = tuple(a for a in range(table.ndim) if a != axis)
        top = table.max(axis=others)
        _, exps = np.frexp(top)
        shape = [1] * table.ndim
        shape[axis] = -1
        return np.ldexp(table, -exps.reshape(shape)), exps.astype(np.int64)
    if BATCH in scope:  # the rows only
        _, exps = np.frexp(table)
        return np.ldexp(table, -exps), exps.astype(np.int64)
    if not table.size:
        return table, 0
    top = float(table.max())
    if not top > 0:
        return table, 0
    shift = int(np.frexp(top)[1])
    return (np.ldexp(table, -shift) if shift else table), shift


class FoldStep(NamedTuple):
    """One pairwise (or unary) einsum of a scaled contraction and the scope it leaves."""

    subscripts: Any  # str (None only past 52 variables, which the memory guard refuses first)
    scope: tuple[int, ...]


def fold_recipe(scopes: Sequence[Sequence[int]], out: Sequence[int]) -> list[FoldStep]:
    """Contract ``scopes`` left to right, summing a variable out once no later operand needs it."""
    if not scopes:
        return []
    acc = tuple(scopes[0])
    if len(scopes) == 1:
        return [FoldStep(subscripts([acc], out), tuple(out))]
    recipe = []
    for k in range(1, len(scopes)):
        later = set(out).union(*scopes[k + 1:])
        union = dict.fromkeys((*acc, *scopes[k]))
        kept = tuple(out) if k == len(scopes) - 1 else tuple(v for v in union if v in later)
        recipe.append(FoldStep(subscripts([acc, scopes[k]], kept), kept))
        acc = kept
    return recipe


def run_fold(recipe: list[FoldStep], arrays: Sequence[np.ndarray],
             exps: Sequence[Exponent]) -> tuple[np.ndarray, Exponent]:
    """Run a :func:`fold_recipe` on ``arrays`` (with their exponents); return the normalised result."""
    if not recipe:
        return np.ones(()), 0
    total: Exponent = 0
    for e in exps:
        total = total + e
    if len(recipe) == 1 and len(arrays) == 1:
        table, shift = normalise(einsum(recipe[0].subscripts, arrays[0]), recipe[0].scope)
        return table, total + shift
    acc = arrays[0]
    for step, operand in zip(recipe, arrays[1:]):
        acc, shift = normalise(einsum(step.subscripts, acc, operand), step.scope)
        total = total + shift
    return acc, total
