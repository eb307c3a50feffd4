"""Greedy search over DAGs (hill climbing and tabu) with a decomposable score.

Design, for speed (see benchmarks/structure.py):

* the data are integer codes ``(d, n)``, encoded once;
* :class:`~pgm_lite.learning._scorer.FamilyScorer` scores a child's whole toggle column (add any
  candidate parent, remove any parent) from one ``np.bincount`` over the data, or from none when
  the family is one parent short of a family whose counts it kept; from the empty graph, all
  one-parent families come from one pass over all pairs;
* ``delta[u, v]`` holds the score change of toggling ``u`` as a parent of ``v``; a move changes
  one or two children's parent sets, so only those columns are rescored (and a column is cached
  by ``(child, parents)``, so returning to a parent set costs nothing). Adding ``u -> v`` gains
  ``delta[u, v]``, deleting it ``delta[u, v]``, reversing it ``delta[u, v] + delta[v, u]``;
* acyclicity is kept incrementally with a reachability matrix: an addition ORs in the new paths,
  a deletion recomputes the closure (repeated squaring, a few small matrix products); legal
  deletions and reversals are read per current edge, not per cell. The constraints (lists,
  ``max_indegree``) are already ``-inf`` in the toggle columns, so a move's legality costs the
  acyclicity test alone.

Hill climbing does not stop at its first local optimum: a perturbation phase (iterated local
search, :func:`_perturb`) reverses one edge at a time, climbs again and keeps what scores higher.
Plain greedy paths lose to pyAgrum's (which applies several moves per step) on some
networks; with the phase ours scored at least as high on every cell of the benchmark. A trial
stops as soon as its free climb reaches (or would move to) a DAG an earlier free climb went
through, and the phase stops before a trial once the trials have made
``STRUCTURE_PERTURB_WORK * ln(rows)`` moves per move of the first climb: a budget counted in
moves, so the same data and ``rng`` give the same DAG, unlike a clock. The unbounded phase cost
2-3 times the first climb and, at 500 rows, more than pyAgrum's whole search.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from .. import tuning
from ..progress import progress_bar
from ._scorer import FamilyScorer

__all__ = ["Constraints", "greedy_search"]


class Constraints:
    """Static move constraints as ``(d, d)`` boolean matrices (``[u, v]`` is the edge ``u -> v``)."""

    def __init__(self, d: int, *, allowed: np.ndarray, fixed: np.ndarray, max_indegree: int | None) -> None:
        self.allowed = allowed & ~np.eye(d, dtype=bool)
        self.fixed = fixed
        self.fixed_any = bool(fixed.any())
        self.max_indegree = d if max_indegree is None else max_indegree


def _closure(adj: np.ndarray) -> np.ndarray:
    """Reachability ``R[a, b]``: a directed path of length >= 1 from ``a`` to ``b``.

    Repeated squaring (paths up to length ``2**k`` after ``k`` float matrix products, so about
    ``log2(d)`` BLAS calls instead of Warshall's ``d`` outer products).
    """
    reach, known = adj.copy(), int(np.count_nonzero(adj))
    while True:
        step = reach.astype(np.float32)  # 0/1 products summed over at most d terms: exact
        reach |= (step @ step) > 0
        found = int(np.count_nonzero(reach))
        if found == known:
            return reach
        known = found


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
        self.pinned = np.zeros((d, d), dtype=bool)
        self.pinned_any = False
        self.last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # moves(None) of this DAG
        self.columns: dict[tuple[int, tuple[int, ...]], tuple[float, np.ndarray]] = {}
        pairs = scorer.pairs() if not self.adj.any() and d > 1 else None
        if pairs is not None:  # every one-parent family from one product of the one-hot data
            no_parent, one = pairs
            can_add = constraints.allowed if constraints.max_indegree > 0 else np.zeros((d, d), bool)
            self.delta = np.where(can_add, one - no_parent, -np.inf)
            self.local = np.array(no_parent, dtype=float)
            columns = self.delta.T.copy()
            for v in range(d):
                self.columns[(v, ())] = (float(no_parent[v]), columns[v])
            return
        for v in range(d):
            self.rescore(v)

    def parents(self, v: int) -> tuple[int, ...]:
        return tuple(np.flatnonzero(self.adj[:, v]).tolist())

    def rescore(self, v: int) -> None:
        """Set ``v``'s local score and toggle column; both depend on ``(v, parents)`` alone, so cached."""
        parents = self.parents(v)
        key = (v, parents)
        cached = self.columns.get(key)
        if cached is None:
            if len(parents) < self.c.max_indegree:
                adds = np.flatnonzero(self.c.allowed[:, v] & ~self.adj[:, v])
            else:
                adds = np.zeros(0, dtype=np.int64)
            cached = self.columns[key] = self.scorer.column(v, parents, adds)
        self.local[v], self.delta[:, v] = cached

    @property
    def total(self) -> float:
        return float(self.local.sum())

    def snapshot(self) -> tuple[np.ndarray, ...]:
        return self.adj.copy(), self.reach.copy(), self.delta.copy(), self.local.copy()

    def restore(self, snap: tuple[np.ndarray, ...]) -> None:
        self.adj, self.reach, self.delta, self.local = (a.copy() for a in snap)
        self.last = None

    def pin(self, u: int, v: int, pinned: bool) -> None:
        """Pin (or unpin) the edge ``u -> v``; the last gains stay valid, but for that edge's moves."""
        self.pinned[u, v] = self.pinned_any = pinned
        if self.last is None:
            return
        gains, tails, heads = self.last
        edge = int(np.flatnonzero((tails == u) & (heads == v))[0])
        if pinned or self.c.fixed[u, v]:
            removal = reversal = -np.inf
        else:  # as moves() computes them
            removal = self.delta[u, v]
            blocked = bool((self.adj[u] & self.reach.T[v]).any())
            reversal = -np.inf if blocked else removal + self.delta[v, u]
        gains[len(gains) - 2 * len(tails) + edge] = removal
        gains[len(gains) - len(tails) + edge] = reversal

    def moves(self, aspiration: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gain of every legal move, ``-inf`` if illegal, and the edges ``(tails, heads)``.

        The gains are flat, in :data:`KINDS` order: the ``d * d`` additions (row order), then a
        deletion and a reversal per current edge. The toggle columns already hold ``-inf`` for
        additions the constraints forbid (black/white lists, ``max_indegree``: see
        :meth:`rescore`), so only acyclicity is checked here: adding ``u -> v`` is legal when
        ``v`` does not reach ``u``; reversing ``u -> v`` when no other path leads from ``u`` to
        ``v`` (no child ``c`` of ``u`` reaches ``v``; ``c = v`` never does). With ``aspiration``
        set (tabu search), tabu moves are illegal unless they gain more than it (the standard
        aspiration criterion: a move to a new best score is always allowed). Without it, the
        result is kept until the DAG changes (the free climb of a perturbation trial starts where
        the pinned one stopped); callers must not modify it.
        """
        if aspiration is None and self.last is not None:
            return self.last
        adj, delta, into = self.adj, self.delta, self.reach.T
        tails, heads = np.nonzero(adj)
        removal = delta[tails, heads]
        reversal = removal + delta[heads, tails]
        reversal[(adj[tails] & into[heads]).any(axis=1)] = -np.inf
        if self.c.fixed_any or self.pinned_any:
            held = self.c.fixed[tails, heads] | self.pinned[tails, heads]
            removal[held] = -np.inf
            reversal[held] = -np.inf
        gains = np.concatenate([np.where(adj | into, -np.inf, delta).reshape(-1), removal, reversal])
        if aspiration is not None:
            tabu = np.concatenate([self.tabu[0].reshape(-1), self.tabu[1][tails, heads],
                                   self.tabu[2][tails, heads]]) > 0
            gains[tabu & (gains <= aspiration)] = -np.inf
        else:
            self.last = (gains, tails, heads)
        return gains, tails, heads

    def apply(self, kind: str, u: int, v: int) -> None:
        self.last = None
        if kind == "add":
            self.adj[u, v] = True
            into_u = self.reach[:, u].copy()
            into_u[u] = True
            from_v = self.reach[v, :].copy()
            from_v[v] = True
            self.reach |= into_u[:, None] & from_v[None, :]
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
    flat, tails, heads = state.moves(aspiration)
    top = float(flat.max())
    if not math.isfinite(top):
        return top, "", -1, -1
    near = flat >= top - tuning.STRUCTURE_TIE
    if rng is not None:  # break near-ties at random
        tied = np.flatnonzero(near)
        i = int(tied[int(rng.integers(len(tied)))])
    else:  # e.g. score-equivalent twins u -> v, v -> u: the first in (add, delete, reverse), row order
        i = int(np.argmax(near))
    d2 = len(state.adj) ** 2
    if i < d2:
        return top, "add", *divmod(i, len(state.adj))
    kind, edge = divmod(i - d2, len(tails))
    return top, KINDS[1 + kind], int(tails[edge]), int(heads[edge])


class _Budget:
    """Moves left under ``max_iter``, moves made so far, and the progress bar they advance."""

    def __init__(self, max_iter: int | None, bar: Any) -> None:
        self.left = math.inf if max_iter is None else max_iter
        self.bar = bar
        self.moves = 0

    def spend(self, score: float) -> None:
        self.left -= 1
        self.moves += 1
        if self.bar.enabled:
            self.bar.update()
            self.bar.note(f"score={score:.6g}")


def _climb(state: _State, budget: _Budget, rng: np.random.Generator | None,
           trace: list[float] | None = None, seen: set[bytes] | None = None) -> str:
    """Take improving moves until none is left; return why it stopped.

    ``"optimum"``: no move improves; ``"budget"``: ``max_iter`` ran out; ``"seen"``: it reached,
    or its next move would reach, a DAG in ``seen``, the DAGs earlier free climbs went through
    (added to as it goes), so it would go on to an optimum already reached.
    """
    if seen is not None:
        key = np.packbits(state.adj).tobytes()
        if key in seen:
            return "seen"
        seen.add(key)
    while budget.left > 0:
        gain, kind, u, v = _best(state, None, rng)
        if not np.isfinite(gain) or gain <= tuning.STRUCTURE_MIN_GAIN:
            return "optimum"
        if seen is not None:  # checked before the move: a DAG seen costs no rescoring
            after = state.adj.copy()
            after[u, v] = kind == "add"
            if kind == "reverse":
                after[v, u] = True
            key = np.packbits(after).tobytes()
            if key in seen:
                return "seen"
            seen.add(key)
        state.apply(kind, u, v)
        budget.spend(state.total)
        if trace is not None:
            trace.append(state.total)
    return "budget"


def _kicks(state: _State) -> list[tuple[float, str, int, int]]:
    """Perturbations of a local optimum, cheapest first: reverse one edge.

    (Deleting one edge as well doubled the trials and was never the accepted trial on the
    benchmark grid of benchmarks/structure.py.)
    """
    gains, tails, heads = state.moves(None)
    gain = gains[len(gains) - len(tails):]
    legal = np.flatnonzero(gain > -np.inf)
    return sorted((-g, "reverse", u, v) for g, u, v in zip(gain[legal].tolist(), tails[legal].tolist(),
                                                            heads[legal].tolist()))


def _perturb(state: _State, budget: _Budget, rng: np.random.Generator | None,
             seen: set[bytes], allowance: float) -> list[float]:
    """Escape a local optimum by iterated local search; return the scores of the accepted optima.

    One trial reverses an edge of the optimum, climbs with the edge pinned in its new direction,
    then climbs freely; the trial is kept if it ends on a better optimum, else undone. Trials go
    cheapest first. A rejected trial is not tried again unless an accepted one later changes the
    parents of one of its two ends ("don't look bits"). A trial is rejected early when its free
    climb reaches a DAG an earlier free climb went through (``seen``): from there it would climb
    to an optimum already reached (with ``rng``, ties could break otherwise; it is rejected all
    the same), e.g. when its first free move undoes the reversal. The phase stops when every
    trial has been rejected, after ``STRUCTURE_PERTURB_ROUNDS`` accepted ones, when ``max_iter``
    moves are spent (keeping the last accepted optimum), or before a trial once the trials have
    made ``allowance`` moves (the reversals included, accepted or not): a deterministic budget
    (the same DAG run to run), unlike a clock.
    """
    accepted: list[float] = []
    rejected: set[tuple[str, int, int]] = set()
    spent = 0
    while len(accepted) < tuning.STRUCTURE_PERTURB_ROUNDS:
        base = state.total
        for _, kind, u, v in _kicks(state):
            if (kind, u, v) in rejected:
                continue
            if budget.left <= 0 or spent >= allowance:
                return accepted
            snap, left, moves = state.snapshot(), budget.left, budget.moves
            state.apply(kind, u, v)
            budget.left -= 1
            state.pin(v, u, True)
            _climb(state, budget, rng)
            state.pin(v, u, False)
            ended = _climb(state, budget, rng, seen=seen)
            spent += 1 + budget.moves - moves
            if ended == "optimum" and state.total > base + tuning.STRUCTURE_MIN_GAIN:
                accepted.append(state.total)
                changed = set(np.flatnonzero((state.adj != snap[0]).any(axis=0)).tolist())
                rejected = {k for k in rejected if k[1] not in changed and k[2] not in changed}
                break
            state.restore(snap)
            budget.left = 0 if ended == "budget" else left
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
    with ``perturb``, escape that optimum by iterated local search, see :func:`_perturb`, whose
    trials may make ``STRUCTURE_PERTURB_WORK * ln(rows) * max(first climb's moves, variables)``
    moves). With
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
            seen: set[bytes] = set()
            if _climb(state, budget, rng, trace, seen) == "optimum" and perturb:
                allowance = (tuning.STRUCTURE_PERTURB_WORK * max(budget.moves, len(start))
                             * math.log(max(scorer.n, 2)))
                trace += _perturb(state, budget, rng, seen, allowance)
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
