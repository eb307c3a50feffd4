"""Parameter learning and density estimation: MLE and Dirichlet fits, log-likelihood of data.

Counting is vectorised: each family ``(parents, child)`` turns its columns of codes into one cell
index per row and calls ``np.bincount`` once. EM for data with missing values lives in
:mod:`pgm_lite.learning.em` (:func:`pgm_lite.fit_em`).
"""

from __future__ import annotations

import numpy as np

from .._data import encode_columns
from ..exceptions import PGMError
from ._counts import (
    build_network,
    check_fit_options,
    count_all,
    families_of,
    tables_from_counts,
    unique_rows,
)
from ._estep import EStep

__all__ = ["fit", "log_likelihood"]

def fit(model, data, *, method="mle", pseudo_count=1.0, prior="dirichlet", weights=None):
    """Estimate every CPD of ``model``'s structure from complete data.

    Parameters
    ----------
    model : BayesianNetwork
        Supplies the structure and the state names (its CPDs, if any, are ignored); e.g. a
        ``BayesianNetwork.from_independencies`` structure.
    data : pandas.DataFrame or array_like
        One column per variable, state names or integer codes (see ``_data.encode_table``).
    method : {"mle", "bayes"}, optional
        ``"mle"``: relative frequencies. ``"bayes"``: posterior mean under a Dirichlet prior.
    pseudo_count : float, optional
        Prior strength for ``"bayes"``: added to every cell (``prior="dirichlet"``), or the
        equivalent sample size spread over a CPT's cells (``prior="bdeu"``).
    prior : {"dirichlet", "bdeu"}, optional
        How ``pseudo_count`` is spread.
    weights : array_like, optional
        One non-negative weight per row (e.g. likelihood-weighting weights).

    Returns
    -------
    BayesianNetwork
        A new model with the same variables, states and parents.

    Raises
    ------
    VariableNotFoundError
        Unknown or absent columns, unknown states (the message names column and value).
    PGMError
        Missing values (use :func:`pgm_lite.fit_em`), no rows, bad method/prior/pseudo_count.

    Notes
    -----
    With ``"mle"``, a parent configuration that never occurs in the data has no estimate; its
    row is set to the uniform distribution.

    Examples
    --------
    >>> import pandas as pd
    >>> structure = pl.BayesianNetwork([("rain", "wet")], states={"rain": ["no", "yes"]})
    >>> data = pd.DataFrame({"rain": ["no", "no", "yes", "no"], "wet": [0, 1, 1, 0]})
    >>> pl.fit(structure, data).cpd("wet").table.tolist()
    [[0.6666666666666666, 0.3333333333333333], [0.0, 1.0]]
    >>> pl.fit(structure, data, method="bayes").cpd("wet").table[1].tolist()
    [0.3333333333333333, 0.6666666666666666]
    """
    check_fit_options(method, pseudo_count, prior)
    families = families_of(model)
    codes = encode_columns(model, data)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (codes.shape[1],) or (weights < 0).any():
            raise PGMError(f"weights must be {codes.shape[1]} non-negative numbers, one per row")
    counts = count_all(families, codes, weights)
    alpha = pseudo_count if method == "bayes" else 0.0
    return build_network(model, families, tables_from_counts(families, counts, alpha, prior))


def log_likelihood(model, data):
    """Return the total log-likelihood ``sum_rows log P(row)`` of ``data`` under ``model``.

    Rows with missing values (NaN / None) contribute the log-probability of their observed part
    (the missing variables summed out exactly).

    Parameters
    ----------
    model : BayesianNetwork
        A fully specified network.
    data : pandas.DataFrame or array_like
        One column per variable (names or codes).

    Returns
    -------
    float
        ``-inf`` if some row is impossible.

    Examples
    --------
    >>> import pandas as pd
    >>> bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.25, 0.75])])
    >>> float(np.exp(pl.log_likelihood(bn, pd.DataFrame({"A": ["0", "1", "1"]}))))  # .25 * .75**2
    0.140625
    >>> float(np.exp(pl.log_likelihood(bn, pd.DataFrame({"A": ["0", None, "1"]}))))  # .25 * 1 * .75
    0.1875
    """
    model.check()
    families = families_of(model)
    codes = encode_columns(model, data, allow_missing=True, allow_empty=True)
    if (codes >= 0).all():
        total = 0.0
        for fam, counts in zip(families, count_all(families, codes)):  # sum of count * log(theta)
            seen = counts > 0
            with np.errstate(divide="ignore"):
                total += float(np.dot(counts[seen], np.log(model.cpd(fam.variable).table.reshape(-1)[seen])))
        return total
    return EStep(model, families, *unique_rows(codes.T))(model, need_counts=False)[0]


