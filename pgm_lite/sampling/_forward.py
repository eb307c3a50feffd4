"""Forward-sampling machinery shared by every sampler: per-model plans and vectorised draws.

Codes are laid out ``(n_variables, n_rows)`` here (one contiguous row per variable); the public
functions hand out ``(n_rows, n_variables)`` views.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from .. import tuning
from ..exceptions import MemoryLimitError

__all__ = ["check_sample_memory", "describe_evidence", "forward_chunked", "forward_codes", "forward_plan", "parent_rows", "to_frame"]

_PLANS: weakref.WeakKeyDictionary[Any, tuple[int, ForwardPlan]] = weakref.WeakKeyDictionary()  # model -> (version, plan)


def check_sample_memory(model: Any, n: int, itemsize: int, max_memory: int | None) -> None:
    """Refuse (MemoryLimitError) a sample whose codes would take more than ``max_memory`` bytes."""
    limit = tuning.SAMPLE_MAX_MEMORY if max_memory is None else max_memory
    need = n * len(model.variables) * itemsize
    if need > limit:
        raise MemoryLimitError(
            f"{n:,} rows of {len(model.variables)} variables need {need / 2**30:.3g} GiB of codes, "
            f"more than max_memory={limit / 2**30:.3g} GiB; draw fewer rows per call (in chunks), "
            "stream them to a file with `pgm-lite sample -o out.csv`, or raise max_memory"
        )


class ForwardPlan:
    """Per-model sampling plan: topological order, parent columns, strides and table rows."""

    def __init__(self, model):
        model.check()
        self.variables = model.variables
        column = {v: j for j, v in enumerate(self.variables)}
        self.cards = [len(model.states(v)) for v in self.variables]
        biggest = max(self.cards, default=2)
        self.dtype = np.int8 if biggest <= 127 else np.int16 if biggest <= 32767 else np.int32
        self.steps = []
        for v in model.topological_order():
            cpd = model.cpd(v)
            parents = [column[p] for p in cpd.parents]
            k = cpd.cardinality
            strides = [math.prod(cpd.parent_cardinalities[i + 1:]) for i in range(len(parents))]
            table = cpd.table.reshape(-1, k)
            cum = np.cumsum(table, axis=1)
            cum /= cum[:, -1:]  # guard rows summing to 1 - 1e-7 (bnlearn files)
            draw = cum[:, :-1].copy() if k <= tuning.SAMPLE_GUIDE_FROM else _guide_table(cum)
            self.steps.append((column[v], parents, strides, table, draw))


def forward_plan(model):
    cached = _PLANS.get(model)
    if cached is not None and cached[0] == model.version:
        return cached[1]
    plan = ForwardPlan(model)
    _PLANS[model] = (model.version, plan)
    return plan


def parent_rows(codes, parents, strides, n):
    """CPT row index of every sample (``ravel_multi_index`` of the parent codes, done by hand)."""
    if not parents:
        return np.zeros(n, dtype=np.intp)
    rows = codes[parents[0]].astype(np.intp)
    if strides[0] != 1:
        rows *= strides[0]
    for p, s in zip(parents[1:], strides[1:]):
        if s == 1:
            rows += codes[p]
        else:  # widen first: int8 codes times a stride would wrap around silently
            part = codes[p].astype(np.intp)
            part *= s
            rows += part
    return rows


def _guide_table(cum):
    """Guide table (Chen & Asau) for rows of many states: where to start the inverse-CDF search.

    ``guide[r, b]`` is the state holding the point ``b / k`` in row ``r``; a draw ``u`` starts at
    ``guide[r, floor(u * k)]`` and moves right while ``u >= cum[r, state]`` (about one step on
    average), giving exactly the state that :func:`_draw` would give.
    """
    k = cum.shape[1]
    grid = np.arange(k) / k
    guide = (cum[:, None, :-1] <= grid[None, :, None]).sum(axis=-1)
    bounds = cum.copy()
    bounds[:, -1] = 2.0  # sentinel: no u reaches it
    return bounds.reshape(-1), guide.reshape(-1).astype(np.intp), k


def _draw_guided(guided, rows, u, dtype):
    bounds, guide, k = guided
    base = rows * k
    bucket = (u * k).astype(np.intp)
    np.minimum(bucket, k - 1, out=bucket)
    state = guide[base + bucket]
    need = np.flatnonzero(u >= bounds[base + state])
    while need.size:
        state[need] += 1
        need = need[u[need] >= bounds[base[need] + state[need]]]
    return state.astype(dtype)


def _draw(cum, rows, u, dtype):
    """Inverse-CDF draw: the state is the number of cumulative bounds at or below ``u``."""
    if cum.shape[1] == 1:  # binary: one comparison
        return (u >= (cum[rows, 0] if cum.shape[0] > 1 else cum[0, 0])).astype(dtype)
    if cum.shape[0] == 1:
        return (u[:, None] >= cum[0]).sum(axis=1, dtype=dtype)
    return (u[:, None] >= cum[rows]).sum(axis=1, dtype=dtype)


def forward_codes(plan, n, rng, clamp=None, *, steps=None, codes=None):
    """Return ``(codes (d, n), weights or None)``; ``clamp`` {column: code} gives likelihood weighting.

    ``steps`` (a parents-first subset of ``plan.steps``) and ``codes`` (already holding the
    parents of those steps) let rejection sampling draw in two stages.
    """
    if codes is None:
        codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.ones(n)
    for j, parents, strides, table, cum in plan.steps if steps is None else steps:
        rows = parent_rows(codes, parents, strides, n)
        if clamp is not None and j in clamp:
            codes[j] = clamp[j]
            weights *= table[rows, clamp[j]]
            continue
        draw = _draw if isinstance(cum, np.ndarray) else _draw_guided
        codes[j] = draw(cum, rows, rng.random(n), plan.dtype)
    return codes, weights


def forward_chunked(plan, n, rng, clamp=None):
    """Like :func:`forward_codes`, in chunks of ``tuning.SAMPLE_CHUNK`` rows whose temporaries stay in cache."""
    if n <= tuning.SAMPLE_CHUNK:
        return forward_codes(plan, n, rng, clamp)
    codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.empty(n)
    for start in range(0, n, tuning.SAMPLE_CHUNK):
        stop = min(n, start + tuning.SAMPLE_CHUNK)
        _, w = forward_codes(plan, stop - start, rng, clamp, codes=codes[:, start:stop])
        if w is not None and weights is not None:
            weights[start:stop] = w
    return codes, weights


def to_frame(model, codes, weights=None):
    """DataFrame of Categorical columns (state names) from ``codes`` of shape (d, n)."""
    import pandas as pd

    columns = {
        v: pd.Categorical.from_codes(codes[j], categories=list(model.states(v)), validate=False)
        for j, v in enumerate(model.variables)
    }
    if weights is not None:
        columns["_weight"] = weights
    return pd.DataFrame(columns, copy=False)


def describe_evidence(model, evidence):
    return "{" + ", ".join(f"{v}={model.states(v)[c]}" for v, c in evidence.items()) + "}"


