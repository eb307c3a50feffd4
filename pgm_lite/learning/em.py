"""Expectation-maximisation for Bayesian-network parameters from incomplete data.

Data may miss values here and there, and a *latent* variable may never be observed at all (its
column absent or entirely missing, or named in ``latent=``): latent-class models, mixtures of
Bernoullis. The E-step is exact (:class:`pgm_lite.learning._estep.EStep`: a small component of
missing variables is two matrix products over all its rows -- one-hot observed cells times log
tables, then their transpose times the posteriors --, a large one takes one compiled, batched
query per family; missing leaves sum out), the M-step normalises expected counts. 100,000 rows x
64 pixels x 10 components take well under a second per update (benchmarks/latent.py). Random starts draw every CPD
row from a flat Dirichlet, seeded by ``rng``, which breaks the symmetry between a latent
variable's states; ``n_restarts`` keeps the run with the best log-likelihood.

A latent variable's states are interchangeable: two fits can find the same components in a
different order ("label switching"). :func:`align_states` permutes them to match a reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._model import check_model
from .._states import is_default_names
from .._validate import check_int, check_number, check_option, check_variable
from ..bayesian_network import BayesianNetwork
from ..exceptions import PGMError, StructureError
from ..progress import Progress, progress_bar
from ._counts import (
    Family,
    build_network,
    check_fit_options,
    families_of,
    tables_from_counts,
)
from ._estep import EStep, distinct_columns
from ._frame import prepare

__all__ = ["EMResult", "align_states", "fit_em"]

INITS = ("model", "data", "random")


class EMResult:
    """What :func:`fit_em` returns; unpacks as ``model, log_likelihood``.

    Attributes
    ----------
    model : BayesianNetwork
        The fitted model (the best restart).
    log_likelihood : list of float
        Observed-data log-likelihood of the best restart's start and after each update.
    iterations : int
        EM updates of the best restart.
    converged : bool
        Whether the best restart stopped on ``tol`` (not on ``max_iter``).
    restarts : list of float
        Final log-likelihood of every restart, in the order they ran.
    """

    def __init__(self, model: BayesianNetwork, log_likelihood: list[float], iterations: int,
                 converged: bool, restarts: list[float]) -> None:
        self.model, self.log_likelihood = model, log_likelihood
        self.iterations, self.converged, self.restarts = iterations, converged, restarts

    def __iter__(self) -> Iterator[Any]:
        return iter((self.model, self.log_likelihood))

    def __repr__(self) -> str:
        return (f"<EMResult log_likelihood={self.log_likelihood[-1]:.6g} iterations={self.iterations} "
                f"converged={self.converged} restarts={len(self.restarts)}>")


def fit_em(model: BayesianNetwork, data: Any, *, latent: Sequence[str] | Mapping[str, Any] | None = None,
           init: str | None = None, n_restarts: int = 1, rng: int | np.random.Generator | None = None,
           max_iter: int = 100, tol: float = 1e-8, pseudo_count: float = 0.0, prior: str = "dirichlet",
           ignore_extra: bool = False, progress: bool | None = None) -> EMResult:
    """Fit the CPDs of ``model``'s structure to incomplete data by EM.

    Parameters
    ----------
    model : BayesianNetwork
        The structure (and, when fully specified, the starting parameters).
    data : pandas.DataFrame or array_like
        One column per observed variable; NaN / None mark missing values. A variable whose
        column is absent or entirely missing is latent.
    latent : list of str or dict, optional
        Variables that are never observed, e.g. ``["Z"]`` (states declared on the model) or
        ``{"Z": 3}`` / ``{"Z": ["a", "b", "c"]}`` (states given here).
    init : {None, "model", "data", "random"}, optional
        Start of the first run: the CPDs of ``model`` ("model", the default when it is fully
        specified), smoothed counts of the rows where each family is observed ("data", the default
        without latent variables), or flat-Dirichlet draws ("random", the default with latent ones).
    n_restarts : int, optional
        Runs to make; every run after the first starts from random draws. The best final
        log-likelihood wins.
    rng : int, numpy.random.Generator or None, optional
        Seed of the random starts (the result is reproducible with an int).
    max_iter : int, optional
        Maximum number of EM updates per run.
    tol : float, optional
        Stop when the log-likelihood improves by less than ``tol * |log-likelihood|``.
    pseudo_count, prior : optional
        A Dirichlet prior as in :func:`pgm_lite.fit` (MAP-style counts; 0 means maximum
        likelihood). With a prior the log-likelihood may stop increasing near the optimum.
    ignore_extra : bool, optional
        Drop columns that are not variables of the model instead of raising.
    progress : bool or None, optional
        Show a progress line of the EM updates (``None``: only when stderr is a terminal).

    Returns
    -------
    EMResult
        Unpacks as ``(model, log_likelihood)``; also ``iterations``, ``converged``, ``restarts``.
        The log-likelihood never decreases when ``pseudo_count == 0``.

    Raises
    ------
    PGMError
        A declared latent variable with observed values, a latent variable without declared
        states, no rows, bad options.
    VariableNotFoundError
        Unknown columns or states.
    ZeroEvidenceError
        A row is impossible under the starting model.

    Notes
    -----
    The states of a latent variable are exchangeable ("label switching"): compare fits with
    :func:`align_states`.

    Examples
    --------
    >>> import pandas as pd
    >>> structure = pl.BayesianNetwork([("A", "B")])
    >>> data = pd.DataFrame({"A": ["0", "1", None, "1"], "B": ["0", "1", "1", None]})
    >>> fitted, history = pl.fit_em(structure, data)
    >>> bool(np.all(np.diff(history) >= -1e-12)), len(fitted.cpds())
    (True, 2)

    A latent class model: ``Z`` is never observed.

    >>> truth = pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", [0.3, 0.7])] + [
    ...     pl.TabularCPD(f"X{i}", [[0.9, 0.1], [0.2, 0.8]], ["Z"]) for i in range(4)])
    >>> rows = pl.sample(truth, 2000, rng=0).drop(columns="Z")
    >>> structure = pl.BayesianNetwork([("Z", f"X{i}") for i in range(4)])
    >>> result = pl.fit_em(structure, rows, latent={"Z": 2}, n_restarts=3, rng=0)
    >>> result.converged, len(result.restarts)
    (True, 3)
    >>> aligned = pl.align_states(result.model, truth, "Z")
    >>> np.abs(aligned.cpd("Z").table - [0.3, 0.7]).max() < 0.05
    np.True_
    """
    check_fit_options("mle", pseudo_count, prior)
    pseudo_count = check_number("pseudo_count", pseudo_count, minimum=0.0)
    if init is not None:
        check_option("init", init, INITS, what="EM start")
    n_restarts = check_int("n_restarts", n_restarts, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=0)
    tol = check_number("tol", tol, minimum=0.0)
    families_of(model)  # a BayesianNetwork, else the ArgumentTypeError that says so
    prepared = prepare(model, data, allow_latent=True, latent=latent, ignore_extra=ignore_extra,
                       allow_missing=True)
    _check_latent_states(model, prepared.latent, latent)
    structure = model if not prepared.changed else BayesianNetwork(
        model.edges, variables=model.variables, states=prepared.states)
    families = families_of(structure)
    rows, _, multiplicity = distinct_columns(prepared.codes)
    counts = multiplicity.astype(float)
    e_step = EStep(structure, families, rows, counts)
    if init is None:
        init = "model" if model.is_fully_specified() and not prepared.changed else \
            "random" if prepared.latent else "data"
    if init == "model":
        if prepared.changed:
            raise PGMError(f"init='model' needs the model's states, but the data/latent= give "
                           f"{prepared.changed} other ones")
        model.check()
    generator = np.random.default_rng(rng)
    best: EMResult | None = None
    finals = []
    with progress_bar(n_restarts * max_iter, desc="EM", progress=progress) as bar:
        for run in range(n_restarts):
            how = init if run == 0 else "random"
            start = model.copy() if how == "model" else _start(structure, families, rows, counts, how, generator)
            result = _run(structure, families, e_step, start, max_iter, tol, pseudo_count, prior, bar)
            finals.append(result.log_likelihood[-1])
            if best is None or result.log_likelihood[-1] > best.log_likelihood[-1]:
                best = result
    assert best is not None
    best.restarts = finals
    return best


def _check_latent_states(model: BayesianNetwork, hidden: list[str], latent: Any) -> None:
    """Refuse a never-observed variable without declared states: the data cannot tell how many.

    Naming it in ``latent=`` declares it (with the model's states, or the ones given there); so
    does a CPD mentioning it, or state names other than the default binary ``("0", "1")``.
    """
    given = set() if latent is None else set(latent)
    mentioned = {v for cpd in model.cpds() for v in cpd.scope}
    for v in hidden:
        names = model.states(v)
        if v in given or v in mentioned or not (len(names) == 2 and is_default_names(names)):
            continue
        raise PGMError(
            f"latent variable {v!r} has no declared states (the data never shows it, and the model "
            f"only has the default {list(names)}); declare them: latent={{{v!r}: 3}} (a number of states "
            f"or a list of names), latent=[{v!r}] to keep the 2 default states, or states={{{v!r}: ...}} "
            "when building the model")


def _start(structure: BayesianNetwork, families: list[Family], rows: np.ndarray, counts: np.ndarray,
           how: str, generator: np.random.Generator) -> BayesianNetwork:
    if how == "random":
        tables = [generator.dirichlet(np.ones(f.shape[-1]), size=f.size // f.shape[-1]).reshape(f.shape)
                  for f in families]
        return build_network(structure, families, tables)
    start = []
    for fam in families:
        ok = (rows[fam.scope] >= 0).all(axis=0)
        start.append(fam.counts(rows[:, ok], counts[ok]))
    return build_network(structure, families, tables_from_counts(families, start, 1.0, "dirichlet"))


def _run(structure: BayesianNetwork, families: list[Family], e_step: EStep, current: BayesianNetwork,
         max_iter: int, tol: float, pseudo_count: float, prior: str, bar: Progress) -> EMResult:
    history: list[float] = []
    converged = False
    for iteration in range(max_iter + 1):
        ll, expected = e_step(current, need_counts=iteration < max_iter)
        history.append(ll)
        bar.note(f"run log-likelihood={ll:.6g}")
        if iteration and ll - history[-2] < tol * abs(ll):
            converged = True
            break
        if iteration == max_iter:
            break
        assert expected is not None
        current = build_network(structure, families, tables_from_counts(families, expected, pseudo_count, prior))
        bar.update()
    return EMResult(current, history, len(history) - 1, converged, [])


def align_states(learned: BayesianNetwork, reference: BayesianNetwork, variable: str) -> BayesianNetwork:
    """Permute the states of ``variable`` in ``learned`` to best match ``reference``.

    EM finds a latent variable's states in an arbitrary order (label switching). This returns a
    copy of ``learned`` whose CPD tables are permuted along ``variable``'s axis so that the CPDs
    mentioning it are closest (sum of squared differences) to those of ``reference``. All
    permutations are tried for up to 8 states; beyond, pairs are matched greedily by cost.

    Parameters
    ----------
    learned, reference : BayesianNetwork
        Fully specified, with the same structure around ``variable`` and the same cardinalities.
    variable : str
        The variable whose states to permute.

    Returns
    -------
    BayesianNetwork
        A new model; the same distribution as ``learned`` with ``variable``'s states relabelled.

    Raises
    ------
    StructureError
        If the two models differ in the CPDs that mention ``variable``.

    Examples
    --------
    >>> ref = pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", [0.2, 0.8]),
    ...                                pl.TabularCPD("X", [[0.9, 0.1], [0.3, 0.7]], ["Z"])])
    >>> swapped = pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", [0.8, 0.2]),
    ...                                    pl.TabularCPD("X", [[0.3, 0.7], [0.9, 0.1]], ["Z"])])
    >>> pl.align_states(swapped, ref, "Z").cpd("Z").table.tolist()
    [0.2, 0.8]
    """
    check_model(learned, "learned")
    check_model(reference, "reference")
    variable = check_variable(variable, learned.state_names)
    check_variable(variable, reference.state_names)
    k = learned.cardinality(variable)
    users = [c.variable for c in learned.cpds() if variable in c.scope]
    cost = np.zeros((k, k))
    for v in users:
        mine, theirs = learned.cpd(v), _matching_cpd(reference, learned, v)
        axis = mine.scope.index(variable)
        a = np.moveaxis(mine.table, axis, 0).reshape(k, -1)
        b = np.moveaxis(theirs.table, axis, 0).reshape(k, -1)
        cost += ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    new_of_old = _assignment(cost)
    old_of_new = np.argsort(new_of_old)
    cpds = []
    for cpd in learned.cpds():
        if variable in cpd.scope:
            cpd = cpd.with_table(np.take(cpd.table, old_of_new, axis=cpd.scope.index(variable)))
        cpds.append(cpd)
    return BayesianNetwork(cpds=cpds, variables=learned.variables)


def _matching_cpd(reference: BayesianNetwork, learned: BayesianNetwork, v: str) -> Any:
    mine = learned.cpd(v)
    if v not in reference.state_names or reference.parents(v) != learned.parents(v):
        raise StructureError(f"align_states needs the same parents of {v!r} in both models")
    theirs = reference.cpd(v)
    if theirs.table.shape != mine.table.shape:
        raise StructureError(f"align_states: the CPDs of {v!r} have shapes {mine.table.shape} "
                             f"and {theirs.table.shape}")
    return theirs


def _assignment(cost: np.ndarray) -> np.ndarray:
    """``new_of_old[i]``: the reference state matched to learned state ``i`` (min total cost)."""
    k = len(cost)
    if k <= 8:
        best = min(itertools.permutations(range(k)), key=lambda p: (cost[range(k), p].sum(), p))
        return np.array(best)
    match = np.full(k, -1)
    for flat in np.argsort(cost, axis=None, kind="stable"):
        i, j = divmod(int(flat), k)
        if match[i] < 0 and j not in match:
            match[i] = j
    assert (match >= 0).all()
    return match
