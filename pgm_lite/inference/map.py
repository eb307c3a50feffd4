"""Most probable assignments by max-product elimination with traceback (MPE and MAP)."""

from __future__ import annotations

import math
from typing import NamedTuple

from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._plan import _contract, build_subplan, check_memory, run, slice_evidence
from ._prune import prune
from ._query_args import elimination_key, evidence_codes, variable_ids, zero_evidence
from .variable_elimination import evidence_mass

__all__ = ["map_query", "MAPResult"]


class MAPResult(NamedTuple):
    """The most probable assignment (state names) and its probability given the evidence."""

    assignment: dict
    probability: float


def map_query(model, variables=None, evidence=None, *, elimination_order="min-fill",
              max_memory=DEFAULT_MAX_MEMORY):
    """Return the most probable assignment of ``variables`` given ``evidence``.

    With ``variables=None`` this is the MPE: the most probable assignment of every unobserved
    variable. Otherwise it is the MAP: the other unobserved variables are summed out first, then
    ``variables`` are maximised. Ties go to the lower state index.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    variables : list of str, optional
        MAP variables (default: all unobserved variables).
    evidence : dict, optional
        ``{variable: state}``.
    elimination_order, max_memory
        As for :func:`query`.

    Returns
    -------
    MAPResult
        ``(assignment, probability)``: ``{variable: state name}`` in the order of ``variables``
        (declaration order for the MPE) and P(assignment | evidence).

    Raises
    ------
    ZeroEvidenceError, VariableNotFoundError, MemoryLimitError, PGMError
        As for :func:`query`.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> assignment, p = pl.map_query(bn, ["lung", "tub"], {"xray": "yes", "smoke": "yes"})
    >>> assignment, round(p, 3)
    ({'lung': 'yes', 'tub': 'no'}, 0.639)
    >>> pl.map_query(bn, evidence={"dysp": "yes"}).assignment["bronc"]
    'yes'
    """
    c = compiled(model)
    order_key = elimination_key(c, elimination_order)
    if variables is None:
        given = {c.index[v] for v in (evidence or {}) if v in c.index}
        map_ids = tuple(i for i in range(len(c.names)) if i not in given)
    else:
        map_ids = variable_ids(c, variables)
    evidence_ids, codes = evidence_codes(c, evidence, map_ids)
    key = ("map", map_ids, evidence_ids, order_key)
    plan = c.plans.get(key)
    if plan is None:
        main, sides, _ = prune(c, map_ids, evidence_ids, need_value=True)
        kinds = {v: "max" for v in map_ids}
        plan = (build_subplan(c, main, evidence_ids, (), order_key, kinds=kinds) if map_ids else None,
                [build_subplan(c, piece, evidence_ids, (), order_key) for piece in sides])
        c.plans[key] = plan
    main, sides = plan
    check_memory(c, [sp for sp in (main, *sides) if sp is not None], max_memory, what="this MAP query")
    side_mass = math.prod(float(run(sp, codes)) for sp in sides)
    mass = evidence_mass(c, evidence_ids, codes, order_key, max_memory)
    if not (side_mass > 0 and mass > 0):
        raise zero_evidence(c, evidence_ids, codes)
    if main is None:
        return MAPResult({}, 1.0)
    traces = []
    best = float(_contract(main, slice_evidence(main.inputs, codes), traces))
    if not best > 0:
        raise zero_evidence(c, evidence_ids, codes)
    chosen = {}
    max_steps = [s for s in main.steps if s[4] == "max"]
    for (v, _, _, union, _), trace in zip(reversed(max_steps), reversed(traces)):
        rest = tuple(u for u in union if u != v)
        chosen[v] = int(trace[tuple(chosen[u] for u in rest)])
    assignment = {c.names[i]: c.states[i][chosen[i]] for i in map_ids}
    return MAPResult(assignment, best * side_mass / mass)
