"""The integer-coded view of a model, cached per model version (one cache for every engine).

Everything after the boundary works on variable ids (``0..n-1`` in declaration order) and raw
numpy tables; state names come back only when a result is returned. The cache is keyed weakly
by the model and checked against ``model.version``, which every mutation changes.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..tuning import DEFAULT_MAX_MEMORY

__all__ = ["DEFAULT_MAX_MEMORY", "Compiled", "compiled"]

_CACHE = weakref.WeakKeyDictionary()


class Compiled:
    """Tables and scopes of a model as ids; holds the plan cache and the junction tree."""

    __slots__ = ("version", "names", "index", "cards", "states", "codes", "tables", "scopes",
                 "is_bn", "parents", "has_zero", "plans", "extra", "__weakref__")


def compiled(model):
    """Return the cached integer view of ``model``, rebuilt when the model has changed."""
    entry = _CACHE.get(model)
    if entry is not None and entry.version == model.version:
        return entry
    model.check()
    c = Compiled()
    c.version = model.version
    c.names = list(model.variables)
    c.index = {v: i for i, v in enumerate(c.names)}
    c.states = [model.states(v) for v in c.names]
    c.cards = [len(s) for s in c.states]
    c.codes = [{s: j for j, s in enumerate(names)} for names in c.states]
    c.is_bn = model.is_directed
    if c.is_bn:
        cpds = [model.cpd(v) for v in c.names]
        # rows are renormalised: files carry rounding (up to ~1e-6), and pruning barren parts
        # is only exact when every row sums to one
        c.tables = [np.ascontiguousarray(cpd.table / cpd.table.sum(-1, keepdims=True)) for cpd in cpds]
        c.parents = [tuple(c.index[p] for p in cpd.parents) for cpd in cpds]
        c.scopes = [(*c.parents[i], i) for i in range(len(cpds))]
    else:
        factors = model.factors()
        c.tables = [np.ascontiguousarray(f.values, dtype=float) for f in factors]
        c.scopes = [tuple(c.index[v] for v in f.variables) for f in factors]
        c.parents = None
    c.has_zero = [bool((t == 0).any()) for t in c.tables]
    c.plans = {}
    c.extra = {}
    _CACHE[model] = c
    return c


