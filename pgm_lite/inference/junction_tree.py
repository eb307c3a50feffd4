"""All posterior marginals: calibrate the junction tree, or one pruned elimination per variable.

(:class:`JunctionTree` and its calibration plans live in ``_calibration``.)

The strategy weighs time and memory: per-variable elimination is used when it is estimated
cheaper than calibrating, and also when the junction tree does not fit in ``max_memory`` while
every per-variable plan does; only when neither fits is the query refused. A model whose
unobserved variables have a tiny joint table (``tuning.JOINT_MARGINALS_WORK``) is answered
with one einsum per variable over the factors it needs, without building a tree at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import tuning
from ..exceptions import MemoryLimitError
from ..factor import DiscreteFactor
from ._calibration import JunctionTree
from ._coded import DEFAULT_MAX_MEMORY, Compiled, compiled
from ._contract import einsum, subscripts
from ._plan import SubPlan, check_memory, slice_evidence
from ._prune import ancestor_mask
from ._query_args import check_max_memory, elimination_key, evidence_codes, variable_ids
from ._scaled_calibration import point_mass, posterior_factors
from .variable_elimination import Plan

__all__ = ["JunctionTree", "calibration_cost", "marginals", "plan_cost", "plan_cost_floor"]


def marginals(model: Any, evidence: Mapping[str, Any] | None = None, variables: Sequence[str] | None = None, *,
              elimination_order: Any = "min-fill", max_memory: int = DEFAULT_MAX_MEMORY) -> dict[str, DiscreteFactor]:
    """Return the posterior marginal of every (requested) variable given the evidence.

    The junction tree is built on first use and cached with the model (rebuilt when it changes),
    and one calibration gives every marginal. When the tree has big cliques that the evidence
    makes irrelevant, one pruned variable elimination per variable can be much cheaper: for each
    set of observed variables (and of requested ones) the cost of both is estimated once (the
    calibration from the clique sizes with the evidence sliced out, elimination by planning each
    variable's query, stopped as soon as it cannot win) and the cheaper one is used from then on.
    When the tree needs more than ``max_memory``, per-variable elimination answers if each of
    its plans fits. A tiny model (its unobserved variables' joint table times its factors at
    most ``tuning.JOINT_MARGINALS_WORK`` entries) is answered by one einsum per variable, without
    a tree. All are exact.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict, optional
        ``{variable: state}``.
    variables : list of str, optional
        Which marginals to return (default: all, in declaration order).
    elimination_order, max_memory
        As for :func:`query`.

    Returns
    -------
    dict
        ``{variable: DiscreteFactor}``; observed variables get a point mass.

    Raises
    ------
    MemoryLimitError
        Only when neither the junction tree nor per-variable elimination fits in ``max_memory``.

    Examples
    --------
    >>> m = pl.marginals(pl.example("asia"), {"xray": "yes"})
    >>> round(float(m["tub"].values[0]), 4)
    0.0924
    """
    c = compiled(model)
    order_key = elimination_key(c, elimination_order)
    wanted = tuple(range(len(c.names))) if variables is None else variable_ids(c, variables)
    evidence_ids, codes = evidence_codes(c, evidence)
    if isinstance(order_key, str) and (evidence_ids or not c.is_bn):  # see _joint_plan
        check_max_memory(max_memory)
        joint = _joint_plan(c, evidence_ids, max_memory)
        if joint is not None:
            got = joint.run(codes, wanted)
            if got is not None:
                return got
    jt = _tree(c, model, order_key, elimination_order, max_memory)
    if isinstance(jt, MemoryLimitError):
        plans = _fitting_plans(c, order_key, evidence_ids, wanted, max_memory, jt)
    else:
        cheaper = _elimination_plans(c, jt, order_key, evidence_ids, wanted, max_memory)
        if cheaper is None:
            return jt.calibrated(evidence_ids, codes, wanted)
        plans = cheaper
    observed = dict(zip(evidence_ids, codes))
    out = {}
    for v in wanted:
        if v in observed:
            out[c.names[v]] = point_mass(c, v, observed[v])
        else:
            values = plans[v].posterior(codes, max_memory)
            out[c.names[v]] = DiscreteFactor.from_validated((c.names[v],), values, {c.names[v]: c.states[v]})
    return out


class _JointPlan:
    """All marginals of a tiny model, one einsum each over the factors it needs, evidence sliced.

    A Bayesian network's marginal of ``v`` reads the CPDs of ``v``, the evidence and their
    ancestors only (the others sum to one, so leaving them out keeps, for instance, a child of
    an observed root at its CPD row exactly); a Markov network's reads every factor. A run
    where a total is not in the trusted range (impossible evidence, or an underflow) returns
    None, and the junction tree answers instead (it tells an exact zero from an underflow).
    """

    def __init__(self, c: Compiled, evidence_ids: tuple[int, ...], floor: float) -> None:
        self.c, self.evidence_ids, self.floor = c, evidence_ids, floor
        position = {v: j for j, v in enumerate(evidence_ids)}
        self.inputs: list[tuple] = []
        scopes = []
        for f, scope in enumerate(c.scopes):
            if position.keys().isdisjoint(scope):
                self.inputs.append((c.table(f), None, []))
                scopes.append(scope)
            else:
                slots = [(a, position[v]) for a, v in enumerate(scope) if v in position]
                self.inputs.append((c.table(f), [slice(None)] * len(scope), slots))
                scopes.append(tuple([v for v in scope if v not in position]))
        everything = list(range(c.n_factors))
        #: per unobserved variable: factor ids, einsum subscripts onto it
        self.reads: dict[int, tuple[list[int], Any]] = {}
        for v in range(len(c.names)):
            if v in position:
                continue
            if c.is_bn:
                mask = ancestor_mask(c, (v, *evidence_ids))  # factor f is the CPD of variable f
                fids = [f for f in everything if mask >> f & 1]
            else:
                fids = everything
            self.reads[v] = (fids, subscripts([scopes[f] for f in fids], (v,)))
        #: bytes of the largest marginal (checked against ``max_memory``)
        self.largest = 8 * max([c.cards[v] for v in self.reads], default=1)
        #: point masses of observed variables by (id, code): factors are immutable, so shared
        self.masses: dict[tuple[int, int], DiscreteFactor] = {}

    def run(self, codes: Sequence[int], wanted: Sequence[int]) -> dict[str, DiscreteFactor] | None:
        """Return the marginals of ``wanted`` for these evidence codes, or None (see the class)."""
        arrays = slice_evidence(self.inputs, codes)
        reads, floor = self.reads, self.floor
        results = {}
        for v in wanted:
            if v in reads:
                fids, subs = reads[v]
                values = einsum(subs, *[arrays[f] for f in fids])
                if values.size <= tuning.LISTED_QUOTIENTS:
                    # summed and divided in Python: an exact sum and the same IEEE quotients as
                    # numpy's, with no cold numpy reduction or division on a first question
                    listed = values.tolist()
                    total = math.fsum(listed)
                    if not floor <= total < math.inf:
                        return None
                    results[v] = np.array(list(map(total.__rtruediv__, listed)))
                    continue
                total = float(values.sum())
                if not floor <= total < math.inf:
                    return None
                results[v] = values / total
        return posterior_factors(self.c, results, wanted, dict(zip(self.evidence_ids, codes)), self.masses)


def _joint_plan(c: Compiled, evidence_ids: tuple[int, ...], max_memory: int) -> _JointPlan | None:
    """Return the cached :class:`_JointPlan` for this observed set (None: the model is not tiny).

    Not used for explicit elimination orders (building the tree checks them) nor for a Bayesian
    network without evidence (the tree's messages into a root are exactly one, so its prior
    marginal is exactly its CPD).
    """
    key = ("joint marginals", evidence_ids)
    if key in c.plans:
        plan = c.plans[key]
    else:
        plan = None
        limit = tuning.JOINT_MARGINALS_WORK
        n_ops = c.n_factors
        work = n_ops
        observed = set(evidence_ids)
        for v, card in enumerate(c.cards):
            if v not in observed:
                work *= card
                if work > limit:
                    break
        floor = 10.0 ** -tuning.SCALING_LOG10_LIMIT
        if not c.is_bn and work <= limit:  # a Markov network's tables may multiply past float64
            growth = sum([max(top, 0.0) for top, _ in c.magnitudes])
            floor = 10.0 ** (growth - tuning.SCALING_LOG10_LIMIT) if growth <= tuning.SCALING_LOG10_LIMIT / 2 else -1.0
        if work <= limit and n_ops <= tuning.MAX_EINSUM_OPERANDS and floor >= 0:
            plan = _JointPlan(c, evidence_ids, floor)
            if any(read[1] is None for read in plan.reads.values()):  # past 52 variables
                plan = None
        if len(c.plans) >= tuning.MAX_CACHED_PLANS:
            c.plans.clear()
        c.plans[key] = plan
    if plan is not None and plan.largest > max_memory:
        return None
    return plan


def _tree(c: Compiled, model: Any, order_key: Any, elimination_order: Any,
          max_memory: int) -> JunctionTree | MemoryLimitError:
    """Return the cached junction tree, or the MemoryLimitError building it raised (cached per limit)."""
    jt = c.junction_trees.get(order_key)
    if jt is not None:
        return jt
    refused = c.junction_trees.get(("refused", order_key, max_memory))
    if refused is not None:
        return refused
    try:
        jt = c.junction_trees[order_key] = JunctionTree(model, elimination_order=elimination_order,
                                                        max_memory=max_memory, keep_model=False)
    except MemoryLimitError as err:
        c.junction_trees[("refused", order_key, max_memory)] = err
        return err
    return jt


def _fitting_plans(c: Compiled, order_key: Any, evidence_ids: tuple[int, ...], wanted: Sequence[int], max_memory: int,
                   refused: MemoryLimitError) -> dict[int, Plan]:
    """Per-variable plans when the tree does not fit; refuse if one of them does not either."""
    observed = set(evidence_ids)
    plans = {}
    for v in wanted:
        if v in observed:
            continue
        plan = plans[v] = _plan_for(c, v, evidence_ids, order_key)
        try:
            check_memory(c, plan.subplans, max_memory, what=f"the marginal of {c.names[v]!r}")
        except MemoryLimitError as err:
            raise MemoryLimitError(f"{refused}; per-variable elimination does not fit either: {err}") from None
    return plans


def _plan_for(c: Compiled, v: int, evidence_ids: tuple[int, ...], order_key: Any) -> Plan:
    key = ("marginal", v, evidence_ids, order_key)
    plan = c.plans.get(key)
    if plan is None:
        if len(c.plans) >= tuning.MAX_CACHED_PLANS:
            c.plans.clear()
        plan = c.plans[key] = Plan(c, (v,), evidence_ids, order_key)
    return plan


def calibration_cost(c: Compiled, jt: JunctionTree, evidence_ids: tuple[int, ...]) -> int:
    """Estimated cost (table entries touched) of calibrating ``jt`` with this evidence."""
    return _tree_work(c, jt, evidence_ids)[1]


def _tree_work(c: Compiled, jt: JunctionTree, evidence_ids: tuple[int, ...]) -> tuple[int, int]:
    """Return the tree's clique table entries with the evidence sliced out, and :func:`calibration_cost`."""
    observed = set(evidence_ids)
    entries = 0
    for scope, size in zip(jt.clique_ids, jt.clique_sizes):
        for v in scope:
            if v in observed:
                size //= c.cards[v]
        entries += size
    # potential, upward, belief and downward einsums
    return entries, 4 * (entries + tuning.EINSUM_COST * len(jt.clique_sizes))


def _elimination_plans(c: Compiled, jt: JunctionTree, order_key: Any, evidence_ids: tuple[int, ...], wanted: Sequence[int],
                       max_memory: int) -> dict[int, Plan] | None:
    """Per-variable posterior plans if they are estimated cheaper than calibrating, else None.

    Every plan costs at least :func:`plan_cost_floor`, so planning stops as soon as the plans
    made so far plus that floor for the others reach the budget: when the floor alone does,
    nothing is planned (the choice is the one planning every variable would make).
    """
    if evidence_ids not in jt.strategies and len(jt.strategies) >= 8:  # bounded memory
        jt.strategies.clear()
    cache = jt.strategies.get(evidence_ids)
    if cache is None:
        cache = jt.strategies[evidence_ids] = {"plans": {}, "choice": {}}
    observed = set(evidence_ids)
    free = tuple(v for v in wanted if v not in observed)
    if free in cache["choice"]:
        return cache["plans"] if cache["choice"][free] else None
    entries, tree_cost = _tree_work(c, jt, evidence_ids)
    budget = tree_cost / tuning.VE_MARGIN
    floor = plan_cost_floor(len(evidence_ids))
    use = bool(free) and entries >= tuning.VE_MIN_TREE and len(free) * floor < budget
    plans = cache["plans"]
    if use and len(free) > 2 * tuning.VE_SAMPLE:
        # estimate before planning every variable: a spread-out sample, extrapolated, that is
        # clearly over the budget decides for the tree (andes cold: 1 plan, not ~100)
        step = len(free) / tuning.VE_SAMPLE
        sample = [free[int(i * step)] for i in range(tuning.VE_SAMPLE)]
        cost = _spend(c, plans, sample, evidence_ids, order_key, max_memory,
                      tuning.VE_SAMPLE_MARGIN * budget * len(sample) / len(free), floor)
        use = cost * len(free) / len(sample) < tuning.VE_SAMPLE_MARGIN * budget
    if use:
        use = _spend(c, plans, free, evidence_ids, order_key, max_memory, budget, floor) < budget
    cache["choice"][free] = use
    return plans if use else None


def _spend(c: Compiled, plans: dict[int, Plan], free: Sequence[int], evidence_ids: tuple[int, ...], order_key: Any,
           max_memory: int, budget: float, floor: float = 0.0) -> float:
    """Plan ``free`` (cached in ``plans``) until their estimated cost reaches ``budget``; return it.

    Each variable not planned yet counts ``floor`` (a lower bound of its cost), so planning
    stops once the plans made plus that bound for the rest reach the budget (the returned
    bound is then at least ``budget``). A plan over ``max_memory`` makes the cost infinite.
    """
    spent = 0.0
    left = len(free)
    for v in free:
        if spent + left * floor >= budget:
            return spent + left * floor
        plan = plans.get(v)
        if plan is None:
            plan = plans[v] = Plan(c, (v,), evidence_ids, order_key)
        assert plan.main is not None
        if plan.main.largest * 8 > max_memory:
            return math.inf
        spent += plan_cost(c, plan.main) + tuning.PLAN_COST_PER_EVIDENCE * len(evidence_ids)
        left -= 1
    return spent


def plan_cost_floor(n_evidence: int) -> int:
    """Return a lower bound of one variable's plan cost (:func:`plan_cost` plus planning the evidence).

    Every plan runs at least one einsum.
    """
    return tuning.EINSUM_COST + tuning.PLAN_COST_PER_EVIDENCE * n_evidence


def plan_cost(c: Compiled, sp: SubPlan) -> int:
    """Estimated cost (table entries touched, plus a fixed cost per einsum) of running ``sp``."""
    cards = c.cards
    if sp.steps is None:  # a single einsum over the piece's variables
        return math.prod([cards[u] for u in set().union(*sp.input_scopes)]) + tuning.EINSUM_COST
    total = tuning.EINSUM_COST * (len(sp.program) + 1)
    for step in sp.steps:
        total += math.prod([cards[u] for u in step.union])
    return total
