"""Loopy belief propagation (sum- and max-product) on the factor graph, with normalised messages.

Every factor->variable message of one table shape is updated by a few broadcast numpy calls per
sweep; the variable side is one ``np.bincount`` over all edge states in the log domain. Messages
are normalised (each factor table scaled by its maximum, each message by its own), so nothing
overflows or underflows on big grids. On trees and forests the fixed point is exact:
the marginals are the exact posteriors and the Bethe free energy gives the exact ``log Z``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._typing import RNGLike
from .._validate import check_int, check_number, check_option
from ..exceptions import OptionError
from ..factor import DiscreteFactor
from ._coded import compiled
from ._factor_graph_arrays import (
    LOG_ZERO,
    FactorGraphPlan,
    Tables,
    factor_graph_plan,
    is_zero,
    log_normalise,
    log_tables,
    named_marginals,
    normalise_states,
    q_log_q,
    split_states,
)
from ._query_args import evidence_codes, zero_evidence

__all__ = ["LoopyBPResult", "loopy_belief_propagation"]

SCHEDULES = ("parallel", "sequential", "residual")


class LoopyBPResult:
    """What :func:`loopy_belief_propagation` found: beliefs, the Bethe ``log Z`` and convergence.

    Attributes
    ----------
    marginals : dict
        ``{variable: DiscreteFactor}`` in declaration order; observed variables get a point mass.
        With ``max_product=True`` these are normalised max-marginals.
    factor_marginals : list of DiscreteFactor
        The belief over each factor's scope (one per CPD in declaration order for a Bayesian
        network, one per ``model.factors()`` entry for a Markov network).
    log_partition_function : float or None
        The Bethe approximation of ``log Z`` (``log P(evidence)`` for a Bayesian network);
        exact on trees. None for max-product.
    converged : bool
        Whether the largest message change fell below ``tol`` within ``max_iter`` sweeps.
    iterations : int
        Sweeps run.
    max_residual : float
        The largest change of a message (as a probability) in the last sweep.
    residuals : tuple of float
        ``max_residual`` after each sweep (a convergence trace).
    assignment : dict or None
        For max-product, the decoded ``{variable: state}`` of every unobserved variable.
    """

    def __init__(self, marginals: dict[str, DiscreteFactor], factor_beliefs: Any,
                 log_partition_function: float | None, residuals: list[float], converged: bool,
                 assignment: dict[str, str] | None) -> None:
        self.marginals = marginals
        self._factor_beliefs = factor_beliefs
        self._factor_marginals: list[DiscreteFactor] | None = None
        self.log_partition_function = log_partition_function
        self.residuals = tuple(residuals)
        self.iterations = len(residuals)
        self.max_residual = residuals[-1] if residuals else 0.0
        self.converged = converged
        self.assignment = assignment

    @property
    def factor_marginals(self) -> list[DiscreteFactor]:
        """list of DiscreteFactor: the belief over each factor's scope (built on first use)."""
        if self._factor_marginals is None:
            self._factor_marginals = self._factor_beliefs()
        return self._factor_marginals

    def __repr__(self) -> str:
        state = "converged" if self.converged else "not converged"
        z = "" if self.log_partition_function is None else f" log_Z={self.log_partition_function:.6g}"
        return (f"<LoopyBPResult {len(self.marginals)} variables, {state} after "
                f"{self.iterations} iterations{z}>")


def loopy_belief_propagation(
    model: Any,
    evidence: Mapping[str, Any] | None = None,
    *,
    max_product: bool = False,
    damping: float = 0.0,
    schedule: str = "parallel",
    max_iter: int = 1000,
    tol: float = 1e-9,
    rng: RNGLike = None,
) -> LoopyBPResult:
    """Approximate every posterior marginal by loopy belief propagation on the factor graph.

    Each CPD (Bayesian network) or factor (Markov network) is a factor node; observed variables
    are sliced out of the tables first. Messages are normalised and updated for all factors of
    one table shape at once. On a tree or a forest the result is exact; on a graph
    with loops it is the Bethe approximation, which may not converge (see ``damping``).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    evidence : dict, optional
        ``{variable: state}``; those variables are clamped.
    max_product : bool, optional
        Max-product instead of sum-product: ``marginals`` are max-marginals and ``assignment``
        holds their argmax (the MAP assignment on a tree when it is unique).
    damping : float, optional
        In ``[0, 1)``: each new log message is ``(1 - damping) * new + damping * old``; damping
        helps on frustrated models whose messages oscillate.
    schedule : {"parallel", "sequential", "residual"}, optional
        ``"parallel"`` updates every message from the previous sweep's; ``"sequential"`` updates
        one colour class of factors (no two share a variable) at a time, so each sees the
        newest messages; ``"residual"`` computes every update and applies those whose change is
        at least half the largest one.
    max_iter : int, optional
        Maximum number of sweeps.
    tol : float, optional
        Stop when no message changes by more than this (as a probability).
    rng : int, numpy.random.Generator or None, optional
        For ``"sequential"``: visit the colour classes in a random order each sweep (None keeps
        a fixed order).

    Returns
    -------
    LoopyBPResult
        ``.marginals``, ``.factor_marginals``, ``.log_partition_function`` (Bethe), ``.converged``,
        ``.iterations``, ``.max_residual``, ``.residuals`` and, for max-product, ``.assignment``.

    Raises
    ------
    ZeroEvidenceError
        If the evidence is impossible: a fully observed factor is zero, or a message or belief
        becomes identically zero (on a tree that is exactly P(evidence) = 0).
    VariableNotFoundError
        For an unknown variable or state in ``evidence``.
    OptionError
        For an unknown schedule, a damping outside ``[0, 1)``, ``max_iter < 1`` or ``tol < 0``.

    Examples
    --------
    On a tree (here a chain of CPDs) belief propagation is exact:

    >>> bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.3, 0.7]),
    ...                               pl.TabularCPD("B", [[0.9, 0.1], [0.2, 0.8]], ["A"])])
    >>> bp = pl.loopy_belief_propagation(bn, {"B": "1"})
    >>> bp.converged, np.round(bp.marginals["A"].values, 4)
    (True, array([0.0508, 0.9492]))
    >>> round(float(np.exp(bp.log_partition_function)), 4)   # P(B = 1)
    0.59
    >>> pl.loopy_belief_propagation(bn, max_product=True).assignment
    {'A': '1', 'B': '1'}
    """
    check_option("schedule", schedule, SCHEDULES)
    damping = check_number("damping", damping, minimum=0.0)
    if damping >= 1.0:
        raise OptionError(f"damping must be in [0, 1), got {damping}")
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_number("tol", tol, minimum=0.0)
    c = compiled(model)
    evidence_ids, codes = evidence_codes(c, dict(evidence) if evidence else None)
    error = zero_evidence(c, evidence_ids, codes)
    plan = factor_graph_plan(c, evidence_ids, by_colour=schedule == "sequential")
    tables = log_tables(c, plan, codes, error)
    run = _Run(plan, tables, bool(max_product), damping, error)
    blocks = _blocks(plan, schedule)
    order = np.random.default_rng(rng) if rng is not None and schedule == "sequential" else None
    residuals: list[float] = []
    converged = False
    with np.errstate(divide="ignore"):
        for _ in range(max_iter):
            if schedule == "residual":
                residual = run.residual_step()
            else:
                visit = blocks if order is None else [blocks[i] for i in order.permutation(len(blocks))]
                residual = max((run.update(block) for block in visit), default=0.0)
            residuals.append(residual)
            if residual <= tol:
                converged = True
                break
    return _result(c, plan, tables, run, residuals, converged, dict(zip(evidence_ids, codes)))


def _blocks(plan: FactorGraphPlan, schedule: str) -> list[list[int]]:
    if schedule != "sequential":
        return [list(range(len(plan.groups)))]
    blocks: list[list[int]] = [[] for _ in range(plan.n_colours)]
    for i, g in enumerate(plan.groups):
        blocks[g.colour].append(i)
    return [b for b in blocks if b]


def _exclusive(table: np.ndarray, incoming: list[np.ndarray], j: int, combine: Any = np.add) -> np.ndarray:
    """Stacked factor tables combined with every incoming message except the one on axis ``j``."""
    a = len(incoming)
    x = table
    for i, n in enumerate(incoming):
        if i != j:
            shape = [1] * a + [n.shape[1]]
            shape[i] = n.shape[0]
            x = combine(x, n.reshape(shape))
    return x


class _Run:
    """The message state of one run.

    Factor->variable messages are kept normalised twice over: as probabilities ``m`` (for the
    factor side, where a message is a sum of products, and for residuals) and as logs ``m_log``
    (for the variable side, where a belief is a sum of logs: one ``bincount``). Each factor
    table is scaled by its maximum, and each variable->factor message by its own maximum, so
    the products stay in ``[0, 1]``.
    """

    def __init__(self, plan: FactorGraphPlan, tables: Tables, max_product: bool, damping: float,
                 error: Exception) -> None:
        self.plan, self.tables, self.max_product, self.damping, self.error = (
            plan, tables, max_product, damping, error)
        self.scaled = []
        for log_table in tables.logs:
            top = log_table.max(axis=tuple(range(log_table.ndim - 1)), keepdims=True)
            self.scaled.append(np.exp(log_table - top))
        self.m = np.zeros(len(plan.edge_var))
        for g in plan.groups:
            for s in g.slots:
                self.m[s] = 1.0 / s.shape[0]
        self.m_log = np.log(self.m)
        self._refresh()

    def _refresh(self) -> None:
        plan = self.plan
        self.belief = self.tables.prior + np.bincount(plan.edge_var, weights=self.m_log, minlength=plan.n_states)
        self.n_log = self.belief[plan.edge_var] - self.m_log

    def _proposal(self, i: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Compute the new (damped, normalised) outgoing messages of group ``i`` and their changes."""
        g = self.plan.groups[i]
        incoming = []
        for s in g.slots:
            n_log = self.n_log[s]
            incoming.append(np.exp(n_log - n_log.max(axis=0)))
        outs, change = [], np.zeros(len(g.factor_ids))
        for j, s in enumerate(g.slots):
            x = _exclusive(self.scaled[i], incoming, j, np.multiply)
            axes = tuple(a for a in range(x.ndim - 1) if a != j)
            out = x.max(axis=axes) if self.max_product else x.sum(axis=axes)
            total = out.sum(axis=0)
            if not total.all():
                raise self.error
            out = out / total
            old = self.m[s]
            if self.damping:
                out = (1.0 - self.damping) * out + self.damping * old
            change = np.maximum(change, np.abs(out - old).max(axis=0))
            outs.append(out)
        return outs, change

    def _commit(self, slots: np.ndarray, out: np.ndarray) -> None:
        self.m[slots] = out
        self.m_log[slots] = np.maximum(np.log(out), LOG_ZERO)  # log(0) warnings are off for the run

    def update(self, block: list[int]) -> float:
        """Update every group of ``block`` from the current messages; return the largest change."""
        residual = 0.0
        for i in block:
            outs, change = self._proposal(i)
            for s, out in zip(self.plan.groups[i].slots, outs):
                self._commit(s, out)
            residual = max(residual, float(change.max(initial=0.0)))
        self._refresh()
        return residual

    def residual_step(self) -> float:
        """Propose every update; apply those whose change is at least half the largest one."""
        proposals = [self._proposal(i) for i in range(len(self.plan.groups))]
        residual = max((float(ch.max(initial=0.0)) for _, ch in proposals), default=0.0)
        for g, (outs, change) in zip(self.plan.groups, proposals):
            keep = change >= 0.5 * residual
            for s, out in zip(g.slots, outs):
                self._commit(s[:, keep], out[:, keep])
        self._refresh()
        return residual

    def factor_log_beliefs(self) -> list[np.ndarray]:
        """Normalised log belief of every factor of every group: (k_1, ..., k_a, F) each."""
        out = []
        for i, g in enumerate(self.plan.groups):
            x = _exclusive(self.tables.logs[i], [self.n_log[s] for s in g.slots], -1)
            out.append(log_normalise(x, axis=tuple(range(x.ndim - 1)))[0])
        return out


def _bethe(plan: FactorGraphPlan, tables: Tables, q: np.ndarray, factor_logs: list[np.ndarray]) -> float:
    """``log Z`` at the Bethe free energy of the current beliefs (exact on trees)."""
    total = tables.constant
    for log_table, log_b in zip(tables.logs, factor_logs):
        b = np.exp(log_b)
        total += float((b * (log_table - log_b)).sum())
    total += float(q @ tables.prior) + float(((plan.degree[plan.state_var] - 1) * q_log_q(q)).sum())
    return total


def _result(c: Any, plan: FactorGraphPlan, tables: Tables, run: _Run, residuals: list[float],
            converged: bool, observed: dict[int, int]) -> LoopyBPResult:
    q, mass = normalise_states(plan, run.belief)
    if is_zero(mass).any():
        raise run.error
    per_var = split_states(plan, q)
    marginals = named_marginals(c, plan, q, observed)
    factor_logs = run.factor_log_beliefs()
    log_z = None if run.max_product else _bethe(plan, tables, q, factor_logs)
    assignment = None
    if run.max_product:
        assignment = {c.names[v]: c.states[v][int(np.argmax(per_var[v]))] for v in plan.free.tolist()}

    def factor_beliefs() -> list[DiscreteFactor]:
        return _factor_marginals(c, plan, factor_logs, per_var, observed)

    return LoopyBPResult(marginals, factor_beliefs, log_z, residuals, converged, assignment)


def _factor_marginals(c: Any, plan: FactorGraphPlan, factor_logs: list[np.ndarray],
                      per_var: dict[int, np.ndarray], observed: dict[int, int]) -> list[DiscreteFactor]:
    """One belief per model factor over its full scope (observed axes hold a point mass)."""
    reduced: list[Any] = [None] * len(c.tables)
    for g, log_b in zip(plan.groups, factor_logs):
        for f, values in zip(g.factor_ids.tolist(), np.moveaxis(np.exp(log_b), -1, 0)):
            reduced[f] = values
    for g in (*plan.unary, *plan.constant):
        for f, free in zip(g.factor_ids.tolist(), g.free_vars.tolist()):
            reduced[f] = per_var[free[0]] if free else np.ones(())
    out = []
    for f, scope in enumerate(c.scopes):
        values = np.zeros(tuple(c.cards[v] for v in scope))
        values[tuple(observed[v] if v in observed else slice(None) for v in scope)] = reduced[f]
        names = tuple(c.names[v] for v in scope)
        out.append(DiscreteFactor.from_validated(names, values, {c.names[v]: c.states[v] for v in scope}))
    return out
