"""Parameter learning and density estimation: MLE and Dirichlet fits, log-likelihood of data.

Counting is vectorised: each family ``(parents, child)`` turns its columns of codes into one cell
index per row and calls ``np.bincount`` once. EM for data with missing values lives in
:mod:`pgm_lite.em` (:func:`pgm_lite.fit_em`).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import format_choices
from ._data import encode_table, label_codes
from .exceptions import PGMError

__all__ = ["fit", "log_likelihood"]

FIT_METHODS = ("mle", "bayes")
_GROUP_CELLS = 4096  # families counted in one bincount while the product of their sizes fits
PRIORS = ("dirichlet", "bdeu")


class _Family:
    """One CPD's scope as column indices, with the strides that make a flat cell index."""

    def __init__(self, model, variable, column):
        self.variable = variable
        self.parents = list(model.parents(variable))
        self.scope = [column[p] for p in self.parents] + [column[variable]]
        self.shape = tuple(len(model.states(u)) for u in (*self.parents, variable))
        self.size = math.prod(self.shape)
        self.strides = [math.prod(self.shape[i + 1:]) for i in range(len(self.shape))]

    def cells(self, codes):
        """Flat cell index of every row of ``codes`` (shape (d, n), all observed)."""
        dtype = np.int16 if self.size <= 2**15 else np.int32 if self.size <= 2**31 else np.int64
        index = codes[self.scope[0]].astype(dtype)
        if self.strides[0] != 1:
            index *= self.strides[0]
        part = None
        for j, s in zip(self.scope[1:], self.strides[1:]):
            if s == 1:
                index += codes[j]
            else:  # widen before multiplying: small-int codes times a stride would wrap
                part = np.empty_like(index) if part is None else part
                np.multiply(codes[j], s, out=part, dtype=dtype)
                index += part
        return index

    def counts(self, codes, weights=None):
        return np.bincount(self.cells(codes), weights=weights, minlength=self.size).astype(float)


def _families(model):
    if not hasattr(model, "cpds"):
        raise TypeError(
            f"parameter learning needs a BayesianNetwork (its structure), got {type(model).__name__}"
        )
    column = {v: j for j, v in enumerate(model.variables)}
    return [_Family(model, v, column) for v in model.variables]


def _count_all(families, codes, weights=None):
    """Count the cells of every family.

    Small families are counted together: their cell indices combine into one index over the
    product of their sizes (at most ``_GROUP_CELLS``), so one ``np.bincount`` pass serves several
    families and each one's counts are a marginal of the joint counts.
    """
    groups, current, size = [], [], 1
    for i in sorted(range(len(families)), key=lambda i: families[i].size):
        if current and size * families[i].size > _GROUP_CELLS:
            groups.append(current)
            current, size = [], 1
        current.append(i)
        size *= families[i].size
    if current:
        groups.append(current)

    def count(group):
        fams = [families[i] for i in group]
        if len(fams) == 1:
            return [fams[0].counts(codes, weights)]
        index = fams[0].cells(codes).astype(np.intp)
        for f in fams[1:]:
            index *= f.size
            index += f.cells(codes)
        shape = [f.size for f in fams]
        joint = np.bincount(index, weights=weights, minlength=math.prod(shape)).reshape(shape)
        axes = range(len(fams))
        return [joint.sum(axis=tuple(b for b in axes if b != a)).astype(float) for a in axes]

    counts = [None] * len(families)
    for group, result in zip(groups, map(count, groups)):
        for i, c in zip(group, result):
            counts[i] = c
    return counts


def _check_fit_options(method, pseudo_count, prior):
    if method not in FIT_METHODS:
        raise PGMError(f"unknown fit method {method!r}; choose from {format_choices(FIT_METHODS)}")
    if prior not in PRIORS:
        raise PGMError(f"unknown prior {prior!r}; choose from {format_choices(PRIORS)}")
    if method == "bayes" and not (isinstance(pseudo_count, (int, float)) and pseudo_count > 0):
        raise PGMError(f"pseudo_count must be a positive number for method='bayes', got {pseudo_count!r}")


def _tables(families, counts, alpha, prior):
    """Normalise count arrays into CPT tables; rows with no mass become uniform."""
    tables = []
    for fam, c in zip(families, counts):
        c = c.reshape(-1, fam.shape[-1])
        if alpha:
            c = c + (alpha / c.size if prior == "bdeu" else alpha)
        totals = c.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rows = np.where(totals > 0, c / totals, 1.0 / fam.shape[-1])
        tables.append(rows.reshape(fam.shape))
    return tables


def _build(model, families, tables):
    """Return a new BayesianNetwork with the structure and states of ``model`` and ``tables``."""
    from .bayesian_network import BayesianNetwork
    from .cpd import TabularCPD

    cpds = [
        TabularCPD(f.variable, t, f.parents, {u: model.states(u) for u in (*f.parents, f.variable)},
                   atol=1e-6)
        for f, t in zip(families, tables)
    ]
    return BayesianNetwork(cpds=cpds, variables=model.variables)


def _codes(model, data, allow_missing=False, allow_empty=False):
    """Return the data's codes as a (n_variables, n_rows) array, one contiguous row per variable."""
    codes = _encode_frame(model, data, allow_missing) if hasattr(data, "columns") else None
    if codes is None:  # arrays, or a frame with a problem: encode_table raises the right error
        codes = np.ascontiguousarray(encode_table(model, data, allow_missing=allow_missing).T)
    if codes.shape[1] == 0 and not allow_empty:
        raise PGMError("data has no rows; nothing to learn from")
    return codes


def _encode_frame(model, data, allow_missing):
    """Fast path for DataFrames of Categorical or string columns; None when in doubt."""
    variables = model.variables
    if sorted(map(str, data.columns)) != sorted(variables) or len(data) == 0:
        return None
    biggest = max(len(model.states(v)) for v in variables)
    codes = np.empty((len(variables), len(data)), dtype=np.int8 if biggest <= 127 else np.int32)

    def encode(j):
        return _encode_column(model.states(variables[j]), data[variables[j]], codes[j], allow_missing)

    import pandas as pd

    workers = min(4, os.cpu_count() or 1)
    text = any(not isinstance(data[v].dtype, pd.CategoricalDtype) for v in variables)
    if workers == 1 or codes.size < 4_000_000 or not text:
        ok = [encode(j) for j in range(len(variables))]
    else:  # hashing strings releases the GIL for long stretches
        with ThreadPoolExecutor(workers) as pool:
            ok = list(pool.map(encode, range(len(variables))))
    return codes if all(ok) else None


def _encode_column(states, column, out, allow_missing):
    """Write the codes of one column into ``out``; return False if encode_table must judge it."""
    import pandas as pd

    dtype = column.dtype
    if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)):
        return False
    codes = label_codes(states, column)
    if (codes == -2).any():
        return False
    out[:] = codes
    missing = out < 0
    return not (missing.any() and (not allow_missing or missing.all()))


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
    _check_fit_options(method, pseudo_count, prior)
    families = _families(model)
    codes = _codes(model, data)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (codes.shape[1],) or (weights < 0).any():
            raise PGMError(f"weights must be {codes.shape[1]} non-negative numbers, one per row")
    counts = _count_all(families, codes, weights)
    alpha = pseudo_count if method == "bayes" else 0.0
    return _build(model, families, _tables(families, counts, alpha, prior))


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
    families = _families(model)
    codes = _codes(model, data, allow_missing=True, allow_empty=True)
    if (codes >= 0).all():
        total = 0.0
        for fam, counts in zip(families, _count_all(families, codes)):  # sum of count * log(theta)
            seen = counts > 0
            with np.errstate(divide="ignore"):
                total += float(np.dot(counts[seen], np.log(model.cpd(fam.variable).table.reshape(-1)[seen])))
        return total
    from .em import _EStep

    return _EStep(model, families, *_unique_rows(codes.T))(model, need_counts=False)[0]


def _unique_rows(codes):
    """Distinct rows of an (n, d) code array as (d, m) plus their multiplicities."""
    rows, counts = np.unique(codes, axis=0, return_counts=True)
    return np.ascontiguousarray(rows.T), counts.astype(float)
