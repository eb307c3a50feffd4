"""Sampling: forward (ancestral), rejection and likelihood weighting, plus approximate queries.

Every sampler works on integer codes, one contiguous row of codes per variable, in the smallest
integer dtype that holds the largest cardinality; state names are applied only at the end, as
pandas Categorical columns. Gibbs sampling (Bayesian and Markov networks) lives in
:mod:`pgm_lite.gibbs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._dask import dask_engine_name
from .._model import GraphicalModel, check_model, engine
from .._typing import RNGLike
from .._validate import as_evidence_dict, check_int, check_option, check_rng, check_variables
from ..exceptions import PGMError, StructureError, ZeroEvidenceError
from ..factor import DiscreteFactor
from ._forward import (
    check_sample_memory,
    describe_evidence,
    forward_chunked,
    forward_codes,
    forward_plan,
    to_frame,
)
from .gibbs import gibbs_sample

__all__ = ["sample", "approximate_query"]

METHODS = ("forward", "rejection", "likelihood", "gibbs")


def _check_method(method, choices=METHODS):
    return check_option("method", method, choices, what="sampling method")


def sample(model: GraphicalModel, n_samples: int, *, rng: RNGLike = None,
           evidence: Mapping[str, Any] | None = None, method: str = "forward",
           as_codes: bool = False, max_draws: int | None = None,
           max_memory: int | None = None, chunks: int | None = None,
           progress: bool | None = None) -> Any:
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
    max_memory : int, optional
        Bytes the codes of the sample may take (default ``tuning.SAMPLE_MAX_MEMORY``, 8 GiB);
        larger requests raise MemoryLimitError before anything is allocated.
    chunks : int, optional
        Return a Dask DataFrame of partitions of ``chunks`` rows, each drawn with its own
        ``SeedSequence(rng).spawn`` stream (reproducible for the same ``rng`` and ``chunks``;
        needs the ``[dask]`` extra; see :mod:`pgm_lite.distributed`).
    progress : bool or None, optional
        Forward and likelihood-weighted draws of more than ``tuning.SAMPLE_CHUNK`` rows show a
        progress bar on stderr: ``None`` (default) only when stderr is a terminal, ``True``
        always, ``False`` never.

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
    The topological order, parent strides and guide tables are computed once per model (and
    again after it changes). Per variable, the parent codes of all samples and one random byte
    per sample index a table of 256 buckets per CPT row; only samples whose bucket holds a state
    boundary draw a uniform double to settle between the states of that bucket. The states are
    distributed exactly as with one uniform double per draw (inverse CDF), whatever the number of
    states. Seeded samples are reproducible for the same ``rng``, ``n_samples`` and version of
    pgm_lite (the byte-guided draws of this version give other rows than earlier versions).

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
    if chunks is not None:
        return engine(dask_engine_name("sample"))(model, n_samples, chunks=chunks, rng=rng, evidence=evidence,
                                                   method=method, max_draws=max_draws)
    check_model(model)
    n = check_int("n_samples", n_samples, minimum=1)
    _check_method(method)
    if evidence is not None and evidence.__class__ is not dict:
        evidence = as_evidence_dict(evidence)
    if method == "gibbs":
        return gibbs_sample(model, n, evidence=evidence, rng=rng, as_codes=as_codes)
    if not model.is_directed:
        raise StructureError(
            f"method={method!r} needs a Bayesian network (ancestral order); for a Markov network "
            "use method='gibbs' or pl.gibbs_sample"
        )
    rng = check_rng(rng)
    evidence = model.encode_evidence(evidence)
    plan = forward_plan(model)
    check_sample_memory(model, n, np.dtype(plan.dtype).itemsize, max_memory)
    column = {v: j for j, v in enumerate(plan.variables)}
    clamp = {column[v]: c for v, c in evidence.items()}
    weights = None
    if method == "forward":
        if evidence:
            raise PGMError(
                "forward sampling ignores evidence; use method='rejection', 'likelihood' or 'gibbs'"
            )
        codes, _ = forward_chunked(plan, n, rng, progress=progress)
    elif method == "likelihood":
        codes, weights = forward_chunked(plan, n, rng, clamp, progress=progress)
        if weights is None or not weights.any():
            raise ZeroEvidenceError(
                f"every one of {n} likelihood-weighted samples has weight 0: the evidence "
                f"{describe_evidence(model, evidence)} is impossible (or extremely unlikely) under the model"
            )
    else:
        codes = _rejection_codes(model, plan, n, rng, clamp, evidence, max_draws)
    if as_codes:
        codes = codes.T  # a view: columns stay contiguous, nothing is copied
        return (codes, weights) if weights is not None else codes
    return to_frame(model, codes, weights)


def _rejection_codes(model, plan, n, rng, clamp, evidence, max_draws):
    """Forward-sample in batches and keep the rows matching ``clamp``; refuse hopeless requests."""
    if max_draws is None:
        max_draws = max(10 * n, 50_000_000 // max(len(plan.variables), 1))
    max_draws = check_int("max_draws", max_draws, minimum=1)
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
        codes, _ = forward_codes(plan, batch, rng, steps=first)
        drawn += batch
        match = np.ones(batch, dtype=bool)
        for j, c in clamp.items():
            match &= codes[j] == c
        if match.any():
            kept.append(codes[:, match])
            n_kept += int(match.sum())
        if n_kept >= n:
            break
        what = describe_evidence(model, evidence)
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
    return forward_codes(plan, n, rng, steps=rest, codes=codes)[0]


def approximate_query(model: GraphicalModel, variables: str | Sequence[str],
                      evidence: Mapping[str, Any] | None = None, *, method: str = "likelihood",
                      n_samples: int = 100_000, rng: RNGLike = None,
                      **options: Any) -> DiscreteFactor:
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
    return DiscreteFactor.from_validated(variables, values, {v: model.states(v) for v in variables})
