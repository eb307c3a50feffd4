"""Gibbs sampling for Bayesian and Markov networks, vectorised over parallel chains and blocks.

The free variables are coloured so that no two of a colour share a factor (a checkerboard on a
grid, a greedy colouring otherwise): given the rest, the variables of one colour are
independent, so each colour is resampled at once, for all chains, from the product of the
factor rows that mention each variable. A sweep updates every colour once, which is exactly a
systematic-scan Gibbs sweep in colour order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from .._data import code_dtype
from .._model import GraphicalModel
from .._typing import RNGLike
from .._validate import check_int, check_rng
from ..exceptions import ZeroEvidenceError
from ._forward import (
    check_sample_memory,
    describe_evidence,
    forward_codes,
    forward_plan,
    to_frame,
)

__all__ = ["gibbs_sample"]


def _scopes(model):
    """(scope, table) of every factor: the CPDs of a Bayesian network, the potentials of a Markov one."""
    model.check()
    if model.is_directed:
        return [((*c.parents, c.variable), c.table) for c in model.cpds()]
    return [(f.variables, f.values) for f in model.factors()]


def _conditionals(model, free):
    """Per free variable: the factors that mention it, its axis moved last, as (columns, strides, rows)."""
    column = {v: j for j, v in enumerate(model.variables)}
    mentions: dict[int, list[Any]] = {j: [] for j in free}
    for scope, table in _scopes(model):
        for axis, v in enumerate(scope):
            j = column[v]
            if j not in mentions:
                continue
            others = [u for u in scope if u != v]
            last = axis == table.ndim - 1
            moved = table if last else table.T if table.ndim == 2 else np.moveaxis(table, axis, -1)
            strides = [math.prod(moved.shape[i + 1:-1]) for i in range(len(others))]
            flat = np.ascontiguousarray(moved).reshape(-1, table.shape[axis])
            mentions[j].append(([column[u] for u in others], strides, flat))
    return mentions


def _colours(model: GraphicalModel, free: list[int]) -> list[list[int]]:
    """Colour classes of the free variables: no two variables of a class share a factor."""
    column = {v: j for j, v in enumerate(model.variables)}
    graph = nx.Graph()
    graph.add_nodes_from(free)
    free_set = set(free)
    for scope, _ in _scopes(model):
        graph.add_edges_from(itertools.combinations([column[v] for v in scope if column[v] in free_set], 2))
    if nx.is_bipartite(graph):
        colour = nx.bipartite.color(graph)
    else:
        colour = nx.greedy_color(graph, strategy="largest_first")
    return [members for c in range(max(colour.values(), default=-1) + 1)
            if (members := [j for j in free if colour[j] == c])]


class _Block:
    """One colour class: every factor row its members read, stacked, and how to index them."""

    def __init__(self, members: list[int], mentions: dict[int, list[Any]], cards: list[int]) -> None:
        # members with more factors first, terms slot by slot: the s-th factor of every member that
        # has one is a contiguous run of terms, so the product over factors is a few slice products
        members = sorted(members, key=lambda j: -len(mentions[j]))
        self.members = np.asarray(members, dtype=np.intp)
        k = max(cards[j] for j in members)
        tables: list[np.ndarray] = []
        self.slots: list[tuple[int, int]] = []  # (first term, number of members) per slot
        offset = 0
        groups: dict[int, tuple[list[int], list[list[int]], list[list[int]], list[int]]] = {}
        for slot in range(len(mentions[members[0]])):
            having = [j for j in members if len(mentions[j]) > slot]
            self.slots.append((len(tables), len(having)))
            for j in having:
                others, strides, flat = mentions[j][slot]
                terms, cols, steps, offsets = groups.setdefault(len(others), ([], [], [], []))
                terms.append(len(tables))
                cols.append(others)
                steps.append(strides)
                offsets.append(offset)
                padded = np.zeros((flat.shape[0], k))  # states a member lacks weigh 0
                padded[:, :flat.shape[1]] = flat
                tables.append(padded)
                offset += flat.shape[0]
        self.n_terms = len(tables)
        table = np.concatenate(tables)
        self.columns = [np.ascontiguousarray(table[:, s]) for s in range(k)]  # one 1-d table per state
        self.groups = [(np.asarray(t, dtype=np.intp), np.asarray(c, dtype=np.intp).reshape(len(t), a),
                        np.asarray(s, dtype=np.intp).reshape(len(t), a), np.asarray(o, dtype=np.intp))
                       for a, (t, c, s, o) in sorted(groups.items())]

    def _rows(self, codes: np.ndarray) -> np.ndarray:
        """Row of the stacked tables that every term reads, per chain: shape (n_terms, n_chains)."""
        n = codes.shape[1]
        if len(self.groups) == 1:  # one group holds every term, in order
            return self._group_rows(codes, *self.groups[0][1:])
        rows = np.empty((self.n_terms, n), dtype=np.intp)
        for terms, cols, strides, offsets in self.groups:
            rows[terms] = self._group_rows(codes, cols, strides, offsets)
        return rows

    @staticmethod
    def _group_rows(codes: np.ndarray, cols: np.ndarray, strides: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        if not cols.shape[1]:  # factors of the member alone
            return np.repeat(offsets[:, None], codes.shape[1], axis=1)
        rows = codes[cols[:, 0]] * strides[:, 0, None]
        for i in range(1, cols.shape[1]):
            rows += codes[cols[:, i]] * strides[:, i, None]
        rows += offsets[:, None]
        return rows

    def resample(self, codes: np.ndarray, rng: np.random.Generator) -> None:
        """Draw every member of the block in every chain (column of ``codes``) given the others."""
        rows = self._rows(codes)
        weights = []
        for column in self.columns:
            part = np.take(column, rows)
            first, size = self.slots[0]
            w = part[first:first + size]
            for first, size in self.slots[1:]:
                w[:size] *= part[first:first + size]
            weights.append(w)
        total = weights[0].copy()
        for w in weights[1:]:
            total += w
        u = rng.random(total.shape)
        u *= total
        drawn = np.zeros(total.shape, dtype=codes.dtype)
        bound = weights[0]
        for w in weights[1:]:
            drawn += u >= bound
            bound = bound + w
        codes[self.members] = np.where(total > 0, drawn, codes[self.members])


def _initial_state(model, n_chains, clamp, evidence, rng):
    """Chains start from importance-resampled forward samples (BN) or uniform draws (MN)."""
    d = len(model.variables)
    if model.is_directed:
        plan = forward_plan(model)
        m = max(20 * n_chains, 10_000)
        codes, weights = forward_codes(plan, m, rng, clamp)
        assert weights is not None  # a clamp (even empty) gives weights
        total = weights.sum()
        if total == 0:
            raise ZeroEvidenceError(
                f"none of {m:,} likelihood-weighted draws is consistent with the evidence "
                f"{describe_evidence(model, evidence)}: it is impossible (or extremely unlikely)"
            )
        pick = rng.choice(m, size=n_chains, p=weights / total)
        return np.ascontiguousarray(codes[:, pick])
    codes = np.empty((d, n_chains), dtype=code_dtype(max(model.cardinality(v) for v in model.variables)))
    for j, v in enumerate(model.variables):
        codes[j] = clamp[j] if j in clamp else rng.integers(0, model.cardinality(v), n_chains)
    return codes


def _check_possible(model: GraphicalModel, codes: np.ndarray, evidence: dict[str, int]) -> None:
    """Raise ZeroEvidenceError if some sampled state has probability zero (Markov networks).

    Gibbs moves never leave the states of positive probability, so a zero-probability row means
    the chains found no possible state: the evidence is impossible (or the chain cannot reach it).
    """
    column = {v: j for j, v in enumerate(model.variables)}
    weight = np.ones(codes.shape[1])
    for scope, table in _scopes(model):
        if not scope:
            weight = weight * float(table)
            continue
        index = np.ravel_multi_index([codes[column[v]].astype(np.intp) for v in scope], table.shape)
        weight = weight * table.reshape(-1)[index]
    if not (weight > 0).all():
        raise ZeroEvidenceError(
            f"Gibbs sampling found no state of positive probability consistent with the evidence "
            f"{describe_evidence(model, evidence)}: it is impossible under the model"
        )


def gibbs_sample(model: GraphicalModel, n_samples: int, *,
                 evidence: Mapping[str, Any] | None = None, burn_in: int = 200, thin: int = 1,
                 n_chains: int | None = None, rng: RNGLike = None, as_codes: bool = False,
                 max_memory: int | None = None) -> Any:
    """Draw approximate samples from ``P(X | evidence)`` by Gibbs sampling.

    Each sweep resamples every unobserved variable from its conditional given its Markov blanket
    (parents, children and co-parents in a Bayesian network; neighbours in a Markov network),
    for all chains at once.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        A fully specified model.
    n_samples : int
        Number of rows returned (taken from all chains, sweep by sweep).
    evidence : dict, optional
        ``{variable: state}``; those variables stay clamped.
    burn_in : int, optional
        Sweeps discarded before the first kept one.
    thin : int, optional
        Keep every ``thin``-th sweep after the burn-in.
    n_chains : int, optional
        Parallel chains (default ``min(n_samples, 100)``).
    rng : int, numpy.random.Generator or None, optional
        Seed or generator.
    as_codes : bool, optional
        Return the ``(n_samples, n_variables)`` integer array of codes instead of a DataFrame.
    max_memory : int, optional
        Bytes the kept codes may take (default ``tuning.SAMPLE_MAX_MEMORY``); larger requests
        raise MemoryLimitError before anything is allocated.

    Returns
    -------
    pandas.DataFrame or ndarray
        One Categorical column per variable in ``model.variables`` order.

    Raises
    ------
    PGMError
        If ``n_samples``, ``n_chains`` or ``thin`` is not positive, or ``burn_in`` is negative.
    VariableNotFoundError
        If an evidence variable or state is unknown.
    ZeroEvidenceError
        If the evidence is impossible under a Bayesian network.

    Notes
    -----
    Variables that share no factor are resampled together (a colour of a greedy colouring of the
    free variables; a checkerboard on grids), which is the same systematic-scan Gibbs sweep.
    Chains of a Bayesian network start from forward samples resampled by their likelihood weight,
    so they start (nearly) in the target distribution; Markov-network chains start uniformly.
    Deterministic tables (zeros) can make single-site Gibbs moves reducible; many chains started
    this way still average correctly.

    Examples
    --------
    >>> mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], [[4.0, 1.0], [1.0, 4.0]])])
    >>> df = pl.gibbs_sample(mn, 20_000, rng=0, evidence={"A": "1"})
    >>> round(float((df["B"] == "1").mean()), 2)       # exact 0.8
    0.8
    """
    n = check_int("n_samples", n_samples, minimum=1)
    n_chains = min(n, 100) if n_chains is None else n_chains
    n_chains = check_int("n_chains", n_chains, minimum=1, kind="an integer >= 1")
    thin = check_int("thin", thin, minimum=1, kind="an integer >= 1")
    burn_in = check_int("burn_in", burn_in, minimum=0, kind="an integer >= 0")
    rng = check_rng(rng)
    evidence = model.encode_evidence(evidence)
    column = {v: j for j, v in enumerate(model.variables)}
    clamp = {column[v]: c for v, c in evidence.items()}
    free = [j for j in range(len(model.variables)) if j not in clamp]
    mentions = _conditionals(model, free)
    per_chain = -(-n // n_chains)
    check_sample_memory(model, per_chain * n_chains, 2, max_memory)
    codes = _initial_state(model, n_chains, clamp, evidence, rng)
    out = np.empty((len(model.variables), per_chain * n_chains), dtype=codes.dtype)
    cards = [model.cardinality(v) for v in model.variables]
    blocks = [_Block(members, mentions, cards) for members in _colours(model, free)]
    for sweep in range(burn_in + per_chain * thin):
        for block in blocks:
            block.resample(codes, rng)
        kept = sweep - burn_in + 1
        if kept > 0 and kept % thin == 0:
            i = kept // thin - 1
            out[:, i * n_chains:(i + 1) * n_chains] = codes
    out = out[:, :n]
    if not model.is_directed:
        _check_possible(model, out, evidence)
    if as_codes:
        return out.T  # a view: columns stay contiguous
    return to_frame(model, out)
