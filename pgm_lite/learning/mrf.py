"""Maximum likelihood (and pseudo-likelihood) for the tables of a Markov network.

The model is log-linear with one indicator feature per cell of every factor: ``theta_f = log
phi_f``. The mean log-likelihood of complete data is ``sum_f <p_data_f, theta_f> - log Z(theta)``,
concave, with gradient ``p_data_f - p_theta_f``: the data's marginal over each factor's scope minus
the model's. At the optimum the two agree (moment matching). The model marginals and ``Z`` come
from the exact engine (:func:`pgm_lite.query` and the partition function), and scipy's
L-BFGS-B does the steps (scipy is an optional dependency, imported on use). A hand-written L-BFGS
(two-loop recursion, Armijo backtracking) was tried and dropped: on the over-parameterised
indicator features it crawled near the optimum (2,000 iterations without reaching a 1e-10
gradient) where L-BFGS-B's line search needs a few hundred evaluations.

When exact inference does not fit in ``max_memory`` (big grids), ``method="pseudo_likelihood"``
maximises ``sum_i log P(x_i | x_-i)`` instead: each conditional needs only the factors that touch
``x_i``, all rows at once, and the estimate is consistent.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import tuning
from .._validate import check_int, check_number, check_option
from ..exceptions import MemoryLimitError, PGMError
from ..factor import DiscreteFactor
from ..inference import query
from ..markov_network import MarkovNetwork
from ._estep import distinct_columns, incomplete_log_likelihood

__all__ = ["MRF_METHODS", "fit_markov_network", "markov_log_likelihood"]

MRF_METHODS = ("mle", "pseudo_likelihood")


class _Scopes:
    """Factor scopes as column indices, with cell indices of the data rows and data marginals."""

    def __init__(self, model: MarkovNetwork, scopes: list[tuple[str, ...]], rows: np.ndarray,
                 counts: np.ndarray) -> None:
        column = {v: j for j, v in enumerate(model.variables)}
        self.names = scopes
        self.index = [[column[v] for v in s] for s in scopes]
        self.shapes = [tuple(model.cardinality(v) for v in s) for s in scopes]
        self.sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.cells = [np.ravel_multi_index(tuple(rows[j] for j in idx), shape)
                      for idx, shape in zip(self.index, self.shapes)]
        self.weights = counts / counts.sum()
        self.empirical = np.concatenate([np.bincount(c, weights=self.weights, minlength=n)
                                         for c, n in zip(self.cells, self.sizes)])

    def split(self, theta: np.ndarray) -> list[np.ndarray]:
        return [theta[a:b].reshape(shape) for a, b, shape in
                zip(self.offsets[:-1], self.offsets[1:], self.shapes)]


def _scopes_of(model: MarkovNetwork) -> list[tuple[str, ...]]:
    """Return the scopes to fit: the model's factor scopes, else one per edge plus lone variables."""
    scopes = [f.variables for f in model.factors()]
    if not scopes:
        scopes = [tuple(e) for e in model.edges]
    covered = {v for s in scopes for v in s}
    return list(dict.fromkeys(scopes + [(v,) for v in model.variables if v not in covered]))


def _network(model: MarkovNetwork, scopes: _Scopes, theta: np.ndarray) -> MarkovNetwork:
    """Return the Markov network with tables ``exp(theta_f - max theta_f)`` (largest entry 1)."""
    factors = [
        DiscreteFactor(s, np.exp(t - t.max()), {v: model.states(v) for v in s})
        for s, t in zip(scopes.names, scopes.split(theta))
    ]
    return MarkovNetwork(model.edges, factors, variables=model.variables,
                         states=dict(model.state_names))


def _exact(model: MarkovNetwork, scopes: _Scopes, theta: np.ndarray, max_memory: int
           ) -> tuple[float, np.ndarray]:
    """Mean log-likelihood of the data and its gradient (data minus model marginals).

    A model small enough to enumerate (``tuning.EM_MAX_COMPONENT`` joint states, the size below
    which EM enumerates a component too) takes one query of the joint, marginalised per scope;
    a bigger one takes one query per scope.
    """
    net = _network(model, scopes, theta)
    shift = sum(float(t.max()) for t in scopes.split(theta))
    log_z = np.log(net.partition_function(max_memory=max_memory)) + shift
    if net.n_joint_states() <= tuning.EM_MAX_COMPONENT:
        joint = query(net, net.variables, max_memory=max_memory).values
        column = {v: j for j, v in enumerate(net.variables)}
        parts = []
        for s in scopes.names:
            keep = [column[v] for v in s]
            table = joint.sum(axis=tuple(j for j in range(joint.ndim) if j not in keep))
            parts.append(np.transpose(table, np.argsort(np.argsort(keep))).reshape(-1))
        marginals = np.concatenate(parts)
    else:
        marginals = np.concatenate([query(net, list(s), max_memory=max_memory).values.reshape(-1)
                                    for s in scopes.names])
    return float(scopes.empirical @ theta - log_z), scopes.empirical - marginals


class _PseudoLikelihood:
    """``sum_i log P(x_i | x_-i)`` and its gradient, planned once for the data.

    The conditional of ``x_i`` depends on a row only through ``x_i`` and the variables that share
    a factor with it, so rows are grouped by those values first: on a grid, 20,000 rows become at
    most 32 patterns per variable. Every pattern's table cells (one per state of ``x_i``) are
    precomputed; an evaluation is then a gather, a log-softmax and a weighted ``bincount``.
    """

    def __init__(self, model: MarkovNetwork, scopes: _Scopes, rows: np.ndarray) -> None:
        touching: dict[int, list[tuple[int, int]]] = {}
        for f, idx in enumerate(scopes.index):
            for a, j in enumerate(idx):
                touching.setdefault(j, []).append((f, a))
        self.size = int(scopes.offsets[-1])
        self.plans = []  # per variable: (pattern weights, observed state, cells (P, u, k))
        for j, pairs in sorted(touching.items()):
            near = sorted({i for f, _ in pairs for i in scopes.index[f]})
            patterns, inverse, _ = distinct_columns(rows[near])
            weight = np.bincount(inverse.reshape(-1), weights=scopes.weights, minlength=patterns.shape[1])
            at = {i: b for b, i in enumerate(near)}
            states = np.arange(model.cardinality(model.variables[j]))
            mine = patterns[at[j]].astype(np.intp)
            cells = []
            for f, a in pairs:
                shape = scopes.shapes[f]
                base = np.ravel_multi_index(tuple(patterns[at[i]] for i in scopes.index[f]), shape)
                stride = int(np.prod(shape[a + 1:]))
                cells.append(scopes.offsets[f] + base[:, None] + (states - mine[:, None]) * stride)
            self.plans.append((weight, mine, np.stack(cells)))
        self.observed = np.concatenate([  # the cells of the data rows, once per variable of the scope
            len(idx) * np.bincount(c, weights=scopes.weights, minlength=n)
            for idx, c, n in zip(scopes.index, scopes.cells, scopes.sizes)])

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        grad = self.observed.copy()
        total = 0.0
        for weight, mine, cells in self.plans:
            logits = theta[cells].sum(axis=0)
            logits -= logits.max(axis=1, keepdims=True)
            log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            total += float(weight @ log_p[np.arange(len(mine)), mine])
            p = np.broadcast_to(np.exp(log_p) * weight[:, None], cells.shape)
            grad -= np.bincount(cells.reshape(-1), weights=p.reshape(-1), minlength=self.size)
        return total, grad


def fit_markov_network(model: MarkovNetwork, codes: np.ndarray, *, method: str = "mle", l2: float = 0.0,
                       max_iter: int = 500, tol: float = 1e-9, weights: np.ndarray | None = None,
                       max_memory: int | None = None) -> MarkovNetwork:
    """Fit the factor tables of ``model`` to complete data given as ``(n_variables, n_rows)`` codes.

    The public entry point is :func:`pgm_lite.fit`, which validates and encodes the data.
    """
    check_option("method", method, MRF_METHODS, what="Markov network fit method")
    l2 = check_number("l2", l2, minimum=0.0)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_number("tol", tol, minimum=0.0, strict=True)
    memory = tuning.DEFAULT_MAX_MEMORY if max_memory is None else check_int("max_memory", max_memory, minimum=1)
    try:
        from scipy.optimize import minimize
    except ImportError as err:  # pragma: no cover - scipy comes with the dev extra
        raise PGMError("fitting a MarkovNetwork needs scipy: pip install scipy") from err
    rows, counts = _weighted_rows(codes, np.ones(codes.shape[1]) if weights is None else weights)
    scopes = _Scopes(model, _scopes_of(model), rows, counts)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _exact(model, scopes, theta, memory) if pseudo is None else pseudo(theta)
        return -value + 0.5 * l2 * float(theta @ theta), -grad + l2 * theta

    pseudo = _PseudoLikelihood(model, scopes, rows) if method == "pseudo_likelihood" else None
    theta = np.zeros(int(scopes.offsets[-1]))
    if method == "mle":
        try:
            objective(theta)
        except MemoryLimitError as err:
            raise MemoryLimitError(f"{err}; exact maximum likelihood needs exact inference at every step: "
                                   "use method='pseudo_likelihood' for a model this large") from err
    result = minimize(objective, theta, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "gtol": tol, "ftol": tol * 1e-3})
    if result.status == 1:
        warnings.warn(f"the Markov network fit stopped after max_iter={max_iter} iterations with a "
                      f"gradient of {np.abs(result.jac).max():.3g}; raise max_iter or tol",
                      RuntimeWarning, stacklevel=3)
    return _network(model, scopes, result.x)


def _weighted_rows(codes: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, inverse, _ = distinct_columns(codes)
    counts = np.bincount(inverse, weights=weights, minlength=rows.shape[1])
    keep = counts > 0
    return np.ascontiguousarray(rows[:, keep]), counts[keep]


class _FactorCells:
    """A factor's scope as column indices, with the strides that make a flat cell index (for the E-step)."""

    def __init__(self, factor: DiscreteFactor, column: dict[str, int]) -> None:
        self.scope = [column[v] for v in factor.variables]
        self.shape = factor.values.shape
        self.size = int(factor.values.size)
        self.strides = [int(np.prod(self.shape[a + 1:])) for a in range(len(self.shape))]

    def cells(self, codes: np.ndarray) -> np.ndarray:
        """Flat cell index of every (fully observed) column of ``codes``."""
        return np.ravel_multi_index(tuple(codes[j] for j in self.scope), self.shape)


def markov_log_likelihood(model: MarkovNetwork, codes: np.ndarray) -> float:
    """Total log-likelihood ``sum_rows log P(row)`` of ``(n_variables, n_rows)`` codes.

    A missing cell (code -1) is summed out: a row contributes ``log sum_completions P(row)``,
    the missing variables enumerated per component (they are independent given the observed
    ones), as EM's E-step does for a Bayesian network. ``-inf`` when a row is impossible.
    """
    model.check()
    log_z = model.log_partition_function()
    column = {v: j for j, v in enumerate(model.variables)}
    factors = model.factors()
    if not (codes >= 0).all():
        return incomplete_log_likelihood(model, [_FactorCells(f, column) for f in factors], codes,
                                         tables=[f.values for f in factors], log_normaliser=log_z)
    total = 0.0
    with np.errstate(divide="ignore"):
        for f in factors:
            total += float(np.log(f.values[tuple(codes[column[v]] for v in f.variables)]).sum())
    return total - codes.shape[1] * log_z
