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


# -- independencies read off the undirected graph (issue 13) -----------------------------------------

CYCLE = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]


def test_is_separated_on_sets_and_the_free_function():
    cycle = pl.MarkovNetwork(CYCLE)
    assert not cycle.is_separated("A", "C", ["B"])
    assert cycle.is_separated("A", "C", ["B", "D"])
    assert cycle.is_separated(["A", "B"], ["C"], ["D"]) is False
    assert cycle.is_separated(["A", "B"], ["C", "D"]) is False
    assert pl.MarkovNetwork([("A", "B"), ("C", "D")]).is_separated(["A", "B"], ["C", "D"])
    assert cycle.is_separated(["A"], ["C"], "B") is False       # a lone name as `given`
    assert pl.is_separated(cycle, "B", "D", given=["A", "C"])
    with pytest.raises(pl.StructureError, match=r"must be disjoint sets; \['A'\] appear twice"):
        cycle.is_separated("A", "A")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'E'"):
        cycle.is_separated("A", "E")


def test_directed_queries_on_a_markov_network_name_is_separated():
    cycle = pl.MarkovNetwork(CYCLE)
    message = (r"^is_d_separated follows trails in a Bayesian network \(a DAG\); this is a Markov network, "
               r"where independence is graph separation: use pl.is_separated\(model, x, y, given\) "
               r"or model.is_separated\(x, y, given\)$")
    with pytest.raises(pl.StructureError, match=message):
        pl.is_d_separated(cycle, "A", "C")
    with pytest.raises(pl.PGMError, match=r"^active_trail_nodes follows trails .* use pl.is_separated"):
        pl.active_trail_nodes(cycle, "A")
    with pytest.raises(pl.StructureError, match=r"^is_separated is graph separation in a Markov network; "
                                                r"for a Bayesian network use pl.is_d_separated"):
        pl.is_separated(pl.BayesianNetwork([("A", "B")]), "A", "B")
    with pytest.raises(TypeError, match="is_separated needs a MarkovNetwork, got str"):
        pl.is_separated("net", "A", "B")
    with pytest.raises(TypeError, match="is_d_separated needs a BayesianNetwork, got dict"):
        pl.is_d_separated({}, "A", "B")


def test_factorization_over_scopes_or_maximal_cliques(ising4):
    assert ising4.factorization() == "1/Z φ(A, B) φ(A, C) φ(B, D) φ(C, D)"
    assert ising4.factorization(latex=True) == (
        r"\frac{1}{Z}\,\phi(A, B)\,\phi(A, C)\,\phi(B, D)\,\phi(C, D)")
    structure = pl.MarkovNetwork([("C", "D"), ("B", "C"), ("A", "B"), ("A", "C")], variables="ABCD")
    assert structure.factorization() == "1/Z φ(A, B, C) φ(C, D)"
    pixels = pl.MarkovNetwork([("X1", "X2")], variables=["X1", "X2", "smoke_level"])
    assert pixels.factorization(latex=True) == r"\frac{1}{Z}\,\phi(X_{1}, X_{2})\,\phi(\text{smoke\_level})"


def test_local_and_pairwise_statements_of_a_cycle():
    cycle = pl.MarkovNetwork(CYCLE)
    assert cycle.markov_blanket("A") == ["B", "D"] == pl.markov_blanket(cycle, "A")
    assert cycle.local_independencies() == ["A ⊥ C | B, D", "B ⊥ D | A, C", "C ⊥ A | B, D", "D ⊥ B | A, C"]
    assert cycle.pairwise_independencies() == ["A ⊥ C | B, D", "B ⊥ D | A, C"]
    assert pl.independence.local_independencies(cycle) == cycle.local_independencies()
    assert pl.MarkovNetwork([("A", "B")]).local_independencies() == []


@pytest.mark.parametrize("seed", range(12))
def test_markov_properties_hold_numerically_on_random_potentials(seed):
    mn = random_markov_network(5, n_factors=4, max_scope=3, max_cardinality=3, rng=seed)
    for statement in [*mn.local_independencies(), *mn.pairwise_independencies()]:
        assert pl.independencies_hold(mn, statement, atol=1e-12), statement
    for v in mn.variables:
        blanket = mn.markov_blanket(v)
        rest = [u for u in mn.variables if u != v and u not in blanket]
        if rest:
            assert pl.independencies_hold(mn, f"{v} ⊥ {', '.join(rest)} | {', '.join(blanket) or v}"
                                          if blanket else f"{v} ⊥ {', '.join(rest)}", atol=1e-12)
    # generic random potentials are faithful: neighbours stay dependent given everything else
    for x, y in mn.edges:
        others = [u for u in mn.variables if u not in (x, y)]
        assert not pl.independencies_hold(mn, f"{x} ⊥ {y} | {', '.join(others)}", atol=1e-12)
    # global Markov property: separation given random sets implies independence
    rng = np.random.default_rng(seed)
    for x, y in itertools.combinations(mn.variables, 2):
        given = [u for u in mn.variables if u not in (x, y) and rng.random() < 0.5]
        if mn.is_separated(x, y, given):
            statement = f"{x} ⊥ {y}" + (f" | {', '.join(given)}" if given else "")
            assert pl.independencies_hold(mn, statement, atol=1e-12), statement
