import functools
import itertools

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_markov_network


def test_partition_function_by_hand(ising4):
    z = 0.0
    for a, b, c, d in itertools.product([0, 1], repeat=4):
        pot = lambda x, y: 2.0 if x == y else 0.5  # noqa: E731
        z += pot(a, b) * pot(a, c) * pot(b, d) * pot(c, d)
    assert np.isclose(ising4.partition_function(), z)
    assert ising4.joint().allclose(brute_force_joint(ising4), atol=1e-15)
    assert ising4.neighbors("A") == ["B", "C"] and ising4.markov_blanket("D") == ["B", "C"]


def test_edges_from_factor_scopes_and_declaration_order():
    mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["B", "A", "C"], np.ones((2, 2, 2)))])
    assert mn.variables == ["B", "A", "C"]
    assert mn.edges == [("B", "A"), ("B", "C"), ("A", "C")]


def test_scope_must_be_clique_and_model_unchanged(ising4):
    with pytest.raises(pl.StructureError, match=r"scope \('A', 'D'\) of a factor is not a clique of the graph: missing edge\(s\) \[\('A', 'D'\)\]"):
        ising4.add_factor(pl.DiscreteFactor(["A", "D"], np.ones((2, 2))))
    assert len(ising4.factors()) == 4
    ising4.add_factor(pl.DiscreteFactor(["E"], [1.0, 2.0]))
    assert "E" in ising4.variables


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: pl.MarkovNetwork([("A", "A")]), pl.StructureError, "self-loop on 'A'"),
        (lambda: pl.MarkovNetwork([("A",)]), pl.StructureError, "an edge is a pair"),
        (lambda: pl.MarkovNetwork(variables=["A", "A"]), pl.StructureError, "declared twice"),
        (lambda: pl.MarkovNetwork(factors=[[1, 2]]), TypeError, "must be DiscreteFactor"),
        (lambda: pl.MarkovNetwork([("A", "B")], states={"Q": 2}), pl.VariableNotFoundError, r"\['Q'\]"),
        (lambda: pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A"], [1, 1]),
                                           pl.DiscreteFactor(["A"], [1, 1, 1])]),
         pl.ShapeError, "variable 'A' has 2 states in factor 0"),
    ],
)
def test_constructor_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_partition_function_guard_and_check():
    mn = pl.MarkovNetwork([("A", "B")])
    with pytest.raises(pl.StructureError, match=r"variables in no factor: \['A', 'B'\]"):
        mn.partition_function()
    big = random_markov_network(30, rng=0, max_cardinality=2)
    with pytest.raises(pl.MemoryLimitError, match="use exact inference"):
        big.joint(max_entries=1000)
    names = [f"V{i}" for i in range(12)]          # complete graph: eliminating needs 4^12 entries
    dense = pl.MarkovNetwork(factors=[pl.DiscreteFactor(pair, np.ones((4, 4)))
                                      for pair in itertools.combinations(names, 2)])
    with pytest.raises(pl.MemoryLimitError, match=r"max_memory=.*largest clique has 12 variables"):
        dense.partition_function(max_memory=2**20)


@pytest.mark.parametrize("seed", range(5))
def test_partition_function_by_elimination_matches_brute_force(seed):
    mn = random_markov_network(8, rng=seed, max_cardinality=3)
    z = functools.reduce(lambda a, b: a * b, mn.factors()).values.sum()   # brute force
    assert mn.partition_function() == pytest.approx(z, rel=1e-12)
    order = list(reversed(mn.variables))
    assert mn.partition_function(elimination_order=order) == pytest.approx(z, rel=1e-12)


def test_partition_function_of_a_10x10_ising_grid_matches_transfer_matrix():
    n, coupling = 10, np.array([[1.3, 0.7], [0.7, 1.3]])
    name = [[f"x{r}_{c}" for c in range(n)] for r in range(n)]
    edges = [(name[r][c], name[r][c + 1]) for r in range(n) for c in range(n - 1)]
    edges += [(name[r][c], name[r + 1][c]) for r in range(n - 1) for c in range(n)]
    grid = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, coupling) for e in edges])
    # transfer matrix over whole rows: 2^10 row states
    rows = np.array(list(itertools.product([0, 1], repeat=n)))
    within = np.prod(coupling[rows[:, :-1], rows[:, 1:]], axis=1)
    between = np.prod(coupling[rows[:, None, :], rows[None, :, :]], axis=2)
    vector = within.copy()
    for _ in range(n - 1):
        vector = (vector @ between) * within
    assert grid.partition_function() == pytest.approx(vector.sum(), rel=1e-10)


def test_factor_graph_bipartite(ising4):
    g = ising4.factor_graph()
    factors = [n for n, d in g.nodes(data=True) if d["kind"] == "factor"]
    assert len(factors) == 4 and g.nodes[("factor", 0)]["label"] == "φ(A, B)"
    assert all(g.degree(f) == 2 for f in factors)


def test_factor_graph_of_bayesian_network(collider):
    g = pl.markov_network.factor_graph(collider)
    assert g.nodes[("factor", 2)]["label"] == "P(C | A, B)"
    assert sorted(g.neighbors(("factor", 2))) == ["A", "B", "C"]


def test_moralized_bn_defines_same_distribution(asia):
    mn = asia.moralize()
    assert ("tub", "lung") in mn.edges or ("lung", "tub") in mn.edges  # married parents of either
    assert brute_force_joint(mn).allclose(brute_force_joint(asia), atol=1e-12)


def test_copy_and_repr(ising4):
    dup = ising4.copy()
    dup.add_edge("A", "D")
    assert ("A", "D") not in ising4.edges
    assert repr(ising4) == "<MarkovNetwork with 4 variables, 4 edges, 4 factors>"
    assert ising4.encode_evidence({"A": 1}) == {"A": 1}
