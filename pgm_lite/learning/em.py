"""Expectation-maximisation for Bayesian-network parameters from data with missing values.

The E-step is exact. The missing variables of a row split into components (two are linked when
some CPD mentions both), and given the observed values each component's posterior is independent
of the others. A small component's joint posterior is computed for all rows missing it at once by
broadcasting the CPD tables (observed axes indexed, missing axes kept). A large one (more than
``tuning.EM_MAX_COMPONENT`` joint states) goes to exact inference instead: one compiled, batched query
(:func:`pgm_lite.compile_query`) per family, for the posterior of that family's missing variables
given the pattern's observed ones. Expected counts are weighted ``np.bincount`` calls per family.
"""

from __future__ import annotations

from typing import NamedTuple

from .._data import encode_columns
from ..exceptions import PGMError
from ._counts import build_network, check_fit_options, families_of, tables_from_counts, unique_rows
from ._estep import EStep

__all__ = ["fit_em", "EMResult"]



class EMResult(NamedTuple):
    """What :func:`fit_em` returns; unpacks as ``model, history``."""

    model: object
    """BayesianNetwork: the fitted model."""
    log_likelihood: list
    """list of float: observed-data log-likelihood of the initial and of every updated model."""


def fit_em(model, data, *, max_iter=100, tol=1e-8, init=None, pseudo_count=0.0, prior="dirichlet"):
    """Fit the CPDs of ``model``'s structure to data with missing values by EM.

    Parameters
    ----------
    model : BayesianNetwork
        The structure (and, when fully specified, the starting parameters).
    data : pandas.DataFrame or array_like
        One column per variable; NaN / None mark missing values.
    max_iter : int, optional
        Maximum number of EM updates.
    tol : float, optional
        Stop when the log-likelihood improves by less than ``tol * |log-likelihood|``.
    init : {None, "model", "data"}, optional
        Start from the CPDs of ``model`` ("model", the default when it is fully specified) or from
        smoothed counts of the rows where each family is observed ("data").
    pseudo_count, prior : optional
        A Dirichlet prior as in :func:`pgm_lite.fit` (MAP-style counts; 0 means maximum
        likelihood). With a prior the log-likelihood may stop increasing near the optimum.

    Returns
    -------
    EMResult
        ``(model, log_likelihood)``: the fitted network and the observed-data log-likelihood of
        the start and after each update (non-decreasing when ``pseudo_count == 0``).

    Raises
    ------
    PGMError
        A column with no observed value, no rows, bad options.
    VariableNotFoundError
        Unknown columns or states.
    ZeroEvidenceError
        A row is impossible under the starting model.

    Examples
    --------
    >>> import pandas as pd
    >>> structure = pl.BayesianNetwork([("A", "B")])
    >>> data = pd.DataFrame({"A": ["0", "1", None, "1"], "B": ["0", "1", "1", None]})
    >>> fitted, history = pl.fit_em(structure, data)
    >>> bool(np.all(np.diff(history) >= -1e-12)), len(fitted.cpds())
    (True, 2)
    """
    check_fit_options("mle", pseudo_count, prior)
    if isinstance(pseudo_count, bool) or not isinstance(pseudo_count, (int, float)) or pseudo_count < 0:
        raise PGMError(f"pseudo_count must be a number >= 0, got {pseudo_count!r}")
    if init not in (None, "model", "data"):
        raise PGMError(f"init must be None, 'model' or 'data', got {init!r}")
    if not (isinstance(max_iter, int) and max_iter >= 0):
        raise PGMError(f"max_iter must be a non-negative int, got {max_iter!r}")
    families = families_of(model)
    codes = encode_columns(model, data, allow_missing=True)
    rows, counts = unique_rows(codes.T)
    if init == "model" or (init is None and model.is_fully_specified()):
        model.check()
        current = model.copy()
    else:
        start = []
        for fam in families:
            ok = (rows[fam.scope] >= 0).all(axis=0)
            start.append(fam.counts(rows[:, ok], counts[ok]))
        current = build_network(model, families, tables_from_counts(families, start, 1.0, "dirichlet"))
    e_step = EStep(model, families, rows, counts)
    history = []
    for iteration in range(max_iter + 1):
        ll, expected = e_step(current, need_counts=iteration < max_iter)
        history.append(ll)
        if iteration == max_iter:
            break
        if iteration and ll - history[-2] < tol * abs(ll):
            break
        current = build_network(model, families, tables_from_counts(families, expected, pseudo_count, prior))
    return EMResult(current, history)
