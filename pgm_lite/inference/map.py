"""Most probable assignments by max-product elimination with traceback (MPE and MAP).

Max-product runs on the same plans as sums; scaled plans carry a power-of-two exponent per
table, which is max-product in log space without a single ``log`` per entry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ._coded import DEFAULT_MAX_MEMORY, Compiled, compiled
from ._plan import SubPlan, check_memory
from ._prune import prune
from ._query_args import elimination_key, evidence_codes, variable_ids, zero_evidence
from .variable_elimination import log_mass

__all__ = ["MAPResult", "map_query"]


class MAPResult(tuple):
    """The most probable assignment (state names) and its probability given the evidence.

    A pair ``(assignment, probability)``; ``log_probability`` is its natural log, exact even
    when the probability underflows to 0.0 (large models).

    Examples
    --------
    >>> r = pl.MAPResult({"A": "a1"}, 0.25)
    >>> r, r.assignment, round(r.log_probability, 4)
    (MAPResult(assignment={'A': 'a1'}, probability=0.25), {'A': 'a1'}, -1.3863)
    >>> assignment, p = r
    """

    def __new__(cls, assignment: dict, probability: float, log_probability: float | None = None) -> MAPResult:
        """Build from the assignment, its probability and (optionally) its exact log."""
        self = super().__new__(cls, (assignment, probability))
        if log_probability is None:
            log_probability = math.log(probability) if probability > 0 else -math.inf
        self.log_probability = log_probability
        return self

    log_probability: float
    """float: natural log of ``probability``."""

    @property
    def assignment(self) -> dict:
        """dict: ``{variable: state name}``."""
        return self[0]

    @property
    def probability(self) -> float:
        """float: P(assignment | evidence)."""
        return self[1]

    def __repr__(self) -> str:
        return f"MAPResult(assignment={self.assignment!r}, probability={self.probability!r})"


def _map_plan(c: Compiled, map_ids: tuple[int, ...], evidence_ids: tuple[int, ...],
              order_key: Any) -> tuple[SubPlan | None, list[SubPlan]]:
    key = ("map", map_ids, evidence_ids, order_key)
    plan = c.plans.get(key)
    if plan is None:
        main, sides, _ = prune(c, map_ids, evidence_ids, need_value=True)
        kinds = {v: "max" for v in map_ids}
        plan = (SubPlan(c, main, evidence_ids, (), order_key, kinds=kinds) if map_ids else None,
                [SubPlan(c, piece, evidence_ids, (), order_key) for piece in sides])
        c.plans[key] = plan
    return plan


def map_query(model: Any, variables: Sequence[str] | None = None, evidence: Mapping[str, Any] | None = None, *,
              elimination_order: Any = "min-fill", max_memory: int = DEFAULT_MAX_MEMORY) -> MAPResult:
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
        (declaration order for the MPE) and P(assignment | evidence); ``.log_probability`` is
        its log (exact when the probability underflows).

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
    main, sides = _map_plan(c, map_ids, evidence_ids, order_key)
    check_memory(c, [sp for sp in (main, *sides) if sp is not None], max_memory, what="this MAP query")
    log_side = math.fsum([sp.log_total(codes) for sp in sides])
    log_e = log_mass(c, evidence_ids, codes, order_key, max_memory)
    if log_side == -math.inf or log_e == -math.inf:
        raise zero_evidence(c, evidence_ids, codes)
    if main is None:
        return MAPResult({}, 1.0, 0.0)
    log_best, traces = main.trace(codes)
    if log_best == -math.inf:
        raise zero_evidence(c, evidence_ids, codes)
    chosen: dict[int, int] = {}
    max_steps = [s for s in main.planned_steps() if s.kind == "max"]
    for step, trace in zip(reversed(max_steps), reversed(traces)):
        rest = tuple(u for u in step.union if u != step.variable)
        chosen[step.variable] = int(trace[tuple(chosen[u] for u in rest)])
    assignment = {c.names[i]: c.states[i][chosen[i]] for i in map_ids}
    log_p = min(log_best + log_side - log_e, 0.0)
    return MAPResult(assignment, math.exp(log_p), log_p)
