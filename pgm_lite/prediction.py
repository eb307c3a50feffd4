"""Predict the missing or target variables of every row of a table through compiled batch queries.

Rows are grouped by their pattern of observed columns; each pattern compiles one batched query
per target variable (:func:`pgm_lite.compile_query`) and answers all of its rows in one call, so a
table with mixed missingness costs one compiled query per (pattern, target), not one per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from ._dask import dask_engine_name, is_dask
from ._data import encode_table
from ._model import GraphicalModel, engine
from ._validate import check_option, check_variables, format_choices
from .exceptions import ArgumentTypeError, PGMError, VariableNotFoundError, ZeroEvidenceError
from .graphs import reachable
from .inference import compile_query

__all__ = ["KINDS", "predict", "predict_codes", "prediction_frame"]

KINDS = ("map", "proba")


def predict(model: GraphicalModel, data: Any, variables: str | Sequence[str] | None = None, *,
            kind: str = "map", zero: str = "raise") -> Any:
    """Return the posterior (or its most probable state) of target variables for every row.

    Each row's evidence is its observed (non-missing) cells; rows with different missing cells
    are answered by different compiled queries (grouped by pattern), all vectorised over rows.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    data : pandas.DataFrame or dask.dataframe.DataFrame
        One column per observed variable (a subset of the model's variables), state names or
        integer codes; NaN / None mark missing cells. A Dask DataFrame is predicted partition by
        partition (see :mod:`pgm_lite.distributed`) and a Dask DataFrame is returned.
    variables : str or list of str, optional
        The targets. Their columns, if present, are ignored as evidence. Default: every model
        variable that has no column or a missing cell somewhere; in a row where such a variable
        is observed, its prediction is the observed state (probability 1).
    kind : {"map", "proba"}, optional
        ``"map"``: one Categorical column per target holding its most probable state (ties go to
        the lower state). ``"proba"``: one float column per (target, state), a two-level
        column index ``(variable, state)``.
    zero : {"raise", "nan"}, optional
        Rows whose evidence has probability zero raise ZeroEvidenceError naming the row, or get
        NaN probabilities (and a missing MAP state).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; columns in the order of the targets.

    Notes
    -----
    Evidence separated from a target by the rest of the row's evidence cannot change its
    posterior and is left out of that target's compiled query, and its column is not read
    (this is what makes complete rows cheap). So a row is reported as impossible only when its
    evidence relevant to some target has probability zero.

    Raises
    ------
    VariableNotFoundError
        A column or target that is not a variable of the model, or an unknown state.
    OptionError
        Bad ``kind`` or ``zero``.
    PGMError
        Nothing to predict (no target and no missing cell).
    ZeroEvidenceError
        A row's evidence is impossible (with ``zero="raise"``).

    Examples
    --------
    >>> import pandas as pd
    >>> asia = pl.example("asia")
    >>> rows = pd.DataFrame({"smoke": ["yes", "no", None], "xray": ["yes", None, "no"]})
    >>> pl.predict(asia, rows, ["lung"])
      lung
    0  yes
    1   no
    2   no
    >>> pl.predict(asia, rows, ["lung"], kind="proba").round(4)
    variable    lung
    state        yes      no
    0         0.6460  0.3540
    1         0.0100  0.9900
    2         0.0012  0.9988
    """
    if is_dask(data):
        return engine(dask_engine_name("predict"))(model, data, variables, kind=kind, zero=zero)
    check_option("kind", kind, KINDS)
    targets, probabilities = predict_codes(model, data, variables, zero=zero)
    return prediction_frame(model, targets, probabilities, data.index, kind)


def predict_codes(model: GraphicalModel, data: Any, variables: str | Sequence[str] | None = None, *,
                  zero: str = "raise", impute: Sequence[str] | None = None) -> tuple[list[str], list[np.ndarray]]:
    """Return the targets and one ``(n_rows, n_states)`` posterior array per target.

    The array-level half of :func:`predict` (same arguments), used by the classifier and the
    Dask partitions. ``impute`` (with ``variables=None``) fixes the targets of the default
    rule instead of finding them in ``data`` (a Dask partition must predict the targets found
    in the whole table).
    """
    check_option("zero", zero, ("raise", "nan"))
    if not hasattr(data, "columns"):
        raise ArgumentTypeError(f"predict needs a pandas DataFrame with one column per variable, "
                                f"got {type(data).__name__}")
    columns = [c if isinstance(c, str) else str(c) for c in data.columns]
    for c in columns:
        if c not in model.state_names:
            raise VariableNotFoundError(f"data has column {c!r}, which is not a variable of the model; "
                                        f"valid columns: {format_choices(model.variables)}")
    fixed = variables if variables is not None else impute
    targets = [] if fixed is None else list(check_variables(fixed, model.state_names))
    if fixed is not None and not targets:
        raise PGMError("variables is empty; name at least one variable to predict")
    evidence = columns if variables is None else [c for c in columns if c not in targets]
    frame = data.set_axis(columns, axis=1)[evidence]
    observed = ~frame.isna().to_numpy()
    if fixed is None:
        targets = _default_targets(model, evidence, observed)
    codes: dict[str, np.ndarray] = {}   # columns are encoded once, and only when some query needs them

    def column(name: str) -> np.ndarray:
        if name not in codes:
            codes[name] = encode_table(model, frame[[name]], variables=[name], allow_missing=True)[:, 0]
        return codes[name]

    queries: dict[tuple[str, tuple[str, ...]], Any] = {}
    posteriors = [np.empty((len(frame), model.cardinality(t))) for t in targets]
    for rows, pattern in _patterns(observed):
        names = [evidence[j] for j in pattern]
        for t, out in zip(targets, posteriors):
            if t in names:
                out[rows] = np.eye(model.cardinality(t))[column(t)[rows]]
                continue
            keep = tuple(names[j] for j in _requisite(model, t, names))
            if (t, keep) not in queries:
                queries[t, keep] = compile_query(model, [t], list(keep))
            values = np.stack([column(v)[rows] for v in keep], axis=1) if keep else np.empty((len(rows), 0), int)
            out[rows] = queries[t, keep](values, zero="nan").posterior
    if zero == "raise":
        _raise_on_zero(posteriors, frame)
    return targets, posteriors


def _default_targets(model: GraphicalModel, columns: list[str], observed: np.ndarray) -> list[str]:
    """Return the model variables without a column or with a missing cell, in model order."""
    incomplete = {columns[j] for j in np.flatnonzero(~observed.all(axis=0))}
    targets = [v for v in model.variables if v not in columns or v in incomplete]
    if not targets:
        raise PGMError("nothing to predict: every variable is observed in every row; "
                       "pass variables=[...] to name the targets")
    return targets


def _patterns(observed: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(row indices, observed column indices) of every distinct pattern of observed cells."""
    if observed.shape[1] == 0 or observed.all():
        return [(np.arange(len(observed)), np.arange(observed.shape[1]))]
    varying = np.flatnonzero(observed.any(axis=0) & ~observed.all(axis=0))
    if len(varying) <= 62:   # one int64 key per row: a 1-d unique instead of a row-wise one
        keys = observed[:, varying].astype(np.int64) @ (np.int64(1) << np.arange(len(varying), dtype=np.int64))
        inverse = np.unique(keys, return_inverse=True)[1].reshape(-1)
    else:
        inverse = np.unique(np.packbits(observed, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    groups = np.split(order, bounds)
    return [(rows, np.flatnonzero(observed[rows[0]])) for rows in groups]


def _requisite(model: GraphicalModel, target: str, names: list[str]) -> list[int]:
    """Return the indices of the evidence variables that may change P(target | evidence).

    A superset of the requisite evidence from one reachability pass: the observed variables next
    to the variables ``target`` reaches by an active trail (Bayes-ball in a DAG, a connected
    component avoiding the evidence in an undirected graph), plus, in a DAG, the parents of an
    observed child of those. Every other evidence variable is separated from ``target`` by the
    rest, so leaving it out keeps the posterior exact.
    """
    graph, observed = model.structure, set(names)
    if model.is_directed:
        active = reachable(graph, {target}, observed) | {target}
        near = {u for v in active for u in (*graph.predecessors(v), *graph.successors(v))}
        near |= {p for c in near & observed if any(q in active for q in graph.predecessors(c))
                 for p in graph.predecessors(c)}
    else:
        free = graph.subgraph([v for v in graph if v not in observed or v == target])
        near = {u for v in nx.node_connected_component(free, target) for u in graph.neighbors(v)}
    return [j for j, v in enumerate(names) if v in near]


def _raise_on_zero(posteriors: list[np.ndarray], frame: Any) -> None:
    bad = np.zeros(len(frame), dtype=bool)
    for p in posteriors:
        bad |= np.isnan(p).any(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        shown = {k: v for k, v in frame.iloc[row].items() if v is not None and v == v}
        raise ZeroEvidenceError(f"row {frame.index[row]!r}: the evidence {shown} has probability "
                                f"zero under the model; pass zero='nan' to get NaN instead")


def prediction_frame(model: GraphicalModel, targets: Sequence[str], posteriors: Sequence[np.ndarray],
                     index: Any, kind: str) -> Any:
    """Assemble :func:`predict`'s DataFrame from per-target posterior arrays."""
    import pandas as pd

    if kind == "proba":
        columns = pd.MultiIndex.from_tuples(
            [(t, s) for t in targets for s in model.states(t)], names=["variable", "state"])
        values = np.hstack(posteriors) if posteriors else np.empty((len(index), 0))
        return pd.DataFrame(values, index=index, columns=columns)
    out = {}
    for t, p in zip(targets, posteriors):
        codes = np.where(np.isnan(p).any(axis=1), -1, np.argmax(np.nan_to_num(p, nan=-1.0), axis=1))
        out[t] = pd.Categorical.from_codes(codes, categories=list(model.states(t)))
    return pd.DataFrame(out, index=index, columns=list(targets))
