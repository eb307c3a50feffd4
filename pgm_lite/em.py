"""Expectation-maximisation for Bayesian-network parameters from data with missing values.

The E-step is exact. Distinct rows are grouped by their pattern of missing variables; within a
pattern the missing variables split into components (two are linked when some CPD mentions
both), and given the observed values each component's posterior is independent of the others.
Each component's joint posterior is computed for all rows of the pattern at once by broadcasting
the CPD tables (observed axes indexed, missing axes kept), which is exact and small whenever
each row misses a few linked variables. Expected counts are then one weighted ``np.bincount``
per family.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .exceptions import MemoryLimitError, PGMError, ZeroEvidenceError
from .learning import _build, _check_fit_options, _codes, _families, _tables, _unique_rows

__all__ = ["fit_em", "EMResult"]

MAX_COMPONENT = 2**20  # joint entries per row of one component of missing variables


class EMResult(NamedTuple):
    """What :func:`fit_em` returns; unpacks as ``model, history``."""

    model: object
    """BayesianNetwork: the fitted model."""
    log_likelihood: list
    """list of float: observed-data log-likelihood of the initial and of every updated model."""


def _components(families, missing):
    """Split the missing columns into groups linked through shared families (union-find)."""
    parent = {j: j for j in missing}

    def find(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for fam in families:
        hit = [j for j in fam.scope if j in parent]
        for j in hit[1:]:
            parent[find(j)] = find(hit[0])
    groups = {}
    for j in missing:
        groups.setdefault(find(j), []).append(j)
    return list(groups.values())


def _component_joint(comp, touching, cards, rows):
    """Unnormalised joint over ``comp`` for every row: shape (m, *cards of comp)."""
    m = rows.shape[1]
    shape = tuple(cards[j] for j in comp)
    if math.prod(shape) > MAX_COMPONENT:
        raise MemoryLimitError(
            f"rows missing the linked variables {len(comp)} at once need a joint of "
            f"{math.prod(shape):,} states per row (limit {MAX_COMPONENT:,}); drop those rows or "
            "impute some of the values"
        )
    joint = np.ones((m, *shape))
    for fam, table in touching:
        observed = [a for a, j in enumerate(fam.scope) if j not in comp]
        free = sorted((a for a, j in enumerate(fam.scope) if j in comp),
                      key=lambda a: comp.index(fam.scope[a]))
        part = np.transpose(table, observed + free)[tuple(rows[fam.scope[a]] for a in observed)]
        if not observed:
            part = np.broadcast_to(part, (m, *part.shape))
        present = [fam.scope[a] for a in free]
        view = [m] + [cards[j] if j in present else 1 for j in comp]
        joint = joint * part.reshape(view)
    return joint


def _e_step(model, families, rows, counts, need_counts=True):
    """Return (observed-data log-likelihood, expected counts per family or None)."""
    tables = [model.cpd(f.variable).table for f in families]
    cards = [len(model.states(v)) for v in model.variables]
    expected = [np.zeros(f.size) for f in families] if need_counts else None
    total = 0.0
    observed = rows >= 0
    # families fully observed in a row: direct counts and log-probabilities, all patterns at once
    for i, (fam, table) in enumerate(zip(families, tables)):
        ok = observed[fam.scope].all(axis=0)
        cells = fam.cells(rows[:, ok])
        with np.errstate(divide="ignore"):
            total += float(np.dot(counts[ok], np.log(table.reshape(-1)[cells])))
        if need_counts:
            expected[i] += np.bincount(cells, weights=counts[ok], minlength=fam.size)
    patterns, inverse = np.unique(~observed, axis=1, return_inverse=True)
    for p in range(patterns.shape[1]):
        missing = np.flatnonzero(patterns[:, p]).tolist()
        if not missing:
            continue
        select = inverse.reshape(-1) == p
        sub, weight = rows[:, select], counts[select]
        for comp in _components(families, missing):
            touching = [(i, f) for i, f in enumerate(families) if any(j in comp for j in f.scope)]
            joint = _component_joint(comp, [(f, tables[i]) for i, f in touching], cards, sub)
            axes = tuple(range(1, joint.ndim))
            p_obs = joint.sum(axis=axes)
            if (p_obs <= 0).any():
                raise ZeroEvidenceError(
                    "a row of the data has probability zero under the current model "
                    f"(its observed values cannot occur with {[model.variables[j] for j in comp]} "
                    "missing); start from a model without zeros"
                )
            total += float(np.dot(weight, np.log(p_obs)))
            if need_counts:
                post = joint * (weight / p_obs).reshape((-1,) + (1,) * len(comp))
                for i, fam in touching:
                    _add_expected(expected[i], fam, comp, post, sub, cards)
    return total, expected


def _add_expected(target, fam, comp, post, sub, cards):
    """Add a component posterior's mass to the cells of one family."""
    inside = [j for j in comp if j in fam.scope]
    drop = tuple(1 + a for a, j in enumerate(comp) if j not in fam.scope)
    marg = post.sum(axis=drop) if drop else post
    stride = dict(zip(fam.scope, fam.strides))
    base = np.zeros(sub.shape[1], dtype=np.intp)
    for j in fam.scope:
        if j not in comp:
            base += sub[j].astype(np.intp) * stride[j]
    index = base.reshape((-1,) + (1,) * len(inside))
    for a, j in enumerate(inside):
        shape = [1] * (len(inside) + 1)
        shape[a + 1] = cards[j]
        index = index + (np.arange(cards[j]) * stride[j]).reshape(shape)
    index = np.broadcast_to(index, marg.shape)
    target += np.bincount(index.reshape(-1), weights=marg.reshape(-1), minlength=target.size)


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
    _check_fit_options("bayes" if pseudo_count else "mle", pseudo_count, prior)
    if init not in (None, "model", "data"):
        raise PGMError(f"init must be None, 'model' or 'data', got {init!r}")
    if not (isinstance(max_iter, int) and max_iter >= 0):
        raise PGMError(f"max_iter must be a non-negative int, got {max_iter!r}")
    families = _families(model)
    codes = _codes(model, data, allow_missing=True)
    rows, counts = _unique_rows(codes.T)
    if init == "model" or (init is None and model.is_fully_specified()):
        model.check()
        current = model
    else:
        start = []
        for fam in families:
            ok = (rows[fam.scope] >= 0).all(axis=0)
            start.append(fam.counts(rows[:, ok], counts[ok]))
        current = _build(model, families, _tables(families, start, 1.0, "dirichlet"))
    history = []
    for iteration in range(max_iter + 1):
        ll, expected = _e_step(current, families, rows, counts, need_counts=iteration < max_iter)
        history.append(ll)
        if iteration == max_iter:
            break
        if iteration and ll - history[-2] < tol * abs(ll):
            break
        current = _build(model, families, _tables(families, expected, pseudo_count, prior))
    return EMResult(current, history)
