"""Parameter learning and density estimation: MLE and Dirichlet fits, log-likelihood of data.

Counting is vectorised: each family ``(parents, child)`` turns its columns of codes into one cell
index per row and calls ``np.bincount`` once. EM for data with missing values lives in
:mod:`pgm_lite.learning.em` (:func:`pgm_lite.fit_em`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dask import dask_engine_name, is_dask
from .._model import engine
from ..bayesian_network import BayesianNetwork
from ..exceptions import ArgumentTypeError, PGMError
from ..markov_network import MarkovNetwork
from ._counts import (
    build_network,
    check_fit_options,
    count_all,
    families_of,
    tables_from_counts,
)
from ._estep import incomplete_log_likelihood
from ._frame import prepare
from .mrf import MRF_METHODS, fit_markov_network, markov_log_likelihood

__all__ = ["fit", "log_likelihood"]


def fit(model: BayesianNetwork | MarkovNetwork, data: Any, *, method: str = "mle",
        pseudo_count: float = 1.0, prior: str = "dirichlet", weights: Any = None,
        ignore_extra: bool = False, l2: float = 0.0, max_iter: int = 500, tol: float = 1e-9,
        max_memory: int | None = None) -> BayesianNetwork | MarkovNetwork:
    """Estimate the tables of ``model``'s structure from complete data.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Supplies the structure and the state names (its tables, if any, are ignored); e.g. a
        ``BayesianNetwork.from_independencies`` structure. A Markov network's factor scopes are
        fitted (one factor per edge when it has none).
    data : pandas.DataFrame or array_like
        One column per variable, state names or integer codes (see ``_data.encode_table``). A
        variable with the default state names ``"0".."k-1"`` (a structure built from edges
        alone) takes its state names from the data when the data holds other values: a
        Categorical's categories, else the sorted distinct values.
    method : {"mle", "bayes"} or {"mle", "pseudo_likelihood"}, optional
        Bayesian networks: relative frequencies (``"mle"``) or the posterior mean under a
        Dirichlet prior (``"bayes"``). Markov networks: exact maximum likelihood (``"mle"``) or
        maximum pseudo-likelihood, which needs no inference (big grids).
    pseudo_count : float, optional
        Prior strength for ``"bayes"``: added to every cell (``prior="dirichlet"``), or the
        equivalent sample size spread over a CPT's cells (``prior="bdeu"``).
    prior : {"dirichlet", "bdeu"}, optional
        How ``pseudo_count`` is spread.
    weights : array_like, optional
        One finite non-negative weight per row (e.g. likelihood-weighting weights).
    ignore_extra : bool, optional
        Drop columns that are not variables of the model (by default they are an error).
    l2, max_iter, tol, max_memory : optional
        Markov networks only: an L2 penalty ``l2 / 2 * ||log phi||^2`` on the mean
        log-likelihood, the optimiser's iteration cap and gradient tolerance, and the memory
        cap of exact inference.

    Returns
    -------
    BayesianNetwork or MarkovNetwork
        A new model with the same variables and structure.

    Raises
    ------
    VariableNotFoundError
        Unknown or absent columns, unknown states (the message names column and value).
    PGMError
        Missing values (use :func:`pgm_lite.fit_em`), no rows, bad method/prior/pseudo_count/weights.
    MemoryLimitError
        Markov network ``"mle"`` when exact inference needs more than ``max_memory``.

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

    Edges alone: the state names come from the data.

    >>> pl.fit(pl.BayesianNetwork([("rain", "wet")]), data).states("rain")
    ('no', 'yes')

    A Markov network with one factor: its maximum-likelihood table is the data's, up to scale.

    >>> mn = pl.MarkovNetwork([("A", "B")])
    >>> rows = pd.DataFrame({"A": ["0", "0", "1", "1", "1"], "B": ["0", "1", "0", "1", "1"]})
    >>> phi = pl.fit(mn, rows).factors()[0]
    >>> np.round(phi.values / phi.values.sum(), 4).tolist()
    [[0.2, 0.2], [0.2, 0.4]]
    """
    if is_dask(data):  # map-reduce of counts on a Dask DataFrame (pgm_lite.distributed)
        return engine(dask_engine_name("fit"))(model, data, method=method, pseudo_count=pseudo_count,
                                                prior=prior, weights=weights)
    if not isinstance(model, (BayesianNetwork, MarkovNetwork)):
        raise ArgumentTypeError(f"fit needs a BayesianNetwork or a MarkovNetwork, got {type(model).__name__}")
    if isinstance(model, MarkovNetwork):
        prepared = prepare(model, data, ignore_extra=ignore_extra)
        net = model if not prepared.changed else MarkovNetwork(  # only factor-less variables change
            model.edges, model.factors(), variables=model.variables,
            states={v: prepared.states[v] for v in prepared.changed})
        return fit_markov_network(net, prepared.codes, method=method, l2=l2, max_iter=max_iter,
                                  tol=tol, weights=_weights(weights, prepared.codes.shape[1]),
                                  max_memory=max_memory)
    if method in MRF_METHODS and method != "mle":
        raise PGMError(f"method={method!r} is for Markov networks; a BayesianNetwork takes 'mle' or 'bayes'")
    check_fit_options(method, pseudo_count, prior)
    families_of(model)
    prepared = prepare(model, data, ignore_extra=ignore_extra)
    structure = model if not prepared.changed else BayesianNetwork(
        model.edges, variables=model.variables, states=prepared.states)
    families = families_of(structure)
    codes = prepared.codes
    counts = count_all(families, codes, _weights(weights, codes.shape[1]))
    alpha = pseudo_count if method == "bayes" else 0.0
    return build_network(structure, families, tables_from_counts(families, counts, alpha, prior))


def _weights(weights: Any, n_rows: int) -> np.ndarray | None:
    if weights is None:
        return None
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as err:
        raise PGMError(f"weights must be {n_rows} finite non-negative numbers, one per row") from err
    if w.shape != (n_rows,) or not np.isfinite(w).all() or (w < 0).any():
        what = (f"got shape {w.shape}" if w.shape != (n_rows,) else
                "got NaN or infinity" if not np.isfinite(w).all() else "got a negative weight")
        raise PGMError(f"weights must be {n_rows} finite non-negative numbers, one per row; {what}")
    if not w.sum() > 0:
        raise PGMError("weights must not all be zero: nothing to learn from")
    return w


def log_likelihood(model: BayesianNetwork | MarkovNetwork, data: Any) -> float:
    """Return the total log-likelihood ``sum_rows log P(row)`` of ``data`` under ``model``.

    Rows with missing values (NaN / None) contribute the log-probability of their observed part
    (the missing variables summed out exactly); so do latent variables, whose column is absent or
    entirely missing (a latent class model's held-out log-likelihood).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
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

    A Markov network: a missing cell is summed out too.

    >>> mn = pl.MarkovNetwork([("A", "B")], [pl.DiscreteFactor(("A", "B"), [[4.0, 1.0], [1.0, 2.0]])])
    >>> float(np.exp(pl.log_likelihood(mn, pd.DataFrame({"A": ["0"], "B": [None]}))))  # (4 + 1) / 8
    0.625
    """
    if is_dask(data):  # summed per partition (pgm_lite.distributed)
        return engine(dask_engine_name("log_likelihood"))(model, data)
    model.check()
    if isinstance(model, MarkovNetwork):
        codes = prepare(model, data, allow_latent=True, allow_missing=True, allow_empty=True).codes
        return markov_log_likelihood(model, codes)
    families = families_of(model)
    codes = prepare(model, data, allow_latent=True, allow_missing=True, allow_empty=True).codes
    if (codes >= 0).all():
        total = 0.0
        for fam, counts in zip(families, count_all(families, codes)):  # sum of count * log(theta)
            seen = counts > 0
            with np.errstate(divide="ignore"):
                total += float(np.dot(counts[seen], np.log(model.cpd(fam.variable).table.reshape(-1)[seen])))
        return total
    return incomplete_log_likelihood(model, families, codes)


