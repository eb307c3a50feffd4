"""Row-parallel work on Dask: predict, compiled queries, fit, log-likelihood and sampling.

Importing this module never imports Dask. It registers (``register_engine``) the Dask
implementations that the public functions call when they are handed a Dask collection:
``pl.predict(model, ddf)``, ``pl.compile_query(...)(ddf)``, ``pl.fit(model, ddf)``,
``pl.log_likelihood(model, ddf)`` and ``pl.sample(model, n, chunks=...)``. Each partition runs
the same in-memory code; fitting and the log-likelihood of complete rows add up per-partition
counts, so they equal the in-memory results exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._dask import dask_engine_name
from ._data import MISSING, encode_columns
from ._model import GraphicalModel, register_engine
from ._validate import check_int
from .bayesian_network import BayesianNetwork
from .exceptions import MissingDependencyError, PGMError
from .inference import BatchPosterior, CompiledQuery
from .learning import log_likelihood
from .learning._counts import (
    build_network,
    check_fit_options,
    count_all,
    families_of,
    tables_from_counts,
)
from .prediction import predict_codes, prediction_frame
from .sampling import sample

__all__ = ["dask_fit", "dask_log_likelihood", "dask_predict", "dask_query", "dask_sample"]


def _dask() -> Any:
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as err:  # pragma: no cover - only without the [dask] extra
        raise MissingDependencyError("Dask support needs the [dask] extra: pip install 'pgm_lite[dask]'") from err
    return dask, dd


# -- predict and compiled queries -------------------------------------------------------------------

def _predict_partition(part: Any, model: GraphicalModel, variables: list[str] | None,
                       impute: list[str] | None, kind: str, zero: str) -> Any:
    targets, post = predict_codes(model, part, variables, impute=impute, zero=zero)
    return _flat(prediction_frame(model, targets, post, part.index, kind))


def _flat(frame: Any) -> Any:
    """Dask has no two-level columns: ``(variable, state)`` becomes ``"variable=state"``."""
    if frame.columns.nlevels == 2:
        frame.columns = [f"{v}={s}" for v, s in frame.columns]
    return frame


def dask_predict(model: GraphicalModel, ddf: Any, variables: str | Sequence[str] | None = None, *,
                 kind: str = "map", zero: str = "raise") -> Any:
    """Run :func:`pgm_lite.predict` on every partition of a Dask DataFrame (lazily).

    With ``variables=None`` the targets are found first (one pass: which columns have missing
    cells anywhere). ``kind="proba"`` columns are named ``"variable=state"``.
    """
    import pandas as pd

    _dask()
    targets = None if variables is None else [variables] if isinstance(variables, str) else list(variables)
    impute = None
    if targets is None:
        columns = [str(c) for c in ddf.columns]
        holes = ddf.isna().any().compute()
        incomplete = {str(c) for c, v in holes.items() if v}
        impute = [v for v in model.variables if v not in columns or v in incomplete]
        if not impute:
            raise PGMError("nothing to predict: every variable is observed in every row; "
                           "pass variables=[...] to name the targets")
    empty = [np.empty((0, model.cardinality(t))) for t in (targets or impute or [])]
    meta = _flat(prediction_frame(model, targets or impute or [], empty, pd.RangeIndex(0), kind))
    return ddf.map_partitions(_predict_partition, model, targets, impute, kind, zero, meta=meta)


def _query_partition(part: Any, query: CompiledQuery, zero: str) -> Any:
    import pandas as pd

    post, p_e = query(part, zero=zero)
    return pd.DataFrame(np.column_stack([post, p_e]), index=part.index)


def dask_query(query: CompiledQuery, ddf: Any, *, zero: str = "raise") -> BatchPosterior:
    """Run a compiled query on every partition; return a BatchPosterior of Dask arrays."""
    import pandas as pd

    _dask()
    width = len(query.states) + 1
    meta = pd.DataFrame(np.empty((0, width)), columns=pd.RangeIndex(width))
    both = ddf.map_partitions(_query_partition, query, zero, meta=meta).to_dask_array(lengths=True)
    return BatchPosterior(both[:, :-1], both[:, -1])


# -- fit and log-likelihood: map-reduce of counts ------------------------------------------------------

def _partition_counts(part: Any, model: BayesianNetwork, allow_missing: bool) -> tuple[list[np.ndarray], float]:
    """Return the counts per family of the complete rows and the log-likelihood of the others."""
    codes = encode_columns(model, part, allow_missing=allow_missing, allow_empty=True)
    complete = (codes != MISSING).all(axis=0)
    counts = count_all(families_of(model), codes[:, complete] if not complete.all() else codes)
    rest = 0.0 if complete.all() else float(log_likelihood(model, part[~complete]))
    return counts, rest


def _reduce_counts(model: BayesianNetwork, ddf: Any, allow_missing: bool) -> tuple[list[np.ndarray], float]:
    dask, _ = _dask()
    parts = [dask.delayed(_partition_counts)(p, model, allow_missing) for p in ddf.to_delayed()]
    results = dask.compute(*parts)
    if not results:
        raise PGMError("the Dask DataFrame has no partitions")
    counts = [sum(r[0][i] for r in results) for i in range(len(results[0][0]))]
    return counts, sum(r[1] for r in results)


def dask_fit(model: BayesianNetwork, ddf: Any, *, method: str = "mle", pseudo_count: float = 1.0,
             prior: str = "dirichlet", weights: Any = None) -> Any:
    """:func:`pgm_lite.fit` as a map-reduce: family counts per partition, summed, then normalised."""
    check_fit_options(method, pseudo_count, prior)
    if weights is not None:
        raise PGMError("weights are not supported with a Dask DataFrame; add them as counts instead")
    families = families_of(model)
    counts, _ = _reduce_counts(model, ddf, allow_missing=False)
    if counts and not counts[0].sum():
        raise PGMError("the Dask DataFrame has no rows to fit")
    alpha = pseudo_count if method == "bayes" else 0.0
    return build_network(model, families, tables_from_counts(families, counts, alpha, prior))


def dask_log_likelihood(model: BayesianNetwork, ddf: Any) -> float:
    """:func:`pgm_lite.log_likelihood` summed over partitions (complete rows exactly by counts)."""
    model.check()
    counts, rest = _reduce_counts(model, ddf, allow_missing=True)
    total = 0.0
    for fam, c in zip(families_of(model), counts):  # as pl.log_likelihood: sum of count * log(theta)
        seen = c > 0
        with np.errstate(divide="ignore"):
            total += float(np.dot(c[seen], np.log(model.cpd(fam.variable).table.reshape(-1)[seen])))
    return total + rest


# -- sampling: one independent stream per partition ---------------------------------------------------

def _sample_partition(spec: tuple[int, int, Any], model: GraphicalModel, options: dict[str, Any]) -> Any:
    import pandas as pd

    start, size, seed = spec
    frame = sample(model, size, rng=np.random.default_rng(seed), **options)
    frame.index = pd.RangeIndex(start, start + size)
    return frame


def dask_sample(model: GraphicalModel, n_samples: int, *, chunks: int, rng: Any = None,
                **options: Any) -> Any:
    """:func:`pgm_lite.sample` as a Dask DataFrame of ``ceil(n_samples / chunks)`` partitions.

    Partition ``i`` is drawn with ``SeedSequence(rng).spawn(...)[i]``: the streams are
    independent, and the same ``rng`` seed and ``chunks`` give the same rows however many
    workers run them. A Generator ``rng`` seeds the SeedSequence with one draw from it.
    """
    _, dd = _dask()
    n = check_int("n_samples", n_samples, minimum=1)
    size = check_int("chunks", chunks, minimum=1)
    if isinstance(rng, np.random.Generator):
        rng = int(rng.integers(2**63))
    root = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
    starts = list(range(0, n, size))
    seeds = root.spawn(len(starts))
    specs = [(s, min(size, n - s), seed) for s, seed in zip(starts, seeds)]
    meta = sample(model, 1, rng=0, **options).iloc[:0]
    divisions = (*starts, n - 1)
    return dd.from_map(_sample_partition, specs, model=model, options=options, meta=meta,
                       divisions=divisions, enforce_metadata=False)


register_engine(dask_engine_name("predict"), dask_predict)
register_engine(dask_engine_name("compiled_query"), dask_query)
register_engine(dask_engine_name("fit"), dask_fit)
register_engine(dask_engine_name("log_likelihood"), dask_log_likelihood)
register_engine(dask_engine_name("sample"), dask_sample)
