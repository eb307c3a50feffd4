"""Sampling: forward, rejection, likelihood weighting, Gibbs and approximate queries vs exact joints."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from conftest import make_asia, make_chain, make_collider
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

NETWORKS = {
    "asia": make_asia,
    "chain": lambda: make_chain(5, 3, seed=4),
    "collider": make_collider,
    "random0": lambda: random_network(7, 3, 3, rng=0),
    "random1": lambda: random_network(8, 2, 4, rng=1, zero_fraction=0.3),
    "random_wide": lambda: random_network(6, 2, 9, rng=2, zero_fraction=0.4),  # guide-table draws
}


def _marginal(joint, keep):
    return joint.marginalize([v for v in joint.variables if v not in keep]).transpose(keep).values


def _posterior(model, query, evidence):
    joint = brute_force_joint(model).reduce(evidence)
    return _marginal(joint, list(query)) / joint.values.sum()


def _assert_within(estimate, exact, se, k=5.0, floor=1e-12):
    estimate, exact, se = np.broadcast_arrays(np.asarray(estimate, float), exact, se)
    bad = np.abs(estimate - exact) > k * se + floor
    assert not bad.any(), f"estimate {estimate[bad]} vs exact {exact[bad]} (se {se[bad]})"


# -- forward sampling ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NETWORKS)
def test_forward_marginals_and_pairs_within_5_se(name):
    model = NETWORKS[name]()
    n = 120_000  # two chunks
    df = pl.sample(model, n, rng=11)
    joint = brute_force_joint(model)
    for size in (1, 2):
        for scope in itertools.combinations(model.variables, size):
            exact = _marginal(joint, list(scope))
            counts = df.groupby(list(scope), observed=False).size().to_numpy().reshape(exact.shape)
            _assert_within(counts / n, exact, np.sqrt(exact * (1 - exact) / n))


def test_forward_sample_frame_layout(asia):
    model = random_network(6, 2, 4, rng=3)  # declaration order differs from topological order
    df = pl.sample(model, 50, rng=0)
    assert list(df.columns) == model.variables
    for v in model.variables:
        assert isinstance(df[v].dtype, pd.CategoricalDtype)
        assert tuple(df[v].cat.categories) == model.states(v)
    codes = pl.sample(model, 50, rng=0, as_codes=True)
    assert codes.shape == (50, 6) and codes.dtype == np.int8
    np.testing.assert_array_equal(codes, np.column_stack([df[v].cat.codes for v in model.variables]))


def test_same_seed_same_output_and_generator_accepted(asia):
    a = pl.sample(asia, 1000, rng=5)
    b = pl.sample(asia, 1000, rng=np.random.default_rng(5))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(pl.sample(asia, 1000, rng=6))
    for method in ("rejection", "likelihood", "gibbs"):
        runs = [pl.sample(asia, 300, rng=2, evidence={"smoke": "no"}, method=method) for _ in range(2)]
        pd.testing.assert_frame_equal(*runs)


def test_rng_none_draws_fresh_samples(asia):
    assert pl.sample(asia, 20, rng=None).shape == (20, 8)


def test_large_cardinality_uses_wider_codes():
    states = [f"s{i}" for i in range(200)]
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", np.full(200, 1 / 200), states={"A": states})])
    codes = pl.sample(bn, 10_000, rng=0, as_codes=True)
    assert codes.dtype == np.int16 and codes.min() >= 0 and codes.max() == 199
    assert pl.sample(bn, 3, rng=0)["A"].iloc[0] in states


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_forward_samples_never_hit_impossible_rows(seed):
    model = random_network(6, 3, 7, rng=seed, zero_fraction=0.5)
    codes = pl.sample(model, 2000, rng=seed, as_codes=True)
    assert np.isfinite(model.log_probability(codes.astype(np.int64))).all()


def test_sampling_sees_model_changes(chain3):
    before = pl.sample(chain3, 2000, rng=0, as_codes=True)
    chain3.add_cpd(pl.TabularCPD("X1", [1.0, 0.0]))
    after = pl.sample(chain3, 2000, rng=0, as_codes=True)
    assert (after[:, 0] == 0).all() and not (before[:, 0] == 0).all()


def test_sampling_the_alarm_example_recovers_a_cpd():
    alarm = pl.example("alarm")
    n = 100_000
    df = pl.sample(alarm, n, rng=3)
    assert list(df.columns) == alarm.variables
    table = alarm.cpd("HR").table  # P(HR | CATECHOL)
    counts = df.groupby(["CATECHOL", "HR"], observed=False).size().to_numpy().reshape(table.shape)
    rows = counts.sum(axis=1, keepdims=True)
    _assert_within(counts / rows, table, np.sqrt(table * (1 - table) / rows))


# -- rejection and likelihood weighting --------------------------------------------------------
CASES = [
    ("asia", ["lung"], {"xray": "yes", "smoke": "no"}),
    ("asia", ["tub", "bronc"], {"dysp": "yes"}),
    ("asia", ["dysp", "xray"], {"lung": "yes"}),  # descendants: drawn after the rejection test
    ("collider", ["A"], {"C": "1", "B": "1"}),
    ("random0", ["X0", "X3"], {"X5": "s1"}),
    ("chain", ["X1"], {"X5": "2"}),
]


@pytest.mark.parametrize("name,query,evidence", CASES)
def test_rejection_posterior_within_5_se(name, query, evidence):
    model = NETWORKS[name]()
    n = 40_000
    df = pl.sample(model, n, rng=7, evidence=evidence, method="rejection")
    assert len(df) == n
    for v, s in evidence.items():
        assert (df[v] == s).all()
    exact = _posterior(model, query, evidence)
    counts = df.groupby(query, observed=False).size().to_numpy().reshape(exact.shape)
    _assert_within(counts / n, exact, np.sqrt(exact * (1 - exact) / n))


@pytest.mark.parametrize("name,query,evidence", CASES)
def test_likelihood_weighting_posterior_within_5_se(name, query, evidence):
    model = NETWORKS[name]()
    df = pl.sample(model, 100_000, rng=8, evidence=evidence, method="likelihood")
    assert list(df.columns) == [*model.variables, "_weight"]
    for v, s in evidence.items():
        assert (df[v] == s).all()
    w = df["_weight"].to_numpy()
    exact = _posterior(model, query, evidence)
    cell = np.ravel_multi_index([df[v].cat.codes.to_numpy() for v in query], exact.shape)
    for c in range(exact.size):
        x = (cell == c).astype(float)
        p = np.dot(w, x) / w.sum()
        se = np.sqrt(np.sum(w**2 * (x - p) ** 2)) / w.sum()  # delta-method SE of a ratio estimate
        _assert_within(p, exact.reshape(-1)[c], se)


def test_likelihood_weights_are_evidence_likelihoods(collider):
    n = 230_000  # three chunks
    df = pl.sample(collider, n, rng=0, evidence={"C": "1"}, method="likelihood")
    table = collider.cpd("C").table
    expected = table[df["A"].cat.codes, df["B"].cat.codes, 1]
    np.testing.assert_allclose(df["_weight"], expected)
    codes, weights = pl.sample(collider, n, rng=0, evidence={"C": "1"}, method="likelihood",
                               as_codes=True)
    np.testing.assert_allclose(weights, expected)
    assert (codes[:, 2] == 1).all()


# -- Gibbs -----------------------------------------------------------------------------------
def _gibbs_check(model, query, evidence, n_chains=400, per_chain=100, **options):
    n = n_chains * per_chain
    df = pl.gibbs_sample(model, n, evidence=evidence, n_chains=n_chains, rng=9, **options)
    assert len(df) == n and list(df.columns) == model.variables
    exact = _posterior(model, query, evidence)
    cell = np.ravel_multi_index([df[v].cat.codes.to_numpy() for v in query], exact.shape)
    chain = np.arange(n) % n_chains  # rows are sweep by sweep, one per chain
    for c in range(exact.size):
        means = np.bincount(chain, weights=(cell == c).astype(float)) / per_chain
        se = means.std(ddof=1) / np.sqrt(n_chains)  # chains are independent: batch means
        _assert_within(means.mean(), exact.reshape(-1)[c], se, floor=2e-3)


@pytest.mark.parametrize("name,query,evidence", [c for c in CASES if c[0] != "asia"])
def test_gibbs_bayesian_network_posterior(name, query, evidence):
    _gibbs_check(NETWORKS[name](), query, evidence)


def test_gibbs_markov_network_marginals(ising4):
    _gibbs_check(ising4, ["A", "D"], {}, burn_in=100)
    _gibbs_check(ising4, ["B"], {"A": "1"}, thin=2)


def test_gibbs_random_markov_network():
    mn = random_markov_network(6, n_factors=8, max_scope=3, rng=4)
    _gibbs_check(mn, ["X0", "X1"], {"X5": "s0"})


def test_gibbs_sample_codes_and_clamped_evidence(ising4):
    codes = pl.gibbs_sample(ising4, 500, evidence={"C": "1"}, rng=0, as_codes=True, burn_in=0)
    assert codes.shape == (500, 4) and (codes[:, 2] == 1).all()
    df = pl.sample(ising4, 50, method="gibbs", rng=0)
    assert df.shape == (50, 4)


# -- approximate_query -----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["likelihood", "rejection", "gibbs"])
def test_approximate_query_matches_exact(method):
    model = NETWORKS["random0"]()
    evidence = {"X5": "s1"}
    f = pl.approximate_query(model, ["X3", "X0"], evidence, method=method, n_samples=60_000, rng=1)
    assert isinstance(f, pl.DiscreteFactor) and f.variables == ("X3", "X0")
    assert f.states["X0"] == model.states("X0")
    np.testing.assert_allclose(f.values.sum(), 1.0)
    np.testing.assert_allclose(f.values, _posterior(model, ["X3", "X0"], evidence), atol=0.02)


def test_approximate_query_markov_network_with_gibbs(ising4):
    f = pl.approximate_query(ising4, "A", {"D": "0"}, method="gibbs", n_samples=40_000, rng=2,
                             burn_in=50)
    np.testing.assert_allclose(f.values, _posterior(ising4, ["A"], {"D": "0"}), atol=0.02)


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, -3])
def test_non_positive_n_samples(asia, n):
    with pytest.raises(pl.PGMError, match=f"n_samples must be a positive integer, got {n}"):
        pl.sample(asia, n)
    with pytest.raises(pl.PGMError, match="n_samples must be a positive integer"):
        pl.gibbs_sample(asia, n)


def test_n_samples_not_an_int(asia):
    with pytest.raises(TypeError, match="n_samples must be an int, got float"):
        pl.sample(asia, 2.5)


def test_unknown_method(asia):
    with pytest.raises(pl.PGMError, match="unknown sampling method 'metropolis'; choose from"):
        pl.sample(asia, 10, method="metropolis")
    with pytest.raises(pl.PGMError, match="unknown sampling method 'forward'"):
        pl.approximate_query(asia, ["lung"], method="forward")


def test_forward_refuses_evidence(asia):
    with pytest.raises(pl.PGMError, match="forward sampling ignores evidence; use method="):
        pl.sample(asia, 10, evidence={"smoke": "yes"})


def test_markov_network_needs_gibbs(ising4):
    with pytest.raises(pl.StructureError, match="needs a Bayesian network.*method='gibbs'"):
        pl.sample(ising4, 10)


@pytest.mark.parametrize("method", ["forward", "rejection", "likelihood", "gibbs"])
def test_unknown_evidence_variable_or_state(asia, method):
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'smok'"):
        pl.sample(asia, 10, evidence={"smok": "yes"}, method=method)
    with pytest.raises(pl.VariableNotFoundError, match="unknown state 'maybe' of variable 'smoke'"):
        pl.sample(asia, 10, evidence={"smoke": "maybe"}, method=method)


IMPOSSIBLE = {"either": "no", "lung": "yes"}  # either = lung OR tub


def test_impossible_evidence_likelihood_weighting(asia):
    with pytest.raises(pl.ZeroEvidenceError, match="every one of 500 likelihood-weighted samples"):
        pl.sample(asia, 500, evidence=IMPOSSIBLE, method="likelihood")


def test_impossible_evidence_rejection(asia):
    with pytest.raises(pl.ZeroEvidenceError, match=r"accepted none of 20,000 draws.*method='likelihood'"):
        pl.sample(asia, 10, evidence=IMPOSSIBLE, method="rejection", max_draws=20_000)


def test_impossible_evidence_gibbs(asia):
    with pytest.raises(pl.ZeroEvidenceError, match="none of .* draws is consistent with the evidence"):
        pl.gibbs_sample(asia, 10, evidence=IMPOSSIBLE)


def test_rejection_refuses_unreachable_counts(asia):
    # P(asia=yes, tub=yes) = 5e-4: 10,000 samples would need ~2e7 draws
    with pytest.raises(pl.PGMError, match=r"estimated P\(evidence .*\) = .*use method='likelihood'"):
        pl.sample(asia, 10_000, evidence={"asia": "yes", "tub": "yes"}, method="rejection",
                  max_draws=1_000_000, rng=0)


@pytest.mark.parametrize("option,value", [("thin", 0), ("burn_in", -1), ("n_chains", 0), ("thin", 1.5)])
def test_gibbs_bad_options(ising4, option, value):
    with pytest.raises(pl.PGMError, match=f"{option} must be an integer"):
        pl.gibbs_sample(ising4, 10, **{option: value})


def test_approximate_query_errors(asia):
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'lungs'"):
        pl.approximate_query(asia, ["lungs"])
    with pytest.raises(pl.PGMError, match=r"\['smoke'\] are both queried and observed"):
        pl.approximate_query(asia, ["smoke"], {"smoke": "yes"})


def test_structure_only_model_cannot_be_sampled():
    with pytest.raises(pl.StructureError, match="variables without a CPD"):
        pl.sample(pl.BayesianNetwork([("A", "B")]), 5)


def test_wide_parents_index_the_right_rows():
    """Regression: int8 parent codes times a stride above 127 must not wrap around."""
    rng = np.random.default_rng(0)
    table = rng.dirichlet([0.3, 0.3], size=(20, 12))
    bn = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("A", np.full(20, 0.05)), pl.TabularCPD("B", np.full(12, 1 / 12)),
        pl.TabularCPD("C", table, ["A", "B"])])
    n = 200_000
    for method in ("forward", "gibbs"):
        if method == "forward":
            df = pl.sample(bn, n, rng=1)
        else:
            df = pl.gibbs_sample(bn, n, rng=1, n_chains=1000, burn_in=5)
        counts = df.groupby(["A", "B", "C"], observed=False).size().to_numpy().reshape(table.shape)
        rows = counts.sum(axis=-1, keepdims=True)
        _assert_within(counts / rows, table, np.sqrt(table * (1 - table) / rows), k=6)


@pytest.mark.parametrize("name", ["alarm", "child"])
def test_forward_marginals_match_exact_inference_on_examples(name):
    model = pl.example(name)
    n = 100_000
    df = pl.sample(model, n, rng=21)
    exact = pl.marginals(model)
    for v in model.variables:
        p = exact[v].values
        counts = df[v].value_counts(sort=False).reindex(list(model.states(v))).to_numpy()
        _assert_within(counts / n, p, np.sqrt(p * (1 - p) / n))


@pytest.mark.parametrize("method", ["likelihood", "rejection", "gibbs"])
def test_posteriors_on_alarm_match_exact_inference(method):
    alarm = pl.example("alarm")
    evidence = {"HRBP": "HIGH", "SAO2": "LOW"}
    n_chains, per_chain = 500, 120
    n = n_chains * per_chain
    if method == "gibbs":
        df = pl.gibbs_sample(alarm, n, evidence=evidence, n_chains=n_chains, rng=5)
    else:
        df = pl.sample(alarm, n, rng=5, evidence=evidence, method=method)
    exact = pl.marginals(alarm, evidence)
    w = df["_weight"].to_numpy() if method == "likelihood" else np.ones(n)
    for v in ["HYPOVOLEMIA", "LVFAILURE", "INTUBATION", "CO"]:
        codes = df[v].cat.codes.to_numpy()
        for s, p in enumerate(exact[v].values):
            x = (codes == s).astype(float)
            estimate = np.dot(w, x) / w.sum()
            if method == "gibbs":  # correlated draws: batch means over the independent chains
                means = np.bincount(np.arange(n) % n_chains, weights=x) / per_chain
                se = means.std(ddof=1) / np.sqrt(n_chains)
            else:
                se = np.sqrt(np.sum(w**2 * (x - estimate) ** 2)) / w.sum()
            _assert_within(estimate, p, se, floor=2e-3)
