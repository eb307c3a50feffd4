"""Local scores of ``(child, parent set)`` families on fixed integer codes, for the structure search.

Every value of every variable owns one *slot*: value ``x`` of variable ``u`` is slot
``start[u] + x`` (``S`` slots in all). With the codes stored as slots, the counts of the families
``parents + u`` of one child, for every candidate ``u`` at once, come from one ``np.bincount`` of
``cell * S + slot_u`` (``cell`` the row's cell in the family table of ``(parents, child)``): a
``(q, r, S)`` array whose slice ``[:, :, start[u]:start[u + 1]]`` is the table of the family
``parents + u``. A family with one parent removed is a marginal of the current family's table, so
a whole toggle column (add any candidate, remove any parent) reads the data once.

From the empty graph, the joint counts of every pair of variables are one product of the one-hot
data with itself (``S x S``), so all one-parent families cost one BLAS call.

Likelihood scores (log-likelihood, BIC, AIC) read ``N log N`` from a table over ``0..n``: counts are
integers.
"""

from __future__ import annotations

import math

import numpy as np

from .. import tuning
from .scores import dense_family_scores, family_scores

__all__ = ["FamilyScorer"]

_LIKELIHOOD = ("loglik", "bic", "aic")


class FamilyScorer:
    """Local scores of families on fixed ``(d, n)`` codes for one score ``kind`` (see ``SCORES``).

    Examples
    --------
    >>> codes = np.array([[0, 0, 1, 1], [0, 0, 1, 0]])
    >>> scorer = FamilyScorer(codes, np.array([2, 2]), "loglik", 1.0)
    >>> round(scorer.local(1, ()), 4), round(scorer.local(1, (0,)), 4)
    (-2.2493, -1.3863)
    >>> base, delta = scorer.column(1, (), np.array([0]))   # toggle column of 1
    >>> round(float(delta[0]), 4)   # gain of adding 0 as a parent of 1
    0.863
    """

    def __init__(self, codes: np.ndarray, cardinality: np.ndarray, kind: str, ess: float) -> None:
        self.codes = np.ascontiguousarray(codes, dtype=np.int64)
        self.card = np.asarray(cardinality, dtype=np.int64)
        self.kind = kind
        self.ess = float(ess)
        self.d, self.n = self.codes.shape
        self.start = np.concatenate([[0], np.cumsum(self.card)]).astype(np.int64)
        self.slots = self.codes + self.start[:-1, None]
        self.owner = np.repeat(np.arange(self.d), self.card)
        self.cache: dict[tuple[int, tuple[int, ...]], float] = {}
        self.xlogx: np.ndarray | None = None
        self.weight = {"bic": 0.5 * math.log(max(self.n, 1)), "aic": 1.0}.get(kind, 0.0)
        self.card_float = self.card.astype(float)
        self.work: np.ndarray | None = None  # cell indices of one chunk, reused
        self.kept: dict[tuple[int, tuple[int, ...]], np.ndarray] = {}  # slot counts by family
        self.kept_cells = 0
        self.subsets: dict[tuple[int, tuple[int, ...]], tuple[tuple[int, tuple[int, ...]], int]] = {}
        if kind in _LIKELIHOOD:
            m = np.arange(self.n + 1, dtype=float)
            self.xlogx = m * np.log(np.where(m > 0, m, 1.0))

    # -- scoring count arrays ------------------------------------------------------------------
    def _penalty(self, q: np.ndarray, r: np.ndarray | float) -> np.ndarray:
        """Return what BIC / AIC subtract from the log-likelihood: ``weight * q * (r - 1)``."""
        return (self.weight * (r - 1)) * q

    def _dense(self, counts: np.ndarray, q: np.ndarray, r: int) -> np.ndarray:
        """Scores of ``k`` families of one child from zero-padded integer counts ``(k, rows, r)``."""
        if self.xlogx is None:
            return dense_family_scores(self.kind, counts, q, r, self.n, self.ess)
        table = self.xlogx
        ll = table[counts].sum(axis=(1, 2)) - table[counts.sum(axis=2)].sum(axis=1)
        return ll - self._penalty(q, r)

    def _slot_scores(self, counts: np.ndarray, q: int, r: int) -> np.ndarray:
        """Score of the family ``parents + u`` for every variable ``u`` from ``(q * r, S)`` counts.

        Entries of variables that were not counted (and of the child and its parents) are
        meaningless; the caller reads only its candidates.
        """
        totals = counts.reshape(q, r, -1).sum(axis=1)
        if self.xlogx is not None:
            table = self.xlogx
            per_slot = table[counts].sum(axis=0) - table[totals].sum(axis=0)
            return np.add.reduceat(per_slot, self.start[:-1]) - (self.weight * (r - 1) * q) * self.card_float
        counts = counts.reshape(q, r, -1)
        qs = q * self.card_float
        _, _, cell_slot = np.nonzero(counts)
        cells = counts[counts > 0].astype(float)
        _, total_slot = np.nonzero(totals)
        return family_scores(self.kind, cells, self.owner[cell_slot], totals[totals > 0].astype(float),
                             self.owner[total_slot], qs, np.full(self.d, float(r)), self.n, self.ess)

    # -- families --------------------------------------------------------------------------------
    def _index(self, child: int, parents: tuple[int, ...]) -> np.ndarray:
        """Cell of every row in the family table ``(*parents, child)`` (child fastest)."""
        index = self.codes[child].copy()
        stride = int(self.card[child])
        for p in reversed(parents):
            index += self.codes[p] * stride
            stride *= int(self.card[p])
        return index

    def _configurations(self, parents: tuple[int, ...]) -> int:
        return math.prod(int(self.card[p]) for p in parents)

    def local(self, child: int, parents: tuple[int, ...]) -> float:
        """Local score of one family (``parents`` sorted); -inf past ``STRUCTURE_MAX_CELLS`` cells."""
        key = (child, parents)
        if key not in self.cache:
            q, r = self._configurations(parents), int(self.card[child])
            if q * r > tuning.STRUCTURE_MAX_CELLS:
                self.cache[key] = -math.inf
            elif q * r <= max(tuning.STRUCTURE_DENSE_CELLS, 4 * self.n):
                counts = np.bincount(self._index(child, parents), minlength=q * r)
                self.cache[key] = float(self._dense(counts.reshape(1, q, r), np.array([float(q)]), r)[0])
            else:  # big family: count only the cells that occur
                where, counts = np.unique(self._index(child, parents), return_counts=True)
                rows, inverse = np.unique(where // r, return_inverse=True)
                totals = np.bincount(inverse.reshape(-1), weights=counts)
                self.cache[key] = float(family_scores(
                    self.kind, counts.astype(float), np.zeros(len(counts), np.intp), totals,
                    np.zeros(len(rows), np.intp), np.array([float(q)]), np.array([float(r)]),
                    self.n, self.ess)[0])
        return self.cache[key]

    def column(self, child: int, parents: tuple[int, ...], adds: np.ndarray) -> tuple[float, np.ndarray]:
        """Local score of ``(child, parents)`` and the toggle column of ``child``.

        ``column[u]`` is the score change of removing ``u`` (for ``u`` in ``parents``, sorted) or of
        adding it (for ``u`` in ``adds``, none of them a parent); ``-inf`` everywhere else.
        """
        q, r = self._configurations(parents), int(self.card[child])
        out = np.full(self.d, -np.inf)
        if len(adds) and q * r * int(self.start[-1]) <= tuning.STRUCTURE_DENSE_CELLS:
            counts = self._counts(child, parents, adds, q * r)
            table = counts[:, self.start[adds[0]]:self.start[adds[0] + 1]].sum(axis=1)
            out[adds] = self._slot_scores(counts, q, r)[adds]
        elif q * r <= max(tuning.STRUCTURE_DENSE_CELLS, 4 * self.n):
            table = np.bincount(self._index(child, parents), minlength=q * r)
            out[adds] = [self.local(child, tuple(sorted((*parents, u)))) for u in adds.tolist()]
        else:  # big families throughout: one at a time
            base = self.local(child, parents)
            out[adds] = [self.local(child, tuple(sorted((*parents, u)))) for u in adds.tolist()]
            out[list(parents)] = [self.local(child, tuple(p for p in parents if p != u)) for u in parents]
            return base, out - base
        scores = self._with_removals(table, parents, r)
        base = float(scores[0])
        self.cache[(child, parents)] = base
        out[list(parents)] = scores[1:]
        out -= base
        return base, out

    def _counts(self, child: int, parents: tuple[int, ...], adds: np.ndarray, cells: int) -> np.ndarray:
        """``(cells, S)`` counts of the family's cells against the slots of the candidates ``adds``.

        A family one parent short of a family whose counts are kept (every variable counted) is
        a marginal of those counts: no pass over the data. Counts of every variable are kept, up
        to ``STRUCTURE_COUNT_CACHE_CELLS`` cells in all (oldest dropped first).
        """
        found = self.subsets.get((child, parents))
        if found is not None and found[0] in self.kept:
            superset, axis = found
            shape = (*(int(self.card[p]) for p in superset[1]), -1)
            return self.kept[superset].reshape(shape).sum(axis=axis).reshape(cells, -1)
        every = 2 * len(adds) > self.d
        counts = self._count_adds(self._index(child, parents), None if every else adds, cells)
        if every and counts.size <= tuning.STRUCTURE_COUNT_CACHE_CELLS and (child, parents) not in self.kept:
            self.kept_cells += counts.size
            while self.kept and self.kept_cells > tuning.STRUCTURE_COUNT_CACHE_CELLS:
                self.kept_cells -= self.kept.pop(next(iter(self.kept))).size
            self.kept[(child, parents)] = counts
            for i in range(len(parents)):
                self.subsets[(child, parents[:i] + parents[i + 1:])] = ((child, parents), i)
        return counts

    def _count_adds(self, index: np.ndarray, adds: np.ndarray | None, cells: int) -> np.ndarray:
        """``(cells, S)`` counts of ``index`` against every slot of every variable in ``adds``.

        Rows go in chunks of about ``STRUCTURE_BATCH_ENTRIES`` cell indices through one reused
        buffer. ``adds=None`` counts every variable (no gather).
        """
        width = int(self.start[-1])
        scaled = index * width
        k = self.d if adds is None else len(adds)
        step = max(1, tuning.STRUCTURE_BATCH_ENTRIES // k)
        if self.work is None:
            self.work = np.empty(max(self.d, min(tuning.STRUCTURE_BATCH_ENTRIES, self.d * self.n)), np.int64)
        counts = None
        for first in range(0, self.n, step):
            last = min(first + step, self.n)
            if adds is None:
                part = self.work[:k * (last - first)].reshape(k, -1)
                np.add(self.slots[:, first:last], scaled[first:last], out=part)
            else:
                part = self.slots[adds, first:last]
                part += scaled[first:last]
            chunk = np.bincount(part.reshape(-1), minlength=cells * width)
            counts = chunk if counts is None else np.add(counts, chunk, out=counts)
        if counts is None:  # no rows
            counts = np.zeros(cells * width, dtype=np.int64)
        return counts.reshape(cells, width)

    def _with_removals(self, table: np.ndarray, parents: tuple[int, ...], r: int) -> np.ndarray:
        """Scores of ``(child, parents)`` and of each family with one parent removed, from its table."""
        q = len(table) // r
        shaped = table.reshape(*(int(self.card[p]) for p in parents), r)
        batch = np.zeros((len(parents) + 1, q, r), dtype=table.dtype)
        batch[0] = table.reshape(q, r)
        qs = [float(q)]
        for i, p in enumerate(parents):
            marginal = shaped.sum(axis=i).reshape(-1, r)
            batch[i + 1, :len(marginal)] = marginal
            qs.append(float(q // int(self.card[p])))
        return self._dense(batch, np.array(qs), r)

    def pairs(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Scores of every family without parents ``(d,)`` and with one parent ``[u, v]`` (``(d, d)``).

        The joint counts of all pairs fill an ``S x S`` matrix: for each ``u``, one bincount of
        ``x_u`` against the slots of every later variable (rows in chunks of about
        ``STRUCTURE_BATCH_ENTRIES`` entries). None when the matrix would exceed
        ``STRUCTURE_DENSE_CELLS`` cells.
        """
        width, d = int(self.start[-1]), self.d
        if width * width > tuning.STRUCTURE_DENSE_CELLS or self.n == 0 or d < 2:
            return None
        joint = np.zeros((width, width), dtype=np.int64)
        rows = max(1, tuning.STRUCTURE_BATCH_ENTRIES // (d - 1))
        for first in range(0, self.n, rows):
            slots = self.slots[:, first:first + rows]
            for u in range(d - 1):
                after = int(self.start[u + 1])
                rest = width - after
                flat = slots[u + 1:] + (self.codes[u, first:first + rows] * rest - after)
                block = np.bincount(flat.reshape(-1), minlength=int(self.card[u]) * rest)
                joint[self.start[u]:after, after:] += block.reshape(-1, rest)
        joint += joint.T
        joint[np.diag_indices(width)] = np.bincount(self.slots.reshape(-1), minlength=width)
        marginal = np.diagonal(joint).copy()
        d, owner = self.d, self.owner
        occupied = marginal > 0
        no_parent = family_scores(self.kind, marginal[occupied].astype(float), owner[occupied],
                                  np.full(d, float(self.n)), np.arange(d), np.ones(d), self.card.astype(float),
                                  self.n, self.ess)
        a, b = np.nonzero(joint)
        keep = owner[a] != owner[b]
        a, b = a[keep], b[keep]
        family = owner[a] * d + owner[b]  # parent owner[a], child owner[b]
        slot, child = np.repeat(np.arange(width), d), np.tile(np.arange(d), width)
        seen = (marginal[slot] > 0) & (owner[slot] != child)
        total_family = owner[slot[seen]] * d + child[seen]
        q = np.repeat(self.card.astype(float), d)
        r = np.tile(self.card.astype(float), d)
        one = family_scores(self.kind, joint[a, b].astype(float), family, marginal[slot[seen]].astype(float),
                            total_family, q, r, self.n, self.ess).reshape(d, d)
        np.fill_diagonal(one, -np.inf)
        return no_parent, one
