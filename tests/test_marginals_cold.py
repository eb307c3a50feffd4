"""All marginals on a freshly read model: one min-fill, planning bounded below, tiny models by one einsum each."""

import math
import pathlib

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.inference import _calibration, _plan, junction_tree
from pgm_lite.inference._coded import compiled
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

TOL = 1e-12
DATA = pathlib.Path(__file__).parent / "data"


def _expected(model, evidence):
    """Brute-force posterior marginal of every variable (a point mass on observed ones)."""
    joint = brute_force_joint(model).reduce(evidence)
    total = joint.values.sum()
    out: dict = {}
    if total == 0:
        return out, total
    for v in model.variables:
        if v in evidence:
            out[v] = np.eye(model.cardinality(v))[model.states(v).index(evidence[v])]
        else:
            out[v] = joint.marginalize([u for u in joint.variables if u != v]).values / total
    return out, total


def _evidence(model, rng, k):
    names = [str(v) for v in rng.choice(model.variables, k, replace=False)]
    return {v: model.states(v)[int(rng.integers(model.cardinality(v)))] for v in names}


@pytest.mark.parametrize("seed", range(8))
def test_tiny_models_answer_by_one_einsum_per_variable(seed):
    rng = np.random.default_rng(seed)
    bn = random_network(6, max_parents=2, max_cardinality=3, rng=seed, zero_fraction=0.2)
    mn = random_markov_network(6, rng=seed)
    for model, n_evidence in ((bn, 2), (mn, 0), (mn, 2)):
        evidence = _evidence(model, rng, n_evidence)
        expected, total = _expected(model, evidence)
        fresh = model.copy()
        if total == 0:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.marginals(fresh, evidence)
            continue
        got = pl.marginals(fresh, evidence)
        assert list(got) == list(model.variables)
        for v in model.variables:
            assert np.abs(got[v].values - expected[v]).max() < TOL
        # answered without a junction tree (when its joint is tiny), by a plan per observed set
        c = compiled(fresh)
        free = [card for v, card in zip(c.names, c.cards) if v not in evidence]
        assert (c.junction_trees == {}) == (c.n_factors * math.prod(free) <= tuning.JOINT_MARGINALS_WORK)
        if c.junction_trees:
            continue
        key = ("joint marginals", tuple(sorted(model.variables.index(v) for v in evidence)))
        assert compiled(fresh).plans[key] is not None
        wanted = list(reversed(model.variables[::2]))
        subset = pl.marginals(fresh, evidence, wanted)
        assert list(subset) == wanted
        for v in wanted:
            np.testing.assert_array_equal(subset[v].values, got[v].values)


def test_a_bayesian_network_without_evidence_keeps_its_exact_prior_marginals(asia):
    # the tree passes messages of exactly one into a root: P(asia) is its CPD, bit for bit
    asia.add_cpd(pl.TabularCPD("asia", [0.5, 0.5]))
    assert pl.marginals(asia)["asia"].values.tolist() == [0.5, 0.5]
    assert list(compiled(asia).junction_trees) == ["min-fill"]


def test_tiny_models_keep_the_exact_cpd_rows_the_tree_gives(asia):
    # P(lung | smoke) is a CPD row: the einsum reads the CPDs of lung's and smoke's ancestry only
    got = pl.marginals(asia, {"smoke": "yes"})
    assert got["lung"].values.tolist() == [0.1, 0.9]
    assert compiled(asia).junction_trees == {}


def test_the_joint_table_defers_impossible_evidence_to_the_tree():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [1.0, 0.0]),
                                  pl.TabularCPD("B", [[0.3, 0.7], [0.6, 0.4]], parents=["A"])])
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.marginals(bn, {"A": "1"})
    assert pl.marginals(bn, {"B": "1"})["A"].values.tolist() == [1.0, 0.0]


def test_the_joint_table_defers_an_underflow_to_the_scaled_tree():
    # every weight is below 1e-300: the joint's entries underflow to zero in float64, the
    # junction tree's scaled calibration answers (the posterior does not depend on the scale)
    phi = pl.DiscreteFactor(["A", "B"], [[1e-200, 2e-200], [3e-200, 4e-200]])
    psi = pl.DiscreteFactor(["B", "C"], [[1e-200, 3e-200], [2e-200, 1e-200]])
    mn = pl.MarkovNetwork([("A", "B"), ("B", "C")], [phi, psi])
    reference = pl.MarkovNetwork([("A", "B"), ("B", "C")], [
        pl.DiscreteFactor(["A", "B"], [[1, 2], [3, 4]]), pl.DiscreteFactor(["B", "C"], [[1, 3], [2, 1]])])
    for evidence in ({}, {"C": "1"}):
        got, expected = pl.marginals(mn, evidence), _expected(reference, evidence)[0]
        for v in ("A", "B", "C"):
            assert np.abs(got[v].values - expected[v]).max() < TOL
    assert "min-fill" in compiled(mn).junction_trees


def test_the_joint_table_respects_max_memory_and_explicit_orders(asia):
    evidence = {"xray": "yes", "smoke": "no", "dysp": "yes"}  # 5 unobserved binary variables: 32 entries
    reference = pl.marginals(asia.copy(), evidence)
    # 256 bytes hold the joint table; the tree (40 entries, 16 bytes each) does not fit
    got = pl.marginals(asia, evidence, max_memory=256)
    assert all(np.abs(got[v].values - reference[v].values).max() < TOL for v in asia.variables)
    with pytest.raises(pl.MemoryLimitError, match="per-variable elimination does not fit either"):
        pl.marginals(asia, evidence, max_memory=8)
    with pytest.raises(pl.ArgumentTypeError, match="max_memory must be a number of bytes"):
        pl.marginals(asia, evidence, max_memory="2GB")
    with pytest.raises(pl.StructureError, match="elimination order misses"):
        pl.marginals(asia.copy(), evidence, elimination_order=["asia", "tub"])


def _count(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_a_cold_tree_is_triangulated_once(monkeypatch):
    # alarm: 37 variables, a tree that the strategy need not weigh (below tuning.VE_MIN_TREE)
    min_fill = _count(monkeypatch, _calibration, "min_fill_ids")
    plan_min_fill = _count(monkeypatch, _plan, "min_fill_ids")
    trees = _count(monkeypatch, _calibration, "clique_tree")
    plans = _count(monkeypatch, junction_tree, "Plan")
    bn = pl.read_bif(DATA / "alarm.bif.gz")
    got = pl.marginals(bn, {"HR": "HIGH", "PRESS": "LOW"})
    assert (len(min_fill), len(plan_min_fill), len(trees), len(plans)) == (1, 0, 1, 0)
    jt = compiled(bn).junction_trees["min-fill"]
    assert repr(jt) == repr(pl.JunctionTree(bn))  # the same one order gives the same tree
    for v in ("HRBP", "CO", "BP"):
        assert np.abs(got[v].values - pl.query(bn, [v], {"HR": "HIGH", "PRESS": "LOW"}).values).max() < TOL


@pytest.mark.parametrize("seed", range(6))
def test_the_planning_floor_never_changes_the_strategy(seed, monkeypatch):
    # every plan costs at least plan_cost_floor: stopping on that bound makes the choice that
    # planning every variable makes, with fewer plans
    monkeypatch.setattr(tuning, "VE_MIN_TREE", 0)
    monkeypatch.setattr(tuning, "JOINT_MARGINALS_WORK", 0)
    monkeypatch.setattr(tuning, "VE_SAMPLE", 2)  # 8 variables: the sampled estimate runs too
    bn = random_network(9, max_parents=3, max_cardinality=3, rng=seed)
    rng = np.random.default_rng(seed)
    evidences = [_evidence(bn, rng, k) for k in (0, 1, 2, 3)]
    for margin in (0.2, 0.5, 1.0, 2.0, 5.0):
        monkeypatch.setattr(tuning, "VE_MARGIN", margin)
        choices = {}
        for floor in (True, False):
            if not floor:
                monkeypatch.setattr(junction_tree, "plan_cost_floor", lambda n: 0)
            plans = _count(monkeypatch, junction_tree, "Plan")
            made = []
            for evidence in evidences:
                fresh = bn.copy()
                pl.marginals(fresh, evidence)
                entry = next(iter(compiled(fresh).junction_trees["min-fill"].strategies.values()))
                made.append(next(iter(entry["choice"].values())))
            choices[floor] = (made, len(plans))
            monkeypatch.undo()  # back to the real Plan and floor, then the same tuning again
            monkeypatch.setattr(tuning, "VE_MIN_TREE", 0)
            monkeypatch.setattr(tuning, "JOINT_MARGINALS_WORK", 0)
            monkeypatch.setattr(tuning, "VE_SAMPLE", 2)
            monkeypatch.setattr(tuning, "VE_MARGIN", margin)
        assert choices[True][0] == choices[False][0]
        assert choices[True][1] <= choices[False][1]


def test_a_decisive_floor_plans_nothing(monkeypatch):
    monkeypatch.setattr(tuning, "VE_MIN_TREE", 0)
    monkeypatch.setattr(tuning, "JOINT_MARGINALS_WORK", 0)
    monkeypatch.setattr(tuning, "PLAN_COST_PER_EVIDENCE", 10**9)  # the floor alone exceeds the budget
    plans = _count(monkeypatch, junction_tree, "Plan")
    bn = pl.read_bif(DATA / "child.bif.gz")
    evidence = {"Age": "0-3_days", "LowerBodyO2": "<5"}
    got = pl.marginals(bn, evidence)
    assert plans == []
    for v in ("Disease", "Sick"):
        assert np.abs(got[v].values - pl.query(bn, [v], evidence).values).max() < TOL


def test_many_input_cliques_built_by_pairwise_products_give_the_same_marginals(monkeypatch):
    # the pairwise chain multiplies in the order the one einsum does
    bn = random_network(12, max_parents=4, max_cardinality=3, rng=3)
    evidence = {bn.variables[2]: bn.states(bn.variables[2])[0]}
    runs = []
    for limit in (2**62, 0):
        monkeypatch.setattr(tuning, "PSI_FOLD_ENTRIES", limit)
        jt = pl.JunctionTree(bn)
        runs.append(jt.marginals(evidence))
        kinds = {type(s).__name__ for s in jt._plans[(bn.variables.index(bn.variables[2]),)].psi_subs}
        assert ("list" in kinds) == (limit == 0)
    for v in bn.variables:
        assert np.abs(runs[0][v].values - runs[1][v].values).max() <= 4 * np.finfo(float).eps
    expected = _expected(bn, evidence)[0]
    assert all(np.abs(runs[1][v].values - expected[v]).max() < TOL for v in bn.variables)


def test_subscripts_use_local_letters_and_refuse_past_52_variables():
    from pgm_lite.inference._contract import subscripts

    assert subscripts([(7, 3, 9), (3,), (9, 7)], (3, 7)) == "abc,b,ca->ba"
    assert subscripts([], ()) == "->"
    assert subscripts([tuple(range(52))], (0,)).endswith("->a")
    assert subscripts([tuple(range(53))], ()) is None
    assert math.isfinite(len(subscripts([tuple(range(10))], tuple(range(10)))))
