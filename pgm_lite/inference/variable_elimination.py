"""Exact posteriors by variable elimination: prune, slice the evidence, one einsum per step.

Masses (P(e), Z) are carried as natural logs: each piece of a plan returns its total with a
power-of-two exponent (see ``_plan``), so nothing underflows or overflows on the way.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import tuning
from ..exceptions import NumericRangeError
from ..factor import DiscreteFactor
from ._coded import DEFAULT_MAX_MEMORY, Compiled, compiled
from ._plan import SubPlan, check_memory
from ._prune import _bn_pieces, positive_states, prune
from ._query_args import (
    elimination_key,
    evidence_codes,
    variable_ids,
    zero_evidence,
    zero_partition,
)

__all__ = ["log_partition_function", "model_partition_function", "probability", "query"]

ElimOrder = Any  # a heuristic name or a list of variable names


class _Check:
    """A piece that only scales P(evidence), kept to prove the evidence possible (see Plan)."""

    def __init__(self, c: Compiled, factors: list[int], evidence_ids: tuple[int, ...]) -> None:
        self.factors = factors
        self.sp: SubPlan | None = None
        self.forward: list | None = None
        self.listed = False  # whether forward holds the Python lists (see _witness)
        self.start: dict[int, int] = {}  # the walk's states that no evidence reaches (listed walks)
        self.guards = _guard_inputs(c, factors, evidence_ids) if c.is_bn else None

    def may_be_zero(self, c: Compiled, plan: Plan, codes: Sequence[int]) -> bool:
        """Return False if the piece's total is certainly positive; else build its subplan (once)."""
        # positive when every observed CPD is positive at its state, or when one possible
        # assignment is found; either proof skips the exact check
        if self.guards is not None and (self._guards_hold(codes) or self._witness(c, plan, codes)):
            return False
        if self.sp is None:
            self.sp = SubPlan(c, self.factors, plan.evidence_ids, (), plan.order_key)
        return True

    def _guards_hold(self, codes: Sequence[int]) -> bool:
        assert self.guards is not None
        for positive, own, table, template, slots in self.guards:
            if positive[codes[own]]:  # the whole column of this state is positive
                continue
            index = template.copy()
            for axis, j in slots:
                index[axis] = codes[j]
            if not (table[tuple(index)] > 0).all():
                return False
        return True

    def _witness(self, c: Compiled, plan: Plan, codes: Sequence[int]) -> bool:
        """Look for one assignment of the piece with positive probability (Bayesian networks).

        Goes through the piece's CPDs parents first, giving each unobserved variable its most
        likely state given its parents and checking that each observed state stays possible. True
        proves the piece's total positive; False proves nothing (the exact check runs then).
        """
        forward = self.forward
        if forward is None:  # a first check reads numpy rows (a question asked once makes no lists)
            forward = self.forward = [(v, parents, (), None, None, table)
                                      for table, parents, v in _parents_first(c, self.factors)]
        elif not self.listed:  # from the second on, small tables are read from Python lists
            self.listed = True
            forward, self.start = _listed_walk(forward, plan.evidence_ids)
            self.forward = forward
        state = self.start.copy()
        state.update(zip(plan.evidence_ids, codes))
        for v, parents, strides, best, positive, table in forward:
            s = state.get(v)
            if best is None:  # a big table: its row read by numpy
                row = table[tuple([state[u] for u in parents])] if parents else table
                if s is None:
                    state[v] = int(row.argmax())  # a CPD row sums to one: its largest entry is positive
                elif not row[s] > 0:
                    return False
                continue
            r = 0
            for u, stride in zip(parents, strides):
                r += state[u] * stride
            if s is None:
                state[v] = best[r]
            elif not positive[r][s]:
                return False
        return True


def _parents_first(c: Compiled, factors: Sequence[int]) -> list[tuple]:
    """``(table, parents, child)`` of each CPD of a piece, parents' CPDs first.

    By child id when that order already puts parents first (one pass: a model declared parents
    first, as most files are), else depth first from each CPD in that order (the witness's
    states do not depend on which such order it walks).
    """
    tables, scopes = c.tables_of(list(factors))
    items = sorted(zip([s[-1] for s in scopes], tables, scopes))
    inside = {item[0] for item in items}
    order: list[tuple] = []
    placed: set[int] = set()
    for v, table, scope in items:
        for p in scope[:-1]:
            if p not in placed and p in inside:
                return _depth_first({v: (t, s[:-1], v) for v, t, s in items})
        placed.add(v)
        order.append((table, scope[:-1], v))
    return order


def _depth_first(items: dict[int, tuple]) -> list[tuple]:
    """Order the items of :func:`_parents_first` (by child) so that each follows its parents'."""
    order: list[tuple] = []
    placed: set[int] = set()
    for v in items:
        if v in placed:
            continue
        stack = [v]
        while stack:
            u = stack[-1]
            for p in items[u][1]:
                if p not in placed and p in items:
                    stack.append(p)  # an unplaced parent first
                    break
            else:
                stack.pop()
                if u not in placed:
                    placed.add(u)
                    order.append(items[u])
    return order


def _listed_walk(forward: list[tuple], evidence_ids: Sequence[int]) -> tuple[list[tuple], dict[int, int]]:
    """Return the witness walk of a second check on: ``(steps, start)``.

    An unobserved variable whose parents are all such variables gets the same state on every
    check (no evidence reaches it): ``start`` holds those states, found once; ``steps`` are the
    others' :func:`_witness_step` (parents first, as in ``forward``).
    """
    observed = set(evidence_ids)
    start: dict[int, int] = {}
    steps = []
    for v, parents, _, _, _, table in forward:
        if v not in observed and all([u in start for u in parents]):
            # its most likely state given its parents' (the argmax _witness_step's lists hold)
            start[v] = int((table[tuple([start[u] for u in parents])] if parents else table).argmax())
        else:
            steps.append(_witness_step(table, parents, v))
    return steps, start


def _witness_step(table: np.ndarray, parents: tuple[int, ...], v: int) -> tuple:
    """``(v, parents, strides, best, positive, table)``: one CPD as :meth:`_Check._witness` reads it.

    For a table of at most ``tuning.WITNESS_LIST_ENTRIES`` entries, ``best[r]`` is the most likely
    state of row ``r`` (rows in C order of the parents' states, ``r = sum(state * stride)``) and
    ``positive[r][s]`` whether entry ``s`` of that row is positive, as Python lists (no numpy
    call per check); a bigger table keeps ``best = None`` and is read row by row.
    """
    if table.size > tuning.WITNESS_LIST_ENTRIES:
        return v, parents, (), None, None, table
    strides = []
    stride = 1
    for card in reversed(table.shape[:-1]):
        strides.append(stride)
        stride *= card
    rows = table.reshape(-1, table.shape[-1])
    return v, parents, tuple(reversed(strides)), rows.argmax(axis=1).tolist(), (rows > 0).tolist(), table


def _guard_inputs(c: Compiled, factor_ids: Sequence[int], evidence_ids: tuple[int, ...]) -> list[tuple]:
    position = {v: j for j, v in enumerate(evidence_ids)}
    guards = []
    for f in factor_ids:
        if f in position:  # the CPD of an observed variable
            scope = c.scope(f)
            slots = [(a, position[v]) for a, v in enumerate(scope) if v in position]
            guards.append((positive_states(c, f), position[f], c.table(f), [slice(None)] * len(scope), slots))
    return guards


class Plan:
    """A query plan: the query's piece plus the pieces that only scale P(evidence).

    For a posterior the other pieces matter only if their total is zero (impossible evidence).
    In a Bayesian network such a piece is the CPDs of its unobserved variables, which sum to
    one, times the CPDs of its observed ones: if the latter are positive at the observed states
    (guards, checked per call) the total is positive and the piece is skipped; otherwise
    its subplan is built (once) and run. With ``need_value`` every other piece is a subplan
    in ``sides``. ``collapse=False`` keeps every CPD as it is (explanations show each variable
    summed out).
    """

    def __init__(self, c: Compiled, query_ids: tuple[int, ...], evidence_ids: tuple[int, ...],
                 order_key: Any, *, need_value: bool = False, collapse: bool = True) -> None:
        main, sides, relevant = _bn_pieces(c, query_ids, evidence_ids, collapse) if c.is_bn and not need_value \
            else prune(c, query_ids, evidence_ids, need_value=need_value, collapse=collapse)  # (prune's first case)
        self.c = c
        self.query_ids, self.evidence_ids, self.relevant = query_ids, evidence_ids, relevant
        self.order_key = order_key
        self.main = SubPlan(c, main, evidence_ids, query_ids, order_key) if query_ids else None
        self.sides: list[SubPlan] = []
        self.checks: list[_Check] = []
        for piece in sides:
            if need_value:
                self.sides.append(SubPlan(c, piece, evidence_ids, (), order_key))
            else:
                self.checks.append(_Check(c, piece, evidence_ids))
        if self.sides:
            self.subplans = [sp for sp in (self.main, *self.sides) if sp is not None]
        else:  # (a posterior's usual plan: no comprehension to build)
            self.subplans = [] if self.main is None else [self.main]
        self.peak = max([sp.largest for sp in self.subplans], default=0) if self.sides else \
            (0 if self.main is None else self.main.largest)
        self.fresh = True  # not run yet (see posterior)

    def posterior(self, codes: Sequence[int], max_memory: int) -> np.ndarray:
        """Return the normalised table of the query for one evidence assignment."""
        c = self.c
        if max_memory.__class__ is not int or self.peak * 8 > max_memory:
            check_memory(c, self.subplans, max_memory)
        for check in self.checks:
            if check.may_be_zero(c, self, codes):
                assert check.sp is not None
                check_memory(c, [check.sp], max_memory)
                if not check.sp.evaluate(codes)[2] > 0:
                    raise zero_evidence(c, self.evidence_ids, codes)
        assert self.main is not None
        values, _, total = self.main.evaluate(codes)
        if not total > 0:
            raise zero_evidence(c, self.evidence_ids, codes)
        if self.fresh and values.size <= tuning.LISTED_QUOTIENTS:
            # a plan's first run divides in Python (the same IEEE quotients as numpy's, so every
            # run gives the same bits): a first question pays no cold numpy division
            self.fresh = False
            quotients = np.array(list(map(total.__rtruediv__, values.ravel().tolist())))
            return quotients if values.ndim == 1 else quotients.reshape(values.shape)
        return values / total

    def log_sides(self, codes: Sequence[int]) -> float:
        """Natural log of the product of the side pieces' totals (-inf if one is zero)."""
        return math.fsum([sp.log_total(codes) for sp in self.sides]) if self.sides else 0.0


def get_plan(c: Compiled, query_ids: tuple[int, ...], evidence_ids: tuple[int, ...], order_key: Any, *,
             need_value: bool = False, collapse: bool = True) -> Plan:
    """Return the cached plan for these variable sets, building it on first use."""
    key = ("ve", query_ids, evidence_ids, order_key, need_value, collapse)
    plan = c.plans.get(key)
    if plan is not None:
        return plan
    plan = Plan(c, query_ids, evidence_ids, order_key, need_value=need_value, collapse=collapse)
    if len(c.plans) >= tuning.MAX_CACHED_PLANS:
        c.plans.clear()
    c.plans[key] = plan
    return plan


def query(model: Any, variables: str | Sequence[str], evidence: Mapping[str, Any] | None = None, *,
          elimination_order: ElimOrder = "auto", max_memory: int = DEFAULT_MAX_MEMORY) -> DiscreteFactor:
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
        A heuristic of ``pl.elimination.ORDERINGS`` or ``WHOLE_ORDERINGS`` (default ``"auto"``:
        min-fill, or reverse Cuthill-McKee where that is cheaper, as on grids) or an explicit
        order covering the variables that must be summed out (others are ignored).
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
    key = _call_key(variables, evidence, elimination_order)
    try:
        call = c.calls.get(key) if key is not None else None
    except TypeError:  # unhashable: the full path validates it
        key = call = None
    codes = call.codes(c, evidence) if call is not None else None
    if codes is None:  # first call with these arguments' shape, or a state given another way
        query_ids = variable_ids(c, variables)
        evidence_ids, codes = evidence_codes(c, evidence, query_ids)
        order_key = "auto" if elimination_order.__class__ is str and elimination_order == "auto" else \
            elimination_key(c, elimination_order)  # (the default needs no look-up)
        call = _Call(c, get_plan(c, query_ids, evidence_ids, order_key))
        if key is not None:
            if len(c.calls) >= tuning.MAX_CACHED_PLANS:
                c.calls.clear()
            c.calls[key] = call
    assert call is not None
    values = call.plan.posterior(codes, max_memory)
    return DiscreteFactor.from_validated(call.names, values, call.states)


class _Call:
    """What a repeated ``query`` call reuses: its plan, result names, and how to read the codes."""

    __slots__ = ("plan", "names", "states", "reads")

    def __init__(self, c: Compiled, plan: Plan) -> None:
        self.plan = plan
        names, states = c.names, c.states
        found: dict[str, tuple[str, ...]] = {}
        for i in plan.query_ids:  # (a loop, not comprehensions: a new question builds this once)
            found[names[i]] = states[i]
        self.names = tuple(found)
        self.states = found
        #: ``(name, state name -> code)`` per observed variable, sorted by id like the codes;
        #: read on the second call (a question asked once never needs it)
        self.reads: list[tuple[str, dict[str, int]]] | None = None

    def codes(self, c: Compiled, evidence: Any) -> tuple[int, ...] | None:
        """Return the evidence codes if every state is given by its name, else None (the full path decides)."""
        reads = self.reads
        if reads is None:
            reads = self.reads = [(c.names[i], c.codes[i]) for i in self.plan.evidence_ids]
        try:
            codes = tuple([code_of.get(evidence[name]) for name, code_of in reads])
        except (TypeError, KeyError):
            return None
        return None if None in codes else codes  # type: ignore[return-value]


def _call_key(variables: Any, evidence: Any, elimination_order: Any) -> tuple | None:
    """Shape of a ``query`` call as a cache key (None when it has none: the full path validates it)."""
    if evidence is not None and evidence.__class__ is not dict:
        return None
    kind = variables.__class__
    if kind is not str and kind is not list and kind is not tuple:
        return None
    if elimination_order.__class__ is not str:
        if not isinstance(elimination_order, (list, tuple)):
            return None
        elimination_order = tuple(elimination_order)
    # (hashable unless a name is not: query catches that when it looks the key up)
    return (variables if kind is str else tuple(variables), tuple(evidence) if evidence else (), elimination_order)


def log_mass(c: Compiled, evidence_ids: tuple[int, ...], codes: tuple[int, ...], order_key: Any = "auto",
             max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """log of the sum of the product of ``c.tables`` consistent with the evidence (-inf if zero).

    P(e) for a Bayesian network; Z(e), the unnormalised mass, for a Markov network.
    """
    plan = get_plan(c, (), evidence_ids, order_key, need_value=True)
    check_memory(c, plan.subplans, max_memory)
    return plan.log_sides(codes)


def log_normaliser(c: Compiled, order_key: Any = "auto", max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """log of the total of the product of ``c.tables`` (0 for a Bayesian network), cached."""
    if c.is_bn:
        return 0.0
    got = c.log_partition.get(order_key)
    if got is None:
        got = c.log_partition[order_key] = log_mass(c, (), (), order_key, max_memory)
    return got


def log_normaliser_of_distribution(c: Compiled, order_key: Any = "auto",
                                   max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """:func:`log_normaliser`, refusing a Markov network whose tables give every assignment weight 0.

    Such a model defines no distribution, so no probability (not even 0) is an answer.
    """
    log_z = log_normaliser(c, order_key, max_memory)
    if log_z == -math.inf:
        raise zero_partition()
    return log_z


def log_partition_function(model: Any, *, elimination_order: ElimOrder = "auto",
                           max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """Return log Z, the natural log of the partition function, for any magnitude.

    Parameters
    ----------
    model : MarkovNetwork or BayesianNetwork
        For a Bayesian network Z = 1 and the result is 0.0.
    elimination_order, max_memory
        As for :func:`query`.

    Returns
    -------
    float
        ``-inf`` only if every assignment has weight zero.

    Examples
    --------
    An Ising ring of 1000 spins: Z is about 10**489, far past float64.

    >>> import math
    >>> K, N = 1.0, 1000
    >>> pair = np.exp(K * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    >>> ring = [(f"S{i}", f"S{(i + 1) % N}") for i in range(N)]
    >>> mn = pl.MarkovNetwork(ring, [pl.DiscreteFactor(e, pair) for e in ring])
    >>> round(pl.log_partition_function(mn) / math.log(10), 4)
    489.4186
    """
    c = compiled(model)
    if c.is_bn:
        return 0.0
    order_key = elimination_key(c, elimination_order)
    return log_normaliser(c, order_key, max_memory)


def model_partition_function(model: Any, *, elimination_order: ElimOrder = "auto",
                             max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """Z of ``model`` (what ``MarkovNetwork.partition_function`` answers), cached per version.

    Raises NumericRangeError when Z is outside float64 (the message gives log10 Z).
    """
    log_z = log_partition_function(model, elimination_order=elimination_order, max_memory=max_memory)
    if log_z == -math.inf:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        z = float(np.exp(log_z))
    if not 0.0 < z < math.inf:
        raise NumericRangeError(
            f"the partition function is 10**{log_z / math.log(10):.6g}, outside the range of a float; "
            "use log_partition_function() (pl.log_partition_function) for its natural log")
    return z


def probability(model: Any, evidence: Mapping[str, Any], *, elimination_order: ElimOrder = "auto",
                max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """Return P(evidence), the probability of a partial assignment.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict
        ``{variable: state}``; an empty dict has probability 1.

    Returns
    -------
    float
        0.0 for impossible evidence, and for a probability below the smallest float (about
        1e-308): :func:`log_probability` gives its log.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> round(pl.probability(bn, {"smoke": "yes", "lung": "yes"}), 4)
    0.05
    """
    return math.exp(log_probability_of(model, evidence, elimination_order, max_memory))


def log_probability_of(model: Any, evidence: Mapping[str, Any], elimination_order: ElimOrder = "auto",
                       max_memory: int = DEFAULT_MAX_MEMORY) -> float:
    """Natural log of P(evidence) for one assignment (-inf when impossible)."""
    c = compiled(model)
    order_key = elimination_key(c, elimination_order)
    evidence_ids, codes = evidence_codes(c, evidence)
    log_e = log_mass(c, evidence_ids, codes, order_key, max_memory)
    log_z = log_normaliser_of_distribution(c, order_key, max_memory)
    if log_e == -math.inf:
        return log_e
    return log_e - log_z
