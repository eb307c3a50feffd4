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

from .. import tuning
from .._model import check_model
from ..exceptions import PGMError
from ..tuning import DEFAULT_MAX_MEMORY

__all__ = ["DEFAULT_MAX_MEMORY", "Compiled", "compiled", "log10_range"]

_CACHE: weakref.WeakKeyDictionary[Any, Compiled] = weakref.WeakKeyDictionary()


def log10_range(table: np.ndarray) -> tuple[float, float]:
    """``(log10 of the largest entry, log10 of the smallest nonzero entry)``; (0, 0) if all zero."""
    nonzero = table[table > 0]
    if not nonzero.size:
        return 0.0, 0.0
    return math.log10(float(nonzero.max())), math.log10(float(nonzero.min()))


def _renormalised(raw: np.ndarray) -> np.ndarray:
    """Return a CPD's table with every row summing to one, C-contiguous (``raw`` if it does).

    Files carry rounding (up to ~1e-6), and pruning barren parts is only exact when every row
    sums to one. Most tables of the shipped networks sum to exactly one and are kept as they
    are (read-only): no division, no new array. A tiny table is first checked with exact sums
    (``math.fsum``, correctly rounded, the same on every Python and numpy): rows that sum to one
    that way are kept even where float addition in numpy's order is one rounding off, and a
    first question on a small network runs no numpy reduction (the first one after the CPU
    caches were flushed costs ~80 us: benchmarks/vs_pyagrum.py "one posterior, cold").
    """
    k = raw.shape[-1]
    rows = raw.size // k
    if raw.size <= tuning.EXACT_SUM_ENTRIES:
        flat, fsum = raw.ravel().tolist(), math.fsum
        if all([fsum(flat[i:i + k]) == 1.0 for i in range(0, len(flat), k)]):
            return raw if raw.flags.c_contiguous else np.ascontiguousarray(raw)
    sums = raw.sum(-1, keepdims=True)
    if rows <= tuning.LISTED_ENTRIES:
        exact = sums.ravel().tolist().count(1.0) == rows
    else:
        exact = bool((sums == 1.0).all())
    got = raw if exact else raw / sums
    return got if got.flags.c_contiguous else np.ascontiguousarray(got)


def _has_zero(table: np.ndarray) -> bool:
    if table.size <= tuning.LISTED_ENTRIES:
        return 0.0 in table.ravel().tolist()
    return bool(np.count_nonzero(table) < table.size)  # one pass, no temporary


class _Codes:
    """``codes[i]``: state name -> code of variable ``i``, built when first asked for."""

    def __init__(self, states: list[tuple[str, ...]]) -> None:
        self._states = states
        #: the maps built so far (None: not yet); ``maps[i] or codes[i]`` skips a call (hot paths)
        self.maps: list[dict[str, int] | None] = [None] * len(states)

    def __getitem__(self, i: int) -> dict[str, int]:
        got = self.maps[i]
        if got is None:
            got = self.maps[i] = {s: j for j, s in enumerate(self._states[i])}
        return got

    def __len__(self) -> int:
        return len(self.maps)


class Compiled:
    """Tables and scopes of a model as ids, plus every per-version cache of the engines.

    Per-factor data (a Bayesian network's parents and scopes as ids, renormalised tables,
    whether a table holds a zero, its range) is computed when a factor is first used
    (:meth:`parents_of`, :meth:`scope`, :meth:`table`, :meth:`zero_in`, :meth:`magnitude_of`),
    so a question about a small part of a big model pays for that part only; the list
    attributes (``parents``, ``scopes``, ``tables``, ``has_zero``, ``magnitudes``) fill in
    every factor.

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
    lazy_structure, successors
        Whether a Bayesian network reads its CPDs and children per variable (see
        ``tuning.LAZY_STRUCTURE_VARIABLES``); then its graph's adjacency: children by name.
    children, ancestry, topological_rank, collapsed_by_var, collapsed_shapes, positive
        Bayesian-network structure caches of ``_prune`` (filled on first use).
    log_partition, junction_trees
        log Z per order key; junction trees per order key (``marginals``).
    """

    # slots: a first question builds one of these, and ~30 attributes in an instance dict
    # cost it resizes (and cache misses) that fixed slots do not
    __slots__ = ("version", "names", "index", "states", "cards", "codes", "is_bn", "lazy_structure",
                 "_model", "_cpds", "_all_cpds", "_tables", "parent_ids", "scope_ids", "successors",
                 "_complete", "_structured", "n_factors", "zeros", "_magnitudes", "plans", "calls",
                 "children", "children_complete", "ancestry", "topological_rank", "collapsed_by_var",
                 "collapsed_shapes", "positive", "log_partition", "junction_trees", "extra", "__weakref__")

    def __init__(self, model: Any) -> None:
        self.version: int = model.version
        state_names = model.state_names  # declaration order, like model.variables
        self.names: list[str] = list(state_names)
        self.index: dict[str, int] = dict(zip(self.names, range(len(self.names))))
        self.states: list[tuple[str, ...]] = list(state_names.values())
        self.cards: list[int] = list(map(len, self.states))
        self.codes: _Codes = _Codes(self.states)
        self.is_bn: bool = model.is_directed
        if self.is_bn:
            # per variable on first use (parents, scope, table): a question reads its part only
            n = len(self.names)
            #: whether the network is big enough to read its CPDs and children per variable
            self.lazy_structure = n > tuning.LAZY_STRUCTURE_VARIABLES
            # a big network's CPDs are fetched one by one (see _cpd): a first question does not
            # touch every CPD object; the model is held weakly (the cache is keyed by it)
            self._model: Any = weakref.ref(model)
            self._cpds: list[Any] = [None] * n if self.lazy_structure else model.cpds()
            self._all_cpds = not self.lazy_structure
            assert len(self._cpds) == n  # declaration order; compiled() checked that every CPD exists
            self._tables: list[np.ndarray | None] = [None] * n
            #: per variable, its parents' ids / its CPD's scope (None: not read yet, see parents_of, scope)
            self.parent_ids: list[tuple[int, ...] | None] = [None] * n
            self.scope_ids: list[tuple[int, ...] | None] = [None] * n
            #: the model's graph adjacency (a read-only view, which does not hold the model): children
            #: by name of a big network, read for this version only; a small one reads all its
            #: children from the CPDs at once (cheaper)
            self.successors: Any = model.structure.succ if self.lazy_structure else None
        else:
            tables, scopes = [], []
            for f in model.factors():
                tables.append(np.ascontiguousarray(f.values, dtype=float).reshape(f.values.shape))
                scopes.append(tuple(self.index[v] for v in f.variables))
            covered = {v for s in scopes for v in s}
            for v in range(len(self.names)):
                if v not in covered:  # in no factor: a factor of ones
                    tables.append(np.ones(self.cards[v]))
                    scopes.append((v,))
            self._tables, self.scope_ids = list(tables), scopes  # type: ignore[assignment]
            self.parent_ids = []
            self.lazy_structure = False
            self._model, self._cpds, self._all_cpds, self.successors = None, [], True, None
        self._complete = not self.is_bn
        self._structured = not self.is_bn
        self.n_factors = len(self.scope_ids)
        #: per factor, whether its table holds a zero (None: not read yet, see :meth:`zero_in`)
        self.zeros: list[bool | None] = [None] * self.n_factors
        self._magnitudes: dict[int, tuple[float, float]] = {}
        self.plans: dict[tuple, Any] = {}
        #: ``pl.query`` calls by their arguments' shape (``variable_elimination._Call``)
        self.calls: dict[tuple, Any] = {}
        #: per variable, its children's ids (None: not read yet), see ``_prune.children_of``
        self.children: list[list[int] | None] = [None] * len(self.names) if self.is_bn else []
        self.children_complete = not self.is_bn
        #: per variable, the bitmask of it and its ancestors (None: not read yet), see ``_prune``
        self.ancestry: list[int | None] = [None] * len(self.names) if self.is_bn else []
        self.topological_rank: list[int] | None = None
        #: per variable, its CPD with single-child parents summed in (None: nothing to sum), see ``_prune``
        self.collapsed_by_var: dict[int, tuple[np.ndarray, tuple[int, ...], int] | None] = {}
        #: the same entries' (scope, mask, parents summed in), read from the structure alone
        self.collapsed_shapes: dict[int, tuple[tuple[int, ...], int, tuple[int, ...]] | None] = {}
        #: per variable, whether each state's column of its CPD is positive (``_prune.positive_states``)
        self.positive: dict[int, list[bool]] = {}
        self.log_partition: dict[Any, float] = {}
        self.junction_trees: dict[Any, Any] = {}
        #: caches of the message-passing engines (``_factor_graph_arrays``), keyed by their name
        self.extra: dict[tuple, Any] = {}

    def _cpd(self, v: int) -> Any:
        got = self._cpds[v]
        if got is None:
            got = self._cpds[v] = self._live_model().cpd(self.names[v])
        return got

    def _read_cpds(self) -> None:
        if self.lazy_structure and not self._all_cpds:
            self._cpds[:] = self._live_model().cpds()  # one pass rather than one call each
            self._all_cpds = True

    def __getstate__(self) -> dict[str, Any]:
        """Pickle (e.g. a compiled query sent to Dask workers): every CPD read, no weak reference."""
        if self.is_bn:
            self._read_cpds()
        state = {name: getattr(self, name) for name in self.__slots__[:-1] if hasattr(self, name)}
        state["_model"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def _live_model(self) -> Any:
        model = None if self._model is None else self._model()
        if model is None or model.version != self.version:
            raise PGMError("the model of this coded view was changed or dropped; ask the model again")
        return model

    def parents_of(self, v: int) -> tuple[int, ...]:
        """Ids of the parents of variable ``v`` (Bayesian networks; read on first use)."""
        got = self.parent_ids[v]
        if got is None:
            cpd = self._cpds[v] or self._cpd(v)
            got = self.parent_ids[v] = tuple(map(self.index.__getitem__, cpd.parents))
        return got

    def scope(self, f: int) -> tuple[int, ...]:
        """Scope of factor ``f`` as ids (a CPD's: its parents, then the child)."""
        got = self.scope_ids[f]
        if got is None:
            got = self.scope_ids[f] = (*self.parents_of(f), f)
        return got

    def fill_structure(self) -> None:
        """Read every factor's parents and scope now (once; a model asked again will be read widely)."""
        if not self._structured:
            self._read_cpds()
            # one loop, no call per factor (a small network's first question reads them all)
            id_of = self.index.__getitem__
            parent_ids, scope_ids = self.parent_ids, self.scope_ids
            for f, cpd in enumerate(self._cpds):
                got = parent_ids[f]
                if got is None:
                    got = parent_ids[f] = tuple(map(id_of, cpd.parents))
                if scope_ids[f] is None:
                    scope_ids[f] = (*got, f)
            self._structured = True

    @property
    def parents(self) -> list[tuple[int, ...]] | None:
        """Per variable, its parents' ids (Bayesian networks), else None."""
        if not self.is_bn:
            return None
        self.fill_structure()
        return self.parent_ids  # type: ignore[return-value]

    @property
    def scopes(self) -> list[tuple[int, ...]]:
        """Every factor's scope as ids (see :meth:`scope`)."""
        self.fill_structure()
        return self.scope_ids  # type: ignore[return-value]

    def table(self, f: int) -> np.ndarray:
        """Return the table of factor ``f`` (a CPD's rows renormalised, computed on first use)."""
        got = self._tables[f]
        if got is None:
            got = self._tables[f] = _renormalised((self._cpds[f] or self._cpd(f)).table)
        return got

    @property
    def tables(self) -> list[np.ndarray]:
        """Every factor's table (see :meth:`table`)."""
        if not self._complete:
            self._read_cpds()
            for f in range(self.n_factors):
                self.table(f)
            self._complete = True
        return self._tables  # type: ignore[return-value]

    def zero_in(self, f: int) -> bool:
        """Whether factor ``f``'s table holds a zero."""
        got = self.zeros[f]
        if got is None:
            table = self._tables[f]
            if table is None:  # a CPD as read: renormalising its rows makes no entry zero
                table = (self._cpds[f] or self._cpd(f)).table
            got = self.zeros[f] = _has_zero(table)
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
            return self.table(f), self.scope(f)
        entry = self.collapsed_by_var[f - self.n_factors]
        assert entry is not None
        return entry[0], entry[1]

    def tables_of(self, ids: list[int]) -> tuple[list[np.ndarray], list[tuple[int, ...]]]:
        """Tables and scopes of factor ids ``ids`` (as :meth:`table_of`; one call for a whole piece)."""
        n, tables, scopes, entries = self.n_factors, self._tables, self.scope_ids, self.collapsed_by_var
        got_tables: list[np.ndarray] = []
        got_scopes: list[tuple[int, ...]] = []
        for f in ids:
            if f < n:
                table, scope = tables[f], scopes[f]
                got_tables.append(self.table(f) if table is None else table)
                got_scopes.append(scope or self.scope(f))
            else:
                entry = entries[f - n]
                assert entry is not None
                got_tables.append(entry[0])
                got_scopes.append(entry[1])
        return got_tables, got_scopes

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
    if model.is_directed:
        if not model.is_fully_specified():  # O(1); check() names the variables without a CPD
            model.check()
    elif not model.factors():
        model.check()  # a Markov network with factors may leave variables out (uniform ones)
    entry = Compiled(model)
    _CACHE[model] = entry
    return entry
