"""Expectation-maximisation for Bayesian-network parameters from data with missing values.

The E-step is exact. The missing variables of a row split into components (two are linked when
some CPD mentions both), and given the observed values each component's posterior is independent
of the others. A small component's joint posterior is computed for all rows missing it at once by
broadcasting the CPD tables (observed axes indexed, missing axes kept). A large one (more than
``MAX_COMPONENT`` joint states) goes to exact inference instead: one compiled, batched query
(:func:`pgm_lite.compile_query`) per family, for the posterior of that family's missing variables
given the pattern's observed ones. Expected counts are weighted ``np.bincount`` calls per family.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .exceptions import PGMError, ZeroEvidenceError
from .learning import _build, _check_fit_options, _codes, _families, _tables, _unique_rows

__all__ = ["fit_em", "EMResult"]

MAX_COMPONENT = 2**12  # joint states of one component enumerated directly; larger ones use inference
_CHUNK_ENTRIES = 2**21  # rows x joint states per direct step (16 MiB of float64)


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
    joint = np.ones((m, *(cards[j] for j in comp)))
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


def _zero_row(model, where):
    return ZeroEvidenceError(
        f"a row of the data has probability zero under the current model ({where}); "
        "start from a model without zeros (e.g. init='data')"
    )


def _direct(model, comp, touching, tables, cards, sub, weight, expected, row_ll):
    """Small component: enumerate its joint for every row of the pattern (in row chunks)."""
    size = math.prod(cards[j] for j in comp)
    step = max(1, _CHUNK_ENTRIES // size)
    for start in range(0, sub.shape[1], step):
        part, w = sub[:, start:start + step], weight[start:start + step]
        joint = _component_joint(comp, [(f, tables[i]) for i, f in touching], cards, part)
        p_obs = joint.sum(axis=tuple(range(1, joint.ndim)))
        if (p_obs <= 0).any():
            raise _zero_row(model, f"its observed values exclude every state of "
                                   f"{[model.variables[j] for j in comp]}")
        row_ll[start:start + step] += np.log(p_obs)
        if expected is not None:
            post = joint * (w / p_obs).reshape((-1,) + (1,) * len(comp))
            for i, fam in touching:
                _add_expected(expected[i], fam, comp, post, part, cards)


def _by_inference(model, comp, touching, cards, sub, weight, expected):
    """Large component: batched exact posteriors of each family's missing variables.

    Returns P(observed values) per row (the whole row, not only this component).
    """
    from .inference import compile_query

    names = model.variables
    seen = [j for j in range(sub.shape[0]) if (sub[j] >= 0).all()]
    evidence = np.ascontiguousarray(sub[seen].T, dtype=np.int64)
    p_e = None
    for i, fam in touching:
        query = [j for j in comp if j in fam.scope]
        compiled = compile_query(model, [names[j] for j in query], [names[j] for j in seen])
        post, p_e = compiled(evidence, zero="nan")
        if not (p_e > 0).all():
            raise _zero_row(model, "exact inference gives P(observed values) = 0")
        if expected is not None:
            post = post.reshape(-1, *(cards[j] for j in query)) * weight.reshape((-1,) + (1,) * len(query))
            _add_expected(expected[i], fam, query, post, sub, cards)
    return p_e


class _EStep:
    """The data-dependent layout of the E-step, computed once and reused by every iteration.

    Cells of families that are fully observed in a row never change, nor do the components of
    missing variables and the families touching them; only the tables do. Rows are grouped by
    component, not by whole missingness pattern: a component's posterior needs only the observed
    values of the families touching it, so rows with different patterns share one batch.
    """

    def __init__(self, model, families, rows, counts):
        self.families, self.rows, self.counts = families, rows, counts
        self.cards = [len(model.states(v)) for v in model.variables]
        observed = rows >= 0
        self.observed_cells = []  # per family: (rows where it is fully observed, their cells)
        self.observed_counts = []
        for fam in families:
            ok = np.flatnonzero(observed[fam.scope].all(axis=0))
            cells = fam.cells(rows[:, ok])
            self.observed_cells.append((ok, cells))
            self.observed_counts.append(np.bincount(cells, weights=counts[ok], minlength=fam.size))
        small, self.large = {}, []  # component -> row-index arrays; (component, rows) to infer
        masks, inverse = np.unique(~observed, axis=1, return_inverse=True)
        inverse = inverse.reshape(-1)
        for p in range(masks.shape[1]):
            missing = np.flatnonzero(masks[:, p]).tolist()
            if not missing:
                continue
            select = np.flatnonzero(inverse == p)
            for comp in _components(families, missing):
                if math.prod(self.cards[j] for j in comp) <= MAX_COMPONENT:
                    small.setdefault(tuple(comp), []).append(select)
                else:
                    self.large.append((comp, self._touching(comp), select))
        self.small = [(list(comp), self._touching(comp), np.concatenate(parts))
                      for comp, parts in small.items()]

    def _touching(self, comp):
        return [(i, f) for i, f in enumerate(self.families) if any(j in comp for j in f.scope)]

    def __call__(self, model, need_counts=True):
        """Return (observed-data log-likelihood, expected counts per family or None)."""
        tables = [model.cpd(f.variable).table for f in self.families]
        expected = [c.copy() for c in self.observed_counts] if need_counts else None
        row_ll = np.zeros(self.rows.shape[1])  # log P(observed part) of every distinct row
        with np.errstate(divide="ignore"):
            for (ok, cells), table in zip(self.observed_cells, tables):
                row_ll[ok] += np.log(table.reshape(-1)[cells])
        if not np.isfinite(row_ll).all():
            raise _zero_row(model, "some observed values have probability 0 given their observed parents")
        for comp, touching, select in self.small:
            ll = np.zeros(len(select))
            _direct(model, comp, touching, tables, self.cards, self.rows[:, select],
                    self.counts[select], expected, ll)
            row_ll[select] += ll
        for comp, touching, select in self.large:  # P(observed) of the whole row replaces the sum
            whole = _by_inference(model, comp, touching, self.cards, self.rows[:, select],
                                  self.counts[select], expected)
            row_ll[select] = np.log(whole)
        return float(np.dot(self.counts, row_ll)), expected


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
    _check_fit_options("mle", pseudo_count, prior)
    if isinstance(pseudo_count, bool) or not isinstance(pseudo_count, (int, float)) or pseudo_count < 0:
        raise PGMError(f"pseudo_count must be a number >= 0, got {pseudo_count!r}")
    if init not in (None, "model", "data"):
        raise PGMError(f"init must be None, 'model' or 'data', got {init!r}")
    if not (isinstance(max_iter, int) and max_iter >= 0):
        raise PGMError(f"max_iter must be a non-negative int, got {max_iter!r}")
    families = _families(model)
    codes = _codes(model, data, allow_missing=True)
    rows, counts = _unique_rows(codes.T)
    if init == "model" or (init is None and model.is_fully_specified()):
        model.check()
        current = model.copy()
    else:
        start = []
        for fam in families:
            ok = (rows[fam.scope] >= 0).all(axis=0)
            start.append(fam.counts(rows[:, ok], counts[ok]))
        current = _build(model, families, _tables(families, start, 1.0, "dirichlet"))
    e_step = _EStep(model, families, rows, counts)
    history = []
    for iteration in range(max_iter + 1):
        ll, expected = e_step(current, need_counts=iteration < max_iter)
        history.append(ll)
        if iteration == max_iter:
            break
        if iteration and ll - history[-2] < tol * abs(ll):
            break
        current = _build(model, families, _tables(families, expected, pseudo_count, prior))
    return EMResult(current, history)
