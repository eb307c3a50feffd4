"""All-marginals speed paths: lazy clique potentials, broadcast messages, no planning for small trees."""

import math
import pathlib

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.inference import junction_tree
from pgm_lite.inference._coded import compiled
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

TOL = 1e-12
DATA = pathlib.Path(__file__).parent / "data"


def _expected(model, evidence):
    """Brute-force posterior marginals of the unobserved variables, and P(evidence) (Z(e) for a Markov network)."""
    joint = brute_force_joint(model).reduce(evidence)
    total = float(joint.values.sum())
    out = {v: joint.marginalize([u for u in joint.variables if u != v]).values / total
           for v in model.variables if v not in evidence}
    return out, total


def _paths(jt):
    """How often the lazy paths ran: cliques without factors, partial potentials, broadcast results."""
    seen = {"none": 0, "partial": 0, "broadcast": 0}
    for plan in jt._plans.values():
        for own, scope in zip(plan.psi_scope, plan.scopes):
            seen["none"] += own is None
            seen["partial"] += own is not None and len(own) < len(scope)
        for store in (plan.ein_up, plan.ein_belief, plan.ein_down, [*plan.ein_marg.values()]):
            seen["broadcast"] += sum(1 for e in store if isinstance(e, tuple) and e[2] is not None and e[2][1] is not None)
    return seen


@pytest.mark.parametrize("broadcast", [True, False])
def test_lazy_potentials_agree_with_brute_force(broadcast, monkeypatch):
    # clique potentials hold only their factors' variables; the rest are never multiplied in
    # (messages are broadcast along them, or, small, multiplied by ones)
    monkeypatch.setattr(tuning, "BROADCAST_MIN_ENTRIES", 0 if broadcast else 2**62)
    seen = {"none": 0, "partial": 0, "broadcast": 0}
    for seed in range(10):
        rng = np.random.default_rng(seed)
        models = [random_network(10, max_parents=3, max_cardinality=3, rng=seed),
                  random_network(10, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.2),
                  random_markov_network(9, rng=seed)]
        for model in models:
            jt = pl.JunctionTree(model)
            for k in (0, 1, 2):
                names = [str(v) for v in rng.choice(model.variables, k, replace=False)]
                evidence = {v: model.states(v)[int(rng.integers(model.cardinality(v)))] for v in names}
                if brute_force_joint(model).reduce(evidence).values.sum() == 0:
                    continue
                expected, total = _expected(model, evidence)
                got = jt.marginals(evidence)
                assert all(np.abs(got[v].values - expected[v]).max() < TOL for v in expected)
                z = _expected(model, {})[1] if not model.is_directed else 1.0
                assert math.isclose(jt.log_probability(evidence), math.log(total / z), rel_tol=1e-12, abs_tol=1e-12)
            for key, value in _paths(jt).items():
                seen[key] += value
    assert seen["none"] > 0 and seen["partial"] > 0 and (seen["broadcast"] > 0) == broadcast, seen


def test_a_clique_without_factors_is_never_built():
    # this network's tree has a clique whose factors all sit in shallower cliques: no table for it
    bn = random_network(10, max_parents=3, max_cardinality=3, rng=2)
    jt = pl.JunctionTree(bn)
    for evidence in ({}, {"X1": "s0"}):
        got = jt.marginals(evidence)
        plan = jt._plans[tuple(bn.variables.index(v) for v in evidence)]
        empty = [k for k, own in enumerate(plan.psi_scope) if own is None]
        assert empty and all(plan.fixed[k] is None for k in empty)
        assert all(len(plan.scopes[k]) >= 2 for k in empty)
        expected, _ = _expected(bn, evidence)
        assert all(np.abs(got[v].values - expected[v]).max() < TOL for v in expected)


def test_results_are_fresh_arrays_even_when_a_message_is_broadcast(monkeypatch):
    monkeypatch.setattr(tuning, "BROADCAST_MIN_ENTRIES", 0)
    seen = 0
    for seed in range(10):
        bn = random_network(10, max_parents=3, max_cardinality=3, rng=seed)
        jt = pl.JunctionTree(bn)
        got = jt.marginals()
        seen += _paths(jt)["broadcast"]
        for factor in got.values():
            values = factor.values
            assert values.shape == (bn.cardinality(factor.variables[0]),)
            assert values.strides == (values.itemsize,)  # never a stride-0 broadcast view
    assert seen > 0


def _count_plans(monkeypatch):
    calls = []
    original = junction_tree.Plan

    def spy(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(junction_tree, "Plan", spy)
    return calls


def test_a_tree_with_few_entries_calibrates_without_planning(monkeypatch):
    # insurance: 19 cliques, ~29k entries; the einsum overhead in its cost estimate used to
    # push it past tuning.VE_MIN_TREE, and 3 per-variable plans were made, then discarded
    plans = _count_plans(monkeypatch)
    bn = pl.read_bif(DATA / "insurance.bif.gz")
    evidence = {"ThisCarDam": "None", "MakeModel": "FamilySedan", "OtherCarCost": "Thousand"}
    got = pl.marginals(bn, evidence)
    assert plans == []
    assert list(compiled(bn).junction_trees) == ["min-fill"]
    for v in ("Age", "PropCost", "Accident"):
        assert np.abs(got[v].values - pl.query(bn, [v], evidence).values).max() < TOL


def test_a_tree_with_many_entries_still_weighs_elimination(monkeypatch):
    # the same tree, with the entries threshold below it: the strategy plans (and still agrees)
    monkeypatch.setattr(tuning, "VE_MIN_TREE", 2**10)
    plans = _count_plans(monkeypatch)
    bn = pl.read_bif(DATA / "insurance.bif.gz")
    evidence = {"ThisCarDam": "None", "MakeModel": "FamilySedan", "OtherCarCost": "Thousand"}
    got = pl.marginals(bn, evidence)
    assert plans != []
    for v in ("Age", "PropCost"):
        assert np.abs(got[v].values - pl.query(bn, [v], evidence).values).max() < TOL


@pytest.mark.parametrize("name", ["alarm", "barley"])
def test_shipped_networks_agree_with_per_variable_elimination(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    row = pl.sample(bn, 1, rng=11).iloc[0]  # a forward sample: P(evidence) > 0
    evidence = {v: row[v] for v in bn.variables[4::13]}
    jt = pl.JunctionTree(bn)
    got = jt.marginals(evidence)
    for v in bn.variables[1::9]:
        if v not in evidence:
            assert np.abs(got[v].values - pl.query(bn, [v], evidence).values).max() < 1e-10
    # barley's big cliques contract pairwise along a path (BLAS); alarm's are all small
    plan = next(iter(jt._plans.values()))
    entries = [e for store in (plan.ein_up, plan.ein_belief, plan.ein_down, [*plan.ein_marg.values()])
               for e in store if isinstance(e, tuple)]
    assert any(e[3] is not None for e in entries) == (name == "barley")


def _random_evidence(model, rng, k):
    names = [str(v) for v in rng.choice(model.variables, k, replace=False)]
    return {v: model.states(v)[int(rng.integers(model.cardinality(v)))] for v in names}


def test_one_calibration_normalises_every_marginal_in_one_read_only_buffer():
    for seed in range(6):
        rng = np.random.default_rng(seed)
        bn = random_network(12, max_parents=3, max_cardinality=3, rng=seed)
        evidence = _random_evidence(bn, rng, 2)
        if brute_force_joint(bn).reduce(evidence).values.sum() == 0:
            continue
        got = pl.JunctionTree(bn).marginals(evidence)
        expected, _ = _expected(bn, evidence)
        bases = set()
        for v, factor in got.items():
            values = factor.values
            assert not values.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                values[0] = 0.5
            if v in evidence:
                continue
            assert np.abs(values - expected[v]).max() < TOL
            assert abs(values.sum() - 1.0) < 1e-15
            bases.add(id(values.base))
        assert len(bases) == 1  # views of one buffer, normalised together


def test_a_subset_of_variables_gets_its_own_layout():
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=4)
    jt = pl.JunctionTree(bn)
    evidence = {"X2": "s0"}
    full = jt.marginals(evidence)
    for wanted in (["X7"], ["X9", "X0"], ["X2", "X5"], ["X2"]):
        got = jt.marginals(evidence, wanted)
        assert list(got) == wanted
        for v in got:
            np.testing.assert_allclose(got[v].values, full[v].values, rtol=0, atol=1e-15)
    with pytest.raises(pl.PGMError, match="more than once"):
        jt.marginals(evidence, ["X9", "X0", "X9"])


@pytest.mark.parametrize("small", [0, 2**62])
def test_small_cliques_send_every_output_from_their_potential(small, monkeypatch):
    # below tuning.SS_MAX_ENTRIES a clique never builds its belief table (Shafer-Shenoy); above
    # it, one with many outputs does (Hugin): the marginals are the same either way
    monkeypatch.setattr(tuning, "SS_MAX_ENTRIES", small)
    monkeypatch.setattr(tuning, "SS_MAX_OUTPUTS", 0)
    beliefs = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        for model in (random_network(10, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.2),
                      random_markov_network(9, rng=seed)):
            evidence = _random_evidence(model, rng, 1)
            if brute_force_joint(model).reduce(evidence).values.sum() == 0:
                continue
            jt = pl.JunctionTree(model)
            got = jt.marginals(evidence)
            expected, _ = _expected(model, evidence)
            assert all(np.abs(got[v].values - expected[v]).max() < TOL for v in expected)
            beliefs += sum(e is not None for plan in jt._plans.values() for e in plan.ein_belief)
    assert (beliefs > 0) == (small == 0)


def test_a_total_below_the_trusted_floor_reruns_scaled(monkeypatch):
    # the buffer's totals are checked against the floor (here 0.1): a smaller P(evidence)
    # makes the plan calibrate scaled from then on, with the same answers
    monkeypatch.setattr(tuning, "SCALING_LOG10_LIMIT", 1.0)
    bn = random_network(10, max_parents=3, max_cardinality=3, rng=3)
    rng = np.random.default_rng(3)
    seen = 0
    for _ in range(8):
        evidence = _random_evidence(bn, rng, 3)
        _, total = _expected(bn, evidence)
        if total == 0:
            continue
        jt = pl.JunctionTree(bn)
        got = jt.marginals(evidence)
        expected, _ = _expected(bn, evidence)
        assert all(np.abs(got[v].values - expected[v]).max() < TOL for v in expected)
        plan = next(iter(jt._plans.values()))
        assert plan.scaled == (total < 0.1)
        seen += plan.scaled
    assert seen > 0


def test_clique_letters_give_the_same_einsums():
    from pgm_lite.inference._contract import einsum, letters_of, local_subscripts, subscripts

    rng = np.random.default_rng(0)
    scope = (11, 3, 40, 7)
    cards = {11: 2, 3: 3, 40: 2, 7: 4}
    scopes, out = [(3, 11), (40, 7, 3), (7,)], (7, 11)
    arrays = [rng.random([cards[v] for v in s]) for s in scopes]
    mine = local_subscripts(letters_of(scope), scopes, out)
    assert mine == "ba,cdb,d->da"
    np.testing.assert_array_equal(einsum(mine, *arrays), np.einsum(subscripts(scopes, out), *arrays))
    out_buffer = np.empty(4)
    einsum(mine.replace("->da", "->d"), *arrays, out=out_buffer)
    np.testing.assert_allclose(out_buffer, np.einsum("ba,cdb,d->d", *arrays), rtol=1e-15)
    assert letters_of(tuple(range(52))) is not None and letters_of(tuple(range(53))) is None
