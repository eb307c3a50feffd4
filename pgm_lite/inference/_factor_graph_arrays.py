"""The factor graph of a model as flat index arrays, planned once per set of observed variables.

Message passing (loopy belief propagation, mean field) works on the integer-coded view of
:mod:`._coded`. Observed variables are sliced out of every table; factors left with one free
variable fold into a per-variable log prior, factors left with none into a constant, and the
rest are grouped by their table shape so that one group's messages are a few broadcast numpy
calls. The factors of a group are stacked along the *last* axis, so every reduction over a
table axis runs over long contiguous rows. Every variable state and every (factor, variable)
edge state has a slot in one flat array, so the variable side of an update is one ``np.bincount``.

Log tables use a finite floor instead of ``-inf`` for zeros: sums and differences of floors
stay finite (no ``nan``), and ``exp`` of a floor is exactly zero.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import tuning
from ..exceptions import ZeroEvidenceError
from ..factor import DiscreteFactor

__all__ = ["LOG_ZERO", "FactorGraphPlan", "FlatBundle", "Group", "Tables", "factor_graph_plan", "flat_bundle", "is_zero",
           "log_normalise", "log_tables", "named_marginals", "normalise_states", "q_log_q", "unary_messages",
           "split_states", "variable_colours"]

#: The log of a zero entry: exp() of it is exactly 0.0, and thousands of them still add up finitely.
LOG_ZERO = -1e4


class Group(NamedTuple):
    """Factors with the same table shape and the same observed axes, stacked along the last axis."""

    factor_ids: np.ndarray  # (F,) ids into the compiled tables
    obs_axes: tuple[int, ...]  # axes of the original table that are observed
    free_vars: np.ndarray  # (F, a) variable ids of the free axes, in table order
    obs_vars: np.ndarray  # (F, n_obs) variable ids of the observed axes
    slots: tuple[np.ndarray, ...]  # per free axis j: (k_j, F) edge-state (or var-state) slots
    stacked: np.ndarray  # (*shape, F) log tables before slicing the evidence
    colour: int  # factors of one colour share no free variable


class FactorGraphPlan(NamedTuple):
    """Everything about the factor graph that depends on which variables are observed (not on what)."""

    evidence_ids: tuple[int, ...]
    free: np.ndarray  # ids of the unobserved variables, ascending
    offsets: np.ndarray  # (n_variables,) first var-state slot of each variable, -1 if observed
    n_states: int  # total var-state slots
    groups: tuple[Group, ...]  # factors with >= 2 free variables
    unary: tuple[Group, ...]  # factors with exactly 1 free variable (fold into the prior)
    constant: tuple[Group, ...]  # factors with every variable observed
    edge_var: np.ndarray  # (n_edge_states,) var-state slot of every edge-state slot
    state_var: np.ndarray  # (n_states,) variable id of every var-state slot
    degree: np.ndarray  # (n_variables,) number of groups' factors each variable is in
    n_colours: int


class Tables(NamedTuple):
    """Log tables of one evidence assignment: per group, the prior, and the constant."""

    logs: tuple[np.ndarray, ...]  # per group: (k_1, ..., k_a, F)
    prior: np.ndarray  # (n_states,) summed log tables of the unary factors
    constant: float  # summed log of the fully observed factors


def _log(table: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        out = np.log(table)
    return np.maximum(out, LOG_ZERO)


def log_normalise(x: np.ndarray, axis: int | tuple[int, ...] = -1) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x - logsumexp(x), logsumexp(x))`` over ``axis`` (kept dims on the second)."""
    m = x.max(axis=axis, keepdims=True)
    z = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return x - z, z


def is_zero(log_mass: np.ndarray) -> np.ndarray:
    """Tell where a log mass only holds floors (the distribution is identically zero)."""
    return log_mass < LOG_ZERO / 2


def _groups_of(c: Any, observed: set[int]) -> dict[tuple[Any, ...], list[int]]:
    by_key: dict[tuple[Any, ...], list[int]] = {}
    for f, (scope, table) in enumerate(zip(c.scopes, c.tables)):
        obs = tuple(p for p, v in enumerate(scope) if v in observed)
        by_key.setdefault((table.shape, obs), []).append(f)
    return by_key


def _colour_factors(c: Any, factor_ids: list[int], observed: set[int]) -> dict[int, int]:
    """Greedy colouring: factors sharing a free variable get different colours (id order)."""
    used: dict[int, set[int]] = {}
    colour = {}
    for f in factor_ids:
        free = [v for v in c.scopes[f] if v not in observed]
        taken = set().union(*(used.get(v, set()) for v in free))
        k = 0
        while k in taken:
            k += 1
        colour[f] = k
        for v in free:
            used.setdefault(v, set()).add(k)
    return colour


def variable_colours(c: Any, plan: FactorGraphPlan) -> list[np.ndarray]:
    """Colour classes (var-state masks) of the free variables: no factor holds two of one class.

    Greedy colouring of the interaction graph in id order, cached with the plan.
    """
    key = ("variable_colours", plan.evidence_ids)
    masks = c.extra.get(key)
    if masks is None:
        colour = _colour_variables(len(plan.offsets), plan.free, plan.groups)
        masks = _remember(c, key, [np.isin(plan.state_var, plan.free[colour[plan.free] == k])
                                   for k in range(int(colour.max(initial=-1)) + 1)])
    return masks


def _remember(c: Any, key: tuple[Any, ...], value: Any) -> Any:
    """Store ``value`` in ``c.extra``, emptying it first when it holds ``MAX_CACHED_FACTOR_GRAPHS``.

    ``c`` is the model's integer view, cached weakly by the model and rebuilt when its version
    changes, so these plans never outlive the model nor describe an old version; the bound
    keeps a long run over many different sets of observed variables from growing without end.
    """
    if len(c.extra) >= tuning.MAX_CACHED_FACTOR_GRAPHS:
        c.extra.clear()
    c.extra[key] = value
    return value


def _colour_variables(n: int, free: np.ndarray, groups: tuple[Group, ...]) -> np.ndarray:
    """Greedy colouring of the free variables: two variables of one factor get different colours."""
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for g in groups:
        for row in g.free_vars.tolist():
            for v in row:
                neighbours[v].update(row)
    colour = np.full(n, -1, dtype=np.int64)
    for v in free.tolist():
        taken = {int(colour[u]) for u in neighbours[v] if u != v}
        k = 0
        while k in taken:
            k += 1
        colour[v] = k
    return colour


def factor_graph_plan(c: Any, evidence_ids: tuple[int, ...], *, by_colour: bool = False) -> FactorGraphPlan:
    """Return the (cached) plan of ``c``'s factor graph with ``evidence_ids`` observed.

    With ``by_colour`` the groups are also split by a greedy factor colouring, so that updating
    one colour at a time is a sequential schedule.
    """
    key = ("factor_graph", evidence_ids, by_colour)
    plan = c.extra.get(key)
    if plan is None:
        plan = _remember(c, key, _build(c, evidence_ids, by_colour))
    return plan


def _build(c: Any, evidence_ids: tuple[int, ...], by_colour: bool) -> FactorGraphPlan:
    n = len(c.names)
    observed = set(evidence_ids)
    free = np.array([v for v in range(n) if v not in observed], dtype=np.int64)
    cards = np.asarray(c.cards, dtype=np.int64)
    offsets = np.full(n, -1, dtype=np.int64)
    offsets[free] = np.concatenate([[0], np.cumsum(cards[free])[:-1]]) if len(free) else []
    n_states = int(cards[free].sum())
    by_key = _groups_of(c, observed)
    colours: dict[int, int] = {}
    if by_colour:
        multi = [f for ids in by_key.values() for f in ids
                 if sum(v not in observed for v in c.scopes[f]) >= 2]
        colours = _colour_factors(c, sorted(multi), observed)
    groups: list[Group] = []
    unary: list[Group] = []
    constant: list[Group] = []
    edge_var = []
    n_slots = 0
    for (shape, obs), ids in by_key.items():
        split: dict[int, list[int]] = {}
        for f in ids:
            split.setdefault(colours.get(f, 0), []).append(f)
        for colour, members in sorted(split.items()):
            scopes = np.array([c.scopes[f] for f in members], dtype=np.int64).reshape(len(members), len(shape))
            free_axes = [p for p in range(len(shape)) if p not in obs]
            stacked = _log(np.stack([c.tables[f] for f in members], axis=-1))
            free_vars = scopes[:, free_axes]
            slots = []
            for j, p in enumerate(free_axes):
                var_slots = offsets[free_vars[:, j]][None, :] + np.arange(shape[p])[:, None]
                if len(free_axes) == 1:
                    slots.append(var_slots)
                    continue
                slots.append(n_slots + np.arange(var_slots.size).reshape(var_slots.shape))
                edge_var.append(var_slots.ravel())
                n_slots += var_slots.size
            g = Group(np.array(members, dtype=np.int64), obs, free_vars, scopes[:, list(obs)],
                      tuple(slots), stacked, colour)
            (groups if len(free_axes) >= 2 else unary if free_axes else constant).append(g)
    degree = np.zeros(n, dtype=np.int64)
    for g in groups:
        np.add.at(degree, g.free_vars.ravel(), 1)
    n_colours = 1 + max((g.colour for g in groups), default=0)
    return FactorGraphPlan(
        tuple(evidence_ids), free, offsets, n_states, tuple(groups), tuple(unary), tuple(constant),
        np.concatenate(edge_var) if edge_var else np.zeros(0, dtype=np.int64),
        np.repeat(free, cards[free]), degree, n_colours,
    )


def _sliced(g: Group, code_of: np.ndarray) -> np.ndarray:
    """Slice the observed axes of the group's log tables at their codes: (*free shape, F)."""
    if not g.obs_axes:
        return g.stacked
    front = np.moveaxis(g.stacked, -1, 0)
    codes = code_of[g.obs_vars]
    column = {p: i for i, p in enumerate(g.obs_axes)}
    index: list[Any] = [np.arange(front.shape[0])]
    for p in range(front.ndim - 1):
        index.append(codes[:, column[p]] if p in column else slice(None))
    return np.ascontiguousarray(np.moveaxis(front[tuple(index)], 0, -1))


def log_tables(c: Any, plan: FactorGraphPlan, codes: tuple[int, ...], zero_error: ZeroEvidenceError) -> Tables:
    """Slice the evidence ``codes`` out of the plan's tables; raise ``zero_error`` on an impossible one."""
    code_of = np.zeros(len(c.names), dtype=np.int64)
    code_of[list(plan.evidence_ids)] = codes
    logs = tuple(_sliced(g, code_of) for g in plan.groups)
    prior = np.zeros(plan.n_states)
    for g in plan.unary:
        np.add.at(prior, g.slots[0], _sliced(g, code_of))
    constant = 0.0
    for g in plan.constant:
        values = _sliced(g, code_of)
        if is_zero(values).any():
            raise zero_error
        constant += float(values.sum())
    if plan.n_states and is_zero(_segment_max(prior, plan)).any():
        raise zero_error
    return Tables(logs, prior, constant)


def unary_messages(c: Any, plan: FactorGraphPlan, codes: tuple[int, ...]) -> dict[int, tuple[int, np.ndarray]]:
    """``{factor id: (variable id, normalised table)}`` of the factors left with one free variable.

    A factor with one free variable sends that variable its (evidence-sliced) table, whatever
    the other messages are.
    """
    code_of = np.zeros(len(c.names), dtype=np.int64)
    code_of[list(plan.evidence_ids)] = codes
    out = {}
    for g in plan.unary:
        values = _sliced(g, code_of)  # (k, F)
        w = np.exp(values - values.max(axis=0))
        w /= w.sum(axis=0)
        for col, (f, v) in enumerate(zip(g.factor_ids.tolist(), g.free_vars[:, 0].tolist())):
            out[f] = (v, w[:, col].copy())
    return out


def _segment_max(values: np.ndarray, plan: FactorGraphPlan) -> np.ndarray:
    """Per free variable, the maximum of its var-state slots."""
    return np.maximum.reduceat(values, plan.offsets[plan.free])


def normalise_states(plan: FactorGraphPlan, log_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per free variable, normalise var-state log weights: ``(probabilities, log mass per variable)``."""
    if not plan.n_states:
        return np.zeros(0), np.zeros(0)
    top = _segment_max(log_values, plan)
    rank = np.searchsorted(plan.free, plan.state_var)
    w = np.exp(log_values - top[rank])
    total = np.add.reduceat(w, plan.offsets[plan.free])
    return w / total[rank], np.log(total) + top


def split_states(plan: FactorGraphPlan, values: np.ndarray) -> dict[int, np.ndarray]:
    """``{variable id: its slice of a var-state array}`` for the free variables."""
    bounds = np.append(plan.offsets[plan.free], plan.n_states)
    return {v: values[bounds[i]:bounds[i + 1]] for i, v in enumerate(plan.free.tolist())}


def q_log_q(q: np.ndarray) -> np.ndarray:
    """Elementwise ``q log q`` with ``0 log 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, q * np.log(q), 0.0)


def named_marginals(c: Any, plan: FactorGraphPlan, q: np.ndarray,
                    observed: dict[int, int]) -> dict[str, DiscreteFactor]:
    """``{variable: DiscreteFactor}`` in declaration order from var-state probabilities ``q``.

    Observed variables get a point mass on their observed state.
    """
    per_var = split_states(plan, q)
    out = {}
    for v, name in enumerate(c.names):
        if v in observed:
            values = np.zeros(c.cards[v])
            values[observed[v]] = 1.0
        else:
            values = per_var[v].copy()
        out[name] = DiscreteFactor.from_validated((name,), values, {name: c.states[v]})
    return out


class FlatBundle(NamedTuple):
    """Groups of few factors flattened into one set of index arrays (planned once per plan).

    Every (table entry, free axis) pair of the bundled factors is one *pair*, sorted by edge
    (factor, axis) and then by the state of that axis, so that a sweep over all of them is a
    constant number of numpy calls however many table shapes the model has: gather the
    variable->factor log messages, add them up per entry, take out each pair's own, and reduce
    the runs of one edge state (``ufunc.reduceat``).
    """

    group_ids: tuple[int, ...]  # groups handled by the bundle
    entry_of_pair: np.ndarray  # (P,) index into the concatenated log tables of the bundle
    slot_of_pair: np.ndarray  # (P,) edge-state slot the pair's incoming message lives in
    pair_starts: np.ndarray  # (S,) first pair of every edge state (edge-major, state-minor)
    slot_of_state: np.ndarray  # (S,) edge-state slot of every bundle edge state
    state_starts: np.ndarray  # (n_edges,) first edge state of every edge
    edge_pairs: np.ndarray  # (n_edges,) pairs per edge (its table size)
    edge_states: np.ndarray  # (n_edges,) states per edge


def flat_bundle(c: Any, plan: FactorGraphPlan, group_ids: tuple[int, ...]) -> FlatBundle:
    """Return the (cached) :class:`FlatBundle` of ``plan``'s groups ``group_ids``."""
    key = ("flat_bundle", plan.evidence_ids, group_ids)
    bundle = c.extra.get(key)
    if bundle is None:
        bundle = _remember(c, key, _flatten(plan, group_ids))
    return bundle


def _flatten(plan: FactorGraphPlan, group_ids: tuple[int, ...]) -> FlatBundle:
    entries, slots, states, edge_pairs, edge_states = [], [], [], [], []
    base = 0
    for i in group_ids:
        g = plan.groups[i]
        n = len(g.factor_ids)
        shape = tuple(s.shape[0] for s in g.slots)
        size = int(np.prod(shape))
        coords = np.unravel_index(np.arange(size), shape)
        factor_base = base + size * np.arange(n)[:, None]  # (F, 1)
        for j, s in enumerate(g.slots):
            order = np.argsort(coords[j], kind="stable")  # entries of one state of axis j together
            entries.append((factor_base + order[None, :]).ravel())
            slots.append(s[coords[j][order], :].T.ravel())  # (F, size): slot of each pair's state
            states.append(s.T.ravel())  # (F, k_j): the edge's states in order
            edge_pairs.append(np.full(n, size))
            edge_states.append(np.full(n, shape[j]))
        base += size * n
    pairs = np.concatenate(edge_pairs) if edge_pairs else np.zeros(0, dtype=np.int64)
    k = np.concatenate(edge_states) if edge_states else np.zeros(0, dtype=np.int64)
    per_state = np.repeat(pairs // np.maximum(k, 1), k)  # pairs of each edge state
    return FlatBundle(
        tuple(group_ids),
        np.concatenate(entries) if entries else np.zeros(0, dtype=np.int64),
        np.concatenate(slots) if slots else np.zeros(0, dtype=np.int64),
        np.concatenate([[0], np.cumsum(per_state)[:-1]]).astype(np.int64),
        np.concatenate(states) if states else np.zeros(0, dtype=np.int64),
        np.concatenate([[0], np.cumsum(k)[:-1]]).astype(np.int64),
        pairs, k,
    )
