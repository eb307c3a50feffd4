"""PC: exact recovery with a d-separation oracle; data-driven tests; CI-test statistics vs scipy."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.graphs import d_separated
from pgm_lite.learning._information import chi2_sf, contingency, independence_test
from pgm_lite.testing import random_network


def _oracle(dag, calls=None):
    def independent(x, y, given):
        if calls is not None:
            calls.append((x, y, given))
        return d_separated(dag, {x}, {y}, set(given))
    return independent


@pytest.mark.parametrize("seed", range(5))
def test_pc_with_a_d_separation_oracle_recovers_the_exact_cpdag(seed):
    bn = random_network(20, max_parents=2 + seed % 2, max_cardinality=2, rng=seed)
    dag = nx.DiGraph(bn.structure)
    data = pl.sample(bn, 5, rng=0)  # only the variable names and states are used
    learned = pl.learn_structure(data, "pc", ci_test=_oracle(dag))
    assert isinstance(learned, pl.CPDAG)
    assert learned == pl.cpdag(bn)
    assert pl.structural_hamming_distance(learned, bn) == 0
    member = learned.to_dag()
    assert pl.cpdag(member) == learned and member.states("X3") == bn.states("X3")


def test_pc_is_order_independent_with_an_oracle():
    bn = random_network(12, max_parents=3, rng=7)
    dag = nx.DiGraph(bn.structure)
    data = pl.sample(bn, 5, rng=0)
    orders = [sorted(bn.variables), sorted(bn.variables, reverse=True)]
    results = [pl.learn_structure(data, "pc", ci_test=_oracle(dag), variable_order=o) for o in orders]
    assert results[0] == results[1] == pl.cpdag(bn)


def test_pc_passes_conditioning_sets_as_tuples_of_names():
    bn = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    calls = []
    data = pd.DataFrame({v: ["0", "1"] for v in "ABC"})
    learned = pl.learn_structure(data, "pc", ci_test=_oracle(nx.DiGraph(bn.structure), calls))
    assert ("A", "C", ("B",)) in calls and all(isinstance(g, tuple) for _, _, g in calls)
    assert learned.undirected_edges == [("A", "B"), ("B", "C")]


def test_pc_on_data_finds_the_collider():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 20_000)
    b = rng.integers(0, 2, 20_000)
    noise = rng.random(20_000) < 0.1
    c = (a | b) ^ noise  # a noisy OR: faithful, unlike XOR
    d = c ^ (rng.random(20_000) < 0.2)
    data = pd.DataFrame({"A": a, "B": b, "C": c, "D": d}).astype(str)
    for test in ("g_sq", "chi_square"):
        learned = pl.learn_structure(data, "pc", ci_test=test)
        assert learned.directed_edges == [("A", "C"), ("B", "C"), ("C", "D")], test
    assert pl.structural_hamming_distance(
        pl.learn_structure(data, "pc"), pl.BayesianNetwork([("A", "C"), ("B", "C"), ("C", "D")])) == 0


def test_pc_on_asia_gets_close():
    asia = pl.example("asia")
    distances = []
    for seed in (0, 1, 2):  # the deterministic `either` node misleads the tests now and then
        learned = pl.learn_structure(pl.sample(asia, 20_000, rng=seed), "pc", significance=0.01)
        assert nx.is_directed_acyclic_graph(learned.to_dag().graph)
        distances.append(pl.structural_hamming_distance(learned, asia))
    assert max(distances) <= 6 and sum(distances) <= 15, distances  # an empty graph has SHD 8


def test_statistics_match_scipy():
    from scipy import stats

    rng = np.random.default_rng(1)
    codes = np.vstack([rng.integers(0, 3, 500), rng.integers(0, 2, 500), rng.integers(0, 2, 500)])
    card = np.array([3, 2, 2])
    counts = contingency(codes, card, 0, 1, [2])
    g, dof, p = independence_test(counts, "g_sq")
    expected = sum(stats.chi2_contingency(counts[z], lambda_="log-likelihood", correction=False)[0]
                   for z in range(2))
    assert g == pytest.approx(expected) and dof == 4
    assert p == pytest.approx(stats.chi2.sf(g, dof), rel=1e-9)
    x2, _, p2 = independence_test(counts, "chi_square")
    assert x2 == pytest.approx(sum(stats.chi2_contingency(counts[z], correction=False)[0] for z in range(2)))
    assert p2 == pytest.approx(stats.chi2.sf(x2, dof), rel=1e-9)
    for x, k in [(0.5, 1), (3.0, 2), (10.0, 3), (50.0, 20), (200.0, 150), (1e-3, 7), (400.0, 2)]:
        assert chi2_sf(x, k) == pytest.approx(stats.chi2.sf(x, k), rel=1e-9, abs=1e-300)


def test_pc_errors():
    data = pd.DataFrame({v: ["0", "1"] for v in "AB"})
    with pytest.raises(pl.OptionError, match=r"unknown ci_test 'g'; choose from \['g_sq', 'chi_square'\]"):
        pl.learn_structure(data, "pc", ci_test="g")
    with pytest.raises(pl.OptionError, match="significance must be at most 1"):
        pl.learn_structure(data, "pc", significance=2)
    with pytest.raises(pl.OptionError, match="max_indegree applies to method"):
        pl.learn_structure(data, "pc", max_indegree=2)
