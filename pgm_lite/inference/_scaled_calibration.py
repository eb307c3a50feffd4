"""The scaled calibration of a junction tree plan: Shafer-Shenoy, every message normalised.

Each table carries a power-of-two exponent (``_contract``), so no message leaves float64
whatever the magnitudes; ``_calibration._CalibrationPlan`` runs it when a plain calibration
cannot be trusted. Also the traversal helpers both calibrations share, and the factors they return.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..factor import DiscreteFactor
from ._coded import Compiled
from ._contract import Exponent, fold_recipe, normalise, run_fold
from ._plan import slice_evidence
from ._query_args import zero_evidence

__all__ = ["ScaledCalibration", "Targets", "point_mass", "posterior_factors"]

#: wanted variables per home clique, cliques to visit, and the marginals' layout in one buffer:
#: offset per variable, the offsets in order, their lengths, the buffer's size
Targets = tuple[dict[int, list[int]], set[int], dict[int, int], list[int], list[int], int]

_LN2 = math.log(2)


def point_mass(c: Compiled, v: int, code: int) -> DiscreteFactor:
    """Return the marginal of an observed variable: all mass on its observed state."""
    listed = [0.0] * c.cards[v]
    listed[code] = 1.0
    return DiscreteFactor.from_validated((c.names[v],), np.array(listed), {c.names[v]: c.states[v]})


def posterior_factors(c: Compiled, results: Mapping[int, np.ndarray], wanted: Iterable[int],
                      observed: Mapping[int, int], masses: dict[tuple[int, int], DiscreteFactor]) -> dict[str, DiscreteFactor]:
    """``{name: factor}`` of ``wanted`` ids: ``results[v]`` (unobserved), or a point mass (``observed``).

    Point masses are kept in ``masses`` by ``(id, code)`` (factors are immutable, so shared).
    """
    names, states = c.names, c.states
    out = {}
    for v in wanted:
        if v in observed:
            mass = masses.get((v, observed[v]))
            if mass is None:
                mass = masses[v, observed[v]] = point_mass(c, v, observed[v])
            out[names[v]] = mass
        else:
            out[names[v]] = DiscreteFactor.from_validated((names[v],), results[v], {names[v]: states[v]})
    return out


class ScaledCalibration:
    """Mixin of ``_CalibrationPlan``: the scaled run, and the traversal both runs share."""

    c: Compiled
    evidence_ids: tuple[int, ...]
    inputs: list[list[tuple]]
    scopes: list[tuple[int, ...]]
    sep: list[Any]
    parent: list[Any]
    children: list[list[int]]
    kids: list[list[int]]
    preorder: list[int]
    roots: list[int]
    unit: list[bool]
    home: dict[int, int]
    _recipes: dict[Any, Any]
    _targets_of: dict[Any, Targets]

    def _inflow(self, k: int) -> list:
        """Scopes of clique ``k``'s table and of its downward message (if any)."""
        sep = self.sep[k]
        return [self.scopes[k]] if sep is None else [self.scopes[k], sep]

    def _targets(self, wanted: Iterable[int]) -> Targets:
        """Wanted variables per home clique, the cliques on the way from a root to those, a layout.

        The layout places every wanted unobserved variable's marginal in one buffer (a plain
        run fills it, then normalises all of them at once). Kept for a few ``wanted`` tuples or
        ranges (a warm run asks for the same ones again); callers only read them.
        """
        key = wanted if wanted.__class__ is tuple or wanted.__class__ is range else None
        got = self._targets_of.get(key) if key is not None else None
        if got is not None:
            return got
        need: dict[int, list[int]] = {}
        offset: dict[int, int] = {}
        size = 0
        home, cards = self.home, self.c.cards
        for v in wanted:
            if v in home and v not in offset:
                need.setdefault(home[v], []).append(v)
                offset[v] = size
                size += cards[v]
        visit = set(self.roots)
        for k in need:
            at: int | None = k
            while at is not None and at not in visit:
                visit.add(at)
                at = self.parent[at]
        got = (need, visit, offset, list(offset.values()), [cards[v] for v in offset], size)
        if key is not None and len(self._targets_of) < 8:
            self._targets_of[key] = got
        return got

    def _unit_messages(self, jt: Any, homes: list[int], observed: set[int]) -> None:
        """``unit[k]``: the upward message of k is exactly one (Bayesian networks).

        Its subtree holds only CPDs of unobserved variables that live in the subtree alone,
        which sum to one.
        """
        n = len(self.scopes)
        self.unit = [False] * n
        if not self.c.is_bn:
            return
        held: list[list[int]] = [[] for _ in range(n)]
        for f, home in enumerate(homes):
            held[home].append(f)
        ids, unit = jt.clique_ids, self.unit
        for k in reversed(self.preorder):
            p = self.parent[k]
            if p is None or not all([unit[m] for m in self.children[k]]):
                continue
            shared = set(ids[k]).intersection(ids[p])
            unit[k] = all([f not in observed and f not in shared for f in held[k]])

    def _home_cliques(self) -> None:
        """``home[v]``: the smallest clique holding unobserved variable ``v`` (its marginal's source)."""
        cards = self.c.cards
        self.home: dict[int, int] = {}
        #: per clique, its table's entries (evidence sliced out)
        self.size: list[int] = []
        home, best = self.home, dict[int, int]()
        for k, scope in enumerate(self.scopes):
            size = math.prod([cards[v] for v in scope])
            self.size.append(size)
            for v in scope:
                if v not in home or size < best[v]:
                    home[v], best[v] = k, size

    def _root_forest(self, edges: Iterable[tuple[int, int]], n: int, first: Sequence[int] = ()) -> None:
        """Root every tree at its first clique in ``first``, else its lowest index."""
        adj: dict[int, list[int]] = {k: [] for k in range(n)}
        for i, j in edges:
            adj[i].append(j)
            adj[j].append(i)
        self.parent: list[Any] = [None] * n  # int, None at a root
        self.preorder: list[int] = []
        seen = set()
        for root in [*first, *range(n)]:
            if root in seen:
                continue
            seen.add(root)
            stack = [root]
            while stack:
                k = stack.pop()
                self.preorder.append(k)
                for m in sorted(adj[k], reverse=True):
                    if m not in seen:
                        seen.add(m)
                        self.parent[m] = k
                        stack.append(m)
        self.children: list[list[int]] = [[] for _ in range(n)]
        for k in self.preorder:
            p = self.parent[k]
            if p is not None:
                self.children[p].append(k)
        self.roots = [k for k in self.preorder if self.parent[k] is None]

    # -- scaled calibration ------------------------------------------------------------------
    def _fold(self, key: tuple, scopes: Sequence[Sequence[int]], out: Sequence[int], arrays: Sequence[np.ndarray],
              exps: Sequence[Exponent]) -> tuple[np.ndarray, Exponent]:
        recipe = self._recipes.get(key)
        if recipe is None:
            recipe = self._recipes[key] = fold_recipe(scopes, out)
        return run_fold(recipe, arrays, exps)

    def _scaled_upward(self, codes: Sequence[int]) -> tuple[list, list, list, list[Exponent]]:
        """Clique tables and upward messages, each normalised, with their exponents."""
        psi: list[np.ndarray] = []
        psi_exp: list[Exponent] = []
        for k, inputs in enumerate(self.inputs):
            arrays, exps = [], []
            for table, (*_, scope) in zip(slice_evidence(inputs, codes), inputs):
                table, shift = normalise(table, scope)
                arrays.append(table)
                exps.append(shift)
            table, shift = self._fold(("psi", k), [i[3] for i in inputs], self.scopes[k], arrays, exps)
            psi.append(table)
            psi_exp.append(shift)
        up: list = [None] * len(self.scopes)
        up_exp: list[Exponent] = [0] * len(self.scopes)
        for k in reversed(self.preorder):
            if self.parent[k] is not None and not self.unit[k]:
                kids = self.kids[k]
                up[k], up_exp[k] = self._fold(("up", k), [self.scopes[k], *(self.sep[m] for m in kids)],
                                              self.sep[k], [psi[k], *(up[m] for m in kids)],
                                              [psi_exp[k], *(up_exp[m] for m in kids)])
        return psi, psi_exp, up, up_exp

    def _log_mass_scaled(self, codes: Sequence[int]) -> float:
        return self._log_roots(*self._scaled_upward(codes))

    def _log_roots(self, psi: list, psi_exp: list, up: list, up_exp: list) -> float:
        """Natural log of the product of the roots' totals (-inf if one is zero)."""
        total = 0.0
        for r in self.roots:
            kids = self.kids[r]
            table, shift = self._fold(("total", r), [self.scopes[r], *(self.sep[m] for m in kids)], (),
                                      [psi[r], *(up[m] for m in kids)], [psi_exp[r], *(up_exp[m] for m in kids)])
            if not float(table) > 0:
                return -math.inf
            total += math.log(float(table)) + int(shift) * _LN2
        return total

    def _run_scaled(self, codes: Sequence[int], wanted: Iterable[int]) -> dict[int, np.ndarray]:
        psi, psi_exp, up, up_exp = self._scaled_upward(codes)
        if self._log_roots(psi, psi_exp, up, up_exp) == -math.inf:
            raise zero_evidence(self.c, self.evidence_ids, codes)
        need, visit, *_ = self._targets(wanted)
        down: list = [None] * len(psi)
        results: dict[int, np.ndarray] = {}
        for k in self.preorder:
            if k not in visit:
                continue
            own = [psi[k], *([] if down[k] is None else [down[k]])]
            kids = self.kids[k]
            for v in need.get(k, ()):
                values, _ = self._fold(("marg", v), [*self._inflow(k), *(self.sep[x] for x in kids)], (v,),
                                       [*own, *(up[x] for x in kids)], [])
                results[v] = values / values.sum()
            for m in self.children[k]:
                if m in visit:
                    others = [x for x in kids if x != m]
                    down[m], _ = self._fold(("down", m), [*self._inflow(k), *(self.sep[x] for x in others)],
                                            self.sep[m], [*own, *(up[x] for x in others)], [])
        return results
