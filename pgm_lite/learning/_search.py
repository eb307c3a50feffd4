"""Greedy search over DAGs (hill climbing and tabu) with a decomposable score.

Design, for speed (see benchmarks/structure.py):

* the data are integer codes ``(d, n)``, encoded once;
* :class:`FamilyScorer` caches every local score by ``(child, parent set)``; the candidates of one
  child (every parent set one parent away from the current one) are counted together with one
  ``np.bincount`` over offset, zero-padded cell indices and scored in one vectorised pass; from
  the empty graph, both one-parent families of a pair come from one joint count;
* ``delta[u, v]`` holds the score change of toggling ``u`` as a parent of ``v``; a move changes
  one or two children's parent sets, so only those columns are rescored (and a column is cached
  by ``(child, parents)``, so returning to a parent set costs nothing). Adding ``u -> v`` gains
  ``delta[u, v]``, deleting it ``delta[u, v]``, reversing it ``delta[u, v] + delta[v, u]``;
* acyclicity is kept incrementally with a reachability matrix: an addition ORs in the new paths,
  a deletion recomputes the closure (repeated squaring, a few BLAS products).

Hill climbing does not stop at its first local optimum: a perturbation phase (iterated local
search, :func:`_perturb`) reverses one edge at a time, climbs again and keeps what scores higher.
Plain greedy paths lose to pyAgrum's (which applies several moves per step) on some
networks; with the phase ours scored at least as high on every cell of the benchmark.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from .. import tuning
from ..progress import progress_bar
from .scores import dense_family_scores, family_scores

__all__ = ["Constraints", "FamilyScorer", "greedy_search"]


class FamilyScorer:
    """Local scores of ``(child, parent set)`` families on fixed codes, cached."""

    def __init__(self, codes: np.ndarray, cardinality: np.ndarray, kind: str, ess: float) -> None:
        self.codes = codes.astype(np.int64)
        self.card = np.asarray(cardinality, dtype=np.int64)
        self.kind = kind
        self.ess = ess
        self.n = codes.shape[1]
        self.cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def _parent_index(self, parents: tuple[int, ...]) -> tuple[np.ndarray, int]:
        index = np.zeros(self.n, dtype=np.int64)
        q = 1
        for p in parents:
            index *= self.card[p]
            index += self.codes[p]
            q *= int(self.card[p])
        return index, q

    def _score_cells(self, child: int, flat: np.ndarray, q: list[int], offsets: np.ndarray) -> np.ndarray:
        """Score families whose offset cell indices (child code fastest) fill ``flat``."""
        r = int(self.card[child])
        total = int(offsets[-1]) + q[-1] * r
        if total <= max(tuning.STRUCTURE_DENSE_CELLS, 4 * flat.size):
            counts = np.bincount(flat.reshape(-1), minlength=total)
            where = np.flatnonzero(counts)
            cells = counts[where].astype(float)
            rows = counts.reshape(-1, r).sum(axis=1)
            row_where = np.flatnonzero(rows)
            totals = rows[row_where].astype(float)
        else:  # big families: count only the cells that occur
            where, counts = np.unique(flat, return_counts=True)
            cells = counts.astype(float)
            row_where, inverse = np.unique(where // r, return_inverse=True)
            totals = np.bincount(inverse.reshape(-1), weights=cells)
        cell_family = np.searchsorted(offsets, where, side="right") - 1
        row_family = np.searchsorted(offsets // r, row_where, side="right") - 1
        return family_scores(self.kind, cells, cell_family, totals, row_family,
                             np.array(q, dtype=float), np.full(len(q), float(r)), self.n, self.ess)

    def _too_big(self, child: int, parents: tuple[int, ...]) -> bool:
        cells = math.prod(int(self.card[p]) for p in parents) * int(self.card[child])
        return cells > tuning.STRUCTURE_MAX_CELLS

    def local(self, child: int, parents: tuple[int, ...]) -> float:
        """Local score of one family (``parents`` sorted); -inf past ``STRUCTURE_MAX_CELLS`` cells."""
        key = (child, parents)
        if key not in self.cache:
            if self._too_big(child, parents):
                self.cache[key] = -math.inf
                return -math.inf
            index, q = self._parent_index(parents)
            index *= self.card[child]
            index += self.codes[child]
            self.cache[key] = float(self._score_cells(child, index, [q], np.zeros(1, np.int64))[0])
        return self.cache[key]

    def toggles(self, child: int, parents: tuple[int, ...], candidates: np.ndarray) -> np.ndarray:
        """Score change of adding (or, for current parents, removing) each candidate parent."""
        base = self.local(child, parents)
        current = set(parents)
        keys = [tuple(sorted(current ^ {u})) for u in candidates.tolist()]
        adds = [i for i, (u, k) in enumerate(zip(candidates.tolist(), keys))
                if u not in current and (child, k) not in self.cache]
        if adds:
            self._score_adds(child, parents, candidates[adds])
        return np.array([self.local(child, k) for k in keys]) - base

    def _score_adds(self, child: int, parents: tuple[int, ...], us: np.ndarray) -> None:
        """Score ``parents + u`` for every ``u`` in ``us``, many families per bincount.

        The cell of a row in family ``parents + u`` is ``x_u * (q r) + j r + x_child`` (``j`` the
        configuration of ``parents``), plus the family's offset in the batch; every family gets
        ``max r_u * q * r`` cells (zero-padded), so the counts are one ``(k, rows, r)`` array.
        """
        base, q = self._parent_index(parents)
        r = int(self.card[child])
        width = q * int(self.card[us].max()) * r
        if width > tuning.STRUCTURE_DENSE_CELLS:
            for u in us.tolist():  # big families: one at a time, sparse counting
                self.local(child, tuple(sorted((*parents, u))))
            return
        base *= r
        base += self.codes[child]
        chunk = max(1, min(tuning.STRUCTURE_BATCH_ENTRIES // max(self.n, 1),
                           tuning.STRUCTURE_DENSE_CELLS // width))
        for start in range(0, len(us), chunk):
            part = us[start:start + chunk]
            flat = self.codes[part]  # int64 throughout: bincount would cast narrower indices anyway
            flat *= q * r
            flat += base
            flat += (np.arange(len(part)) * width)[:, None]
            counts = np.bincount(flat.reshape(-1), minlength=len(part) * width)
            scores = dense_family_scores(self.kind, counts.reshape(len(part), -1, r),
                                         q * self.card[part], r, self.n, self.ess)
            for u, s in zip(part.tolist(), scores.tolist()):
                self.cache[(child, tuple(sorted((*parents, u))))] = s

    def score_pairs(self, pairs: np.ndarray) -> None:
        """Score both one-parent families ``(v | u)`` and ``(u | v)`` of each pair from one count.

        The two families of a pair share the joint counts ``N(x_u, x_v)``; only the row totals
        differ (sums over one axis or the other). Pairs go many to a bincount.
        """
        r_u, r_v = self.card[pairs[:, 0]], self.card[pairs[:, 1]]
        chunk = max(1, tuning.STRUCTURE_BATCH_ENTRIES // max(self.n, 1))
        for start in range(0, len(pairs), chunk):
            part, ru, rv = pairs[start:start + chunk], r_u[start:start + chunk], r_v[start:start + chunk]
            sizes = ru * rv
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            flat = self.codes[part[:, 0]]
            flat *= rv[:, None]
            flat += self.codes[part[:, 1]]
            flat += offsets[:, None]
            counts = np.bincount(flat.reshape(-1), minlength=int(sizes.sum())).astype(float)
            pair = np.repeat(np.arange(len(part)), sizes)
            local = np.arange(len(counts)) - offsets[pair]
            i, j = local // rv[pair], local % rv[pair]
            row_offsets = np.concatenate([[0], np.cumsum(ru)[:-1]]), np.concatenate([[0], np.cumsum(rv)[:-1]])
            nonzero = counts > 0
            cells, cell_pair = counts[nonzero], pair[nonzero]
            scores = []
            for rows, width, q, r in ((row_offsets[0][pair] + i, int(ru.sum()), ru, rv),
                                      (row_offsets[1][pair] + j, int(rv.sum()), rv, ru)):
                totals = np.bincount(rows, weights=counts, minlength=width)
                row_pair = np.repeat(np.arange(len(part)), q)
                seen = totals > 0
                scores.append(family_scores(self.kind, cells, cell_pair, totals[seen], row_pair[seen],
                                            q.astype(float), r.astype(float), self.n, self.ess))
            for (u, v), to_v, to_u in zip(part.tolist(), scores[0].tolist(), scores[1].tolist()):
                self.cache[(v, (u,))] = to_v
                self.cache[(u, (v,))] = to_u


class Constraints:
    """Static move constraints as ``(d, d)`` boolean matrices (``[u, v]`` is the edge ``u -> v``)."""

    def __init__(self, d: int, *, allowed: np.ndarray, fixed: np.ndarray, max_indegree: int | None) -> None:
        self.allowed = allowed & ~np.eye(d, dtype=bool)
        self.fixed = fixed
        self.max_indegree = d if max_indegree is None else max_indegree


def _closure(adj: np.ndarray) -> np.ndarray:
    """Reachability ``R[a, b]``: a directed path of length >= 1 from ``a`` to ``b``.

    Repeated squaring (paths up to length ``2**k`` after ``k`` float matrix products, so about
    ``log2(d)`` BLAS calls instead of Warshall's ``d`` outer products).
    """
    reach = adj.copy()
    while True:
        step = reach.astype(np.float64)
        wider = reach | ((step @ step) > 0)
        if (wider == reach).all():
            return reach
        reach = wider


class _State:
    """The current DAG, its reachability, its toggle deltas and score, plus tabu marks.

    ``pinned`` edges may not be deleted or reversed, on top of the constraints: the perturbation
    phase of hill climbing pins one edge at a time.
    """

    def __init__(self, scorer: FamilyScorer, adj: np.ndarray, constraints: Constraints) -> None:
        self.scorer = scorer
        self.adj = adj.copy()
        self.reach = _closure(self.adj)
        self.c = constraints
        d = len(adj)
        self.delta = np.full((d, d), -np.inf)
        self.local = np.zeros(d)
        self.tabu = np.zeros((3, d, d), dtype=np.int64)  # [KINDS.index(kind), u, v]
        self.gains = np.empty((3, d, d))
        self.pinned = np.zeros((d, d), dtype=bool)
        self.columns: dict[tuple[int, tuple[int, ...]], tuple[float, np.ndarray]] = {}
        if not self.adj.any() and constraints.max_indegree > 0 and d > 1:  # every one-parent family
            pairs = np.argwhere(np.triu(constraints.allowed | constraints.allowed.T, 1))
            scorer.score_pairs(pairs)
        for v in range(d):
            self.rescore(v)

    def parents(self, v: int) -> tuple[int, ...]:
        return tuple(np.flatnonzero(self.adj[:, v]).tolist())

    def rescore(self, v: int) -> None:
        """Set ``v``'s local score and toggle column; both depend on ``(v, parents)`` alone, so cached."""
        parents = self.parents(v)
        key = (v, parents)
        if key not in self.columns:
            can_add = self.c.allowed[:, v] if len(parents) < self.c.max_indegree else np.zeros(len(self.adj), bool)
            wanted = np.flatnonzero(can_add | self.adj[:, v])
            column = np.full(len(self.adj), -np.inf)
            if len(wanted):
                column[wanted] = self.scorer.toggles(v, parents, wanted)
            self.columns[key] = (self.scorer.local(v, parents), column)
        self.local[v], self.delta[:, v] = self.columns[key]

    @property
    def total(self) -> float:
        return float(self.local.sum())

    def snapshot(self) -> tuple[np.ndarray, ...]:
        return self.adj.copy(), self.reach.copy(), self.delta.copy(), self.local.copy()

    def restore(self, snap: tuple[np.ndarray, ...]) -> None:
        self.adj, self.reach, self.delta, self.local = (a.copy() for a in snap)

    def legal(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Masks of the legal additions, deletions and reversals (``[u, v]``: the edge ``u -> v``)."""
        adj, reach, c = self.adj, self.reach, self.c
        room = adj.sum(axis=0) < c.max_indegree
        add = c.allowed & ~adj & ~adj.T & ~reach.T & room[None, :]
        delete = adj & ~c.fixed & ~self.pinned
        other_path = (adj.astype(np.float64) @ reach.astype(np.float64)) > 0
        reverse = delete & c.allowed.T & room[:, None] & ~other_path
        return add, delete, reverse

    def moves(self, aspiration: float | None) -> np.ndarray:
        """Gain of every legal move as ``(3, d, d)``: kinds in :data:`KINDS` order, ``-inf`` if illegal.

        With ``aspiration`` set (tabu search), tabu moves are illegal unless they gain more than
        it (the standard aspiration criterion: a move to a new best score is always allowed).
        """
        add, delete, reverse = self.legal()
        gains = self.gains
        gains.fill(-np.inf)
        np.copyto(gains[0], self.delta, where=add)
        np.copyto(gains[1], self.delta, where=delete)
        np.add(self.delta, self.delta.T, out=gains[2], where=reverse)
        if aspiration is not None:
            gains[(self.tabu > 0) & (gains <= aspiration)] = -np.inf
        return gains

    def apply(self, kind: str, u: int, v: int) -> None:
        if kind == "add":
            self.adj[u, v] = True
            into_u = self.reach[:, u].copy()
            into_u[u] = True
            from_v = self.reach[v, :].copy()
            from_v[v] = True
            self.reach |= np.outer(into_u, from_v)
            self.rescore(v)
            return
        self.adj[u, v] = False
        if kind == "reverse":
            self.adj[v, u] = True
        self.reach = _closure(self.adj)
        self.rescore(v)
        if kind == "reverse":
            self.rescore(u)


KINDS = ("add", "delete", "reverse")
_UNDO = {"add": "delete", "delete": "add", "reverse": "reverse"}


def _best(state: _State, aspiration: float | None,
          rng: np.random.Generator | None) -> tuple[float, str, int, int]:
    flat = state.moves(aspiration).reshape(-1)
    top = float(flat.max())
    if not np.isfinite(top):
        return top, "", -1, -1
    near = flat >= top - tuning.STRUCTURE_TIE
    if rng is not None:  # break near-ties at random
        tied = np.flatnonzero(near)
        i = int(tied[int(rng.integers(len(tied)))])
    else:  # e.g. score-equivalent twins u -> v, v -> u: the first in (add, delete, reverse), row order
        i = int(np.argmax(near))
    kind, cell = divmod(i, len(state.adj) ** 2)
    return top, KINDS[kind], *divmod(cell, len(state.adj))


class _Budget:
    """Moves left under ``max_iter``, and the progress bar they advance."""

    def __init__(self, max_iter: int | None, bar: Any) -> None:
        self.left = math.inf if max_iter is None else max_iter
        self.bar = bar

    def spend(self, score: float) -> None:
        self.left -= 1
        self.bar.update()
        self.bar.note(f"score={score:.6g}")


def _climb(state: _State, budget: _Budget, rng: np.random.Generator | None,
           trace: list[float] | None = None) -> bool:
    """Take improving moves until none is left; return False if the budget ran out first."""
    while budget.left > 0:
        gain, kind, u, v = _best(state, None, rng)
        if not np.isfinite(gain) or gain <= tuning.STRUCTURE_MIN_GAIN:
            return True
        state.apply(kind, u, v)
        budget.spend(state.total)
        if trace is not None:
            trace.append(state.total)
    return False


def _kicks(state: _State) -> list[tuple[float, str, int, int]]:
    """Perturbations of a local optimum, cheapest first: reverse one edge.

    (Deleting one edge as well doubled the trials and was never the accepted trial on the
    benchmark grid of benchmarks/structure.py.)
    """
    reverse = state.legal()[2]
    gain = state.delta + state.delta.T
    return sorted((-float(gain[u, v]), "reverse", int(u), int(v)) for u, v in np.argwhere(reverse))


def _perturb(state: _State, budget: _Budget, rng: np.random.Generator | None) -> list[float]:
    """Escape a local optimum by iterated local search; return the scores of the accepted optima.

    One trial reverses an edge of the optimum, climbs with the edge pinned in its new direction,
    then climbs freely; the trial is kept if it ends on a better optimum, else undone. Trials go
    cheapest first. A rejected trial is not tried again unless an accepted one later changes the
    parents of one of its two ends ("don't look bits"). It stops when every trial has been rejected, after ``STRUCTURE_PERTURB_ROUNDS``
    accepted ones, or when ``max_iter`` moves are spent (keeping the last accepted optimum).
    """
    accepted: list[float] = []
    rejected: set[tuple[str, int, int]] = set()
    while len(accepted) < tuning.STRUCTURE_PERTURB_ROUNDS:
        base = state.total
        for _, kind, u, v in _kicks(state):
            if (kind, u, v) in rejected:
                continue
            if budget.left <= 0:
                return accepted
            snap, left = state.snapshot(), budget.left
            state.apply(kind, u, v)
            budget.left -= 1
            state.pinned[v, u] = True
            _climb(state, budget, rng)
            state.pinned[v, u] = False
            done = _climb(state, budget, rng)
            if done and state.total > base + tuning.STRUCTURE_MIN_GAIN:
                accepted.append(state.total)
                changed = set(np.flatnonzero((state.adj != snap[0]).any(axis=0)).tolist())
                rejected = {k for k in rejected if k[1] not in changed and k[2] not in changed}
                break
            state.restore(snap)
            budget.left = left if done else 0
            rejected.add((kind, u, v))
        else:
            return accepted
    return accepted


def greedy_search(scorer: FamilyScorer, start: np.ndarray, constraints: Constraints, *,
                  tabu_length: int = 0, max_iter: int | None = None, patience: int = 0,
                  perturb: bool = False, rng: np.random.Generator | None = None,
                  progress: bool | None = None) -> tuple[np.ndarray, list[float]]:
    """Best-improvement search from ``start``; return the best adjacency matrix and the score trace.

    With ``tabu_length == 0`` this is hill climbing: stop when no move improves the score (then,
    with ``perturb``, escape that optimum by iterated local search, see :func:`_perturb`). With
    a tabu list, the best allowed move is taken even when it lowers the score; the inverse of each
    of the last ``tabu_length`` moves is forbidden (unless it reaches a new best score, so the
    climb up to the first local optimum is hill climbing's), and the search stops after
    ``patience`` moves without a new best score. ``max_iter`` caps the number of moves.
    """
    state = _State(scorer, start, constraints)
    trace = [state.total]
    desc = "tabu search" if tabu_length else "hill climbing"
    with progress_bar(max_iter, desc=desc, progress=progress) as bar:
        budget = _Budget(max_iter, bar)
        if not tabu_length:
            if _climb(state, budget, rng, trace) and perturb:
                trace += _perturb(state, budget, rng)
            return state.adj.copy(), trace
        return _tabu(state, budget, tabu_length, patience, rng, trace)


def _tabu(state: _State, budget: _Budget, tabu_length: int, patience: int,
          rng: np.random.Generator | None, trace: list[float]) -> tuple[np.ndarray, list[float]]:
    best_adj, best_score = state.adj.copy(), state.total
    recent: deque[tuple[str, int, int]] = deque()
    stale = 0
    while budget.left > 0:
        aspiration = best_score - trace[-1] + tuning.STRUCTURE_MIN_GAIN
        gain, kind, u, v = _best(state, aspiration, rng)
        if not np.isfinite(gain):
            break
        state.apply(kind, u, v)
        trace.append(state.total)
        budget.spend(trace[-1])
        undo = (_UNDO[kind], *((v, u) if kind == "reverse" else (u, v)))
        recent.append(undo)
        state.tabu[KINDS.index(undo[0]), undo[1], undo[2]] += 1
        if len(recent) > tabu_length:
            old = recent.popleft()
            state.tabu[KINDS.index(old[0]), old[1], old[2]] -= 1
        if trace[-1] > best_score + tuning.STRUCTURE_MIN_GAIN:
            best_adj, best_score, stale = state.adj.copy(), trace[-1], 0
        else:
            stale += 1
            if stale >= patience:
                break
    return best_adj, trace


def edges_to_matrix(index: dict[str, int], edges: Any) -> np.ndarray:
    """``(d, d)`` boolean matrix with ``[u, v]`` set for each named edge."""
    out = np.zeros((len(index), len(index)), dtype=bool)
    for u, v in edges:
        out[index[u], index[v]] = True
    return out
