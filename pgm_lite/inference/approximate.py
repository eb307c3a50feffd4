"""All posterior marginals by a chosen method, with a route from "too big for exact" to an answer.

``method="auto"`` answers exactly when the junction tree fits ``max_memory`` and otherwise
runs loopy belief propagation; the returned dict says which method answered in ``.method``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._typing import RNGLike
from .._validate import check_option
from ..exceptions import MemoryLimitError
from ..factor import DiscreteFactor
from ..sampling import gibbs_sample
from ..tuning import DEFAULT_MAX_MEMORY
from .junction_tree import marginals as exact_marginals
from .loopy import loopy_belief_propagation
from .mean_field import mean_field

__all__ = ["METHODS", "Marginals", "marginals_by_method"]

METHODS = ("exact", "loopy", "mean_field", "gibbs", "auto")


class Marginals(dict[str, DiscreteFactor]):
    """``{variable: DiscreteFactor}`` plus how it was computed.

    Attributes
    ----------
    method : str
        ``"exact"``, ``"loopy"``, ``"mean_field"`` or ``"gibbs"``: the method that answered.
    result : object or None
        The :class:`LoopyBPResult` or :class:`MeanFieldResult` behind an approximate answer
        (convergence, ``log Z`` estimates), else None.
    reason : str
        Why ``"auto"`` chose this method ("" when the method was asked for).
    """

    method: str
    result: Any
    reason: str


def _named(items: dict[str, DiscreteFactor], method: str, result: Any = None, reason: str = "") -> Marginals:
    out = Marginals(items)
    out.method, out.result, out.reason = method, result, reason
    return out


def marginals_by_method(
    model: Any,
    evidence: Mapping[str, Any] | None = None,
    variables: Sequence[str] | None = None,
    *,
    method: str = "auto",
    max_memory: int = DEFAULT_MAX_MEMORY,
    elimination_order: str = "min-fill",
    n_samples: int = 10_000,
    rng: RNGLike = None,
    **options: Any,
) -> Marginals:
    """Return the posterior marginal of every (requested) variable by ``method``.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Any fully specified model.
    evidence : dict, optional
        Observed ``{variable: state}``.
    variables : list of str, optional
        The variables whose marginals are wanted (all of them by default, in declaration order).
    method : {"auto", "exact", "loopy", "mean_field", "gibbs"}, optional
        ``"auto"`` is exact when the junction tree fits ``max_memory``, else loopy belief
        propagation.
    max_memory : int, optional
        Bytes exact inference may allocate (see :func:`pgm_lite.marginals`).
    elimination_order : str, optional
        For exact inference.
    n_samples, rng : optional
        For ``"gibbs"`` (samples kept) and the random starts of the approximate methods.
    **options
        Passed to :func:`loopy_belief_propagation` (``damping``, ``schedule``, ``max_iter``,
        ``tol``), :func:`mean_field` (``max_iter``, ``tol``) or :func:`pgm_lite.gibbs_sample`
        (``burn_in``, ``thin``, ``n_chains``).

    Returns
    -------
    Marginals
        A dict ``{variable: DiscreteFactor}`` with ``.method``, ``.result`` and ``.reason``.

    Raises
    ------
    OptionError
        For an unknown method.
    MemoryLimitError
        For ``method="exact"`` on a model whose junction tree does not fit.
    ZeroEvidenceError, VariableNotFoundError
        As for the method that runs.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> m = marginals_by_method(bn, {"xray": "yes"}, max_memory=1)
    >>> m.method, round(float(m["tub"].values[0]), 4)
    ('loopy', 0.0924)
    >>> marginals_by_method(bn, {"xray": "yes"}).method
    'exact'
    """
    check_option("method", method, METHODS)
    reason = ""
    if method in ("exact", "auto"):
        try:
            exact = exact_marginals(model, evidence, variables, elimination_order=elimination_order,
                                    max_memory=max_memory)
        except MemoryLimitError as err:
            if method == "exact":
                raise
            reason = f"exact inference does not fit: {err}"
        else:
            return _named(exact, "exact")
        method = "loopy"
    if method == "gibbs":
        return _named(_gibbs_marginals(model, evidence, variables, n_samples, rng, options), "gibbs")
    if method == "loopy":
        result: Any = loopy_belief_propagation(model, evidence, rng=rng, **options)
    else:
        result = mean_field(model, evidence, rng=rng, **options)
    wanted = model.variables if variables is None else list(variables)
    return _named({v: result.marginals[model.check_variable(v)] for v in wanted}, method, result, reason)


def _gibbs_marginals(model: Any, evidence: Mapping[str, Any] | None, variables: Sequence[str] | None,
                     n_samples: int, rng: RNGLike, options: dict[str, Any]) -> dict[str, DiscreteFactor]:
    codes = gibbs_sample(model, n_samples, evidence=evidence, rng=rng, as_codes=True, **options)
    wanted = model.variables if variables is None else [model.check_variable(v) for v in variables]
    column = {v: i for i, v in enumerate(model.variables)}
    out = {}
    for v in wanted:
        k = model.cardinality(v)
        values = np.bincount(codes[:, column[v]], minlength=k) / len(codes)
        out[v] = DiscreteFactor.from_validated((v,), values, {v: model.states(v)})
    return out
