"""Decomposable structure scores (BIC, AIC, BDeu, K2, log-likelihood) from integer-coded counts.

A decomposable score is a sum of one *local score* per family ``(child, parents)``, and each
local score depends only on the family's nonzero counts ``N_jk`` (parent configuration ``j``,
child state ``k``), their row totals ``N_j``, the number ``q`` of parent configurations and the
child's cardinality ``r``:

* log-likelihood ``sum N_jk log(N_jk / N_j)``; BIC subtracts ``log(N)/2 * q (r - 1)``, AIC ``q (r - 1)``;
* K2 ``sum_j [lgamma(r) - lgamma(N_j + r) + sum_k lgamma(N_jk + 1)]``;
* BDeu with equivalent sample size ``ess``, ``a = ess / q``: ``sum_j [lgamma(a) - lgamma(N_j + a)
  + sum_k (lgamma(N_jk + a / r) - lgamma(a / r))]``.

Unobserved cells and rows contribute zero, so :func:`family_scores` scores many families at once
from the concatenated nonzero counts (the structure search feeds it one bincount per batch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._data import MISSING
from .._validate import check_number, check_option
from ..bayesian_network import BayesianNetwork
from ..exceptions import ArgumentTypeError, PGMError
from ._counts import count_all, families_of
from ._frame import _as_names, prepare

__all__ = ["SCORES", "complete_rows", "dense_family_scores", "family_scores", "score"]

SCORES = ("bic", "aic", "bdeu", "k2", "loglik")


def _lgamma(x: np.ndarray) -> np.ndarray:
    """``lgamma`` elementwise; counts repeat a lot, so each distinct value is computed once."""
    if x.size == 0:
        return np.zeros(0)
    values, inverse = np.unique(x, return_inverse=True)
    return np.array([math.lgamma(v) for v in values.tolist()])[inverse.reshape(-1)]


def _xlogx(x: np.ndarray) -> np.ndarray:
    return x * np.log(x)


def family_scores(kind: str, cells: np.ndarray, cell_family: np.ndarray, totals: np.ndarray,
                  total_family: np.ndarray, q: np.ndarray, r: np.ndarray, n_rows: int,
                  ess: float = 1.0) -> np.ndarray:
    """Local scores of several families from their nonzero counts.

    Parameters
    ----------
    kind : str
        One of :data:`SCORES`.
    cells, cell_family : ndarray
        Every nonzero cell count ``N_jk`` and the family it belongs to (``0..len(q)-1``).
    totals, total_family : ndarray
        Every nonzero parent-configuration total ``N_j`` and its family.
    q, r : ndarray
        Per family: number of parent configurations, child cardinality (floats).
    n_rows : int
        Rows of data (BIC's ``log N``).
    ess : float, optional
        BDeu's equivalent sample size.

    Returns
    -------
    ndarray
        One local score per family.

    Examples
    --------
    >>> c = np.array([3.0, 1.0])           # one family without parents: N = (3, 1)
    >>> one = np.zeros(2, dtype=int)
    >>> float(family_scores("loglik", c, one, np.array([4.0]), one[:1], np.ones(1), np.full(1, 2.0), 4)[0])
    -2.249340578475233
    """
    n_fam = len(q)

    def per_family(values, family):
        return np.bincount(family, weights=values, minlength=n_fam)

    if kind in ("loglik", "bic", "aic"):
        out = per_family(_xlogx(cells), cell_family) - per_family(_xlogx(totals), total_family)
        return out - _penalty(kind, q, r, n_rows)
    n_rows_seen = np.bincount(total_family, minlength=n_fam)
    if kind == "k2":
        lg_r = np.array([math.lgamma(v) for v in r.tolist()])
        return (n_rows_seen * lg_r - per_family(_lgamma(totals + r[total_family]), total_family)
                + per_family(_lgamma(cells + 1.0), cell_family))
    alpha = ess / q
    beta = alpha / r
    lg_alpha = np.array([math.lgamma(v) for v in alpha.tolist()])
    lg_beta = np.array([math.lgamma(v) for v in beta.tolist()])
    return (n_rows_seen * lg_alpha - per_family(_lgamma(totals + alpha[total_family]), total_family)
            + per_family(_lgamma(cells + beta[cell_family]) - lg_beta[cell_family], cell_family))


def _penalty(kind: str, q: np.ndarray, r: np.ndarray | float, n_rows: int) -> np.ndarray:
    """Return what BIC / AIC subtract from the log-likelihood (zero for ``"loglik"``)."""
    if kind == "bic":
        return 0.5 * math.log(n_rows) * q * (r - 1)
    if kind == "aic":
        return q * (r - 1)
    return np.zeros(len(q))


def dense_family_scores(kind: str, counts: np.ndarray, q: np.ndarray, r: int, n_rows: int,
                        ess: float = 1.0) -> np.ndarray:
    """Local scores of ``k`` families with the same child from dense counts ``(k, rows, r)``.

    Families with fewer parent configurations than ``rows`` are zero-padded; empty rows and
    cells contribute nothing to any score, so only ``q`` (the true configuration counts) matters.

    Examples
    --------
    >>> counts = np.array([[[3, 1], [0, 0]]])      # one family, N = (3, 1), one padding row
    >>> float(dense_family_scores("loglik", counts, np.ones(1), 2, 4)[0])
    -2.249340578475233
    """
    if kind in ("loglik", "bic", "aic"):
        c = counts.astype(float)
        totals = c.sum(axis=2)
        out = ((c * np.log(np.where(c > 0, c, 1.0))).sum(axis=(1, 2))
               - (totals * np.log(np.where(totals > 0, totals, 1.0))).sum(axis=1))
        return out - _penalty(kind, q, r, n_rows)
    flat = counts.reshape(len(counts), -1)
    cell_family, cell = np.nonzero(flat)
    totals = counts.sum(axis=2)
    row_family, row = np.nonzero(totals)
    return family_scores(kind, flat[cell_family, cell].astype(float), cell_family,
                         totals[row_family, row].astype(float), row_family, np.asarray(q, dtype=float),
                         np.full(len(q), float(r)), n_rows, ess)


def complete_rows(codes: np.ndarray) -> np.ndarray:
    """Keep the rows (columns of the ``(d, n)`` code array) without a missing value.

    Raises
    ------
    PGMError
        If every row has a missing value; the message points to :func:`pgm_lite.fit_em`.
    """
    keep = (codes != MISSING).all(axis=0)
    if keep.all():
        return codes
    if not keep.any():
        raise PGMError(
            f"every one of the {codes.shape[1]} rows has a missing value, so no complete row is left "
            "to score or learn a structure from; fill the gaps first, or learn the parameters of a "
            "known structure with pl.fit_em(model, data)"
        )
    return np.ascontiguousarray(codes[:, keep])


def _names_first(model: BayesianNetwork, data: Any) -> Any:
    """Read numeric columns as state names when every value is one (``3`` is the state ``"3"``).

    A network learned from numbers has the numbers' text as state names; the encoder would
    otherwise read the numbers as state codes.
    """
    if not hasattr(data, "columns"):
        return data
    import pandas as pd

    columns = {}
    for c in data.columns:
        column = data[c]
        name = c if isinstance(c, str) else str(c)
        if (name in model.state_names and pd.api.types.is_numeric_dtype(column.dtype)
                and not pd.api.types.is_bool_dtype(column.dtype)):
            text = _as_names(column)
            if set(text.dropna()) <= set(model.states(name)):
                column = text
        columns[c] = column
    return pd.DataFrame(columns, index=data.index)


def score(model: BayesianNetwork, data: Any, *, score: str = "bic",
          equivalent_sample_size: float = 1.0) -> float:
    """Return the decomposable score of ``model``'s structure on ``data`` (higher is better).

    Parameters
    ----------
    model : BayesianNetwork
        Supplies the structure and state names; its CPDs, if any, are ignored.
    data : pandas.DataFrame or array_like
        One column per variable (state names or codes). Rows with a missing value are dropped
        (complete-case analysis).
    score : {"bic", "aic", "bdeu", "k2", "loglik"}, optional
        ``"loglik"`` is the maximised log-likelihood; BIC and AIC penalise it by the number of
        free parameters; BDeu and K2 are Bayesian marginal likelihoods (Dirichlet priors).
    equivalent_sample_size : float, optional
        BDeu's prior strength.

    Returns
    -------
    float

    Raises
    ------
    OptionError
        For an unknown score name (the message lists them).
    PGMError
        If every row has a missing value.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"A": ["0", "0", "1", "1"], "B": ["0", "0", "1", "0"]})
    >>> independent = pl.BayesianNetwork(variables=["A", "B"])
    >>> round(pl.score(independent, data, score="loglik"), 4)   # 4 log 1/2 + (3 log 3/4 + log 1/4)
    -5.0
    >>> pl.score(pl.BayesianNetwork([("A", "B")]), data, score="loglik") > -5.0
    True
    """
    check_option("score", score, SCORES)
    ess = check_number("equivalent_sample_size", equivalent_sample_size, minimum=0.0, strict=True)
    if not isinstance(model, BayesianNetwork):
        raise ArgumentTypeError(f"score needs a BayesianNetwork (its structure), got {type(model).__name__}")
    prepared = prepare(model, _names_first(model, data), allow_missing=True)
    if prepared.changed:
        model = BayesianNetwork(model.edges, variables=model.variables, states=prepared.states)
    codes = complete_rows(prepared.codes)
    families = families_of(model)
    counts = count_all(families, codes)
    parts = []
    for i, (fam, c) in enumerate(zip(families, counts)):
        table = c.reshape(-1, fam.shape[-1])
        totals = table.sum(axis=1)
        cells, rows = c[c > 0], totals[totals > 0]
        parts.append((cells, np.full(len(cells), i), rows, np.full(len(rows), i)))
    q = np.array([fam.size / fam.shape[-1] for fam in families], dtype=float)
    r = np.array([fam.shape[-1] for fam in families], dtype=float)
    joined = [np.concatenate([p[k] for p in parts]) for k in range(4)]
    local = family_scores(score, joined[0], joined[1].astype(np.intp), joined[2],
                          joined[3].astype(np.intp), q, r, codes.shape[1], ess)
    return float(local.sum())
