"""The exact E-step of EM (and of the log-likelihood of incomplete data).

The missing variables of a row split into components (two are linked when some CPD mentions
both), and given the observed values each component's posterior is independent of the others.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import tuning
from ..exceptions import ZeroEvidenceError
from ..inference import compile_query

__all__ = ["EStep"]


def _components(families, missing):
    """Split the missing columns into groups linked through shared families (union-find)."""
    parent = {j: j for j in missing}

    def find(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for fam in families:
        hit = [j for j in fam.scope if j in parent]
        for j in hit[1:]:
            parent[find(j)] = find(hit[0])
    groups: dict[int, list[int]] = {}
    for j in missing:
        groups.setdefault(find(j), []).append(j)
    return list(groups.values())


LOG_ZERO = -1e300  # log of a zero table entry: finite, so 0 * LOG_ZERO = 0 in the one-hot product


class _Block:
    """One family seen from a component: where its cells sit, and its table as (observed, joint)."""

    def __init__(self, fam: Any, comp: list[int], cards: list[int]) -> None:
        observed = [a for a, j in enumerate(fam.scope) if j not in comp]
        free = sorted((a for a, j in enumerate(fam.scope) if j in comp),
                      key=lambda a: comp.index(fam.scope[a]))
        self.axes = observed + free
        self.columns = [fam.scope[a] for a in observed]
        self.size = math.prod(cards[j] for j in self.columns)
        present = {fam.scope[a] for a in free}
        self.view = (self.size, *(cards[j] if j in present else 1 for j in comp))
        self.joint = (self.size, *(cards[j] for j in comp))
        self.drop = tuple(1 + a for a, j in enumerate(comp) if j not in present)
        # flat family cell of every (observed cell, free cell) pair, in the transposed order
        strides = [fam.strides[a] for a in self.axes]
        grids = np.indices([cards[fam.scope[a]] for a in self.axes]).reshape(len(strides), -1)
        self.cells = np.tensordot(strides, grids, axes=1).astype(np.intp)

    def logs(self, table: np.ndarray) -> np.ndarray:
        """Return ``log table`` as (observed cells, joint states of the component); 0 -> LOG_ZERO."""
        with np.errstate(divide="ignore"):
            logs = np.log(np.transpose(table, self.axes).reshape(self.view))
        return np.broadcast_to(np.maximum(logs, LOG_ZERO), self.joint).reshape(self.size, -1)

    def codes(self, rows: np.ndarray, cards: list[int]) -> np.ndarray:
        """Return the compact index of each row's observed cell of this family (0 if none)."""
        index = np.zeros(rows.shape[1], dtype=np.intp)
        for j in self.columns:
            index *= cards[j]
            index += rows[j]
        return index


class _Component:
    """A small component of missing variables and the rows missing it, planned once.

    Every touching family contributes ``log table[observed cell, component state]``; with the
    observed cells one-hot (rows x all families' cells) the log joint of all rows is one matrix
    product with the stacked log tables, and the expected counts are the transposed product
    with the posteriors. The one-hot columns of every row are computed here, once; rows go in
    chunks of at most ``tuning.EM_CHUNK_ENTRIES`` entries.
    """

    def __init__(self, comp: list[int], touching: list[tuple[int, Any]], cards: list[int],
                 rows: np.ndarray, select: np.ndarray, counts: np.ndarray) -> None:
        self.comp, self.touching, self.select = comp, touching, select
        self.weight = counts[select]
        self.blocks = [_Block(f, comp, cards) for _, f in touching]
        self.offsets = np.cumsum([0] + [b.size for b in self.blocks])
        sub = rows[:, select]
        width = int(self.offsets[-1])
        self.hot = np.stack([offset + b.codes(sub, cards) for b, offset in zip(self.blocks, self.offsets)],
                            axis=1)  # (rows, families): the columns of the ones
        self.shape = tuple(cards[j] for j in comp)
        self.step = max(1, tuning.EM_CHUNK_ENTRIES // max(math.prod(self.shape), width))

    def __call__(self, model: Any, tables: list[np.ndarray], expected: list[np.ndarray] | None,
                 row_ll: np.ndarray) -> None:
        """Add log P(observed part of each row) to ``row_ll[select]``, and the expected counts."""
        logs = np.concatenate([b.logs(tables[i]) for (i, _), b in zip(self.touching, self.blocks)])
        sums = np.zeros_like(logs) if expected is not None else None
        ll = np.empty(len(self.select))
        for start in range(0, len(self.select), self.step):
            hot, w = self.hot[start:start + self.step], self.weight[start:start + self.step]
            onehot = np.zeros((len(hot), logs.shape[0]))
            np.put_along_axis(onehot, hot, 1.0, axis=1)
            log_joint = onehot @ logs
            top = log_joint.max(axis=1, keepdims=True)
            if (top <= LOG_ZERO / 2).any():
                raise _zero_row(model, f"its observed values exclude every state of "
                                       f"{[model.variables[j] for j in self.comp]}")
            joint = np.exp(log_joint - top)
            total = joint.sum(axis=1, keepdims=True)
            ll[start:start + self.step] = (top + np.log(total))[:, 0]
            if sums is not None:
                sums += onehot.T @ (joint * (w[:, None] / total))
        row_ll[self.select] += ll
        if expected is None or sums is None:
            return
        for (i, _), b, offset in zip(self.touching, self.blocks, self.offsets):
            mass = sums[offset:offset + b.size].reshape(b.size, *self.shape)
            if b.drop:
                mass = mass.sum(axis=b.drop)
            expected[i][b.cells] += mass.reshape(-1)


def _zero_row(model, where):
    return ZeroEvidenceError(
        f"a row of the data has probability zero under the current model ({where}); "
        "start from a model without zeros (e.g. init='data')"
    )


def _by_inference(model, comp, touching, cards, sub, weight, expected):
    """Large component: batched exact posteriors of each family's missing variables.

    Returns P(observed values) per row (the whole row, not only this component).
    """
    names = model.variables
    seen = [j for j in range(sub.shape[0]) if (sub[j] >= 0).all()]
    evidence = np.ascontiguousarray(sub[seen].T, dtype=np.int64)
    p_e = None
    for i, fam in touching:
        query = [j for j in comp if j in fam.scope]
        compiled = compile_query(model, [names[j] for j in query], [names[j] for j in seen])
        post, p_e = compiled(evidence, zero="nan")
        if not (p_e > 0).all():
            raise _zero_row(model, "exact inference gives P(observed values) = 0")
        if expected is not None:
            post = post.reshape(-1, *(cards[j] for j in query)) * weight.reshape((-1,) + (1,) * len(query))
            _add_expected(expected[i], fam, query, post, sub, cards)
    return p_e


class EStep:
    """The data-dependent layout of the E-step, computed once and reused by every iteration.

    Cells of families that are fully observed in a row never change, nor do the components of
    missing variables and the families touching them; only the tables do. Rows are grouped by
    component, not by whole missingness pattern: a component's posterior needs only the observed
    values of the families touching it, so rows with different patterns share one batch.
    """

    def __init__(self, model: Any, families: list[Any], rows: np.ndarray, counts: np.ndarray) -> None:
        self.families, self.rows, self.counts = families, rows, counts
        self.cards = [len(model.states(v)) for v in model.variables]
        observed = rows >= 0
        self.observed_cells = []  # per family: (rows where it is fully observed, their cells)
        self.observed_counts = []
        for fam in families:
            ok = np.flatnonzero(observed[fam.scope].all(axis=0))
            cells = fam.cells(rows[:, ok])
            self.observed_cells.append((ok, cells))
            self.observed_counts.append(  # float even when no row has the family complete
                np.bincount(cells, weights=counts[ok], minlength=fam.size).astype(float))
        small: dict[tuple[int, ...], list[np.ndarray]] = {}
        self.large: list[Any] = []  # component -> row-index arrays; (component, rows) to infer
        masks, inverse = np.unique(~observed, axis=1, return_inverse=True)
        inverse = inverse.reshape(-1)
        for p in range(masks.shape[1]):
            missing = np.flatnonzero(masks[:, p]).tolist()
            if not missing:
                continue
            select = np.flatnonzero(inverse == p)
            for comp in _components(families, missing):
                if math.prod(self.cards[j] for j in comp) <= tuning.EM_MAX_COMPONENT:
                    small.setdefault(tuple(comp), []).append(select)
                else:
                    self.large.append((comp, self._touching(comp), select))
        self.small = [_Component(list(comp), self._touching(list(comp)), self.cards, rows,
                                 np.concatenate(parts), counts) for comp, parts in small.items()]

    def _touching(self, comp):
        return [(i, f) for i, f in enumerate(self.families) if any(j in comp for j in f.scope)]

    def __call__(self, model: Any, need_counts: bool = True) -> tuple[float, list[np.ndarray] | None]:
        """Return (observed-data log-likelihood, expected counts per family or None)."""
        tables = [model.cpd(f.variable).table for f in self.families]
        expected = [c.copy() for c in self.observed_counts] if need_counts else None
        row_ll = np.zeros(self.rows.shape[1])  # log P(observed part) of every distinct row
        with np.errstate(divide="ignore"):
            for (ok, cells), table in zip(self.observed_cells, tables):
                row_ll[ok] += np.log(table.reshape(-1)[cells])
        if not np.isfinite(row_ll).all():
            raise _zero_row(model, "some observed values have probability 0 given their observed parents")
        for component in self.small:
            component(model, tables, expected, row_ll)
        for comp, touching, select in self.large:  # P(observed) of the whole row replaces the sum
            whole = _by_inference(model, comp, touching, self.cards, self.rows[:, select],
                                  self.counts[select], expected)
            row_ll[select] = np.log(whole)
        return float(np.dot(self.counts, row_ll)), expected


def _add_expected(target, fam, comp, post, sub, cards):
    """Add a component posterior's mass to the cells of one family."""
    inside = [j for j in comp if j in fam.scope]
    drop = tuple(1 + a for a, j in enumerate(comp) if j not in fam.scope)
    marg = post.sum(axis=drop) if drop else post
    stride = dict(zip(fam.scope, fam.strides))
    base = np.zeros(sub.shape[1], dtype=np.intp)
    for j in fam.scope:
        if j not in comp:
            base += sub[j].astype(np.intp) * stride[j]
    index = base.reshape((-1,) + (1,) * len(inside))
    for a, j in enumerate(inside):
        shape = [1] * (len(inside) + 1)
        shape[a + 1] = cards[j]
        index = index + (np.arange(cards[j]) * stride[j]).reshape(shape)
    index = np.broadcast_to(index, marg.shape)
    target += np.bincount(index.reshape(-1), weights=marg.reshape(-1), minlength=target.size)


