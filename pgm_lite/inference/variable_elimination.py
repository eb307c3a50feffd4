"""Exact posteriors by variable elimination: prune, slice the evidence, one einsum per step."""

from __future__ import annotations

import math

from .. import tuning
from ..factor import DiscreteFactor
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._plan import build_subplan, check_memory, run
from ._prune import _structure, prune, topological_rank
from ._query_args import elimination_key, evidence_codes, variable_ids, zero_evidence

__all__ = ["model_partition_function", "probability", "query"]



class Plan:
    """A cached query plan: the query's piece plus the pieces that only scale P(evidence).

    For a posterior the other pieces matter only if their total is zero (impossible evidence).
    In a Bayesian network such a piece is the CPDs of its unobserved variables, which sum to
    one, times the CPDs of its observed ones: if the latter are positive at the observed states
    (``guards``, checked per call) the total is positive and the piece is skipped; otherwise
    its subplan is built (once) and run.
    """

    __slots__ = ("main", "sides", "checks", "query_ids", "evidence_ids", "relevant", "subplans", "peak",
                 "order_key")


class _Check:
    __slots__ = ("factors", "guards", "sp", "forward")


def _guard_inputs(c, factor_ids, evidence_ids):
    position = {v: j for j, v in enumerate(evidence_ids)}
    positive = _structure(c)[2]
    guards = []
    for f in factor_ids:
        if f in position:  # the CPD of an observed variable
            scope = c.scopes[f]
            slots = [(a, position[v]) for a, v in enumerate(scope) if v in position]
            guards.append((positive[f], position[f], c.tables[f], [slice(None)] * len(scope), slots))
    return guards


def _may_be_zero(c, plan, check, codes):
    if check.guards is not None:
        for positive, own, table, template, slots in check.guards:
            if positive[codes[own]]:  # the whole column of this state is positive
                continue
            index = template.copy()
            for axis, j in slots:
                index[axis] = codes[j]
            if not (table[tuple(index)] > 0).all():
                break
        else:
            return False
        if _witness(c, plan, check, codes):
            return False
    if check.sp is None:
        check.sp = build_subplan(c, check.factors, plan.evidence_ids, (), plan.order_key)
    return True


def _witness(c, plan, check, codes):
    """Look for one assignment of the piece with positive probability (Bayesian networks).

    Goes through the piece's CPDs parents first, giving each unobserved variable its most
    likely state given its parents and checking that each observed state stays possible. True
    proves the piece's total positive; False proves nothing (the exact check runs then).
    """
    if check.forward is None:
        rank = topological_rank(c)
        n = len(c.tables)
        items = []
        for f in check.factors:
            table, scope = (c.tables[f], c.scopes[f]) if f < n else c.extra["collapsed"][f][:2]
            items.append((rank[scope[-1]], table, scope[:-1], scope[-1]))
        items.sort(key=lambda item: item[0])
        check.forward = [item[1:] for item in items]
    state = dict(zip(plan.evidence_ids, codes))
    for table, parents, v in check.forward:
        row = table[tuple([state[u] for u in parents])] if parents else table
        s = state.get(v)
        if s is None:
            state[v] = int(row.argmax())  # a CPD row sums to one: its largest entry is positive
        elif not row[s] > 0:
            return False
    return True


def get_plan(c, query_ids, evidence_ids, order_key, *, need_value=False, collapse=True):
    """Return the cached plan for these variable sets, building it on first use.

    ``collapse=False`` keeps every CPD as it is (explanations show each variable summed out).
    """
    key = ("ve", query_ids, evidence_ids, order_key, need_value, collapse)
    plan = c.plans.get(key)
    if plan is not None:
        return plan
    plan = make_plan(c, query_ids, evidence_ids, order_key, need_value=need_value, collapse=collapse)
    if len(c.plans) >= tuning.MAX_CACHED_PLANS:
        c.plans.clear()
    c.plans[key] = plan
    return plan


def make_plan(c, query_ids, evidence_ids, order_key, *, need_value=False, collapse=True):
    """Build a plan (not cached; see ``get_plan``)."""
    main, sides, relevant = prune(c, query_ids, evidence_ids, need_value=need_value, collapse=collapse)
    plan = Plan()
    plan.query_ids, plan.evidence_ids, plan.relevant = query_ids, evidence_ids, relevant
    plan.order_key = order_key
    plan.main = build_subplan(c, main, evidence_ids, query_ids, order_key) if query_ids else None
    plan.sides, plan.checks = [], []
    for piece in sides:
        if need_value:
            plan.sides.append(build_subplan(c, piece, evidence_ids, (), order_key))
            continue
        check = _Check()
        check.factors, check.sp, check.forward = piece, None, None
        check.guards = _guard_inputs(c, piece, evidence_ids) if c.is_bn else None
        plan.checks.append(check)
    plan.subplans = [sp for sp in (plan.main, *plan.sides) if sp is not None]
    plan.peak = max([sp.largest for sp in plan.subplans], default=0)
    return plan


def posterior_values(c, plan, codes, max_memory):
    """Run a posterior plan for one evidence assignment: the normalised table of the query."""
    if plan.peak * 8 > max_memory:
        check_memory(c, plan.subplans, max_memory)
    for check in plan.checks:
        if _may_be_zero(c, plan, check, codes):
            check_memory(c, [check.sp], max_memory)
            if not run(check.sp, codes) > 0:
                raise zero_evidence(c, plan.evidence_ids, codes)
    values = run(plan.main, codes)
    # a small table is summed in Python (numpy's reduction costs about a microsecond a call)
    total = math.fsum(values.ravel().tolist()) if values.size <= 64 else values.sum()
    if not total > 0:
        raise zero_evidence(c, plan.evidence_ids, codes)
    return values / total


def query(model, variables, evidence=None, *, elimination_order="min-fill",
          max_memory=DEFAULT_MAX_MEMORY):
    """Return the posterior joint distribution of ``variables`` given ``evidence``.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    variables : str or list of str
        Query variables; the result's axes follow this order.
    evidence : dict, optional
        ``{variable: state}``, a state being a name or an integer index.
    elimination_order : str or list of str, optional
        A heuristic of ``pl.elimination.ORDERINGS`` or an explicit order covering the variables
        that must be summed out (others are ignored).
    max_memory : int, optional
        Largest table, in bytes, the plan may allocate (default 2 GiB).

    Returns
    -------
    DiscreteFactor
        Normalised over ``variables``.

    Raises
    ------
    VariableNotFoundError
        Unknown variable or state (the message lists the valid ones).
    ZeroEvidenceError
        If the evidence has probability zero, even in a part of the model the query does not need.
    MemoryLimitError
        If the plan would allocate a table larger than ``max_memory``.
    PGMError
        Empty query, a variable both queried and observed, an unknown heuristic.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> f = pl.query(bn, ["lung"], evidence={"smoke": "yes"})
    >>> f.variables, f.values.round(3).tolist()
    (('lung',), [0.1, 0.9])
    >>> round(float(pl.query(bn, ["tub", "lung"], {"xray": "yes"}).values.sum()), 12)
    1.0
    """
    c = compiled(model)
    query_ids = variable_ids(c, variables)
    evidence_ids, codes = evidence_codes(c, evidence, query_ids)
    plan = get_plan(c, query_ids, evidence_ids, elimination_key(c, elimination_order))
    values = posterior_values(c, plan, codes, max_memory)
    names = [c.names[i] for i in query_ids]
    states = {c.names[i]: c.states[i] for i in query_ids}
    return DiscreteFactor.from_validated(names, values, states)


def evidence_mass(c, evidence_ids, codes, order_key="min-fill", max_memory=DEFAULT_MAX_MEMORY):
    """Sum of the unnormalised joint consistent with the evidence: P(e), or Z(e) for a Markov net."""
    plan = get_plan(c, (), evidence_ids, order_key, need_value=True)
    check_memory(c, plan.subplans, max_memory)
    return math.prod(float(run(sp, codes)) for sp in plan.sides)


def model_partition_function(model, *, elimination_order="min-fill", max_memory=DEFAULT_MAX_MEMORY):
    """Z of ``model`` (what ``MarkovNetwork.partition_function`` answers), cached per version."""
    c = compiled(model)
    return partition_function(c, elimination_key(c, elimination_order), max_memory)


def partition_function(c, order_key="min-fill", max_memory=DEFAULT_MAX_MEMORY):
    """Z of a Markov network by elimination (1 for a Bayesian network), cached per version."""
    if c.is_bn:
        return 1.0
    key = ("Z", order_key)
    if key not in c.extra:
        c.extra[key] = evidence_mass(c, (), (), order_key, max_memory)
    return c.extra[key]


def probability(model, evidence, *, elimination_order="min-fill", max_memory=DEFAULT_MAX_MEMORY):
    """Return P(evidence), the probability of a partial assignment.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict
        ``{variable: state}``; an empty dict has probability 1.

    Returns
    -------
    float

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> round(pl.probability(bn, {"smoke": "yes", "lung": "yes"}), 4)
    0.05
    """
    c = compiled(model)
    order_key = elimination_key(c, elimination_order)
    evidence_ids, codes = evidence_codes(c, evidence)
    mass = evidence_mass(c, evidence_ids, codes, order_key, max_memory)
    return mass / partition_function(c, order_key, max_memory)
