"""Explain a query for teaching: what was pruned, and each elimination step with its factor sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._coded import compiled
from ._query_args import elimination_key, evidence_codes, variable_ids
from .variable_elimination import get_plan

__all__ = ["explain_query", "Explanation", "ExplainStep"]


@dataclass(frozen=True)
class ExplainStep:
    """One step: ``variable`` is summed out of the product of ``factors`` (their scopes)."""

    variable: str
    factors: list
    scope: tuple
    size: int


@dataclass
class Explanation:
    """The elimination of one query, step by step.

    Attributes
    ----------
    query, evidence : list of str
        Query and observed variables.
    pruned : list of str
        Variables dropped before elimination: barren ones (outside the ancestors of query and
        evidence) and those d-separated from the query by the evidence.
    factors : list of tuple
        Scopes of the factors that enter the elimination, evidence already sliced out.
    steps : list of ExplainStep
    result : tuple
        Scope of the final factor (the query variables).
    """

    query: list
    evidence: list
    pruned: list
    factors: list
    steps: list = field(default_factory=list)
    result: tuple = ()

    @property
    def order(self) -> list[str]:
        """list of str: the elimination order."""
        return [s.variable for s in self.steps]

    @property
    def largest(self) -> int:
        """int: entries of the largest factor created."""
        return max((s.size for s in self.steps), default=0)

    def __str__(self) -> str:
        def scope(s):
            return f"φ({', '.join(s)})"

        rows = [("step", "eliminate", "factors combined", "new factor", "size")]
        for i, s in enumerate(self.steps, 1):
            rows.append((str(i), s.variable, " · ".join(scope(f) for f in s.factors), scope(s.scope),
                         str(s.size)))
        widths = [max(len(r[k]) for r in rows) for k in range(5)]
        lines = [f"query: {', '.join(self.query)}" + (f" | evidence: {', '.join(self.evidence)}"
                                                      if self.evidence else "")]
        lines.append(f"pruned: {', '.join(self.pruned) if self.pruned else '(none)'}")
        lines.append(f"factors: {', '.join(scope(f) for f in self.factors)}")
        for k, r in enumerate(rows):
            lines.append(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
            if k == 0:
                lines.append("-+-".join("-" * w for w in widths))
        lines.append(f"result: {scope(self.result)}, normalised")
        return "\n".join(lines)


def explain_query(model: Any, variables: str | Sequence[str], evidence: Mapping[str, Any] | None = None, *,
                  elimination_order: Any = "min-fill") -> Explanation:
    """Return the plan of a query: pruned variables and every elimination step.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    variables : str or list of str
        Query variables.
    evidence : dict, optional
        ``{variable: state}``.
    elimination_order : str or list of str, optional
        As for :func:`query`.

    Returns
    -------
    Explanation
        ``.steps`` (each with ``.variable``, ``.factors``, ``.scope``, ``.size``), ``.pruned``;
        ``print`` shows a table.

    Examples
    --------
    >>> ex = pl.explain_query(pl.example("asia"), ["lung"], {"smoke": "yes"})
    >>> ex.pruned
    ['asia', 'tub', 'bronc', 'either', 'xray', 'dysp']
    >>> print(pl.explain_query(pl.example("asia"), ["either"], {"xray": "yes"}))
    query: either | evidence: xray
    pruned: bronc, dysp
    factors: φ(asia), φ(asia, tub), φ(smoke), φ(smoke, lung), φ(lung, tub, either), φ(either)
    step | eliminate | factors combined              | new factor      | size
    -----+-----------+-------------------------------+-----------------+-----
    1    | asia      | φ(asia) · φ(asia, tub)        | φ(tub)          | 2
    2    | tub       | φ(lung, tub, either) · φ(tub) | φ(lung, either) | 4
    3    | smoke     | φ(smoke) · φ(smoke, lung)     | φ(lung)         | 2
    4    | lung      | φ(lung, either) · φ(lung)     | φ(either)       | 2
    result: φ(either), normalised
    """
    c = compiled(model)
    query_ids = variable_ids(c, variables)
    evidence_ids, _ = evidence_codes(c, evidence, query_ids)
    plan = get_plan(c, query_ids, evidence_ids, elimination_key(c, elimination_order), collapse=False)
    sp = plan.main
    assert sp is not None  # a query names at least one variable
    names = c.names

    def named(scope):
        return tuple(names[v] for v in scope)

    slots = [named(s) for s in sp.input_scopes]
    used = {v for s in sp.input_scopes for v in s}
    steps = []
    for step in sp.planned_steps():
        result = tuple(u for u in step.union if u != step.variable)
        steps.append(ExplainStep(names[step.variable], [slots[i] for i in step.operands], named(result),
                                 math.prod(c.cards[u] for u in result)))
        slots.append(named(result))
    pruned = [names[i] for i in range(len(names)) if i not in used and i not in evidence_ids]
    return Explanation([names[i] for i in query_ids], [names[i] for i in evidence_ids], pruned,
                       [named(s) for s in sp.input_scopes], steps, named(sp.out))
