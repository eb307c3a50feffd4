"""Naive mean field: a fully factorised q(x) = prod_v q_v(x_v) fitted by coordinate ascent.

Each update sets ``log q_v = log prior_v + sum_f E_q[log phi_f | x_v]`` (normalised). Variables of
one colour of the interaction graph share no factor, so updating a whole colour at once is the
same as updating them one after another: a sweep is a few broadcast numpy calls per colour, and
the evidence lower bound (ELBO) never decreases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._typing import RNGLike
from .._validate import check_int, check_number
from ..factor import DiscreteFactor
from ..progress import progress_bar
from ._coded import compiled
from ._factor_graph_arrays import (
    FactorGraphPlan,
    Tables,
    factor_graph_plan,
    log_tables,
    named_marginals,
    normalise_states,
    q_log_q,
    variable_colours,
)
from ._query_args import evidence_codes, zero_evidence

__all__ = ["MeanFieldResult", "mean_field"]


class MeanFieldResult:
    """What :func:`mean_field` found.

    Attributes
    ----------
    marginals : dict
        ``{variable: DiscreteFactor}``: the factors q_v of the fitted q, in declaration order;
        observed variables get a point mass.
    elbo : float
        The evidence lower bound ``E_q[log p~(x)] + H(q)`` at the end: at most ``log Z``
        (``log P(evidence)`` for a Bayesian network).
    elbo_history : tuple of float
        The ELBO after each sweep (non-decreasing).
    converged : bool
        Whether the largest change of a q_v fell below ``tol`` within ``max_iter`` sweeps.
    iterations : int
        Sweeps run.
    """

    def __init__(self, marginals: dict[str, DiscreteFactor], history: list[float], converged: bool) -> None:
        self.marginals = marginals
        self.elbo_history = tuple(history)
        self.elbo = history[-1]
        self.iterations = len(history) - 1
        self.converged = converged

    def __repr__(self) -> str:
        state = "converged" if self.converged else "not converged"
        return (f"<MeanFieldResult {len(self.marginals)} variables, {state} after "
                f"{self.iterations} iterations, elbo={self.elbo:.6g}>")


def mean_field(
    model: Any,
    evidence: Mapping[str, Any] | None = None,
    *,
    max_iter: int = 1000,
    tol: float = 1e-9,
    rng: RNGLike = None,
    progress: bool | None = None,
) -> MeanFieldResult:
    """Fit a fully factorised approximation of ``P(X | evidence)`` by naive mean field.

    Sequential coordinate ascent on the evidence lower bound ``E_q[log p~(x)] + H(q)``, where
    ``p~`` is the unnormalised product of the model's factors (CPDs) with the evidence clamped.
    Each update can only raise the bound, which stays below ``log Z``; mean field is exact
    when the variables are independent, and on strongly coupled models it settles in one mode.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Any fully specified model; CPDs count as factors.
    evidence : dict, optional
        Observed ``{variable: state}``, clamped before fitting.
    max_iter : int, optional
        Maximum number of sweeps over all variables.
    tol : float, optional
        Stop when no q_v changes by more than this (as a probability).
    rng : int, numpy.random.Generator or None, optional
        None starts from uniform q_v; a seed or generator starts from random ones (different
        starts may reach different local optima).
    progress : bool or None, optional
        Show a progress indicator with the current ELBO (see
        :func:`pgm_lite.progress.progress_bar`; None: only when stderr is a terminal).

    Returns
    -------
    MeanFieldResult
        ``.marginals``, ``.elbo``, ``.elbo_history``, ``.converged``, ``.iterations``.

    Raises
    ------
    ZeroEvidenceError
        If a fully observed factor is zero or the evidence leaves a variable no possible state.
    VariableNotFoundError
        For an unknown variable or state in ``evidence``.
    OptionError
        For ``max_iter < 1`` or ``tol < 0``.

    Examples
    --------
    >>> mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], [[4.0, 1.0], [1.0, 4.0]])])
    >>> mf = pl.mean_field(mn)
    >>> mf.converged, bool(mf.elbo <= np.log(mn.partition_function()))
    (True, True)
    """
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_number("tol", tol, minimum=0.0)
    c = compiled(model)
    evidence_ids, codes = evidence_codes(c, dict(evidence) if evidence else None)
    error = zero_evidence(c, evidence_ids, codes)
    plan = factor_graph_plan(c, evidence_ids)
    tables = log_tables(c, plan, codes, error)
    q = _start(plan, rng)
    colours = variable_colours(c, plan)
    history = [_elbo(plan, tables, q)]
    converged = False
    with progress_bar(max_iter, desc="mean field", progress=progress) as bar:
        for _ in range(max_iter):
            change = 0.0
            for mask in colours:
                new = normalise_states(plan, _field(plan, tables, q))[0]
                change = max(change, float(np.abs(new - q)[mask].max(initial=0.0)))
                q = np.where(mask, new, q)
            history.append(_elbo(plan, tables, q))
            bar.note(f"elbo={history[-1]:.6g}")
            bar.update()
            if change <= tol:
                converged = True
                break
    marginals = named_marginals(c, plan, q, dict(zip(evidence_ids, codes)))
    return MeanFieldResult(marginals, history, converged)


def _start(plan: FactorGraphPlan, rng: RNGLike) -> np.ndarray:
    """Uniform q_v (rng None) or random ones."""
    if rng is None:
        weights = np.ones(plan.n_states)
    else:
        weights = np.random.default_rng(rng).gamma(1.0, size=plan.n_states)
    return normalise_states(plan, np.log(weights))[0]


def _expectations(log_table: np.ndarray, qs: list[np.ndarray], j: int | None) -> np.ndarray:
    """``E[log phi | x_j]`` under the other q's for every factor of a group: (k_j, F); j=None: (F,)."""
    letters = "abcdefghijklmnopqrstuvwxy"[:len(qs)]
    others = [i for i in range(len(qs)) if i != j]
    subscripts = ",".join([letters + "z"] + [letters[i] + "z" for i in others])
    result = ("" if j is None else letters[j]) + "z"
    return np.einsum(f"{subscripts}->{result}", log_table, *(qs[i] for i in others))


def _field(plan: FactorGraphPlan, tables: Tables, q: np.ndarray) -> np.ndarray:
    """``log prior + sum_f E[log phi_f | x_v]`` for every var-state slot."""
    field = tables.prior.copy()
    for g, log_table in zip(plan.groups, tables.logs):
        var_slots = [plan.edge_var[s] for s in g.slots]
        qs = [q[s] for s in var_slots]
        for j, s in enumerate(var_slots):
            field += np.bincount(s.ravel(), weights=_expectations(log_table, qs, j).ravel(),
                                 minlength=plan.n_states)
    return field


def _elbo(plan: FactorGraphPlan, tables: Tables, q: np.ndarray) -> float:
    """``E_q[log p~] + H(q)`` (with the constant of the fully observed factors)."""
    total = tables.constant + float(q @ tables.prior)
    for g, log_table in zip(plan.groups, tables.logs):
        qs = [q[plan.edge_var[s]] for s in g.slots]
        total += float(_expectations(log_table, qs, None).sum())
    return total - float(q_log_q(q).sum())
