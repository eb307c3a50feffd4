"""Hill climbing's legal-move gains and the budget of its perturbation phase."""

import itertools

import networkx as nx
import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.learning._scorer import FamilyScorer
from pgm_lite.learning._search import Constraints, _State
from pgm_lite.testing import random_network


def _codes(bn, data):
    codes = np.array([[bn.states(v).index(x) for x in data[v]] for v in bn.variables])
    return codes, np.array([len(bn.states(v)) for v in bn.variables])


def _expected_gains(scorer, adj, allowed, fixed, pinned, max_indegree):
    """``{(kind, u, v): gain}`` of every legal move, by brute force (networkx acyclicity, fresh scores)."""
    d = len(adj)

    def local(v, graph):
        return scorer.local(v, tuple(np.flatnonzero(graph[:, v]).tolist()))

    def acyclic(graph):
        return nx.is_directed_acyclic_graph(nx.DiGraph([tuple(e) for e in np.argwhere(graph).tolist()]))

    out = {}
    for u, v in itertools.permutations(range(d), 2):
        after = adj.copy()
        if not adj[u, v]:
            after[u, v] = True
            if allowed[u, v] and adj[:, v].sum() < max_indegree and not adj[v, u] and acyclic(after):
                out[("add", u, v)] = local(v, after) - local(v, adj)
            continue
        if fixed[u, v] or pinned[u, v]:
            continue
        after[u, v] = False
        out[("delete", u, v)] = local(v, after) - local(v, adj)
        after[v, u] = True
        if allowed[v, u] and adj[:, u].sum() < max_indegree and acyclic(after):
            out[("reverse", u, v)] = local(v, after) + local(u, after) - local(v, adj) - local(u, adj)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_legal_moves_and_their_gains_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    bn = random_network(7, max_parents=3, max_cardinality=3, rng=seed)
    codes, card = _codes(bn, pl.sample(bn, 600, rng=seed + 10))
    d = len(card)
    scorer = FamilyScorer(codes, card, ["bic", "bdeu"][seed % 2], 1.0)
    index = {v: i for i, v in enumerate(bn.variables)}
    start = np.zeros((d, d), dtype=bool)
    for u, v in bn.edges:
        start[index[u], index[v]] = True
    tails, heads = np.nonzero(start)
    fixed = np.zeros((d, d), dtype=bool)
    fixed[tails[0], heads[0]] = True
    allowed = rng.random((d, d)) > 0.25
    allowed |= start  # the start graph stays legal
    max_indegree = int(start.sum(axis=0).max())  # some variables are full
    state = _State(scorer, start, Constraints(d, allowed=allowed, fixed=fixed, max_indegree=max_indegree))
    pinned = np.zeros((d, d), dtype=bool)
    if seed % 2:
        pinned[tails[-1], heads[-1]] = state.pinned[tails[-1], heads[-1]] = state.pinned_any = True
    gains, tails, heads = state.moves(None)
    got = {("add", u, v): g for (u, v), g in np.ndenumerate(gains[:d * d].reshape(d, d))}
    for kind, part in (("delete", gains[d * d:d * d + len(tails)]), ("reverse", gains[d * d + len(tails):])):
        got.update({(kind, int(u), int(v)): g for u, v, g in zip(tails, heads, part)})
    legal = {move: g for move, g in got.items() if np.isfinite(g)}
    expected = _expected_gains(scorer, start, allowed & ~np.eye(d, dtype=bool), fixed, pinned, max_indegree)
    assert set(legal) == set(expected)
    assert {k for k, _, _ in legal} == {"add", "delete", "reverse"}
    for move, g in expected.items():
        assert legal[move] == pytest.approx(g, rel=1e-9, abs=1e-9), move


@pytest.fixture(scope="module")
def several_trials():
    """Data on which the perturbation phase accepts several trials and runs past a small budget."""
    true = random_network(14, max_parents=3, max_cardinality=3, rng=5)
    return pl.sample(true, 2000, rng=6)


def test_score_rises_with_the_budget_and_no_budget_is_plain_greedy(several_trials, monkeypatch):
    data = several_trials
    monkeypatch.setattr(pl.tuning, "STRUCTURE_PERTURB_ROUNDS", 0)
    plain = pl.learn_structure(data)
    monkeypatch.undo()
    results = []
    for work in (0.0, 0.013, 0.033, 0.066, 0.13, 0.26, float("inf")):  # x log(2000) x greedy moves
        monkeypatch.setattr(pl.tuning, "STRUCTURE_PERTURB_WORK", work)
        results.append(pl.learn_structure(data))
    scores = [pl.score(g, data) for g in results]
    assert results[0].edges == plain.edges  # a zero budget tries nothing
    assert all(b >= a - 1e-9 for a, b in zip(scores, scores[1:]))  # a bigger budget runs more of the same trials
    assert len(set(np.round(scores, 6))) >= 4  # the budget binds, and trials keep paying off
    monkeypatch.undo()
    assert pl.learn_structure(data).edges == pl.learn_structure(data).edges  # deterministic, no clock
    assert pl.learn_structure(data, rng=5).edges == pl.learn_structure(data, rng=5).edges


def test_the_default_budget_equals_an_exhaustive_phase_on_a_small_network(monkeypatch):
    data = pl.sample(random_network(8, max_parents=3, max_cardinality=3, rng=4), 2000, rng=5)
    monkeypatch.setattr(pl.tuning, "STRUCTURE_PERTURB_ROUNDS", 0)
    plain = pl.learn_structure(data)
    monkeypatch.undo()
    default = pl.learn_structure(data)
    monkeypatch.setattr(pl.tuning, "STRUCTURE_PERTURB_WORK", float("inf"))
    exhaustive = pl.learn_structure(data)
    assert default.edges == exhaustive.edges
    assert pl.score(default, data) > pl.score(plain, data) + 1.0  # the phase did something here
