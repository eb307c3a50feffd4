"""Integer-coded view of a model (cached per model version), validation and query pruning.

Everything after the boundary works on variable ids (``0..n-1`` in declaration order) and raw
numpy tables; state names come back only when a result is returned.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._checks import check_variable, format_choices
from ..exceptions import PGMError, StructureError, ZeroEvidenceError

DEFAULT_MAX_MEMORY = 2 * 2**30

_CACHE = weakref.WeakKeyDictionary()


class Compiled:
    """Tables and scopes of a model as ids; holds the plan cache and the junction tree."""

    __slots__ = ("version", "names", "index", "cards", "states", "codes", "tables", "scopes",
                 "is_bn", "parents", "has_zero", "plans", "extra", "__weakref__")


def compiled(model):
    """Return the cached integer view of ``model``, rebuilt when the model has changed."""
    entry = _CACHE.get(model)
    if entry is not None and entry.version == model._version:
        return entry
    model.check()
    c = Compiled()
    c.version = model._version
    c.names = list(model.variables)
    c.index = {v: i for i, v in enumerate(c.names)}
    c.states = [model.states(v) for v in c.names]
    c.cards = [len(s) for s in c.states]
    c.codes = [{s: j for j, s in enumerate(names)} for names in c.states]
    c.is_bn = hasattr(model, "cpds")
    if c.is_bn:
        cpds = [model.cpd(v) for v in c.names]
        # rows are renormalised: files carry rounding (up to ~1e-6), and pruning barren parts
        # is only exact when every row sums to one
        c.tables = [np.ascontiguousarray(cpd.table / cpd.table.sum(-1, keepdims=True)) for cpd in cpds]
        c.parents = [tuple(c.index[p] for p in cpd.parents) for cpd in cpds]
        c.scopes = [(*c.parents[i], i) for i in range(len(cpds))]
    else:
        factors = model.factors()
        c.tables = [np.ascontiguousarray(f.values, dtype=float) for f in factors]
        c.scopes = [tuple(c.index[v] for v in f.variables) for f in factors]
        c.parents = None
    c.has_zero = [bool((t == 0).any()) for t in c.tables]
    c.plans = {}
    c.extra = {}
    _CACHE[model] = c
    return c


# -- validation at the boundary -----------------------------------------------------------------
def _var_id(c, name):
    try:
        i = c.index.get(name)
    except TypeError:  # unhashable: certainly not a variable
        i = None
    if i is None:
        check_variable(name, c.index)  # raises, listing the valid names
    return i


def variable_ids(c, variables, *, allow_empty=False):
    """Validate query variables; return their ids (a lone string is one variable)."""
    if isinstance(variables, str):
        variables = (variables,)
    ids = tuple(_var_id(c, v) for v in variables)
    if not ids and not allow_empty:
        raise PGMError("empty query: name at least one variable")
    if len(set(ids)) != len(ids):
        dupes = sorted({c.names[i] for i in ids if ids.count(i) > 1})
        raise PGMError(f"query names variable(s) {dupes} more than once")
    return ids


def state_code(c, i, state):
    """Code of ``state`` (a name or an index) of variable id ``i``."""
    code = c.codes[i].get(state) if isinstance(state, str) else None
    if code is not None:
        return code
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool) and 0 <= state < c.cards[i]:
        return int(state)
    from ..factor import state_index

    return state_index(c.names[i], c.states[i], state)  # raises with the valid choices


def evidence_codes(c, evidence, query_ids=()):
    """Validate evidence; return ``(ids, codes)`` sorted by id."""
    if not evidence:
        return (), ()
    if not isinstance(evidence, dict):
        raise PGMError(f"evidence must be a dict {{variable: state}}, got {type(evidence).__name__}")
    pairs = sorted((_var_id(c, v), s) for v, s in evidence.items())
    ids = tuple(i for i, _ in pairs)
    both = [c.names[i] for i in ids if i in query_ids]
    if both:
        raise PGMError(f"variable(s) {both} are both queried and observed; drop them from one side")
    return ids, tuple(state_code(c, i, s) for i, s in pairs)


def elimination_key(c, spec):
    """Normalise an elimination-order argument (heuristic name or list) to a hashable key."""
    from ..elimination import ORDERINGS

    if isinstance(spec, str):
        if spec not in ORDERINGS:
            raise PGMError(
                f"unknown elimination order {spec!r}; choose from {list(ORDERINGS)} "
                "or pass an explicit list of variables"
            )
        return spec
    order = tuple(_var_id(c, v) for v in spec)
    if len(set(order)) != len(order):
        dupes = sorted({c.names[i] for i in order if order.count(i) > 1})
        raise StructureError(f"elimination order lists {dupes} more than once")
    return order


def zero_evidence(c, ids, codes):
    shown = {c.names[i]: c.states[i][k] for i, k in zip(ids, codes)}
    return ZeroEvidenceError(f"the evidence {shown} has probability zero under the model")


def check_order_covers(c, order, hidden):
    missing = [c.names[v] for v in sorted(hidden) if v not in set(order)]
    if missing:
        raise StructureError(
            f"elimination order misses variable(s) {format_choices(missing)} that must be summed out"
        )


# -- pruning ------------------------------------------------------------------------------------
def ancestors(c, ids):
    """Return the given ids and all their ancestors (Bayesian networks)."""
    seen = set(ids)
    stack = list(ids)
    while stack:
        for p in c.parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def prune(c, query_ids, evidence_ids, *, need_value):
    """Split the factors that matter for a query into connected pieces.

    Returns ``(main, sides, relevant)``: ``main`` lists the factors of the components (of the
    interaction graph with the evidence removed) that hold a query variable; each entry of
    ``sides`` is one other component (or one factor whose scope is all evidence) whose total only
    scales P(evidence). With ``need_value=False`` sides are kept only when they might be zero
    (a table with zeros), just to detect impossible evidence; in a Bayesian network, sides with
    no observed variable's CPD total exactly one and are always dropped. Barren variables
    (outside the ancestors of query and evidence) are never in ``relevant``.
    """
    observed = set(evidence_ids)
    if c.is_bn:
        relevant = ancestors(c, (*query_ids, *evidence_ids))
        fids = sorted(relevant)
    else:
        relevant = set(range(len(c.names)))
        fids = range(len(c.tables))
    root = {}

    def find(v):
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    hidden_of = {}
    for f in fids:
        hidden = [v for v in c.scopes[f] if v not in observed]
        hidden_of[f] = hidden
        for v in hidden:
            root.setdefault(v, v)
        for v in hidden[1:]:
            a, b = find(hidden[0]), find(v)
            if a != b:
                root[b] = a
    main_roots = {find(q) for q in query_ids}
    main, pieces = [], {}
    for f in fids:
        hidden = hidden_of[f]
        if not hidden:
            pieces[("scalar", f)] = [f]
            continue
        r = find(hidden[0])
        if r in main_roots:
            main.append(f)
        else:
            pieces.setdefault(r, []).append(f)
    sides = []
    for piece in pieces.values():
        if c.is_bn and not any(f in observed for f in piece):
            continue  # CPDs of unobserved variables only: sums to exactly one
        if not need_value and not any(c.has_zero[f] for f in piece):
            continue  # strictly positive, cannot make the evidence impossible
        sides.append(piece)
    return main, sides, relevant
