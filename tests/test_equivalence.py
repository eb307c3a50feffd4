"""Equivalence classes: CPDAG construction, consistent extensions, SHD and structure comparison."""

import itertools

import networkx as nx
import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.equivalence import CPDAG, orient_skeleton
from pgm_lite.testing import random_network


def _random_dag(n, p, seed):
    rng = np.random.default_rng(seed)
    names = [f"V{i}" for i in range(n)]
    order = list(rng.permutation(names))
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from((a, b) for i, a in enumerate(order) for b in order[i + 1:] if rng.random() < p)
    return g


def _skeleton_and_vstructures(g):
    skel = {frozenset(e) for e in g.edges}
    vs = {(frozenset((a, b)), c) for c in g for a, b in itertools.combinations(g.predecessors(c), 2)
          if not g.has_edge(a, b) and not g.has_edge(b, a)}
    return skel, vs


def _all_members(c):
    """Brute force: every orientation of the undirected edges that keeps the class."""
    members = []
    lines = c.undirected_edges
    for flips in itertools.product([False, True], repeat=len(lines)):
        g = nx.DiGraph(c.directed_edges)
        g.add_nodes_from(c.variables)
        g.add_edges_from((v, u) if f else (u, v) for (u, v), f in zip(lines, flips))
        if nx.is_directed_acyclic_graph(g):
            members.append(g)
    return members


@pytest.mark.parametrize("seed", range(12))
def test_cpdag_marks_exactly_the_edges_shared_by_all_equivalent_dags(seed):
    g = _random_dag(7, 0.35, seed)
    c = pl.cpdag(g)
    target = _skeleton_and_vstructures(g)
    members = [m for m in _all_members(c) if _skeleton_and_vstructures(m) == target]
    assert g.edges <= {*c.directed_edges, *c.undirected_edges, *[(v, u) for u, v in c.undirected_edges]}
    # every undirected edge is oriented both ways by some equivalent DAG; directed ones never flip
    for u, v in c.undirected_edges:
        assert any(m.has_edge(u, v) for m in members) and any(m.has_edge(v, u) for m in members)
    for u, v in c.directed_edges:
        assert all(m.has_edge(u, v) for m in members)


@pytest.mark.parametrize("seed", range(12))
def test_to_dag_is_a_member_of_the_class(seed):
    bn = random_network(9, max_parents=3, rng=seed)
    c = pl.cpdag(bn)
    dag = c.to_dag()
    assert pl.cpdag(dag) == c
    assert pl.structural_hamming_distance(bn, dag) == 0
    assert dag.states("X0") == bn.states("X0")


def test_textbook_examples():
    chain = nx.DiGraph([("A", "B"), ("B", "C")])
    fork = nx.DiGraph([("B", "A"), ("B", "C")])
    collider = nx.DiGraph([("A", "B"), ("C", "B")])
    assert pl.cpdag(chain) == pl.cpdag(fork)
    assert pl.cpdag(collider).directed_edges == [("A", "B"), ("C", "B")]
    # Meek R1: the collider forces B -> D
    g = pl.cpdag(nx.DiGraph([("A", "B"), ("C", "B"), ("B", "D")]))
    assert ("B", "D") in g.directed_edges and g.undirected_edges == []
    assert repr(g) == "<CPDAG 4 variables, 3 directed and 0 undirected edges>"


def test_orient_skeleton_meek_rules_two_and_three():
    # R2: a -> b -> c and a - c  =>  a -> c
    got = orient_skeleton("abcd", [("a", "b"), ("b", "c"), ("a", "c"), ("d", "b")], [("a", "b", "d")])
    assert ("b", "c") in got.directed_edges and ("a", "c") in got.directed_edges
    # R3: b - x, b - y, b - c, x -> c <- y, x, y non-adjacent  =>  b -> c
    edges = [("b", "x"), ("b", "y"), ("b", "c"), ("x", "c"), ("y", "c")]
    got = orient_skeleton(["b", "x", "y", "c"], edges, [("x", "c", "y")])
    assert ("b", "c") in got.directed_edges
    assert sorted(got.undirected_edges) == [("b", "x"), ("b", "y")]


def test_shd_counts_each_pair_once():
    a = pl.BayesianNetwork([("A", "B"), ("B", "C")], variables="ABCD")
    assert pl.structural_hamming_distance(a, a) == 0
    b = pl.BayesianNetwork([("B", "A"), ("C", "B")], variables="ABCD")
    assert pl.structural_hamming_distance(a, b) == 0
    assert pl.structural_hamming_distance(a, b, dag=True) == 2
    c = pl.BayesianNetwork([("A", "B"), ("C", "B"), ("C", "D")], variables="ABCD")
    # CPDAG of a: A - B - C; of c: A -> B <- C - D  => two re-marked pairs, one extra
    assert pl.structural_hamming_distance(a, c) == 3
    assert pl.structural_hamming_distance(a, c, dag=True) == 2


def test_shd_is_symmetric_and_a_metric_on_random_dags():
    gs = [_random_dag(6, 0.4, s) for s in range(5)]
    for x, y, z in itertools.product(gs, repeat=3):
        dxy = pl.structural_hamming_distance(x, y)
        assert dxy == pl.structural_hamming_distance(y, x)
        assert dxy <= pl.structural_hamming_distance(x, z) + pl.structural_hamming_distance(z, y)


def test_compare_structures_lists_the_differences():
    true = pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "D")])
    learned = pl.BayesianNetwork([("B", "A"), ("C", "D"), ("A", "D")], variables="ABCD")
    diff = pl.compare_structures(true, learned)
    assert diff.correct == [("C", "D")]
    assert diff.missing == [("B", "C")]
    assert diff.extra == [("A", "D")]
    assert diff.reversed == [("B", "A")]
    assert diff.shd == 3 == pl.structural_hamming_distance(true, learned, dag=True)


def test_compare_with_a_cpdag_uses_marks():
    true = pl.BayesianNetwork([("A", "C"), ("B", "C")], variables="ABC")
    learned = CPDAG(["A", "B", "C"], undirected=[("A", "C"), ("B", "C")])
    diff = pl.compare_structures(true, learned)
    assert diff.reversed == [("A", "C"), ("B", "C")] and diff.undirected == [("A", "C"), ("B", "C")]
    assert diff.shd == 2 == pl.structural_hamming_distance(true, learned)


def test_to_dag_without_consistent_extension_follows_the_directed_part():
    # a 4-cycle of undirected edges has no consistent extension (any orientation adds a v-structure
    # or a cycle, or needs a chord); to_dag still returns an acyclic graph keeping all edges
    c = CPDAG("ABCD", undirected=[("A", "B"), ("B", "C"), ("C", "D"), ("A", "D")])
    dag = c.to_dag()
    assert len(dag.edges) == 4


def test_errors():
    with pytest.raises(pl.StructureError, match="different variables"):
        pl.structural_hamming_distance(pl.BayesianNetwork([("A", "B")]), pl.BayesianNetwork([("A", "C")]))
    with pytest.raises(pl.ArgumentTypeError, match="expected a BayesianNetwork"):
        pl.cpdag([("A", "B")])
    with pytest.raises(pl.StructureError, match="cycle"):
        pl.cpdag(nx.DiGraph([("A", "B"), ("B", "A")]))
    with pytest.raises(pl.ArgumentTypeError, match="dag=True compares DAGs"):
        pl.structural_hamming_distance(pl.cpdag(nx.DiGraph([("A", "B")])), nx.DiGraph([("A", "B")]), dag=True)
    with pytest.raises(pl.StructureError, match="more than one edge"):
        CPDAG("AB", directed=[("A", "B")], undirected=[("A", "B")])
    with pytest.raises(pl.StructureError, match="not a variable"):
        CPDAG("AB", directed=[("A", "Z")])
    with pytest.raises(pl.StructureError, match="more than one edge"):
        CPDAG("AB", directed=[("A", "B"), ("B", "A")])
    with pytest.raises(pl.StructureError, match="cycle A -> B -> C -> A"):
        CPDAG("ABC", directed=[("A", "B"), ("B", "C"), ("C", "A")]).to_dag()


def test_conflicting_colliders_never_close_a_directed_cycle():
    # colliders a -> b <- x, b -> c <- y, c -> a <- z on the triangle a, b, c would make a -> b -> c -> a
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("x", "b"), ("y", "c"), ("z", "a")]
    got = orient_skeleton("abcxyz", edges, [("a", "b", "x"), ("b", "c", "y"), ("c", "a", "z")])
    assert nx.is_directed_acyclic_graph(nx.DiGraph(got.directed_edges))
    assert {("a", "b"), ("x", "b"), ("b", "c"), ("y", "c")} <= set(got.directed_edges)
    assert len(got.to_dag().edges) == 6
