"""Sampling: forward (ancestral), rejection and likelihood weighting, plus approximate queries.

Every sampler works on integer codes, one contiguous row of codes per variable, in the smallest
integer dtype that holds the largest cardinality; state names are applied only at the end, as
pandas Categorical columns. Gibbs sampling (Bayesian and Markov networks) lives in
:mod:`pgm_lite.gibbs`.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from ._checks import check_variables, format_choices
from .exceptions import PGMError, StructureError, ZeroEvidenceError
from .factor import DiscreteFactor

__all__ = ["sample", "approximate_query"]

METHODS = ("forward", "rejection", "likelihood", "gibbs")
_PLANS = weakref.WeakKeyDictionary()  # model -> (model._version, _Plan)
_GUIDE_FROM = 2  # variables with more states than this draw through a guide table
_CHUNK = 100_000  # rows per forward pass (2x faster than one pass for a million rows)


class _Plan:
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
            draw = cum[:, :-1].copy() if k <= _GUIDE_FROM else _guide_table(cum)
            self.steps.append((column[v], parents, strides, table, draw))


def _plan(model):
    cached = _PLANS.get(model)
    if cached is not None and cached[0] == model._version:
        return cached[1]
    plan = _Plan(model)
    _PLANS[model] = (model._version, plan)
    return plan


def _rows(codes, parents, strides, n):
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


def _forward_codes(plan, n, rng, clamp=None, *, steps=None, codes=None):
    """Return ``(codes (d, n), weights or None)``; ``clamp`` {column: code} gives likelihood weighting.

    ``steps`` (a parents-first subset of ``plan.steps``) and ``codes`` (already holding the
    parents of those steps) let rejection sampling draw in two stages.
    """
    if codes is None:
        codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.ones(n)
    for j, parents, strides, table, cum in plan.steps if steps is None else steps:
        rows = _rows(codes, parents, strides, n)
        if clamp is not None and j in clamp:
            codes[j] = clamp[j]
            weights *= table[rows, clamp[j]]
            continue
        draw = _draw if isinstance(cum, np.ndarray) else _draw_guided
        codes[j] = draw(cum, rows, rng.random(n), plan.dtype)
    return codes, weights


def _forward_chunked(plan, n, rng, clamp=None):
    """Like :func:`_forward_codes`, in chunks of ``_CHUNK`` rows whose temporaries stay in cache."""
    if n <= _CHUNK:
        return _forward_codes(plan, n, rng, clamp)
    codes = np.empty((len(plan.variables), n), dtype=plan.dtype)
    weights = None if clamp is None else np.empty(n)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        _, w = _forward_codes(plan, stop - start, rng, clamp, codes=codes[:, start:stop])
        if w is not None:
            weights[start:stop] = w
    return codes, weights


def _check_n(n_samples):
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise TypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples <= 0:
        raise PGMError(f"n_samples must be a positive integer, got {n_samples}")
    return int(n_samples)


def _check_method(method, choices=METHODS):
    if method not in choices:
        raise PGMError(f"unknown sampling method {method!r}; choose from {format_choices(choices)}")


def _is_bayesian(model):
    return hasattr(model, "cpds")


def _to_frame(model, codes, weights=None):
    """DataFrame of Categorical columns (state names) from ``codes`` of shape (d, n)."""
    import pandas as pd

    columns = {
        v: pd.Categorical.from_codes(codes[j], categories=list(model.states(v)), validate=False)
        for j, v in enumerate(model.variables)
    }
    if weights is not None:
        columns["_weight"] = weights
    return pd.DataFrame(columns, copy=False)


def sample(model, n_samples, *, rng=None, evidence=None, method="forward", as_codes=False,
           max_draws=None):
    """Draw samples from a Bayesian network (or a Markov network with ``method="gibbs"``).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    n_samples : int
        Number of rows, at least 1.
    rng : int, numpy.random.Generator or None, optional
        Seed or generator (the global numpy seed is never used).
    evidence : dict, optional
        ``{variable: state}`` to condition on (needs ``method`` rejection, likelihood or gibbs).
    method : {"forward", "rejection", "likelihood", "gibbs"}, optional
        ``"forward"``: ancestral sampling, no evidence. ``"rejection"``: forward samples in
        batches, keeping those that match the evidence (only the evidence and its ancestors are
        drawn before the test; the other variables are drawn for the accepted rows). ``"likelihood"``: likelihood weighting;
        evidence variables are clamped and each row gets a weight ``_weight``. ``"gibbs"``: see
        :func:`pgm_lite.gibbs_sample` (default burn-in).
    as_codes : bool, optional
        Return the ``(n_samples, n_variables)`` integer array of state codes instead of a
        DataFrame (for ``"likelihood"``: a tuple ``(codes, weights)``).
    max_draws : int, optional
        Rejection sampling gives up (with an error estimating P(evidence)) when it would need more
        forward draws than this; default ``max(10 * n_samples, 50_000_000 // n_variables)``.

    Returns
    -------
    pandas.DataFrame or ndarray
        One Categorical column per variable in ``model.variables`` order (plus ``_weight``).
        Codes use the smallest integer dtype that fits (int8 up to 127 states), so a million
        rows of munin (1041 variables) take about 1 GB; the DataFrame shares that memory.

    Raises
    ------
    PGMError
        If ``n_samples`` is not positive, the method is unknown, forward sampling is given
        evidence, or rejection sampling would need more than ``max_draws`` draws.
    VariableNotFoundError
        If an evidence variable or state is unknown.
    ZeroEvidenceError
        If no sample is consistent with the evidence (every weight zero, or no draw accepted).

    Notes
    -----
    The topological order, parent strides and cumulative CPT rows are computed once per model
    (and again after it changes). Per variable, the parent codes of all samples become CPT row
    indices and one uniform draw per sample is compared with the cumulative row; variables with
    more than two states start that search from a guide table, so a draw costs about two
    look-ups whatever the number of states.

    Examples
    --------
    >>> bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("rain", [0.8, 0.2]),
    ...                               pl.TabularCPD("wet", [[0.9, 0.1], [0.2, 0.8]], ["rain"])])
    >>> df = pl.sample(bn, 5, rng=0)
    >>> list(df.columns), df.shape, str(df["wet"].dtype)
    (['rain', 'wet'], (5, 2), 'category')
    >>> pl.sample(bn, 3, rng=0, as_codes=True).shape
    (3, 2)
    >>> lw = pl.sample(bn, 4, rng=1, evidence={"wet": "1"}, method="likelihood")
    >>> sorted(set(lw["_weight"].round(1)))
    [0.1, 0.8]
    """
    n = _check_n(n_samples)
    _check_method(method)
    if method == "gibbs":
        from .gibbs import gibbs_sample

        return gibbs_sample(model, n, evidence=evidence, rng=rng, as_codes=as_codes)
    if not _is_bayesian(model):
        raise StructureError(
            f"method={method!r} needs a Bayesian network (ancestral order); for a Markov network "
            "use method='gibbs' or pl.gibbs_sample"
        )
    rng = np.random.default_rng(rng)
    evidence = model.encode_evidence(evidence)
    plan = _plan(model)
    column = {v: j for j, v in enumerate(plan.variables)}
    clamp = {column[v]: c for v, c in evidence.items()}
    weights = None
    if method == "forward":
        if evidence:
            raise PGMError(
                "forward sampling ignores evidence; use method='rejection', 'likelihood' or 'gibbs'"
            )
        codes, _ = _forward_chunked(plan, n, rng)
    elif method == "likelihood":
        codes, weights = _forward_chunked(plan, n, rng, clamp)
        if not weights.any():
            raise ZeroEvidenceError(
                f"every one of {n} likelihood-weighted samples has weight 0: the evidence "
                f"{_describe(model, evidence)} is impossible (or extremely unlikely) under the model"
            )
    else:
        codes = _rejection_codes(model, plan, n, rng, clamp, evidence, max_draws)
    if as_codes:
        codes = codes.T  # a view: columns stay contiguous, nothing is copied
        return (codes, weights) if weights is not None else codes
    return _to_frame(model, codes, weights)


def _describe(model, evidence):
    return "{" + ", ".join(f"{v}={model.states(v)[c]}" for v, c in evidence.items()) + "}"


def _rejection_codes(model, plan, n, rng, clamp, evidence, max_draws):
    """Forward-sample in batches and keep the rows matching ``clamp``; refuse hopeless requests."""
    if max_draws is None:
        max_draws = max(10 * n, 50_000_000 // max(len(plan.variables), 1))
    max_draws = int(max_draws)
    # stage 1 draws only the evidence and its ancestors; stage 2 completes the accepted rows
    parents_of = {step[0]: step[1] for step in plan.steps}
    needed_cols, stack = set(), list(clamp)
    while stack:
        j = stack.pop()
        if j not in needed_cols:
            needed_cols.add(j)
            stack.extend(parents_of[j])
    first = [step for step in plan.steps if step[0] in needed_cols]
    rest = [step for step in plan.steps if step[0] not in needed_cols]
    kept, n_kept, drawn = [], 0, 0
    batch = min(max(n, 1000), max_draws)
    while True:
        codes, _ = _forward_codes(plan, batch, rng, steps=first)
        drawn += batch
        match = np.ones(batch, dtype=bool)
        for j, c in clamp.items():
            match &= codes[j] == c
        if match.any():
            kept.append(codes[:, match])
            n_kept += int(match.sum())
        if n_kept >= n:
            break
        what = _describe(model, evidence)
        if n_kept == 0:
            if drawn >= max_draws:
                raise ZeroEvidenceError(
                    f"rejection sampling accepted none of {drawn:,} draws: P(evidence {what}) is "
                    f"below about {3 / drawn:.2g} or zero; use method='likelihood' (likelihood "
                    "weighting) or 'gibbs', or check the evidence"
                )
            batch = min(10 * drawn, max_draws - drawn, 2_000_000)
            continue
        rate = n_kept / drawn
        needed = (n - n_kept) / rate
        if drawn + needed > max_draws:
            raise PGMError(
                f"rejection sampling accepted {n_kept:,} of {drawn:,} draws (estimated P(evidence "
                f"{what}) = {rate:.3g}); {n:,} samples would need about {n / rate:,.0f} draws, more "
                f"than max_draws={max_draws:,}; use method='likelihood' (likelihood weighting) or 'gibbs'"
            )
        batch = int(min(max(needed * 1.1 + 100, 1000), max_draws - drawn, 2_000_000))
    codes = np.ascontiguousarray(np.concatenate(kept, axis=1)[:, :n])
    return _forward_codes(plan, n, rng, steps=rest, codes=codes)[0]


def approximate_query(model, variables, evidence=None, *, method="likelihood", n_samples=100_000,
                      rng=None, **options):
    """Estimate ``P(variables | evidence)`` from samples, for networks exact inference refuses.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model (Markov networks need ``method="gibbs"``).
    variables : str or sequence of str
        Query variables (a joint over all of them is returned).
    evidence : dict, optional
        ``{variable: state}``.
    method : {"likelihood", "rejection", "gibbs"}, optional
        The sampler (see :func:`sample` and :func:`pgm_lite.gibbs_sample`).
    n_samples : int, optional
        Number of samples.
    rng : int, numpy.random.Generator or None, optional
        Seed or generator.
    **options
        Passed to the sampler (``max_draws``; ``burn_in``, ``thin``, ``n_chains`` for Gibbs).

    Returns
    -------
    DiscreteFactor
        Normalised estimate over ``variables`` in the given order.

    Raises
    ------
    VariableNotFoundError
        Unknown query or evidence variable or state.
    PGMError
        A query variable is also evidence, or an unknown method.
    ZeroEvidenceError
        If no sample is consistent with the evidence.

    Examples
    --------
    >>> bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("rain", [0.8, 0.2]),
    ...                               pl.TabularCPD("wet", [[0.9, 0.1], [0.2, 0.8]], ["rain"])])
    >>> f = pl.approximate_query(bn, ["rain"], {"wet": "1"}, n_samples=200_000, rng=0)
    >>> f.variables, np.round(f.values, 1)      # exact: [0.333, 0.667]
    (('rain',), array([0.3, 0.7]))
    """
    variables = check_variables(variables, dict.fromkeys(model.variables))
    evidence = dict(evidence or {})
    both = [v for v in variables if v in evidence]
    if both:
        raise PGMError(f"variable(s) {both} are both queried and observed")
    _check_method(method, ("likelihood", "rejection", "gibbs"))
    if method == "gibbs":
        from .gibbs import gibbs_sample

        result = gibbs_sample(model, n_samples, evidence=evidence, rng=rng, as_codes=True, **options)
    else:
        result = sample(model, n_samples, rng=rng, evidence=evidence, method=method,
                        as_codes=True, **options)
    codes, weights = result if method == "likelihood" else (result, None)
    column = {v: j for j, v in enumerate(model.variables)}
    shape = tuple(len(model.states(v)) for v in variables)
    index = np.ravel_multi_index(tuple(codes[:, column[v]].astype(np.intp) for v in variables), shape)
    counts = np.bincount(index, weights=weights, minlength=math.prod(shape)).astype(float)
    values = (counts / counts.sum()).reshape(shape)
    return DiscreteFactor._from_parts(variables, values, {v: model.states(v) for v in variables})
