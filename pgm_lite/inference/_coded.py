"""The integer-coded view of a model, cached per model version (one cache for every engine).

Everything after the boundary works on variable ids (``0..n-1`` in declaration order) and raw
numpy tables; state names come back only when a result is returned. The cache is keyed weakly
by the model and checked against ``model.version``, which every mutation changes.

``magnitudes`` tells the planners how large each table's entries are (see ``_plan``). In a
Markov network a variable in no factor gets a table of ones (it multiplies Z by its
cardinality and has a uniform marginal).
"""
from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from ..tuning import DEFAULT_MAX_MEMORY

__all__ = ["DEFAULT_MAX_MEMORY", "Compiled", "compiled", "log10_range"]

_CACHE: weakref.WeakKeyDictionary[Any, Compiled] = weakref.WeakKeyDictionary()


def log10_range(table: np.ndarray) -> tuple[float, float]:
    """``(log10 of the largest entry, log10 of the smallest nonzero entry)``; (0, 0) if all zero."""
    nonzero = table[table > 0]
    if not nonzero.size:
        return 0.0, 0.0
    return math.log10(float(nonzero.max())), math.log10(float(nonzero.min()))


class Compiled:
    """Tables and scopes of a model as ids, plus every per-version cache of the engines.

    Attributes
    ----------
    names, index, states, cards, codes
        Variable names in declaration order, name -> id, state names, cardinalities, and
        state name -> code per variable.
    tables, scopes
        One table per factor (a CPD's axes: parents then child) and its scope as ids.
    parents
        Per variable, its parents' ids (Bayesian networks), else None.
    has_zero, magnitudes
        Whether a table holds a zero; ``(log10 max, log10 min nonzero)`` of each table.
    plans
        Query plans keyed by the caller (``variable_elimination.get_plan``, ``map``).
    structure, topological_rank, collapsed, collapsed_by_var
        Bayesian-network structure caches of ``_prune`` (None until first used).
    log_partition, junction_trees
        log Z per order key; junction trees per order key (``marginals``).
    """

    def __init__(self, model: Any) -> None:
        self.version: int = model.version
        self.names: list[str] = list(model.variables)
        self.index: dict[str, int] = {v: i for i, v in enumerate(self.names)}
        self.states: list[tuple[str, ...]] = [model.states(v) for v in self.names]
        self.cards: list[int] = [len(s) for s in self.states]
        self.codes: list[dict[str, int]] = [{s: j for j, s in enumerate(names)} for names in self.states]
        self.is_bn: bool = model.is_directed
        self.parents: list[tuple[int, ...]] | None
        if self.is_bn:
            cpds = [model.cpd(v) for v in self.names]
            # rows are renormalised: files carry rounding (up to ~1e-6), and pruning barren parts
            # is only exact when every row sums to one
            self.tables: list[np.ndarray] = [
                np.ascontiguousarray(cpd.table / cpd.table.sum(-1, keepdims=True)) for cpd in cpds]
            self.parents = [tuple(self.index[p] for p in cpd.parents) for cpd in cpds]
            self.scopes: list[tuple[int, ...]] = [(*self.parents[i], i) for i in range(len(cpds))]
        else:
            self.tables, self.scopes = [], []
            for f in model.factors():
                self.tables.append(np.ascontiguousarray(f.values, dtype=float).reshape(f.values.shape))
                self.scopes.append(tuple(self.index[v] for v in f.variables))
            covered = {v for s in self.scopes for v in s}
            for v in range(len(self.names)):
                if v not in covered:  # in no factor: a factor of ones
                    self.tables.append(np.ones(self.cards[v]))
                    self.scopes.append((v,))
            self.parents = None
        self.has_zero: list[bool] = [bool((t == 0).any()) for t in self.tables]
        self.magnitudes: list[tuple[float, float]] = [log10_range(t) for t in self.tables]
        self.plans: dict[tuple, Any] = {}
        self.structure: tuple[list[int], list[list[int]], list[list[bool]]] | None = None
        self.topological_rank: list[int] | None = None
        self.collapsed: dict[int, tuple[np.ndarray, tuple[int, ...], int]] | None = None
        self.collapsed_by_var: list[tuple[int, tuple[int, ...], int] | None] | None = None
        self.log_partition: dict[Any, float] = {}
        self.junction_trees: dict[Any, Any] = {}
        self.collapsed_magnitudes: dict[int, tuple[float, float]] = {}
        self.evidence_masks: dict[tuple[int, ...], tuple[int, int]] = {}
        #: caches of the message-passing engines (``_factor_graph_arrays``), keyed by their name
        self.extra: dict[tuple, Any] = {}

    def table_of(self, f: int) -> tuple[np.ndarray, tuple[int, ...]]:
        """Table and scope of factor id ``f`` (ids past the factors: CPDs with parents summed in)."""
        if f < len(self.tables):
            return self.tables[f], self.scopes[f]
        assert self.collapsed is not None
        table, scope, _ = self.collapsed[f]
        return table, scope

    def magnitude_of(self, f: int) -> tuple[float, float]:
        """``(log10 max, log10 min nonzero)`` of factor id ``f``'s table."""
        if f < len(self.tables):
            return self.magnitudes[f]
        got = self.collapsed_magnitudes.get(f)
        if got is None:
            got = self.collapsed_magnitudes[f] = log10_range(self.table_of(f)[0])
        return got


def compiled(model: Any) -> Compiled:
    """Return the cached integer view of ``model``, rebuilt when the model has changed."""
    entry = _CACHE.get(model)
    if entry is not None and entry.version == model.version:
        return entry
    if model.is_directed or not model.factors():
        model.check()  # a Markov network with factors may leave variables out (uniform ones)
    entry = Compiled(model)
    _CACHE[model] = entry
    return entry
