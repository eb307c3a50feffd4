"""Greedy search over DAGs (hill climbing and tabu) with a decomposable score.

Design, for speed (see benchmarks/structure.py):

* the data are integer codes ``(d, n)``, encoded once;
* :class:`FamilyScorer` caches every local score by ``(child, parent set)``; the candidates of one
  child (every parent set one parent away from the current one) are counted together with one
  ``np.bincount`` over offset cell indices and scored in one vectorised pass;
* ``delta[u, v]`` holds the score change of toggling ``u`` as a parent of ``v``; a move changes
  one or two children's parent sets, so only those columns are rescored. Adding ``u -> v`` gains
  ``delta[u, v]``, deleting it ``delta[u, v]``, reversing it ``delta[u, v] + delta[v, u]``;
* acyclicity is kept incrementally with a reachability matrix: an addition ORs in the new paths,
  a deletion recomputes the closure (Warshall, one vectorised row update per node).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from .. import tuning
from ..progress import progress_bar
from .scores import family_scores

__all__ = ["Constraints", "FamilyScorer", "greedy_search"]


class FamilyScorer:
    """Local scores of ``(child, parent set)`` families on fixed codes, cached."""

    def __init__(self, codes: np.ndarray, cardinality: np.ndarray, kind: str, ess: float) -> None:
        self.codes = codes.astype(np.int64)
        self.codes32 = codes.astype(np.int32)  # narrower indices while a batch has < 2**31 cells
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
        configuration of ``parents``), plus the family's offset in the batch.
        """
        base, q = self._parent_index(parents)
        r = int(self.card[child])
        if q * int(self.card[us].max()) * r > tuning.STRUCTURE_DENSE_CELLS:
            for u in us.tolist():  # big families: one at a time, sparse counting
                self.local(child, tuple(sorted((*parents, u))))
            return
        base *= r
        base += self.codes[child]
        chunk = max(1, tuning.STRUCTURE_BATCH_ENTRIES // max(self.n, 1))
        for start in range(0, len(us), chunk):
            part = us[start:start + chunk]
            qs = [q * int(self.card[u]) for u in part.tolist()]
            sizes = np.array(qs, dtype=np.int64) * r
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            wide = int(sizes.sum()) >= 2**31
            codes = self.codes if wide else self.codes32
            flat = codes[part] * np.asarray(q * r, dtype=codes.dtype)
            flat += (base[None, :] + offsets[:, None]).astype(codes.dtype, copy=False)
            scores = self._score_cells(child, flat, qs, offsets)
            for u, s in zip(part.tolist(), scores.tolist()):
                self.cache[(child, tuple(sorted((*parents, u))))] = s


class Constraints:
    """Static move constraints as ``(d, d)`` boolean matrices (``[u, v]`` is the edge ``u -> v``)."""

    def __init__(self, d: int, *, allowed: np.ndarray, fixed: np.ndarray, max_indegree: int | None) -> None:
        self.allowed = allowed & ~np.eye(d, dtype=bool)
        self.fixed = fixed
        self.max_indegree = d if max_indegree is None else max_indegree


def _closure(adj: np.ndarray) -> np.ndarray:
    """Reachability ``R[a, b]``: a directed path of length >= 1 from ``a`` to ``b`` (Warshall)."""
    reach = adj.copy()
    for k in range(len(adj)):
        reach |= np.outer(reach[:, k], reach[k, :])
    return reach


class _State:
    """The current DAG, its reachability, its toggle deltas and score, plus tabu marks."""

    def __init__(self, scorer: FamilyScorer, adj: np.ndarray, constraints: Constraints) -> None:
        self.scorer = scorer
        self.adj = adj.copy()
        self.reach = _closure(self.adj)
        self.c = constraints
        d = len(adj)
        self.delta = np.full((d, d), -np.inf)
        self.local = np.zeros(d)
        self.tabu = {kind: np.zeros((d, d), dtype=np.int64) for kind in ("add", "delete", "reverse")}
        for v in range(d):
            self.rescore(v)

    def parents(self, v: int) -> tuple[int, ...]:
        return tuple(np.flatnonzero(self.adj[:, v]).tolist())

    def rescore(self, v: int) -> None:
        parents = self.parents(v)
        self.local[v] = self.scorer.local(v, parents)
        can_add = self.c.allowed[:, v] if len(parents) < self.c.max_indegree else np.zeros(len(self.adj), bool)
        wanted = np.flatnonzero(can_add | self.adj[:, v])
        column = np.full(len(self.adj), -np.inf)
        if len(wanted):
            column[wanted] = self.scorer.toggles(v, parents, wanted)
        self.delta[:, v] = column

    @property
    def total(self) -> float:
        return float(self.local.sum())

    def moves(self, aspiration: float | None) -> list[tuple[np.ndarray, str]]:
        """Gain of every legal move, ``-inf`` elsewhere, per kind (add, delete, reverse).

        With ``aspiration`` set (tabu search), tabu moves are illegal unless they gain more than
        it (the standard aspiration criterion: a move to a new best score is always allowed).
        """
        adj, reach, c = self.adj, self.reach, self.c
        indegree = adj.sum(axis=0)
        room = indegree < c.max_indegree
        add = c.allowed & ~adj & ~adj.T & ~reach.T & room[None, :]
        delete = adj & ~c.fixed
        other_path = (adj.astype(np.int32) @ reach.astype(np.int32)) > 0
        reverse = delete & c.allowed.T & room[:, None] & ~other_path
        out = [(np.where(add, self.delta, -np.inf), "add"),
               (np.where(delete, self.delta, -np.inf), "delete"),
               (np.where(reverse, self.delta + self.delta.T, -np.inf), "reverse")]
        if aspiration is not None:
            out = [(np.where((self.tabu[kind] == 0) | (values > aspiration), values, -np.inf), kind)
                   for values, kind in out]
        return out

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


_UNDO = {"add": "delete", "delete": "add", "reverse": "reverse"}


def _best(state: _State, aspiration: float | None,
          rng: np.random.Generator | None) -> tuple[float, str, int, int]:
    moves = state.moves(aspiration)
    top = max(float(values.max()) for values, _ in moves)
    if not np.isfinite(top):
        return top, "", -1, -1
    tied = [(kind, int(i)) for values, kind in moves
            for i in np.flatnonzero(values.reshape(-1) >= top - tuning.STRUCTURE_TIE)]
    if rng is not None:  # break near-ties at random
        kind, flat = tied[int(rng.integers(len(tied)))]
    else:  # e.g. score-equivalent twins u -> v, v -> u: the first in (add, delete, reverse), row order
        kind, flat = tied[0]
    return top, kind, *divmod(flat, len(state.adj))


def greedy_search(scorer: FamilyScorer, start: np.ndarray, constraints: Constraints, *,
                  tabu_length: int = 0, max_iter: int | None = None, patience: int = 0,
                  rng: np.random.Generator | None = None, progress: bool | None = None,
                  ) -> tuple[np.ndarray, list[float]]:
    """Best-improvement search from ``start``; return the best adjacency matrix and the score trace.

    With ``tabu_length == 0`` this is hill climbing: stop when no move improves the score. With
    a tabu list, the best allowed move is taken even when it lowers the score; the inverse of each
    of the last ``tabu_length`` moves is forbidden (unless it reaches a new best score, so the
    climb up to the first local optimum is hill climbing's), and the search stops after
    ``patience`` moves without a new best score. ``max_iter`` caps the number of moves.
    """
    state = _State(scorer, start, constraints)
    best_adj, best_score = state.adj.copy(), state.total
    trace = [best_score]
    recent: deque[tuple[str, int, int]] = deque()
    stale = 0
    limit = math.inf if max_iter is None else max_iter
    desc = "tabu search" if tabu_length else "hill climbing"
    with progress_bar(max_iter, desc=desc, progress=progress) as bar:
        while len(trace) - 1 < limit:
            aspiration = best_score - trace[-1] + tuning.STRUCTURE_MIN_GAIN if tabu_length else None
            gain, kind, u, v = _best(state, aspiration, rng)
            if not np.isfinite(gain) or (gain <= tuning.STRUCTURE_MIN_GAIN and not tabu_length):
                break
            state.apply(kind, u, v)
            trace.append(state.total)
            bar.update()
            bar.note(f"score={trace[-1]:.6g}")
            if tabu_length:
                undo = (_UNDO[kind], *((v, u) if kind == "reverse" else (u, v)))
                recent.append(undo)
                state.tabu[undo[0]][undo[1], undo[2]] += 1
                if len(recent) > tabu_length:
                    old = recent.popleft()
                    state.tabu[old[0]][old[1], old[2]] -= 1
            if trace[-1] > best_score + tuning.STRUCTURE_MIN_GAIN:
                best_adj, best_score, stale = state.adj.copy(), trace[-1], 0
            else:
                stale += 1
                if tabu_length and stale >= patience:
                    break
    return best_adj, trace


def edges_to_matrix(index: dict[str, int], edges: Any) -> np.ndarray:
    """``(d, d)`` boolean matrix with ``[u, v]`` set for each named edge."""
    out = np.zeros((len(index), len(index)), dtype=bool)
    for u, v in edges:
        out[index[u], index[v]] = True
    return out
