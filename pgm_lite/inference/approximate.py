"""``pl.marginals``: all posterior marginals by a chosen method, and a route from "too big for exact".

``method="exact"`` (the default) is :func:`.junction_tree.marginals`; ``"auto"`` answers exactly
when a plan fits ``max_memory`` and otherwise runs loopy belief propagation. The returned dict
says which method answered in ``.method`` (and why, in ``.reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._typing import RNGLike
from .._validate import check_option, format_choices
from ..exceptions import MemoryLimitError, OptionError
from ..factor import DiscreteFactor
from ..sampling.gibbs import gibbs_sample  # the submodule: pgm_lite.sampling may be mid-import
from ..tuning import DEFAULT_MAX_MEMORY
from .junction_tree import marginals as exact_marginals
from .loopy import check_loopy_options, loopy_belief_propagation
from .mean_field import mean_field

__all__ = ["METHODS", "Marginals", "marginals"]

METHODS = ("exact", "auto", "loopy", "mean_field", "gibbs")


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


def marginals(
    model: Any,
    evidence: Mapping[str, Any] | None = None,
    variables: Sequence[str] | None = None,
    *,
    method: str = "exact",
    elimination_order: Any = "min-fill",
    max_memory: int = DEFAULT_MAX_MEMORY,
    n_samples: int = 10_000,
    rng: RNGLike = None,
    progress: bool | None = None,
    **options: Any,
) -> Marginals:
    """Return the posterior marginal of every (requested) variable given the evidence.

    ``method="exact"`` (the default) calibrates the junction tree built once per model, or runs
    one pruned variable elimination per variable when that is estimated cheaper or when only
    that fits ``max_memory`` (see :func:`pgm_lite.inference.junction_tree.marginals`).
    ``"loopy"`` runs :func:`loopy_belief_propagation`, ``"mean_field"`` :func:`mean_field`,
    ``"gibbs"`` counts :func:`pgm_lite.gibbs_sample` draws, and ``"auto"`` answers exactly
    when a plan fits ``max_memory`` and otherwise by loopy belief propagation, saying so in
    ``.method`` and ``.reason``.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        Any fully specified model.
    evidence : dict, optional
        Observed ``{variable: state}``.
    variables : list of str, optional
        The variables whose marginals are wanted (all of them by default, in declaration order).
    method : {"exact", "auto", "loopy", "mean_field", "gibbs"}, optional
        How to answer (see above).
    elimination_order : str, optional
        For exact inference, as for :func:`pgm_lite.query`.
    max_memory : int, optional
        Bytes exact inference may allocate; past it ``"exact"`` raises MemoryLimitError and
        ``"auto"`` switches to loopy belief propagation.
    n_samples : int, optional
        For ``"gibbs"``: samples kept.
    rng : int, numpy.random.Generator or None, optional
        For ``"gibbs"`` and the random starts of the approximate methods.
    progress : bool or None, optional
        Progress indicator of the iterative methods (see :func:`loopy_belief_propagation`).
    **options
        Passed to :func:`loopy_belief_propagation` (``damping``, ``schedule``, ``max_iter``,
        ``tol``), :func:`mean_field` (``max_iter``, ``tol``) or :func:`pgm_lite.gibbs_sample`
        (``burn_in``, ``thin``, ``n_chains``).

    Returns
    -------
    Marginals
        A dict ``{variable: DiscreteFactor}`` (observed variables get a point mass) with
        ``.method`` (which method answered), ``.result`` and ``.reason``.

    Raises
    ------
    OptionError
        For an unknown method, or options the method does not take.
    MemoryLimitError
        For ``method="exact"`` when neither the junction tree nor per-variable elimination fits
        in ``max_memory`` (the message names ``method="loopy"`` and ``method="auto"``).
    ZeroEvidenceError, VariableNotFoundError
        As for the method that runs.

    Examples
    --------
    >>> bn = pl.example("asia")
    >>> m = pl.marginals(bn, {"xray": "yes"})
    >>> m.method, round(float(m["tub"].values[0]), 4)
    ('exact', 0.0924)
    >>> m = pl.marginals(bn.copy(), {"xray": "yes"}, method="auto", max_memory=1)
    >>> m.method, round(float(m["tub"].values[0]), 4)
    ('loopy', 0.0924)
    >>> m.reason[:40]
    'exact inference does not fit in max_memo'
    """
    check_option("method", method, METHODS)
    reason = ""
    if method in ("exact", "auto"):
        _no_options(method, options, () if method == "exact" else _LOOPY_OPTIONS)
        check_loopy_options(**options)  # before exact inference answers and leaves them unused
        try:
            exact = exact_marginals(model, evidence, variables, elimination_order=elimination_order,
                                    max_memory=max_memory)
        except MemoryLimitError as err:
            if method == "exact":
                raise
            reason = f"exact inference does not fit in max_memory={max_memory}: {err}"
        else:
            return _named(exact, "exact")
        method = "loopy"
    if method == "gibbs":
        _no_options(method, options, _GIBBS_OPTIONS)
        return _named(_gibbs_marginals(model, evidence, variables, n_samples, rng, options), "gibbs")
    if method == "loopy":
        _no_options(method, options, _LOOPY_OPTIONS)
        result: Any = loopy_belief_propagation(model, evidence, rng=rng, progress=progress, **options)
    else:
        _no_options(method, options, _MEAN_FIELD_OPTIONS)
        result = mean_field(model, evidence, rng=rng, progress=progress, **options)
    wanted = model.variables if variables is None else list(variables)
    return _named({v: result.marginals[model.check_variable(v)] for v in wanted}, method, result, reason)


_LOOPY_OPTIONS = ("damping", "schedule", "max_iter", "tol", "max_product")
_MEAN_FIELD_OPTIONS = ("max_iter", "tol")
_GIBBS_OPTIONS = ("burn_in", "thin", "n_chains")


def _no_options(method: str, options: dict[str, Any], allowed: Sequence[str]) -> None:
    """Raise OptionError for an option ``method`` does not take (listing the ones it does)."""
    for name in options:
        if name not in allowed:
            takes = f"takes {format_choices(allowed)}" if allowed else "takes no extra options"
            raise OptionError(f"method={method!r} got an unexpected option {name!r}; it {takes}")


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
