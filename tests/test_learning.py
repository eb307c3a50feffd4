"""Parameter learning: MLE / Dirichlet fits, log-likelihood, EM with missing values."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from conftest import make_asia
from pgm_lite._data import encode_table
from pgm_lite.testing import brute_force_joint, random_network


def _assert_recovers(model, fitted, df, k=5.0):
    """Every CPD row seen often enough is within k standard errors of the truth."""
    for v in model.variables:
        parents = model.parents(v)
        assert fitted.parents(v) == parents and fitted.states(v) == model.states(v)
        truth, estimate = model.cpd(v).table, fitted.cpd(v).table
        if parents:
            rows = df.groupby(parents, observed=False).size().to_numpy().reshape(truth.shape[:-1])
        else:
            rows = np.array(len(df))
        rows = rows[..., None]
        se = np.sqrt(truth * (1 - truth) / np.maximum(rows, 1))
        seen = np.broadcast_to(rows >= 30, truth.shape)
        bad = seen & (np.abs(estimate - truth) > k * se + 1e-12)
        assert not bad.any(), f"{v}: {estimate[bad]} vs {truth[bad]}"


@pytest.mark.parametrize("make", [make_asia, lambda: random_network(8, 3, 3, rng=5),
                                  lambda: pl.example("alarm")], ids=["asia", "random", "alarm"])
def test_mle_on_200k_forward_samples_recovers_cpds(make):
    model = make()
    df = pl.sample(model, 200_000, rng=1)
    fitted = pl.fit(model, df)
    assert fitted is not model and fitted.variables == model.variables
    _assert_recovers(model, fitted, df)


def test_mle_exact_counts_and_unseen_rows_uniform():
    structure = pl.BayesianNetwork([("A", "B")], states={"A": ["a0", "a1", "a2"], "B": ["x", "y"]})
    data = pd.DataFrame({"A": ["a0", "a0", "a1", "a0"], "B": ["x", "y", "y", "y"]})
    fitted = pl.fit(structure, data)
    np.testing.assert_allclose(fitted.cpd("A").table, [0.75, 0.25, 0.0])
    np.testing.assert_allclose(fitted.cpd("B").table, [[1 / 3, 2 / 3], [0.0, 1.0], [0.5, 0.5]])
    assert not structure.is_fully_specified()  # the input is not changed


def test_bayes_dirichlet_and_bdeu():
    structure = pl.BayesianNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["0", "0", "1"], "B": ["1", "1", "0"]})
    dirichlet = pl.fit(structure, data, method="bayes", pseudo_count=2.0)
    np.testing.assert_allclose(dirichlet.cpd("A").table, [4 / 7, 3 / 7])
    np.testing.assert_allclose(dirichlet.cpd("B").table, [[2 / 6, 4 / 6], [3 / 5, 2 / 5]])
    bdeu = pl.fit(structure, data, method="bayes", pseudo_count=4.0, prior="bdeu")
    np.testing.assert_allclose(bdeu.cpd("B").table, [[1 / 4, 3 / 4], [2 / 3, 1 / 3]])  # 1 per cell


def test_codes_names_and_arrays_give_the_same_fit(asia):
    df = pl.sample(asia, 5000, rng=2)
    as_names = df.astype(str)
    as_codes = pd.DataFrame({v: df[v].cat.codes.astype(int) for v in df.columns})
    array = as_codes.to_numpy()
    reference = pl.fit(asia, df)
    for data in (as_names, as_codes, array, as_names[list(reversed(asia.variables))]):
        other = pl.fit(asia, data)
        for v in asia.variables:
            np.testing.assert_allclose(other.cpd(v).table, reference.cpd(v).table)


def test_row_weights_equal_repeated_rows():
    structure = pl.BayesianNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["0", "1", "1"], "B": ["0", "0", "1"]})
    weighted = pl.fit(structure, data, weights=[2, 1, 3])
    repeated = pl.fit(structure, data.loc[[0, 0, 1, 2, 2, 2]])
    for v in ("A", "B"):
        np.testing.assert_allclose(weighted.cpd(v).table, repeated.cpd(v).table)


def test_fit_structures_from_independencies():
    variables = [f"X{i}" for i in range(4)]
    truth = pl.BayesianNetwork.from_independencies(variables, ["X2 ⊥ X0 | X1", "X3 ⊥ X0, X1 | X2"])
    rng = np.random.default_rng(0)
    for v in truth.topological_order():
        k = 2 ** len(truth.parents(v))
        truth.add_cpd(pl.TabularCPD(v, rng.dirichlet([1, 1], k).reshape(*[2] * len(truth.parents(v)), 2),
                                    truth.parents(v)))
    df = pl.sample(truth, 20_000, rng=1)
    independent = pl.BayesianNetwork(variables=variables, states=2)
    chain = pl.fit(truth, df)
    lone = pl.fit(independent, df)
    assert lone.edges == [] and chain.edges == truth.edges
    held_out = pl.sample(truth, 5000, rng=2)
    assert pl.log_likelihood(chain, held_out) > pl.log_likelihood(lone, held_out)


def test_log_likelihood_is_sum_of_row_log_probabilities(asia):
    df = pl.sample(asia, 1000, rng=3)
    np.testing.assert_allclose(pl.log_likelihood(asia, df), asia.log_probability(df).sum())


def _brute_marginal_ll(model, codes):
    joint = brute_force_joint(model).values
    total = 0.0
    for row in codes:
        total += np.log(joint[tuple(slice(None) if c < 0 else c for c in row)].sum())
    return total


def _with_missing(df, fraction, seed):
    rng = np.random.default_rng(seed)
    return df.astype(object).mask(rng.random(df.shape) < fraction)


def test_log_likelihood_with_missing_values_sums_them_out():
    model = random_network(6, 3, 3, rng=7)
    data = _with_missing(pl.sample(model, 300, rng=0), 0.35, 1)
    codes = encode_table(model, data, allow_missing=True)
    np.testing.assert_allclose(pl.log_likelihood(model, data), _brute_marginal_ll(model, codes))


def _brute_em_update(model, codes):
    """One EM update by enumerating the full joint for every row."""
    joint = brute_force_joint(model).values
    shape = joint.shape
    expected = np.zeros(shape)
    for row in codes:
        mask = np.zeros(shape, dtype=bool)
        mask[tuple(slice(None) if c < 0 else c for c in row)] = True
        post = np.where(mask, joint, 0.0)
        expected += post / post.sum()
    column = {v: i for i, v in enumerate(model.variables)}
    tables = {}
    for v in model.variables:
        keep = [column[p] for p in model.parents(v)] + [column[v]]
        drop = tuple(i for i in range(len(shape)) if i not in keep)
        counts = np.transpose(expected.sum(axis=drop), np.argsort(np.argsort(keep)))
        tables[v] = counts / counts.sum(axis=-1, keepdims=True)
    return tables


def test_em_update_matches_brute_force():
    model = random_network(6, 3, 3, rng=11)
    data = _with_missing(pl.sample(model, 400, rng=4), 0.4, 5)
    codes = encode_table(model, data, allow_missing=True)
    fitted, history = pl.fit_em(model, data, max_iter=1)
    assert len(history) == 2
    for v, table in _brute_em_update(model, codes).items():
        np.testing.assert_allclose(fitted.cpd(v).table, table, atol=1e-10)
    np.testing.assert_allclose(history, [_brute_marginal_ll(model, codes),
                                         _brute_marginal_ll(fitted, codes)])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000), fraction=st.sampled_from([0.1, 0.3, 0.6]))
def test_em_log_likelihood_never_decreases(seed, fraction):
    truth = random_network(6, 3, 3, rng=seed)
    data = _with_missing(pl.sample(truth, 500, rng=seed), fraction, seed + 1)
    structure = pl.BayesianNetwork(truth.edges, variables=truth.variables,
                                   states={v: truth.states(v) for v in truth.variables})
    fitted, history = pl.fit_em(structure, data, max_iter=30)
    assert np.all(np.diff(history) >= -1e-9 * abs(history[0]))
    np.testing.assert_allclose(history[-1], pl.log_likelihood(fitted, data))


def test_em_recovers_parameters_with_missing_values():
    model = random_network(5, 2, 3, rng=3)
    data = _with_missing(pl.sample(model, 20_000, rng=6), 0.2, 7)
    fitted, history = pl.fit_em(model, data, init="data", tol=1e-10)
    assert len(history) > 2
    for v in model.variables:
        np.testing.assert_allclose(fitted.cpd(v).table, model.cpd(v).table, atol=0.06)


def test_em_without_missing_values_is_one_mle_step(asia):
    df = pl.sample(asia, 3000, rng=1)
    fitted, history = pl.fit_em(asia, df)
    mle = pl.fit(asia, df)
    for v in asia.variables:
        np.testing.assert_allclose(fitted.cpd(v).table, mle.cpd(v).table)
    assert history[1] >= history[0]


# -- errors ----------------------------------------------------------------------------------
def test_unknown_column_state_and_absent_column(asia):
    df = pl.sample(asia, 20, rng=0).astype(str)
    with pytest.raises(pl.VariableNotFoundError, match=r"column\(s\) \['extra'\] that are not variables"):
        pl.fit(asia, df.assign(extra="x"))
    with pytest.raises(pl.VariableNotFoundError, match=r"lacks column\(s\) \['dysp'\]"):
        pl.fit(asia, df.drop(columns="dysp"))
    with pytest.raises(pl.VariableNotFoundError, match="column 'smoke' has unknown state 'maybe'"):
        pl.fit(asia, df.assign(smoke="maybe"))
    with pytest.raises(pl.VariableNotFoundError, match="column 'smoke' has unknown state 'maybe'"):
        pl.fit_em(asia, df.assign(smoke="maybe"))


def test_missing_values_point_to_fit_em(asia):
    df = pl.sample(asia, 20, rng=0).astype(object)
    df.iloc[3, 2] = None
    with pytest.raises(pl.PGMError, match=r"column 'smoke' has 1 missing value\(s\); use pl.fit_em"):
        pl.fit(asia, df)


def test_all_missing_column_is_latent_for_em_and_summed_out_by_log_likelihood(asia):
    df = pl.sample(asia, 200, rng=0).astype(object)
    df["lung"] = None
    with pytest.raises(pl.PGMError, match="column 'lung' has no observed value"):
        pl.fit(asia, df)
    np.testing.assert_allclose(pl.log_likelihood(asia, df), pl.log_likelihood(asia, df.drop(columns="lung")))
    seen = [v for v in asia.variables if v != "lung"]
    codes = np.full((len(df), len(asia.variables)), -1)
    codes[:, [asia.variables.index(v) for v in seen]] = encode_table(asia, df[seen], variables=seen)
    np.testing.assert_allclose(pl.log_likelihood(asia, df), _brute_marginal_ll(asia, codes))
    fitted, history = pl.fit_em(asia, df, max_iter=3)
    np.testing.assert_allclose(history[-1], pl.log_likelihood(fitted, df))


def test_no_rows(asia):
    empty = pl.sample(asia, 5, rng=0).iloc[:0]
    with pytest.raises(pl.PGMError, match="data has no rows"):
        pl.fit(asia, empty)


def test_bad_fit_options(asia):
    df = pl.sample(asia, 5, rng=0)
    with pytest.raises(pl.PGMError, match="unknown fit method 'map'; choose from"):
        pl.fit(asia, df, method="map")
    with pytest.raises(pl.PGMError, match="pseudo_count must be a positive number"):
        pl.fit(asia, df, method="bayes", pseudo_count=0)
    with pytest.raises(pl.PGMError, match="unknown prior 'k2'"):
        pl.fit(asia, df, method="bayes", prior="k2")
    with pytest.raises(pl.PGMError, match="weights must be 5 finite non-negative numbers"):
        pl.fit(asia, df, weights=[1, 2])
    with pytest.raises(pl.OptionError, match="unknown EM start 'kmeans'"):
        pl.fit_em(asia, df, init="kmeans")
    with pytest.raises(pl.OptionError, match="max_iter must be a non-negative integer, got -1"):
        pl.fit_em(asia, df, max_iter=-1)
    with pytest.raises(pl.OptionError, match="pseudo_count must be >= 0.0, got -1"):
        pl.fit_em(asia, df, pseudo_count=-1)
    with pytest.raises(pl.OptionError, match="tol must be >= 0.0"):
        pl.fit_em(asia, df, tol=-1.0)


@pytest.mark.parametrize("weights, what", [([1, np.nan, 1], "got NaN or infinity"),
                                           ([1, np.inf, 1], "got NaN or infinity"),
                                           ([1, -1, 1], "got a negative weight"),
                                           ([1, 1], r"got shape \(2,\)"),
                                           ([[1, 1, 1]], r"got shape \(1, 3\)"),
                                           (["a", "b", "c"], "")])
def test_bad_weights(weights, what):
    """Issue 12 item 4: NaN, negative or wrong-length weights are refused, not turned into uniform rows."""
    structure = pl.BayesianNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["0", "1", "1"], "B": ["0", "0", "1"]})
    with pytest.raises(pl.PGMError, match=f"weights must be 3 finite non-negative numbers, one per row.*{what}"):
        pl.fit(structure, data, weights=weights)
    with pytest.raises(pl.PGMError, match="weights must not all be zero"):
        pl.fit(structure, data, weights=[0, 0, 0])


def test_extra_columns_named_unless_ignored(asia):
    """Issue 13: extra columns are named (with the way out), or dropped with ignore_extra=True."""
    df = pl.sample(asia, 500, rng=0)
    extra = df.assign(row_id=np.arange(500), weight=1.0)
    with pytest.raises(pl.VariableNotFoundError,
                       match=r"\['row_id', 'weight'\] that are not variables .*ignore_extra=True"):
        pl.fit(asia, extra)
    fitted = pl.fit(asia, extra, ignore_extra=True)
    for v in asia.variables:
        np.testing.assert_allclose(fitted.cpd(v).table, pl.fit(asia, df).cpd(v).table)


def test_states_from_data_for_an_edges_only_structure():
    """Issue 13: a structure from edges alone takes sorted names, or a Categorical's categories."""
    structure = pl.BayesianNetwork([("smoke", "cough")])
    data = pd.DataFrame({"smoke": ["yes", "no", "yes", "yes"],
                         "cough": pd.Categorical(["often", "never", "often", "never"],
                                                 categories=["never", "sometimes", "often"])})
    fitted = pl.fit(structure, data)
    assert fitted.states("smoke") == ("no", "yes")
    assert fitted.states("cough") == ("never", "sometimes", "often")
    np.testing.assert_allclose(fitted.cpd("cough").table, [[1, 0, 0], [1 / 3, 0, 2 / 3]])
    numbers = pl.fit(structure, pd.DataFrame({"smoke": [10, 2, 2, np.nan][:3], "cough": [0, 1, 1]}))
    assert numbers.states("smoke") == ("2", "10") and numbers.states("cough") == ("0", "1")
    np.testing.assert_allclose(numbers.cpd("smoke").table, [2 / 3, 1 / 3])
    floats = pl.fit(pl.BayesianNetwork([("A", "B")]), pd.DataFrame({"A": [1.0, 3.0], "B": [0, 1]}))
    assert floats.states("A") == ("1", "3")
    declared = pl.BayesianNetwork([("smoke", "cough")], states={"smoke": ["no", "yes"]})
    with pytest.raises(pl.VariableNotFoundError, match="column 'cough' has value .*5"):
        pl.fit(pl.BayesianNetwork(cpds=[pl.TabularCPD("cough", [0.5, 0.5])]), pd.DataFrame({"cough": [5]}))
    assert pl.fit(declared, data).states("smoke") == ("no", "yes")


def test_em_with_a_prior_and_zero_iterations(asia):
    df = pl.sample(asia, 300, rng=0).astype(object)
    df.iloc[::4, 3] = None
    same, history = pl.fit_em(asia, df, max_iter=0)
    assert same is not asia and len(history) == 1
    np.testing.assert_allclose(history[0], pl.log_likelihood(asia, df))
    smoothed, _ = pl.fit_em(asia, df, pseudo_count=1.0, max_iter=5)
    assert (smoothed.cpd("lung").table > 0).all()


def test_fit_needs_a_model_and_fit_em_a_bayesian_network(ising4):
    with pytest.raises(TypeError, match="needs a BayesianNetwork"):
        pl.fit_em(ising4, pd.DataFrame({v: ["0"] for v in ising4.variables}))
    with pytest.raises(pl.ArgumentTypeError, match="fit needs a BayesianNetwork or a MarkovNetwork, got dict"):
        pl.fit({"A": [0.5, 0.5]}, pd.DataFrame({"A": ["0"]}))


def test_em_zero_probability_row(asia):
    df = pl.sample(asia, 10, rng=0).astype(object)
    df.loc[0, ["either", "lung", "tub"]] = ["no", "yes", None]  # impossible: either = lung or tub
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero under the current model"):
        pl.fit_em(asia, df)


@pytest.mark.parametrize("limit", [1, 4])
def test_large_components_use_batched_exact_inference(monkeypatch, limit):
    """Components above MAX_COMPONENT go through pl.compile_query; same answer as brute force."""
    import pgm_lite.tuning as em

    monkeypatch.setattr(em, "EM_MAX_COMPONENT", limit)
    model = random_network(6, 3, 3, rng=11)
    data = _with_missing(pl.sample(model, 300, rng=4), 0.4, 5)
    codes = encode_table(model, data, allow_missing=True)
    fitted, history = pl.fit_em(model, data, max_iter=1)
    for v, table in _brute_em_update(model, codes).items():
        np.testing.assert_allclose(fitted.cpd(v).table, table, atol=1e-10)
    np.testing.assert_allclose(history[0], _brute_marginal_ll(model, codes))
    np.testing.assert_allclose(pl.log_likelihood(fitted, data), _brute_marginal_ll(fitted, codes))


def test_em_zero_probability_row_through_inference(monkeypatch, asia):
    import pgm_lite.tuning as em

    monkeypatch.setattr(em, "EM_MAX_COMPONENT", 1)
    df = pl.sample(asia, 10, rng=0).astype(object)
    df.loc[0, ["either", "lung", "tub"]] = ["no", "yes", None]
    with pytest.raises(pl.ZeroEvidenceError, match="exact inference gives P\\(observed values\\) = 0"):
        pl.fit_em(asia, df)


def test_em_observed_zero_probability_family(asia):
    df = pl.sample(asia, 10, rng=0).astype(object)
    df.loc[0, ["either", "lung", "tub"]] = ["no", "yes", "no"]
    df.loc[1, "asia"] = None
    with pytest.raises(pl.ZeroEvidenceError, match="probability 0 given their observed parents"):
        pl.fit_em(asia, df)


def test_every_pattern_combination_small():
    """All missingness patterns of a 3-variable collider, against brute force."""
    model = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("A", [0.7, 0.3]), pl.TabularCPD("B", [0.6, 0.4]),
        pl.TabularCPD("C", [[[0.9, 0.1], [0.2, 0.8]], [[0.3, 0.7], [0.05, 0.95]]], ["A", "B"])])
    rows = list(itertools.product([-1, 0, 1], repeat=3))
    data = pd.DataFrame([[None if c < 0 else str(c) for c in r] for r in rows], columns=["A", "B", "C"])
    codes = np.array(rows)
    fitted, history = pl.fit_em(model, data, max_iter=1)
    for v, table in _brute_em_update(model, codes).items():
        np.testing.assert_allclose(fitted.cpd(v).table, table, atol=1e-12)
