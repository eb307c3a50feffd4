"""pgmpy and networkx interop: exact conversions, pgmpy inference agrees with our brute-force joint."""

import sys

import networkx as nx
import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network


def assert_same_bn(a, b):
    assert a.variables == b.variables and a.edges == b.edges
    for v in a.variables:
        assert a.states(v) == b.states(v) and a.parents(v) == b.parents(v)
        assert np.array_equal(a.cpd(v).table, b.cpd(v).table)


@pytest.mark.parametrize("name", ["asia", "student", "child"])
def test_pgmpy_round_trip_is_exact(name):
    bn = pl.example(name)
    theirs = pl.to_pgmpy(bn)
    assert theirs.check_model()
    assert_same_bn(bn, pl.from_pgmpy(theirs))


def test_random_networks_round_trip_through_pgmpy():
    rng = np.random.default_rng(11)
    for _ in range(3):
        bn = random_network(6, max_parents=3, max_cardinality=3, rng=rng)
        assert_same_bn(bn, pl.from_pgmpy(pl.to_pgmpy(bn)))


@pytest.mark.parametrize("name,evidence", [
    ("asia", {}), ("asia", {"smoke": "yes", "xray": "no"}),
    ("student", {"Letter": "l1"}), ("sprinkler", {"WetGrass": "T"}),
])
def test_pgmpy_variable_elimination_agrees_with_brute_force(name, evidence):
    from pgmpy.inference import VariableElimination

    bn = pl.example(name)
    joint = brute_force_joint(bn)
    posterior = joint.reduce(evidence) if evidence else joint
    ve = VariableElimination(pl.to_pgmpy(bn))
    for v in bn.variables:
        if v in evidence:
            continue
        theirs = ve.query([v], evidence=evidence or None, show_progress=False)
        ours = posterior.marginalize([u for u in posterior.variables if u != v]).normalize()
        assert theirs.state_names[v] == list(bn.states(v))
        np.testing.assert_allclose(theirs.values, ours.values, atol=1e-12)


def test_pgmpy_markov_network_round_trip(ising4):
    rng = np.random.default_rng(5)
    for mn in (ising4, random_markov_network(5, rng=rng)):
        theirs = pl.to_pgmpy(mn)
        back = pl.from_pgmpy(theirs)
        assert back.variables == mn.variables and back.edges == mn.edges
        for f, g in zip(mn.factors(), back.factors()):
            assert f.variables == g.variables and f.states == g.states
            assert np.array_equal(f.values, g.values)
        assert theirs.get_partition_function() == pytest.approx(mn.partition_function())


def test_markov_state_names_survive_pgmpy():
    phi = pl.DiscreteFactor(["A", "B"], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], {"A": ["lo", "hi"], "B": ["x", "y", "z"]})
    back = pl.from_pgmpy(pl.to_pgmpy(pl.MarkovNetwork(factors=[phi])))
    assert back.states("B") == ("x", "y", "z") and back.factors()[0].values.tolist() == phi.values.tolist()


def test_missing_pgmpy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pgmpy", None)
    with pytest.raises(ImportError, match=r"pip install pgm_lite\[pgmpy\]"):
        pl.to_pgmpy(pl.example("asia"))


def test_wrong_objects_are_type_errors():
    with pytest.raises(TypeError, match="to_pgmpy needs a BayesianNetwork or MarkovNetwork, got str"):
        pl.to_pgmpy("asia")
    with pytest.raises(TypeError, match="from_pgmpy needs a pgmpy Bayesian network or Markov network, got int"):
        pl.from_pgmpy(3)
    with pytest.raises(pl.StructureError, match="variables without a CPD"):
        pl.to_pgmpy(pl.BayesianNetwork([("A", "B")]))


def test_networkx_round_trip_keeps_structure_and_states():
    bn = pl.example("insurance")
    g = bn.to_networkx()
    assert isinstance(g, nx.DiGraph) and list(g.nodes) == bn.variables and set(g.edges) == set(bn.edges)
    assert all(g.nodes[v]["states"] == bn.states(v) for v in bn.variables)
    g.remove_node(bn.variables[0])  # a copy: the model is unchanged
    assert len(bn.variables) == 27
    back = pl.BayesianNetwork.from_networkx(bn.to_networkx())
    assert back.variables == bn.variables and set(back.edges) == set(bn.edges)
    assert all(back.states(v) == bn.states(v) for v in bn.variables)
    assert not back.is_fully_specified()


def test_markov_network_to_and_from_networkx(ising4):
    g = ising4.to_networkx()
    assert isinstance(g, nx.Graph) and not g.is_directed()
    assert sorted(map(sorted, g.edges)) == sorted(map(sorted, ising4.edges))
    back = pl.MarkovNetwork.from_networkx(g)
    assert back.variables == ising4.variables and back.edges == ising4.edges
    g2 = nx.Graph([("a", "b")])
    g2.nodes["a"]["states"] = 3
    assert pl.MarkovNetwork.from_networkx(g2).cardinality("a") == 3


def test_from_networkx_errors():
    with pytest.raises(pl.StructureError, match="needs a directed graph"):
        pl.BayesianNetwork.from_networkx(nx.Graph([("a", "b")]))
    with pytest.raises(pl.StructureError, match="cycle"):
        pl.BayesianNetwork.from_networkx(nx.DiGraph([("a", "b"), ("b", "a")]))
    bad = nx.DiGraph([("a", "b")])
    bad.nodes["a"]["states"] = ["x", "x"]
    with pytest.raises(pl.ShapeError, match="duplicate state names"):
        pl.BayesianNetwork.from_networkx(bad)
