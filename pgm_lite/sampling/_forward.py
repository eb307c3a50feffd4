"""Forward-sampling machinery shared by every sampler: per-model plans and vectorised draws.

Codes are laid out ``(n_variables, n_rows)`` here (one contiguous row per variable); the public
functions hand out ``(n_rows, n_variables)`` views.

A draw is an inverse-CDF draw made cheap by a guide table: one random *byte* per sample picks one
of ``G = 2**bits`` (256) equal buckets of [0, 1) in its CPT row, and ``guide[row * G + bucket]``
is the state holding that whole bucket. The few buckets that hold a state boundary (at most
``k - 1`` of the ``G`` in a row) are stored as ``-1 - first state``; only their samples draw a
uniform ``u = (bucket + v) / G`` (``v`` a fresh double) and step right past the cumulative bounds
below ``u``. The state is distributed exactly as with one double per draw, at an eighth of the
random bits and one gather per sample.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from .._data import code_dtype
from ..exceptions import MemoryLimitError
from ..inference._coded import compiled
from ..progress import progress_bar

__all__ = ["ForwardPlan", "Step", "check_sample_memory", "describe_evidence", "forward_chunked",
           "forward_codes", "forward_plan", "parent_rows", "random_bytes", "to_frame"]

_PLAN_KEY = ("forward_plan",)  # in the per-model cache (``inference._coded``), rebuilt on every change
# bit generators whose raw outputs are 64 uniform bits (MT19937 gives 32 bits per output)
_RAW64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64, np.random.Philox)


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


class Step(NamedTuple):
    """How one variable is drawn: its column, its parents and the tables of its CPD."""

    column: int
    parents: list[int]
    strides: list[int]      # parent code -> CPT row index
    table: np.ndarray       # (rows, k) probabilities (likelihood weights)
    bits: int               # log2 of the buckets per row
    guide: np.ndarray       # (rows << bits,) state of each bucket, -1 - first state if mixed
    scaled: list[int]       # strides << bits: parent code -> guide index
    bounds: np.ndarray      # (rows * k,) cumulative bounds, sentinel 2.0 in each row's last slot


def _guide(cum: np.ndarray, bits: int, dtype: Any) -> np.ndarray:
    """Bucket table of cumulative rows ``cum`` (rows, k): see the module docstring.

    Bucket ``b`` of a row covers ``[b / G, (b + 1) / G)``; its first state is the number of bounds
    at or below ``b / G`` (a bound ``c`` is at or below it from bucket ``ceil(c G)`` on), and it is
    mixed when a bound lies strictly inside it (bucket ``floor(c G)`` for a ``c G`` not integer).
    ``c * G`` is exact: ``G`` is a power of two.
    """
    rows, g = cum.shape[0], 1 << bits
    scaled = cum[:, :-1] * g
    row = np.repeat(np.arange(rows, dtype=np.intp) * (g + 1), scaled.shape[1])
    first = np.ceil(scaled).astype(np.intp).reshape(-1) + row
    start = np.bincount(first, minlength=rows * (g + 1)).reshape(rows, g + 1)
    guide = np.cumsum(start[:, :g], axis=1).astype(dtype).reshape(-1)
    inside = (scaled != np.floor(scaled)).reshape(-1)
    mixed = (np.floor(scaled).astype(np.intp).reshape(-1) + row // (g + 1) * g)[inside]
    guide[mixed] = -1 - guide[mixed]
    return guide


class ForwardPlan:
    """Per-model sampling plan: topological order, parent columns, strides and guide tables."""

    def __init__(self, model: Any) -> None:
        model.check()
        self.variables = model.variables
        column = {v: j for j, v in enumerate(self.variables)}
        self.cards = [len(model.states(v)) for v in self.variables]
        self.dtype = code_dtype(max(self.cards, default=2))
        self.steps: list[Step] = []
        for v in model.topological_order():
            cpd = model.cpd(v)
            parents = [column[p] for p in cpd.parents]
            strides = [math.prod(cpd.parent_cardinalities[i + 1:]) for i in range(len(parents))]
            table = cpd.table.reshape(-1, cpd.cardinality)
            cum = np.cumsum(table, axis=1)
            cum /= cum[:, -1:]  # guard rows summing to 1 - 1e-7 (bnlearn files)
            bits = max(0, min(8, int(math.log2(max(tuning.SAMPLE_GUIDE_CELLS // len(table), 1)))))
            bounds = cum.copy()
            bounds[:, -1] = 2.0  # sentinel: no u reaches it
            self.steps.append(Step(column[v], parents, strides, table, bits,
                                   _guide(cum, bits, self.dtype), [s << bits for s in strides],
                                   bounds.reshape(-1)))
        # guide indices in int32 halve the memory traffic of the index arithmetic (bench: 1.4x)
        largest = max((len(step.guide) for step in self.steps), default=0)
        self.cell_dtype = np.int32 if largest < 2**31 else np.intp


def forward_plan(model: Any) -> ForwardPlan:
    """Return the model's :class:`ForwardPlan`, kept in the model's one cache until it changes."""
    c = compiled(model)
    plan = c.extra.get(_PLAN_KEY)
    if plan is None:
        plan = c.extra[_PLAN_KEY] = ForwardPlan(model)
    return plan


def parent_rows(codes: np.ndarray, parents: list[int], strides: list[int], n: int) -> np.ndarray:
    """CPT row index of every sample (``ravel_multi_index`` of the parent codes, done by hand)."""
    if not parents:
        return np.zeros(n, dtype=np.intp)
    rows = np.multiply(codes[parents[0]], strides[0], dtype=np.intp)
    part = np.empty_like(rows) if len(parents) > 1 else rows
    for p, s in zip(parents[1:], strides[1:]):  # widened first: int8 codes times a stride would wrap
        rows += np.multiply(codes[p], s, out=part, dtype=np.intp)
    return rows


def random_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` independent uniform bytes (eight per raw 64-bit output when the generator has them)."""
    if type(rng.bit_generator) in _RAW64:
        return rng.bit_generator.random_raw(-(-n // 8)).view(np.uint8)[:n]
    return rng.integers(0, 256, n, dtype=np.uint8)


def _settle(step: Step, cells: np.ndarray, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """States of the samples that fell in mixed buckets ``cells`` (first states ``first``)."""
    g = 1 << step.bits
    k = step.table.shape[1]
    u = (cells & (g - 1)) + rng.random(cells.size)
    u *= 1.0 / g
    base = (cells >> step.bits) * k
    state = first.astype(np.intp)
    need = np.flatnonzero(u >= step.bounds[base + state])
    while need.size:
        state[need] += 1
        need = need[u[need] >= step.bounds[base[need] + state[need]]]
    return state


def _draw(step: Step, codes: np.ndarray, n: int, rng: np.random.Generator,
          work: tuple[np.ndarray, np.ndarray]) -> None:
    """Draw ``codes[step.column]`` given the codes of its parents (all ``n`` samples)."""
    bucket = random_bytes(rng, n)
    if step.bits < 8:
        np.right_shift(bucket, 8 - step.bits, out=bucket)
    cell: np.ndarray = bucket
    if step.parents:
        cell, part = work
        np.multiply(codes[step.parents[0]], step.scaled[0], out=cell, dtype=cell.dtype)
        for p, s in zip(step.parents[1:], step.scaled[1:]):
            cell += np.multiply(codes[p], s, out=part, dtype=cell.dtype)
        cell += bucket
    out = codes[step.column]
    np.take(step.guide, cell, out=out, mode="clip")  # "raise" would buffer out
    mixed = np.flatnonzero(out < 0)
    if mixed.size:
        out[mixed] = _settle(step, cell[mixed].astype(np.intp), -1 - out[mixed], rng)


def forward_codes(plan: ForwardPlan, n: int, rng: np.random.Generator,
                  clamp: dict[int, int] | None = None, *, steps: list[Step] | None = None,
                  codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return ``(codes (d, n), weights or None)``; ``clamp`` {column: code} gives likelihood weighting.

    ``steps`` (a parents-first subset of ``plan.steps``) and ``codes`` (already holding the
    parents of those steps) let rejection sampling draw in two stages.
    """
    if codes is None:
        codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.ones(n)
    work = (np.empty(n, dtype=plan.cell_dtype), np.empty(n, dtype=plan.cell_dtype))
    for step in plan.steps if steps is None else steps:
        if clamp is not None and weights is not None and step.column in clamp:
            c = clamp[step.column]
            codes[step.column] = c
            weights *= step.table[:, c][parent_rows(codes, step.parents, step.strides, n)]
            continue
        _draw(step, codes, n, rng, work)
    return codes, weights


def forward_chunked(plan: ForwardPlan, n: int, rng: np.random.Generator,
                    clamp: dict[int, int] | None = None,
                    progress: bool | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Like :func:`forward_codes`, in chunks of ``tuning.SAMPLE_CHUNK`` rows whose temporaries stay in cache.

    More than one chunk shows the progress indicator (``progress``: see :func:`pgm_lite.progress.progress_bar`).
    """
    if n <= tuning.SAMPLE_CHUNK:
        return forward_codes(plan, n, rng, clamp)
    codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.empty(n)
    with progress_bar(n, desc="sampling", progress=progress, unit="rows") as bar:
        for start in range(0, n, tuning.SAMPLE_CHUNK):
            stop = min(n, start + tuning.SAMPLE_CHUNK)
            _, w = forward_codes(plan, stop - start, rng, clamp, codes=codes[:, start:stop])
            if w is not None and weights is not None:
                weights[start:stop] = w
            bar.update(stop - start)
    return codes, weights


def to_frame(model: Any, codes: np.ndarray, weights: np.ndarray | None = None) -> Any:
    """DataFrame of Categorical columns (state names) from ``codes`` of shape (d, n)."""
    import pandas as pd

    columns = {
        v: pd.Categorical.from_codes(codes[j], categories=list(model.states(v)), validate=False)
        for j, v in enumerate(model.variables)
    }
    if weights is not None:
        columns["_weight"] = weights
    return pd.DataFrame(columns, copy=False)


def describe_evidence(model: Any, evidence: dict[str, int]) -> str:
    """``{var=state, ...}`` for error messages."""
    return "{" + ", ".join(f"{v}={model.states(v)[c]}" for v, c in evidence.items()) + "}"
