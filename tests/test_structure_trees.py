"""Chow-Liu and TAN: the maximum spanning tree of empirical (conditional) mutual information."""

import itertools

import networkx as nx
import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_network


@pytest.fixture(scope="module")
def data():
    return pl.sample(random_network(8, max_parents=2, max_cardinality=3, rng=21), 3000, rng=22)


def _mi(frame, x, y, given=()):
    """Empirical (conditional) mutual information from pandas counts."""
    n = len(frame)
    joint = frame.groupby([*given, x, y], observed=True).size()
    total = 0.0
    for key, nxyz in joint.items():
        key = key if isinstance(key, tuple) else (key,)
        z, vx, vy = key[:len(given)], key[-2], key[-1]
        sub = frame
        for g, value in zip(given, z):
            sub = sub[sub[g] == value]
        nz = len(sub)
        nxz = int((sub[x] == vx).sum())
        nyz = int((sub[y] == vy).sum())
        total += nxyz / n * np.log(nxyz * nz / (nxz * nyz))
    return total


def _expected_tree(frame, nodes, given=()):
    g = nx.Graph()
    g.add_nodes_from(nodes)
    for x, y in itertools.combinations(nodes, 2):
        g.add_edge(x, y, weight=_mi(frame, x, y, given))
    return {frozenset(e) for e in nx.maximum_spanning_tree(g).edges}


def test_chow_liu_is_the_maximum_spanning_tree_of_mutual_information(data):
    tree = pl.learn_structure(data, "chow_liu")
    assert {frozenset(e) for e in tree.edges} == _expected_tree(data, list(data.columns))
    assert len(tree.edges) == len(data.columns) - 1
    assert all(len(tree.parents(v)) <= 1 for v in tree.variables)
    assert tree.parents(data.columns[0]) == []
    rooted = pl.learn_structure(data, "chow_liu", root="X5")
    assert rooted.parents("X5") == [] and pl.structural_hamming_distance(tree, rooted) == 0


def test_chow_liu_maximises_the_likelihood_among_trees(data):
    best = pl.score(pl.learn_structure(data, "chow_liu"), data, score="loglik")
    rng = np.random.default_rng(0)
    names = list(data.columns)
    for _ in range(20):  # random spanning trees never do better
        order = list(rng.permutation(names))
        edges = [(order[int(rng.integers(i))], order[i]) for i in range(1, len(order))]
        other = pl.BayesianNetwork(edges, variables=names, states={v: tuple(data[v].cat.categories) for v in names})
        assert pl.score(other, data, score="loglik") <= best + 1e-9


def test_tan_is_the_conditional_mutual_information_tree_plus_the_class(data):
    tan = pl.learn_structure(data, "tan", class_variable="X2")
    features = [v for v in data.columns if v != "X2"]
    assert all(("X2", v) in tan.edges for v in features)
    tree = {frozenset(e) for e in tan.edges if "X2" not in e}
    assert tree == _expected_tree(data, features, given=("X2",))
    assert tan.parents("X2") == []
    assert all(len(tan.parents(v)) <= 2 for v in features)
    assert pl.learn_structure(data, "tan", class_variable="X2", root="X7").parents("X7") == ["X2"]


def test_tree_errors(data):
    with pytest.raises(pl.OptionError, match="needs class_variable"):
        pl.learn_structure(data, "tan")
    with pytest.raises(pl.OptionError, match="root must be a feature"):
        pl.learn_structure(data, "tan", class_variable="X1", root="X1")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'X9'"):
        pl.learn_structure(data, "chow_liu", root="X9")
    with pytest.raises(pl.OptionError, match="class_variable applies to method"):
        pl.learn_structure(data, "chow_liu", class_variable="X1")
