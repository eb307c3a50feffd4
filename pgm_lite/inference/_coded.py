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

from .._model import check_model
from ..tuning import DEFAULT_MAX_MEMORY

__all__ = ["DEFAULT_MAX_MEMORY", "Compiled", "compiled", "log10_range"]

_CACHE: weakref.WeakKeyDictionary[Any, Compiled] = weakref.WeakKeyDictionary()


def log10_range(table: np.ndarray) -> tuple[float, float]:
    """``(log10 of the largest entry, log10 of the smallest nonzero entry)``; (0, 0) if all zero."""
    nonzero = table[table > 0]
    if not nonzero.size:
        return 0.0, 0.0
    return math.log10(float(nonzero.max())), math.log10(float(nonzero.min()))


class _Codes:
    """``codes[i]``: state name -> code of variable ``i``, built when first asked for."""

    def __init__(self, states: list[tuple[str, ...]]) -> None:
        self._states = states
        self._maps: list[dict[str, int] | None] = [None] * len(states)

    def __getitem__(self, i: int) -> dict[str, int]:
        got = self._maps[i]
        if got is None:
            got = self._maps[i] = {s: j for j, s in enumerate(self._states[i])}
        return got

    def __len__(self) -> int:
        return len(self._maps)


class Compiled:
    """Tables and scopes of a model as ids, plus every per-version cache of the engines.

    Per-factor data (a Bayesian network's renormalised tables, whether a table holds a zero, its
    range) is computed when a factor is first used (:meth:`table`, :meth:`zero_in`,
    :meth:`magnitude_of`), so a question about a small part of a big model pays for that part
    only; the list attributes (``tables``, ``has_zero``, ``magnitudes``) fill in every factor.

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
    children, topological_rank, collapsed_by_var, positive, ancestor_masks
        Bayesian-network structure caches of ``_prune`` (filled on first use).
    log_partition, junction_trees
        log Z per order key; junction trees per order key (``marginals``).
    """

    def __init__(self, model: Any) -> None:
        self.version: int = model.version
        self.names: list[str] = list(model.variables)
        self.index: dict[str, int] = {v: i for i, v in enumerate(self.names)}
        state_names = model.state_names
        self.states: list[tuple[str, ...]] = [state_names[v] for v in self.names]
        self.cards: list[int] = [len(s) for s in self.states]
        self.codes: _Codes = _Codes(self.states)
        self.is_bn: bool = model.is_directed
        self.parents: list[tuple[int, ...]] | None
        if self.is_bn:
            cpds = model.cpds()  # declaration order; compiled() checked that every CPD exists
            assert len(cpds) == len(self.names)
            self._raw: list[np.ndarray] = [cpd.table for cpd in cpds]
            self._tables: list[np.ndarray | None] = [None] * len(cpds)
            self.parents = [tuple([self.index[p] for p in cpd.parents]) for cpd in cpds]
            self.scopes: list[tuple[int, ...]] = [(*self.parents[i], i) for i in range(len(cpds))]
        else:
            tables, self.scopes = [], []
            for f in model.factors():
                tables.append(np.ascontiguousarray(f.values, dtype=float).reshape(f.values.shape))
                self.scopes.append(tuple(self.index[v] for v in f.variables))
            covered = {v for s in self.scopes for v in s}
            for v in range(len(self.names)):
                if v not in covered:  # in no factor: a factor of ones
                    tables.append(np.ones(self.cards[v]))
                    self.scopes.append((v,))
            self._raw, self._tables = tables, list(tables)
            self.parents = None
        self._complete = not self.is_bn
        self.n_factors = len(self.scopes)
        self._has_zero: list[bool | None] = [None] * self.n_factors
        self._magnitudes: dict[int, tuple[float, float]] = {}
        self.plans: dict[tuple, Any] = {}
        #: ``pl.query`` calls by their arguments' shape (``variable_elimination._Call``)
        self.calls: dict[tuple, Any] = {}
        self.children: list[list[int]] | None = None
        self.topological_rank: list[int] | None = None
        #: per variable, its CPD with single-child parents summed in (None: nothing to sum), see ``_prune``
        self.collapsed_by_var: dict[int, tuple[np.ndarray, tuple[int, ...], int] | None] = {}
        #: per variable, whether each state's column of its CPD is positive (``_prune.positive_states``)
        self.positive: dict[int, list[bool]] = {}
        self.log_partition: dict[Any, float] = {}
        self.junction_trees: dict[Any, Any] = {}
        self.evidence_masks: dict[tuple[int, ...], int] = {}
        #: caches of the message-passing engines (``_factor_graph_arrays``), keyed by their name
        self.extra: dict[tuple, Any] = {}

    def table(self, f: int) -> np.ndarray:
        """Return the table of factor ``f`` (a CPD's rows renormalised, computed on first use)."""
        got = self._tables[f]
        if got is None:
            raw = self._raw[f]
            # rows are renormalised: files carry rounding (up to ~1e-6), and pruning barren parts
            # is only exact when every row sums to one
            got = self._tables[f] = np.ascontiguousarray(raw / raw.sum(-1, keepdims=True))
        return got

    @property
    def tables(self) -> list[np.ndarray]:
        """Every factor's table (see :meth:`table`)."""
        if not self._complete:
            for f in range(self.n_factors):
                self.table(f)
            self._complete = True
        return self._tables  # type: ignore[return-value]

    def zero_in(self, f: int) -> bool:
        """Whether factor ``f``'s table holds a zero."""
        got = self._has_zero[f]
        if got is None:
            got = self._has_zero[f] = bool((self.table(f) == 0).any())
        return got

    @property
    def has_zero(self) -> list[bool]:
        """Per factor, whether its table holds a zero."""
        return [self.zero_in(f) for f in range(self.n_factors)]

    @property
    def magnitudes(self) -> list[tuple[float, float]]:
        """Per factor, ``(log10 max, log10 min nonzero)`` of its table."""
        return [self.magnitude_of(f) for f in range(self.n_factors)]

    def table_of(self, f: int) -> tuple[np.ndarray, tuple[int, ...]]:
        """Table and scope of factor id ``f`` (ids past the factors: CPDs with parents summed in)."""
        if f < self.n_factors:
            return self.table(f), self.scopes[f]
        entry = self.collapsed_by_var[f - self.n_factors]
        assert entry is not None
        return entry[0], entry[1]

    def magnitude_of(self, f: int) -> tuple[float, float]:
        """``(log10 max, log10 min nonzero)`` of factor id ``f``'s table."""
        got = self._magnitudes.get(f)
        if got is None:
            got = self._magnitudes[f] = log10_range(self.table_of(f)[0])
        return got


def compiled(model: Any) -> Compiled:
    """Return the cached integer view of ``model``, rebuilt when the model has changed."""
    try:
        entry = _CACHE.get(model)
    except TypeError:  # not weak-referenceable: certainly not a model
        entry = None
    if entry is not None and entry.version == model.version:
        return entry
    check_model(model)
    if model.is_directed or not model.factors():
        model.check()  # a Markov network with factors may leave variables out (uniform ones)
    entry = Compiled(model)
    _CACHE[model] = entry
    return entry
