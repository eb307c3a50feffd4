"""The PC algorithm, order-independent ("stable") version (Colombo & Maathuis 2014).

Skeleton: start from the complete graph; at level ``l = 0, 1, ...`` test every adjacent pair
``(x, y)`` against each conditioning set of ``l`` variables drawn from the neighbours of ``x``
*as they were at the start of the level*, and delete the edge at the first independence, keeping
the separating set. Orientation: ``a -> c <- b`` for every unshielded triple whose middle node is
not in the separating set of ``a`` and ``b``, then Meek's rules
(:func:`pgm_lite.equivalence.orient_skeleton`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np

from ..equivalence import CPDAG, orient_skeleton
from ..progress import progress_bar
from ._information import contingency, independence_test

__all__ = ["CI_TESTS", "pc"]

CI_TESTS = ("g_sq", "chi_square")

#: ``ci_test(x, y, given) -> True`` when ``x`` and ``y`` are independent given ``given``.
IndependenceOracle = Callable[[str, str, tuple[str, ...]], bool]


def data_test(codes: np.ndarray, card: np.ndarray, variables: Sequence[str], test: str,
              significance: float) -> IndependenceOracle:
    """Return an independence decision from a G / chi-square test on ``codes``."""
    index = {v: i for i, v in enumerate(variables)}

    def independent(x: str, y: str, given: tuple[str, ...]) -> bool:
        counts = contingency(codes, card, index[x], index[y], [index[z] for z in given])
        return independence_test(counts, test)[2] >= significance

    return independent


def _skeleton(variables, independent, max_conditioning, bar):
    adjacent = {v: [u for u in variables if u != v] for v in variables}
    sepset: dict[frozenset[str], tuple[str, ...]] = {}
    level = 0
    while max_conditioning is None or level <= max_conditioning:
        frozen = {v: list(adjacent[v]) for v in variables}  # the "stable" snapshot
        tested = False
        for x in variables:
            for y in frozen[x]:
                if y not in adjacent[x]:
                    continue
                others = [z for z in frozen[x] if z != y]
                if len(others) < level:
                    continue
                tested = True
                for given in combinations(others, level):
                    bar.update()
                    if independent(x, y, given):
                        adjacent[x].remove(y)
                        adjacent[y].remove(x)
                        sepset[frozenset((x, y))] = given
                        break
        if not tested:
            break
        level += 1
    return adjacent, sepset


def pc(variables: Sequence[str], independent: IndependenceOracle, *,
       max_conditioning: int | None = None, states: dict[str, tuple[str, ...]] | None = None,
       progress: bool | None = None) -> CPDAG:
    """Run stable PC with the independence decision ``independent``; return the CPDAG."""
    variables = list(variables)
    with progress_bar(None, desc="PC tests", progress=progress) as bar:
        adjacent, sepset = _skeleton(variables, independent, max_conditioning, bar)
    rank = {v: i for i, v in enumerate(variables)}
    edges = [(u, v) for u in variables for v in adjacent[u] if rank[u] < rank[v]]
    colliders = []
    for c in variables:
        near = sorted(adjacent[c], key=rank.__getitem__)
        for i, a in enumerate(near):
            for b in near[i + 1:]:
                if b not in adjacent[a] and c not in sepset.get(frozenset((a, b)), ()):
                    colliders.append((a, c, b))
    return orient_skeleton(variables, edges, colliders, states=states)
