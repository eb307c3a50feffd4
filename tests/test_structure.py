"""learn_structure: greedy search (hill climbing, tabu) guarantees, constraints, data handling, errors."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_network


@pytest.fixture(scope="module")
def asia_data():
    return pl.sample(pl.example("asia"), 3000, rng=1)


@pytest.fixture(scope="module")
def random_case():
    bn = random_network(7, max_parents=2, max_cardinality=3, rng=11)
    return bn, pl.sample(bn, 4000, rng=12)


def test_returns_a_structure_only_network_with_the_datas_states(asia_data):
    learned = pl.learn_structure(asia_data)
    asia = pl.example("asia")
    assert isinstance(learned, pl.BayesianNetwork) and learned.cpds() == []
    assert learned.variables == list(asia_data.columns)
    assert all(learned.states(v) == asia.states(v) for v in asia.variables)
    assert nx.is_directed_acyclic_graph(learned.graph)


@pytest.mark.parametrize("score", ["bic", "aic", "bdeu", "k2", "loglik"])
def test_score_never_decreases_between_iterations(random_case, score):
    _, data = random_case
    final = pl.score(pl.learn_structure(data, score=score, max_indegree=3), data, score=score)
    scores = []
    for k in range(200):
        g = pl.learn_structure(data, score=score, max_iter=k, max_indegree=3)
        scores.append(pl.score(g, data, score=score))
        if scores[-1] == pytest.approx(final, abs=1e-9):
            break
    assert scores[-1] == pytest.approx(final, abs=1e-9)  # the unbounded search is the limit
    assert all(b >= a - 1e-9 for a, b in zip(scores, scores[1:]))
    assert len(set(np.round(scores, 6))) > 3


def test_plain_climb_rises_strictly_and_the_perturbation_phase_only_helps(monkeypatch):
    true = random_network(10, max_parents=3, max_cardinality=3, rng=22)
    data = pl.sample(true, 3000, rng=23)
    full = pl.learn_structure(data)
    monkeypatch.setattr(pl.tuning, "STRUCTURE_PERTURB_ROUNDS", 0)  # plain greedy hill climbing
    plain = pl.learn_structure(data)
    assert pl.score(full, data) > pl.score(plain, data) + 1.0  # it escaped the first local optimum
    scores = [pl.score(pl.learn_structure(data, max_iter=k), data) for k in range(len(plain.edges) + 3)]
    climb = scores[:scores.index(max(scores)) + 1]
    assert all(b > a for a, b in zip(climb, climb[1:])) and len(climb) > 3
    assert max(scores) == pytest.approx(pl.score(plain, data))


def test_result_is_a_local_optimum(random_case):
    _, data = random_case
    g = pl.learn_structure(data)
    base = pl.score(g, data)
    edges = set(g.edges)
    vs = g.variables
    for u in vs:
        for v in vs:
            if u == v:
                continue
            if (u, v) in edges:
                neighbours = [edges - {(u, v)}, (edges - {(u, v)}) | {(v, u)}]
            elif (v, u) not in edges:
                neighbours = [edges | {(u, v)}]
            else:
                continue
            for cand in neighbours:
                graph = nx.DiGraph(list(cand))
                if nx.is_directed_acyclic_graph(graph):
                    other = pl.BayesianNetwork(sorted(cand), variables=vs,
                                               states={x: g.states(x) for x in vs})
                    assert pl.score(other, data) <= base + 1e-6


def test_bic_on_100k_rows_reaches_the_true_structure():
    true = random_network(6, max_parents=2, max_cardinality=3, rng=5)
    data = pl.sample(true, 100_000, rng=6)
    learned = pl.learn_structure(data, "hill_climb", score="bic")
    assert pl.score(learned, data) >= pl.score(true, data) - 1e-6 * abs(pl.score(true, data))


def test_tabu_is_at_least_as_good_as_hill_climbing(random_case, asia_data):
    for data in (random_case[1], asia_data):
        hc = pl.learn_structure(data, "hill_climb")
        tabu = pl.learn_structure(data, "tabu", tabu_length=20)
        assert pl.score(tabu, data) >= pl.score(hc, data) - 1e-9


def test_black_list_white_list_fixed_edges_and_max_indegree(random_case):
    _, data = random_case
    free = pl.learn_structure(data)
    assert free.edges
    banned = pl.learn_structure(data, black_list=free.edges)
    assert not set(banned.edges) & set(free.edges)
    allowed = free.edges[:3]
    white = pl.learn_structure(data, white_list=allowed)
    assert set(white.edges) <= set(allowed)
    fixed = [("X6", "X0"), ("X3", "X5")]
    with_fixed = pl.learn_structure(data, fixed_edges=fixed, max_indegree=1)
    assert set(fixed) <= set(with_fixed.edges)
    assert max(len(with_fixed.parents(v)) for v in with_fixed.variables) <= 1
    for k in (0, 1, 2):
        g = pl.learn_structure(data, max_indegree=k)
        assert max(len(g.parents(v)) for v in g.variables) <= k


def test_variable_order_and_start(random_case):
    bn, data = random_case
    order = sorted(bn.variables, reverse=True)
    g = pl.learn_structure(data, variable_order=order)
    rank = {v: i for i, v in enumerate(order)}
    assert all(rank[u] < rank[v] for u, v in g.edges)
    started = pl.learn_structure(data, start=bn, max_iter=0)
    assert set(started.edges) == set(bn.edges)
    assert pl.score(pl.learn_structure(data, start=bn), data) >= pl.score(bn, data)


def test_rng_breaks_ties_reproducibly(random_case):
    _, data = random_case
    a = pl.learn_structure(data, rng=3)
    b = pl.learn_structure(data, rng=3)
    assert a.edges == b.edges
    assert pl.learn_structure(data).edges == pl.learn_structure(data).edges


def test_states_come_from_the_data():
    data = pd.DataFrame({"n": [3, 1, 3, 2] * 25, "c": pd.Categorical(["b", "a", "b", "a"] * 25,
                                                                    categories=["b", "a", "z"]),
                         "s": ["y", "x", "y", "x"] * 25})
    g = pl.learn_structure(data)
    assert g.states("n") == ("1", "2", "3")
    assert g.states("c") == ("b", "a", "z")
    assert g.states("s") == ("x", "y")
    assert pl.structural_hamming_distance(g, pl.BayesianNetwork([("c", "s"), ("n", "s")], variables="nsc"),
                                          dag=False) <= 3
    assert pl.fit(g, data.astype(str)).is_fully_specified()
    # numbers are read as the state names they spell, not as codes
    assert pl.score(g, data) == pytest.approx(pl.score(g, data.astype(str)))


def test_missing_values_complete_case(asia_data):
    gappy = asia_data.copy()
    gappy.iloc[::7, 2] = None
    learned = pl.learn_structure(gappy)
    complete = pl.learn_structure(asia_data.iloc[[i for i in range(len(asia_data)) if i % 7]])
    assert learned.edges == complete.edges
    every_row = asia_data.astype(object)
    every_row.iloc[::2, 0] = None
    every_row.iloc[1::2, 1] = None
    with pytest.raises(pl.PGMError, match=r"pl.fit_em"):
        pl.learn_structure(every_row)


def test_errors(asia_data):
    with pytest.raises(pl.OptionError, match=r"unknown structure learning method 'hillclimb'; choose from "
                                             r"\['hill_climb', 'tabu', 'pc', 'chow_liu', 'tan'\]"):
        pl.learn_structure(asia_data, "hillclimb")
    with pytest.raises(pl.OptionError, match=r"unknown score 'bdeu2'"):
        pl.learn_structure(asia_data, score="bdeu2")
    with pytest.raises(pl.OptionError, match="black_list applies to method"):
        pl.learn_structure(asia_data, "pc", black_list=[("asia", "tub")])
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'tb'"):
        pl.learn_structure(asia_data, black_list=[("asia", "tb")])
    with pytest.raises(pl.OptionError, match="both in fixed_edges and in black_list"):
        pl.learn_structure(asia_data, black_list=[("asia", "tub")], fixed_edges=[("asia", "tub")])
    with pytest.raises(pl.StructureError, match="fixed_edges contain a cycle"):
        pl.learn_structure(asia_data, fixed_edges=[("asia", "tub"), ("tub", "asia")])
    with pytest.raises(pl.StructureError, match="self-loop"):
        pl.learn_structure(asia_data, fixed_edges=[("asia", "asia")])
    with pytest.raises(pl.OptionError, match="more than max_indegree=0"):
        pl.learn_structure(asia_data, fixed_edges=[("asia", "tub")], max_indegree=0)
    with pytest.raises(pl.OptionError, match="max_indegree must be a non-negative integer"):
        pl.learn_structure(asia_data, max_indegree=-1)
    with pytest.raises(pl.OptionError, match="tabu_length must be a positive integer"):
        pl.learn_structure(asia_data, "tabu", tabu_length=0)
    with pytest.raises(pl.OptionError, match="variable_order must list every variable once"):
        pl.learn_structure(asia_data, variable_order=["asia"])
    with pytest.raises(pl.ArgumentTypeError, match=r"black_list must hold \(parent, child\) pairs"):
        pl.learn_structure(asia_data, black_list=["asia"])
    with pytest.raises(pl.StructureError, match="start graph"):
        pl.learn_structure(asia_data, start=[("asia", "tub")], fixed_edges=[("tub", "asia")])
    with pytest.raises(pl.ArgumentTypeError, match="2-d array"):
        pl.learn_structure(np.zeros(3))


def test_equivalence_class_is_the_cpdag():
    bn = pl.example("asia")
    g = bn.equivalence_class()
    assert isinstance(g, pl.CPDAG) and g == pl.cpdag(bn)
    assert ("either", "xray") in g.directed_edges and ("asia", "tub") in g.undirected_edges
    assert pl.BayesianNetwork([("A", "B")]).equivalence_class().undirected_edges == [("A", "B")]


@pytest.mark.parametrize("score", ["bic", "aic", "bdeu", "k2", "loglik"])
def test_batched_candidate_scores_equal_scoring_each_structure(random_case, score):
    """Hill climbing scores every candidate parent of a child in one padded batch; check them."""
    _, data = random_case
    start = pl.BayesianNetwork([("X0", "X1"), ("X2", "X1")], variables=data.columns)
    candidates = [(u, "X1") for u in ("X3", "X4", "X5", "X6")]
    options = {"score": score, "equivalent_sample_size": 2.0}
    one = pl.learn_structure(data, start=start, max_iter=1, white_list=candidates, **options)
    base = pl.score(start, data, **options)
    scores = [pl.score(pl.BayesianNetwork([*start.edges, e], variables=data.columns), data, **options)
              for e in candidates]
    assert pl.score(one, data, **options) >= max(scores) - 1e-6
    if max(scores) > base:  # the move taken is the best addition (a deletion may be better still)
        assert set(one.edges) - set(start.edges) <= set(candidates)
