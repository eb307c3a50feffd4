"""Sufficient statistics shared by the learners: families, vectorised counts, tables from counts.

Counting is vectorised: each family ``(parents, child)`` turns its columns of codes into one cell
index per row and calls ``np.bincount`` once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import tuning
from .._validate import check_option
from ..bayesian_network import BayesianNetwork
from ..cpd import TabularCPD
from ..exceptions import ArgumentTypeError, PGMError

__all__ = ["FIT_METHODS", "PRIORS", "Family", "build_network", "check_fit_options", "count_all",
           "families_of", "tables_from_counts", "unique_rows"]

FIT_METHODS = ("mle", "bayes")
PRIORS = ("dirichlet", "bdeu")


class Family:
    """One CPD's scope as column indices, with the strides that make a flat cell index."""

    def __init__(self, model: Any, variable: str, column: dict[str, int]) -> None:
        self.variable = variable
        self.parents = list(model.parents(variable))
        self.scope = [column[p] for p in self.parents] + [column[variable]]
        self.shape = tuple(len(model.states(u)) for u in (*self.parents, variable))
        self.size = math.prod(self.shape)
        self.strides = [math.prod(self.shape[i + 1:]) for i in range(len(self.shape))]

    def cells(self, codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Flat cell index (intp, what ``np.bincount`` reads) of every row of ``codes`` (shape (d, n), all observed)."""
        index = np.multiply(codes[self.scope[0]], self.strides[0], out=out, dtype=np.intp)
        part = None
        for j, s in zip(self.scope[1:], self.strides[1:]):
            if s == 1:
                index += codes[j]
            else:  # widened by the multiply: small-int codes times a stride would wrap
                part = np.empty_like(index) if part is None else part
                index += np.multiply(codes[j], s, out=part, dtype=np.intp)
        return index

    def counts(self, codes: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted count of every cell (flat, ``size`` entries)."""
        return count_all([self], codes, weights)[0]


def families_of(model: Any) -> list[Family]:
    """One :class:`Family` per variable of a BayesianNetwork, in declaration order."""
    if not model.is_directed:
        raise ArgumentTypeError(
            f"parameter learning needs a BayesianNetwork (its structure), got {type(model).__name__}"
        )
    column = {v: j for j, v in enumerate(model.variables)}
    return [Family(model, v, column) for v in model.variables]


def _groups(families: Sequence[Family]) -> list[list[int]]:
    """Families counted together: small ones share one index over the product of their sizes."""
    groups: list[list[int]] = []
    current: list[int] = []
    size = 1
    for i in sorted(range(len(families)), key=lambda i: families[i].size):
        if current and size * families[i].size > tuning.FIT_GROUP_CELLS:
            groups.append(current)
            current, size = [], 1
        current.append(i)
        size *= families[i].size
    if current:
        groups.append(current)
    return groups


def _group_cells(fams: Sequence[Family], codes: np.ndarray, work: np.ndarray) -> np.ndarray:
    index = fams[0].cells(codes, out=work)
    for f in fams[1:]:
        index *= f.size
        index += f.cells(codes)
    return index


def count_all(families: Sequence[Family], codes: np.ndarray,
              weights: np.ndarray | None = None) -> list[np.ndarray]:
    """Count the cells of every family (float arrays of ``size`` entries).

    Small families are counted together: their cell indices combine into one index over the
    product of their sizes (at most ``tuning.FIT_GROUP_CELLS``), so one ``np.bincount`` pass serves several
    families and each one's counts are a marginal of the joint counts. Rows are counted in
    chunks of ``tuning.FIT_CHUNK`` so the flat indices stay in cache.
    """
    n = codes.shape[1]
    chunk = max(1, tuning.FIT_CHUNK)
    work = np.empty(min(n, chunk), dtype=np.intp)
    counts: list[Any] = [None] * len(families)
    for group in _groups(families):
        fams = [families[i] for i in group]
        shape = [f.size for f in fams]
        joint = np.zeros(math.prod(shape), dtype=float if weights is not None else np.int64)
        for start in range(0, n, chunk):
            part = codes[:, start:start + chunk]
            index = _group_cells(fams, part, work[:part.shape[1]])
            w = None if weights is None else weights[start:start + chunk]
            joint += np.bincount(index, weights=w, minlength=joint.size)
        if len(fams) == 1:
            counts[group[0]] = joint.astype(float)
            continue
        joint = joint.reshape(shape)
        axes = range(len(fams))
        for i, a in zip(group, axes):
            counts[i] = joint.sum(axis=tuple(b for b in axes if b != a)).astype(float)
    return counts


def check_fit_options(method: str, pseudo_count: Any, prior: str) -> None:
    """Validate the options shared by ``fit`` and ``fit_em``."""
    check_option("method", method, FIT_METHODS, what="fit method")
    check_option("prior", prior, PRIORS)
    if method == "bayes" and not (isinstance(pseudo_count, (int, float)) and pseudo_count > 0):
        raise PGMError(f"pseudo_count must be a positive number for method='bayes', got {pseudo_count!r}")


def tables_from_counts(families: Sequence[Family], counts: Sequence[np.ndarray], alpha: float,
                       prior: str) -> list[np.ndarray]:
    """Normalise count arrays into CPT tables; rows with no mass become uniform."""
    tables = []
    for fam, c in zip(families, counts):
        c = c.reshape(-1, fam.shape[-1])
        if alpha:
            c = c + (alpha / c.size if prior == "bdeu" else alpha)
        totals = c.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rows = np.where(totals > 0, c / totals, 1.0 / fam.shape[-1])
        tables.append(rows.reshape(fam.shape))
    return tables


def build_network(model: Any, families: Sequence[Family], tables: Sequence[np.ndarray]) -> BayesianNetwork:
    """Return a new BayesianNetwork with the structure and states of ``model`` and ``tables``."""
    cpds = [
        TabularCPD(f.variable, t, f.parents, {u: model.states(u) for u in (*f.parents, f.variable)},
                   atol=1e-6)
        for f, t in zip(families, tables)
    ]
    return BayesianNetwork(cpds=cpds, variables=model.variables)


def unique_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an (n, d) code array as (d, m) plus their multiplicities."""
    rows, counts = np.unique(codes, axis=0, return_counts=True)
    return np.ascontiguousarray(rows.T), counts.astype(float)
