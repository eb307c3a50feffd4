"""VariableElimination: exact inference bound to one model, for users coming from pgmpy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..factor import DiscreteFactor
from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._query_args import variable_ids
from .map import MAPResult, map_query
from .variable_elimination import probability, query

__all__ = ["VariableElimination"]

#: pgmpy's elimination-order names and the heuristic each one is here ("greedy" is pgmpy's default).
PGMPY_ORDERS = {
    "greedy": "min-fill",
    "minfill": "min-fill",
    "minneighbors": "min-degree",
    "minweight": "min-weight",
    "weightedminfill": "weighted-min-fill",
}


def _order(order: Any) -> Any:
    """Translate pgmpy's names (``"MinFill"``, ``"greedy"``...); anything else is passed on as is."""
    if isinstance(order, str):
        return PGMPY_ORDERS.get(order.replace("-", "").replace("_", "").lower(), order)
    return order


class VariableElimination:
    """Exact inference bound to one model, for users coming from pgmpy.

    Plans are cached per model (and invalidated when the model changes), so this object is a
    thin convenience around :func:`query`, :func:`map_query` and :func:`probability`. The
    pgmpy habits work: ``query(variables, evidence, elimination_order=..., joint=...,
    show_progress=False)``, with pgmpy's order names (``"MinFill"``, ``"MinNeighbors"``,
    ``"MinWeight"``, ``"WeightedMinFill"``, ``"greedy"``) next to ours (``"min-fill"``, ...).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    elimination_order : str or list of str, optional
        Default order for every call.
    max_memory : int, optional
        Default memory limit in bytes.

    Examples
    --------
    >>> ve = pl.VariableElimination(pl.example("asia"))
    >>> ve.query(["bronc"], {"smoke": "no"}).values.tolist()
    [0.3, 0.7]
    >>> ve.query(["bronc", "lung"], {"smoke": "no"}, joint=False)["lung"].values.round(2).tolist()
    [0.01, 0.99]
    >>> ve.query(["lung"], evidence={"smoke": "yes"}, elimination_order="MinFill",
    ...          show_progress=False).values.tolist()
    [0.1, 0.9]
    """

    def __init__(self, model: Any, *, elimination_order: Any = "min-fill",
                 max_memory: int = DEFAULT_MAX_MEMORY) -> None:
        compiled(model)  # validate now
        self.model = model
        self.elimination_order = _order(elimination_order)
        self.max_memory = max_memory

    def _opts(self, elimination_order: Any) -> dict[str, Any]:
        order = self.elimination_order if elimination_order is None else _order(elimination_order)
        return {"elimination_order": order, "max_memory": self.max_memory}

    def query(self, variables: str | Sequence[str], evidence: Mapping[str, Any] | None = None, *,
              elimination_order: Any = None, joint: bool = True,
              show_progress: bool = False) -> DiscreteFactor | dict[str, DiscreteFactor]:
        """Posterior of ``variables``; with ``joint=False`` a dict of each one's marginal.

        ``elimination_order`` overrides the object's default for this call; ``show_progress``
        is accepted for pgmpy compatibility and ignored (pgm_lite draws no progress bars).
        """
        opts = self._opts(elimination_order)
        if joint:
            return query(self.model, variables, evidence, **opts)
        variables = [variables] if isinstance(variables, str) else list(variables)
        variable_ids(compiled(self.model), variables)
        return {v: query(self.model, [v], evidence, **opts) for v in variables}

    def map_query(self, variables: Sequence[str] | None = None, evidence: Mapping[str, Any] | None = None,
                  *, elimination_order: Any = None, show_progress: bool = False) -> MAPResult:
        """Most probable assignment; see :func:`pgm_lite.map_query` (``show_progress`` is ignored)."""
        return map_query(self.model, variables, evidence, **self._opts(elimination_order))

    def probability(self, evidence: Mapping[str, Any], *, elimination_order: Any = None) -> float:
        """P(evidence); see :func:`pgm_lite.probability`."""
        return probability(self.model, evidence, **self._opts(elimination_order))
