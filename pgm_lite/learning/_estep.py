"""The exact E-step of EM (and of the log-likelihood of incomplete data).

The missing variables of a row split into components (two are linked when some CPD mentions
both), and given the observed values each component's posterior is independent of the others.
"""

from __future__ import annotations

import math

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
    groups = {}
    for j in missing:
        groups.setdefault(find(j), []).append(j)
    return list(groups.values())


def _component_joint(comp, touching, cards, rows):
    """Unnormalised joint over ``comp`` for every row: shape (m, *cards of comp)."""
    m = rows.shape[1]
    joint = np.ones((m, *(cards[j] for j in comp)))
    for fam, table in touching:
        observed = [a for a, j in enumerate(fam.scope) if j not in comp]
        free = sorted((a for a, j in enumerate(fam.scope) if j in comp),
                      key=lambda a: comp.index(fam.scope[a]))
        part = np.transpose(table, observed + free)[tuple(rows[fam.scope[a]] for a in observed)]
        if not observed:
            part = np.broadcast_to(part, (m, *part.shape))
        present = [fam.scope[a] for a in free]
        view = [m] + [cards[j] if j in present else 1 for j in comp]
        joint = joint * part.reshape(view)
    return joint


def _zero_row(model, where):
    return ZeroEvidenceError(
        f"a row of the data has probability zero under the current model ({where}); "
        "start from a model without zeros (e.g. init='data')"
    )


def _direct(model, comp, touching, tables, cards, sub, weight, expected, row_ll):
    """Small component: enumerate its joint for every row of the pattern (in row chunks)."""
    size = math.prod(cards[j] for j in comp)
    step = max(1, tuning.EM_CHUNK_ENTRIES // size)
    for start in range(0, sub.shape[1], step):
        part, w = sub[:, start:start + step], weight[start:start + step]
        joint = _component_joint(comp, [(f, tables[i]) for i, f in touching], cards, part)
        p_obs = joint.sum(axis=tuple(range(1, joint.ndim)))
        if (p_obs <= 0).any():
            raise _zero_row(model, f"its observed values exclude every state of "
                                   f"{[model.variables[j] for j in comp]}")
        row_ll[start:start + step] += np.log(p_obs)
        if expected is not None:
            post = joint * (w / p_obs).reshape((-1,) + (1,) * len(comp))
            for i, fam in touching:
                _add_expected(expected[i], fam, comp, post, part, cards)


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

    def __init__(self, model, families, rows, counts):
        self.families, self.rows, self.counts = families, rows, counts
        self.cards = [len(model.states(v)) for v in model.variables]
        observed = rows >= 0
        self.observed_cells = []  # per family: (rows where it is fully observed, their cells)
        self.observed_counts = []
        for fam in families:
            ok = np.flatnonzero(observed[fam.scope].all(axis=0))
            cells = fam.cells(rows[:, ok])
            self.observed_cells.append((ok, cells))
            self.observed_counts.append(np.bincount(cells, weights=counts[ok], minlength=fam.size))
        small, self.large = {}, []  # component -> row-index arrays; (component, rows) to infer
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
        self.small = [(list(comp), self._touching(comp), np.concatenate(parts))
                      for comp, parts in small.items()]

    def _touching(self, comp):
        return [(i, f) for i, f in enumerate(self.families) if any(j in comp for j in f.scope)]

    def __call__(self, model, need_counts=True):
        """Return (observed-data log-likelihood, expected counts per family or None)."""
        tables = [model.cpd(f.variable).table for f in self.families]
        expected = [c.copy() for c in self.observed_counts] if need_counts else None
        row_ll = np.zeros(self.rows.shape[1])  # log P(observed part) of every distinct row
        with np.errstate(divide="ignore"):
            for (ok, cells), table in zip(self.observed_cells, tables):
                row_ll[ok] += np.log(table.reshape(-1)[cells])
        if not np.isfinite(row_ll).all():
            raise _zero_row(model, "some observed values have probability 0 given their observed parents")
        for comp, touching, select in self.small:
            ll = np.zeros(len(select))
            _direct(model, comp, touching, tables, self.cards, self.rows[:, select],
                    self.counts[select], expected, ll)
            row_ll[select] += ll
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


