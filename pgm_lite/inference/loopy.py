"""Loopy belief propagation (sum- and max-product) on the factor graph, with normalised messages.

Every factor->variable message of one table shape is updated by a few broadcast numpy calls per
sweep (the pairwise messages of a whole Ising grid by a handful of ``einsum`` calls); shapes with
few factors (bnlearn networks have dozens) share one flat pass over all their (entry, axis) pairs
in the parallel schedule. The variable side is one ``np.bincount`` over all edge states in the
log domain. Messages are normalised (each factor table scaled by its maximum, each message by
its own), so nothing overflows or underflows on big grids. On trees and forests the fixed point is exact:
the marginals are the exact posteriors and the Bethe free energy gives the exact ``log Z``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import tuning
from .._typing import RNGLike
from .._validate import check_int, check_number, check_option
from ..exceptions import OptionError
from ..factor import DiscreteFactor
from ..progress import progress_bar
from ._coded import compiled
from ._factor_graph_arrays import (
    LOG_ZERO,
    FactorGraphPlan,
    FlatBundle,
    Tables,
    factor_graph_plan,
    flat_bundle,
    is_zero,
    log_normalise,
    log_tables,
    named_marginals,
    normalise_states,
    q_log_q,
    split_states,
    unary_messages,
)
from ._query_args import evidence_codes, zero_evidence

__all__ = ["LoopyBPResult", "check_loopy_options", "loopy_belief_propagation"]

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
    evidence : dict
        The observed ``{variable: state}`` the run was given.
    messages : dict
        The last factor->variable messages, ``{(factor index, variable): DiscreteFactor}``
        (normalised; factor indices as in ``factor_marginals``; none to observed variables).
        :func:`pgm_lite.render_factor_graph` draws them; run with ``max_iter=t, tol=0`` to
        see the messages of sweep ``t``.
    """

    def __init__(self, marginals: dict[str, DiscreteFactor], factor_beliefs: Any,
                 log_partition_function: float | None, residuals: list[float], converged: bool,
                 assignment: dict[str, str] | None, messages: Any = dict) -> None:
        self.marginals = marginals
        self._factor_beliefs = factor_beliefs
        self._factor_marginals: list[DiscreteFactor] | None = None
        self._build_messages = messages
        self._messages: dict[tuple[int, str], DiscreteFactor] | None = None
        self.evidence: dict[str, str] = {}
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

    @property
    def messages(self) -> dict[tuple[int, str], DiscreteFactor]:
        """dict: the last factor->variable messages ``{(factor index, variable): DiscreteFactor}``."""
        if self._messages is None:
            self._messages = self._build_messages()
        return self._messages

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
    progress: bool | None = None,
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
        In ``[0, 1)``: each new message (as probabilities) is
        ``(1 - damping) * new + damping * old``; damping helps on frustrated models whose
        messages oscillate.
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
    progress : bool or None, optional
        Show a progress indicator with the current largest residual (see
        :func:`pgm_lite.progress.progress_bar`; None: only when stderr is a terminal).

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
    damping, max_iter, tol = check_loopy_options(damping=damping, schedule=schedule, max_iter=max_iter, tol=tol)
    c = compiled(model)
    evidence_ids, codes = evidence_codes(c, dict(evidence) if evidence else None)
    error = zero_evidence(c, evidence_ids, codes)
    plan = factor_graph_plan(c, evidence_ids, by_colour=schedule == "sequential")
    tables = log_tables(c, plan, codes, error)
    run = _Run(plan, tables, bool(max_product), damping, error)
    if schedule == "parallel":
        few = tuple(i for i, g in enumerate(plan.groups) if len(g.factor_ids) < tuning.LOOPY_FLAT_BELOW)
        if few:
            run.use_flat(flat_bundle(c, plan, few))
    blocks = _blocks(plan, schedule)
    order = np.random.default_rng(rng) if rng is not None and schedule == "sequential" else None
    residuals: list[float] = []
    converged = False
    with np.errstate(divide="ignore"), progress_bar(max_iter, desc="loopy belief propagation",
                                                    progress=progress) as bar:
        for _ in range(max_iter):
            if schedule == "residual":
                residual = run.residual_step()
            else:
                visit = blocks if order is None else [blocks[i] for i in order.permutation(len(blocks))]
                residual = max((run.update(block) for block in visit), default=0.0)
            residuals.append(residual)
            bar.note(f"residual={residual:.2e}")
            bar.update()
            if residual <= tol:
                converged = True
                break
    return _result(c, plan, tables, run, residuals, converged, codes)


def check_loopy_options(*, damping: float = 0.0, schedule: str = "parallel", max_iter: int = 1000,
                        tol: float = 1e-9, max_product: bool = False) -> tuple[float, int, float]:
    """Check the options of :func:`loopy_belief_propagation`; return ``(damping, max_iter, tol)``.

    Raises
    ------
    OptionError
        For an unknown schedule, a damping outside ``[0, 1)``, ``max_iter < 1`` or ``tol < 0``.

    Examples
    --------
    >>> check_loopy_options(damping=0.5)
    (0.5, 1000, 1e-09)
    """
    check_option("schedule", schedule, SCHEDULES)
    damping = check_number("damping", damping, minimum=0.0)
    if damping >= 1.0:
        raise OptionError(f"damping must be in [0, 1), got {damping}")
    return damping, check_int("max_iter", max_iter, minimum=1), check_number("tol", tol, minimum=0.0)


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


def _sum_product_subscripts(arity: int) -> list[str]:
    """einsum subscripts of the sum-product message on each axis of an ``arity``-way group."""
    letters = "abcdefghijklmnopqrstuvwxy"[:arity]
    out = []
    for j in range(arity):
        inputs = [letters + "z"] + [letters[i] + "z" for i in range(arity) if i != j]
        out.append(",".join(inputs) + "->" + letters[j] + "z")
    return out


def _starts(lengths: np.ndarray) -> np.ndarray:
    """First index of each run of ``lengths`` laid end to end."""
    out = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=out[1:])
    return out


class _Run:
    """The message state of one run.

    Factor->variable messages are kept normalised twice over, in flat arrays with one slot per
    edge state: as probabilities ``m`` (for the factor side, where a message is a sum of
    products, and for residuals) and as logs ``m_log`` (for the variable side, where a belief
    is a sum of logs: one ``bincount``). The slots of one group's axis are a contiguous range,
    so each group reads and writes its messages through views (no gathers). Each factor table
    is scaled by its maximum, and each variable->factor message by its own maximum, so the
    products stay in ``[0, 1]``.
    """

    def __init__(self, plan: FactorGraphPlan, tables: Tables, max_product: bool, damping: float,
                 error: Exception) -> None:
        self.plan, self.tables, self.max_product, self.damping, self.error = (
            plan, tables, max_product, damping, error)
        self.scaled = []
        for log_table in tables.logs:
            top = log_table.max(axis=tuple(range(log_table.ndim - 1)), keepdims=True)
            self.scaled.append(np.exp(log_table - top))
        n_edges = len(plan.edge_var)
        self.m = np.empty(n_edges)
        self.m_log = np.empty(n_edges)
        self.n_log = np.empty(n_edges)
        #: per group, per free axis: the (start, stop, k, F) range of its edge-state slots
        self.ranges: list[list[tuple[int, int, int, int]]] = []
        for g in plan.groups:
            axes = []
            for s in g.slots:
                first = int(s.flat[0])
                axes.append((first, first + s.size, s.shape[0], s.shape[1]))
                self.m[first:first + s.size] = 1.0 / s.shape[0]
            self.ranges.append(axes)
        self.subscripts = {g.free_vars.shape[1]: _sum_product_subscripts(g.free_vars.shape[1])
                           for g in plan.groups}
        np.log(self.m, out=self.m_log)
        self.flat: FlatBundle | None = None
        self.flat_log_table = self.flat_edge_starts = np.zeros(0, dtype=np.int64)
        self._refresh()

    def use_flat(self, bundle: FlatBundle) -> None:
        """Update the groups of ``bundle`` by one flat pass each sweep instead of group by group."""
        self.flat = bundle
        self.flat_edge_starts = _starts(bundle.edge_pairs)
        self.flat_log_table = np.concatenate(
            [np.moveaxis(self.tables.logs[i], -1, 0).ravel() for i in bundle.group_ids])

    def _flat_update(self) -> float:
        """One sum- (or max-) product pass over every factor of the flat bundle; the largest change."""
        b = self.flat
        assert b is not None
        incoming = self.n_log.take(b.slot_of_pair)
        total = self.flat_log_table + np.bincount(b.entry_of_pair, weights=incoming,
                                                  minlength=len(self.flat_log_table))
        exclusive = total.take(b.entry_of_pair) - incoming
        exclusive -= np.repeat(np.maximum.reduceat(exclusive, self.flat_edge_starts), b.edge_pairs)
        w = np.exp(exclusive)
        reduce = np.maximum if self.max_product else np.add
        out = reduce.reduceat(w, b.pair_starts)
        mass = np.add.reduceat(out, b.state_starts)
        if not mass.all():
            raise self.error
        out /= np.repeat(mass, b.edge_states)
        old = self.m.take(b.slot_of_state)
        if self.damping:
            out = (1.0 - self.damping) * out + self.damping * old
        self.m[b.slot_of_state] = out
        self.m_log[b.slot_of_state] = np.maximum(np.log(out), LOG_ZERO)
        return float(np.abs(out - old).max(initial=0.0))

    def _refresh(self) -> None:
        plan = self.plan
        self.belief = self.tables.prior + np.bincount(plan.edge_var, weights=self.m_log, minlength=plan.n_states)
        np.subtract(self.belief.take(plan.edge_var), self.m_log, out=self.n_log)

    def _proposal(self, i: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Compute the new (damped, normalised) outgoing messages of group ``i`` and their changes."""
        incoming = []
        for start, stop, k, n in self.ranges[i]:
            n_log = self.n_log[start:stop].reshape(k, n)
            incoming.append(np.exp(n_log - n_log.max(axis=0)))
        outs: list[np.ndarray] = []
        change = np.zeros(self.ranges[i][0][3])
        for j, (start, stop, k, n) in enumerate(self.ranges[i]):
            if self.max_product:
                x = _exclusive(self.scaled[i], incoming, j, np.multiply)
                out = x.max(axis=tuple(a for a in range(x.ndim - 1) if a != j))
            else:
                out = np.einsum(self.subscripts[len(incoming)][j], self.scaled[i],
                                *(incoming[:j] + incoming[j + 1:]))
            total = out.sum(axis=0)
            if not total.all():
                raise self.error
            out /= total
            old = self.m[start:stop].reshape(k, n)
            if self.damping:
                out = (1.0 - self.damping) * out + self.damping * old
            diff = np.abs(out - old).max(axis=0)
            change = np.maximum(change, diff)
            outs.append(out)
        return outs, change

    def _commit(self, i: int, outs: list[np.ndarray], keep: np.ndarray | None = None) -> None:
        for (start, stop, k, n), out in zip(self.ranges[i], outs):
            m = self.m[start:stop].reshape(k, n)
            m_log = self.m_log[start:stop].reshape(k, n)
            if keep is None:
                m[...] = out
                np.maximum(np.log(out), LOG_ZERO, out=m_log)  # log(0) warnings are off for the run
            else:
                m[:, keep] = out[:, keep]
                m_log[:, keep] = np.maximum(np.log(out[:, keep]), LOG_ZERO)

    def update(self, block: list[int]) -> float:
        """Update every group of ``block`` from the current messages; return the largest change."""
        residual = 0.0
        skip: tuple[int, ...] = ()
        if self.flat is not None:
            residual, skip = self._flat_update(), self.flat.group_ids
        for i in block:
            if i in skip:
                continue
            outs, change = self._proposal(i)
            self._commit(i, outs)
            residual = max(residual, float(change.max(initial=0.0)))
        self._refresh()
        return residual

    def residual_step(self) -> float:
        """Propose every update; apply those whose change is at least half the largest one."""
        proposals = [self._proposal(i) for i in range(len(self.plan.groups))]
        residual = max((float(ch.max(initial=0.0)) for _, ch in proposals), default=0.0)
        for i, (outs, change) in enumerate(proposals):
            self._commit(i, outs, change >= 0.5 * residual)
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
            converged: bool, codes: tuple[int, ...]) -> LoopyBPResult:
    observed = dict(zip(plan.evidence_ids, codes))
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

    def messages() -> dict[tuple[int, str], DiscreteFactor]:
        return _messages(c, plan, run, unary_messages(c, plan, codes))

    result = LoopyBPResult(marginals, factor_beliefs, log_z, residuals, converged, assignment, messages)
    result.evidence = {c.names[v]: c.states[v][k] for v, k in sorted(observed.items())}
    return result


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


def _messages(c: Any, plan: FactorGraphPlan, run: _Run,
              unary: dict[int, tuple[int, np.ndarray]]) -> dict[tuple[int, str], DiscreteFactor]:
    """``{(factor id, variable): message}`` in factor order, then scope order."""
    found: dict[int, list[tuple[int, np.ndarray]]] = {f: [(v, m)] for f, (v, m) in unary.items()}
    for g, ranges in zip(plan.groups, run.ranges):
        for j, (start, stop, k, n) in enumerate(ranges):
            block = run.m[start:stop].reshape(k, n)
            for col, (f, v) in enumerate(zip(g.factor_ids.tolist(), g.free_vars[:, j].tolist())):
                found.setdefault(f, []).append((v, block[:, col].copy()))
    out = {}
    for f in sorted(found):
        rank = {v: p for p, v in enumerate(c.scopes[f])}
        for v, values in sorted(found[f], key=lambda item: rank[item[0]]):
            name = c.names[v]
            out[(f, name)] = DiscreteFactor.from_validated((name,), values, {name: c.states[v]})
    return out
