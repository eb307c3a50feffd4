"""VariableElimination: exact inference bound to one model, for users coming from pgmpy."""

from __future__ import annotations

from ._coded import DEFAULT_MAX_MEMORY, compiled
from ._query_args import variable_ids
from .map import map_query
from .variable_elimination import probability, query

__all__ = ["VariableElimination"]


class VariableElimination:
    """Exact inference bound to one model, for users coming from pgmpy.

    Plans are cached per model (and invalidated when the model changes), so this object is a
    thin convenience around :func:`query`, :func:`map_query` and :func:`probability`.

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
    """

    def __init__(self, model, *, elimination_order="min-fill", max_memory=DEFAULT_MAX_MEMORY):
        compiled(model)  # validate now
        self.model = model
        self.elimination_order = elimination_order
        self.max_memory = max_memory

    def query(self, variables, evidence=None, *, joint=True):
        """Posterior of ``variables``; with ``joint=False`` a dict of each one's marginal."""
        opts = {"elimination_order": self.elimination_order, "max_memory": self.max_memory}
        if joint:
            return query(self.model, variables, evidence, **opts)
        variables = [variables] if isinstance(variables, str) else list(variables)
        variable_ids(compiled(self.model), variables)
        return {v: query(self.model, [v], evidence, **opts) for v in variables}

    def map_query(self, variables=None, evidence=None):
        """Most probable assignment; see :func:`pgm_lite.map_query`."""
        return map_query(self.model, variables, evidence, elimination_order=self.elimination_order,
                         max_memory=self.max_memory)

    def probability(self, evidence):
        """P(evidence); see :func:`pgm_lite.probability`."""
        return probability(self.model, evidence, elimination_order=self.elimination_order,
                           max_memory=self.max_memory)
