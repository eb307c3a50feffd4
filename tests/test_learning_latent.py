"""EM with latent variables: latent class models, restarts, label switching, errors."""

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint

ON = np.array([[0.1, 0.5, 0.9], [0.8, 0.2, 0.6], [0.3, 0.9, 0.1], [0.9, 0.1, 0.2],
               [0.2, 0.3, 0.9], [0.7, 0.8, 0.1], [0.1, 0.9, 0.6], [0.6, 0.1, 0.9]])


def _latent_class(prior=(0.2, 0.3, 0.5), on=ON):
    children = [pl.TabularCPD(f"X{i}", np.stack([1 - p, p], axis=1), ["Z"]) for i, p in enumerate(on)]
    return pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", list(prior))] + children)


@pytest.fixture(scope="module")
def latent_class_fit():
    truth = _latent_class()
    data = pl.sample(truth, 5000, rng=0).drop(columns="Z")
    structure = pl.BayesianNetwork(truth.edges, states={"Z": 3})
    result = pl.fit_em(structure, data, latent=["Z"], n_restarts=10, rng=1, tol=1e-10, max_iter=500)
    return truth, data, structure, result


def test_latent_class_model_recovers_parameters_up_to_permutation(latent_class_fit):
    truth, _, _, result = latent_class_fit
    aligned = pl.align_states(result.model, truth, "Z")
    for v in truth.variables:
        np.testing.assert_allclose(aligned.cpd(v).table, truth.cpd(v).table, atol=0.05)
    assert result.converged and result.iterations == len(result.log_likelihood) - 1


def test_log_likelihood_never_decreases_and_is_the_data_likelihood(latent_class_fit):
    _, data, _, result = latent_class_fit
    history = np.array(result.log_likelihood)
    assert np.all(np.diff(history) >= -1e-9 * abs(history[0]))
    np.testing.assert_allclose(history[-1], pl.log_likelihood(result.model, data), rtol=1e-10)


def test_restarts_keep_the_best(latent_class_fit):
    _, data, structure, result = latent_class_fit
    assert len(result.restarts) == 10 and result.log_likelihood[-1] == max(result.restarts)
    single = pl.fit_em(structure, data, latent=["Z"], rng=1, tol=1e-10, max_iter=500)
    assert abs(single.log_likelihood[-1] - max(result.restarts)) <= 1e-3 * abs(max(result.restarts))
    assert single.log_likelihood[-1] <= result.log_likelihood[-1]
    assert single.restarts == [single.log_likelihood[-1]]


def test_restarts_matter_and_are_reproducible():
    """Short runs from different seeds end at different places; the best is kept; same seed, same fit."""
    truth = _latent_class()
    data = pl.sample(truth, 500, rng=2).drop(columns="Z")
    structure = pl.BayesianNetwork(truth.edges, states={"Z": 3})
    a = pl.fit_em(structure, data, latent=["Z"], n_restarts=4, rng=5, max_iter=3)
    b = pl.fit_em(structure, data, latent=["Z"], n_restarts=4, rng=5, max_iter=3)
    assert len(set(np.round(a.restarts, 6))) > 1
    assert a.log_likelihood[-1] == max(a.restarts) and a.restarts == b.restarts
    for v in truth.variables:
        np.testing.assert_array_equal(a.model.cpd(v).table, b.model.cpd(v).table)


def _brute_marginal_ll(model, data):
    joint = brute_force_joint(model)
    values = joint.values
    total = 0.0
    for _, row in data.iterrows():
        index = tuple(slice(None) if v not in row or pd.isna(row[v]) else model.states(v).index(str(row[v]))
                      for v in joint.variables)
        total += np.log(values[index].sum())
    return total


def test_hidden_and_missing_mixed_with_a_latent_parent_against_brute_force():
    """W -> Z -> (A, B, C), W and Z never observed, A/B/C sometimes missing."""
    truth = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("W", [0.4, 0.6]),
        pl.TabularCPD("Z", [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], ["W"]),
        *[pl.TabularCPD(v, np.stack([1 - np.array(p), p], axis=1), ["Z"])
          for v, p in zip("ABC", ([0.1, 0.5, 0.9], [0.8, 0.3, 0.4], [0.2, 0.9, 0.5]))]])
    rng = np.random.default_rng(3)
    data = pl.sample(truth, 400, rng=3)[list("ABC")].astype(object)
    data = data.mask(rng.random(data.shape) < 0.2)
    data["Z"] = None  # all missing: latent as well
    result = pl.fit_em(truth, data, latent=["W"], max_iter=25)
    history = np.array(result.log_likelihood)
    assert np.all(np.diff(history) >= -1e-9 * abs(history[0]))
    np.testing.assert_allclose(history[0], _brute_marginal_ll(truth, data), rtol=1e-10)
    np.testing.assert_allclose(history[-1], _brute_marginal_ll(result.model, data), rtol=1e-10)
    np.testing.assert_allclose(history[-1], pl.log_likelihood(result.model, data.drop(columns="Z")))


def test_states_of_a_latent_variable_from_latent_mapping():
    truth = _latent_class(prior=(0.4, 0.6), on=ON[:, :2])
    data = pl.sample(truth, 300, rng=0).drop(columns="Z")
    structure = pl.BayesianNetwork(truth.edges)
    named = pl.fit_em(structure, data, latent={"Z": ["a", "b"]}, rng=0, max_iter=5).model
    assert named.states("Z") == ("a", "b") and named.cpd("X0").table.shape == (2, 2)
    counted = pl.fit_em(structure, data, latent={"Z": 4}, rng=0, max_iter=5).model
    assert counted.states("Z") == ("0", "1", "2", "3")


def test_align_states_permutes_every_table_and_keeps_the_distribution():
    truth = _latent_class()
    perm = [2, 0, 1]
    swapped = pl.BayesianNetwork(cpds=[c.with_table(np.take(c.table, perm, axis=c.scope.index("Z")))
                                       for c in truth.cpds()])
    back = pl.align_states(swapped, truth, "Z")
    for v in truth.variables:
        np.testing.assert_allclose(back.cpd(v).table, truth.cpd(v).table)
    rows = pl.sample(truth, 50, rng=0)
    np.testing.assert_allclose(pl.log_likelihood(back, rows.drop(columns="Z")),
                               pl.log_likelihood(swapped, rows.drop(columns="Z")))


def test_align_states_greedy_beyond_eight_states():
    k = 10
    rng = np.random.default_rng(0)
    on = rng.uniform(0, 1, (6, k))
    truth = _latent_class(prior=np.full(k, 1 / k), on=on)
    perm = rng.permutation(k)
    swapped = pl.BayesianNetwork(cpds=[c.with_table(np.take(c.table, perm, axis=c.scope.index("Z")))
                                       for c in truth.cpds()])
    back = pl.align_states(swapped, truth, "Z")
    np.testing.assert_allclose(back.cpd("X0").table, truth.cpd("X0").table)


def test_fit_em_with_extra_columns_and_states_from_data():
    structure = pl.BayesianNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["lo", "hi", None, "hi"], "B": ["x", "y", "y", None], "id": [1, 2, 3, 4]})
    with pytest.raises(pl.VariableNotFoundError, match=r"column\(s\) \['id'\] that are not variables"):
        pl.fit_em(structure, data)
    fitted = pl.fit_em(structure, data, ignore_extra=True).model
    assert fitted.states("A") == ("hi", "lo") and fitted.states("B") == ("x", "y")


def test_family_never_complete_in_any_row():
    """Issue 12 item 9: A -> B with rows (0, -), (-, 1), (1, -) used to raise numpy's UFuncTypeError."""
    data = pd.DataFrame({"A": ["0", None, "1"], "B": [None, "1", None]})
    result = pl.fit_em(pl.BayesianNetwork([("A", "B")]), data)
    assert np.all(np.diff(result.log_likelihood) >= -1e-12)
    np.testing.assert_allclose(result.model.cpd("A").table, [0.5, 0.5], atol=1e-6)


# -- errors ----------------------------------------------------------------------------------
def test_latent_variable_given_as_an_observed_column():
    truth = _latent_class()
    data = pl.sample(truth, 50, rng=0)
    with pytest.raises(pl.PGMError, match="latent variable 'Z' has observed values in column 'Z'"):
        pl.fit_em(truth, data, latent=["Z"])


def test_latent_variable_without_declared_states():
    truth = _latent_class()
    data = pl.sample(truth, 50, rng=0).drop(columns="Z")
    with pytest.raises(pl.PGMError, match=r"latent variable 'Z' has no declared states.*latent=\{'Z': 3\}"):
        pl.fit_em(pl.BayesianNetwork(truth.edges), data)
    with pytest.raises(pl.PGMError, match=r"latent=\['Z'\] to keep the 2 default states"):
        pl.fit_em(pl.BayesianNetwork(truth.edges), data.assign(Z=None))
    named = pl.fit_em(pl.BayesianNetwork(truth.edges), data, latent=["Z"], rng=0, max_iter=3).model
    assert named.states("Z") == ("0", "1")  # naming it in latent= declares the model's states


def test_bad_latent_and_restart_arguments():
    truth = _latent_class()
    data = pl.sample(truth, 20, rng=0).drop(columns="Z")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'Q'"):
        pl.fit_em(truth, data, latent=["Q"])
    with pytest.raises(pl.PGMError, match="needs at least one state"):
        pl.fit_em(truth, data, latent={"Z": 0})
    with pytest.raises(pl.PGMError, match="must be a number of states or a list of state names"):
        pl.fit_em(truth, data, latent={"Z": "abc"})
    with pytest.raises(pl.PGMError, match="init='model' needs the model's states"):
        pl.fit_em(truth, data, latent={"Z": 4}, init="model")
    with pytest.raises(pl.OptionError, match="unknown EM start 'kmeans'; choose from"):
        pl.fit_em(truth, data, init="kmeans")
    with pytest.raises(pl.OptionError, match="n_restarts must be a positive integer, got 0"):
        pl.fit_em(truth, data, n_restarts=0)
    with pytest.raises(pl.ArgumentTypeError, match="n_restarts must be an int"):
        pl.fit_em(truth, data, n_restarts=2.5)
    with pytest.raises(pl.PGMError, match="latent= needs the data as a pandas.DataFrame"):
        pl.fit_em(truth, np.zeros((3, 9), dtype=int), latent=["Z"])


def test_align_states_errors():
    truth = _latent_class()
    other = pl.BayesianNetwork(cpds=[pl.TabularCPD("Z", [0.2, 0.3, 0.5]),
                                     pl.TabularCPD("X0", [0.5, 0.5])])
    with pytest.raises(pl.StructureError, match="same parents of 'X0'"):
        pl.align_states(truth, other, "Z")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'Y'"):
        pl.align_states(truth, truth, "Y")
    two = _latent_class(prior=(0.5, 0.5), on=ON[:, :2])
    with pytest.raises(pl.StructureError, match="the CPDs of 'Z' have shapes"):
        pl.align_states(truth, two, "Z")


def test_learning_benchmark_writes_its_table(tmp_path):
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[1]
    out = tmp_path / "learning.md"
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "learning.py"), "--rows", "300",
                           "--pixels", "6", "--k", "3", "--iters", "2", "--grid", "3", "--gibbs-rows", "300",
                           "--out", str(out)], capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| `fit_em`, latent class" in out.read_text() and "2 updates" in out.read_text()


def test_progress_line_on_request(capsys):
    truth = _latent_class(prior=(0.4, 0.6), on=ON[:, :2])
    data = pl.sample(truth, 200, rng=0).drop(columns="Z")
    pl.fit_em(truth, data, latent=["Z"], max_iter=3, tol=0.0, progress=True)
    assert "EM" in capsys.readouterr().err
    pl.fit_em(truth, data, latent=["Z"], max_iter=3, tol=0.0, progress=False)
    assert capsys.readouterr().err == ""


# -- log-likelihood of incomplete data: missing cells summed out ----------------------------
def _masked(model, n, seed, fraction=0.3):
    rng = np.random.default_rng(seed)
    if model.is_directed:
        data = pl.sample(model, n, rng=seed)
    else:
        data = pl.gibbs_sample(model, n, rng=seed)
    data = data.astype(object)
    return data.mask(rng.random(data.shape) < fraction)


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_log_likelihood_with_missing_values_is_brute_force(seed, direct, monkeypatch):
    """Bayesian and Markov networks; small components enumerated directly or by compiled queries."""
    if not direct:
        monkeypatch.setattr(pl.tuning, "EM_MAX_COMPONENT", 1)
    bn = pl.testing.random_network(6, max_parents=2, max_cardinality=3, rng=seed)
    mn = pl.testing.random_markov_network(6, 5, max_scope=3, rng=seed)
    for model in (bn, mn):
        data = _masked(model, 120, seed)
        assert data.isna().any().any() and not data.isna().all(axis=1).all()
        np.testing.assert_allclose(pl.log_likelihood(model, data), _brute_marginal_ll(model, data), rtol=1e-10)


def test_log_likelihood_of_a_markov_network_with_an_absent_column():
    mn = pl.testing.random_markov_network(5, 4, rng=3)
    data = _masked(mn, 60, 3, fraction=0.1)
    hidden = mn.variables[2]
    np.testing.assert_allclose(pl.log_likelihood(mn, data.drop(columns=hidden)),
                               _brute_marginal_ll(mn, data.assign(**{hidden: None})), rtol=1e-10)


def test_log_likelihood_of_an_impossible_incomplete_row_is_minus_infinity():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5]),
                                  pl.TabularCPD("B", [[1.0, 0.0], [0.5, 0.5]], ["A"]),
                                  pl.TabularCPD("C", [[1.0, 0.0], [0.0, 1.0]], ["B"])])
    rows = pd.DataFrame({"A": ["0", None], "B": [None, "1"], "C": ["1", "1"]})
    assert pl.log_likelihood(bn, rows) == -np.inf  # row 0: A=0 forces B=0, which forces C=0
    assert np.isfinite(pl.log_likelihood(bn, rows.iloc[1:]))
    mn = pl.MarkovNetwork([("A", "B")], [pl.DiscreteFactor(("A", "B"), [[1.0, 0.0], [0.0, 1.0]])])
    other = pd.DataFrame({"A": ["0", "1"], "B": ["1", None]})
    assert pl.log_likelihood(mn, other) == -np.inf
    np.testing.assert_allclose(pl.log_likelihood(mn, other.iloc[1:]), np.log(0.5))


# -- the fast E-step against brute force ------------------------------------------------------
def _brute_em_step(model, data):
    """One EM update by enumeration: expected family counts from the brute-force joint."""
    joint = brute_force_joint(model)
    names = list(joint.variables)
    counts = np.zeros(joint.values.shape)
    for _, row in data.iterrows():
        index = tuple(slice(None) if v not in row or pd.isna(row[v]) else model.states(v).index(str(row[v]))
                      for v in names)
        block = np.zeros(joint.values.shape)
        block[index] = joint.values[index]
        counts += block / block.sum()
    cpds = []
    for v in model.variables:
        scope = [*model.parents(v), v]
        table = _scope_sum(counts, names, scope)
        cpds.append(model.cpd(v).with_table(table / table.sum(axis=-1, keepdims=True)))
    return pl.BayesianNetwork(cpds=cpds, variables=model.variables)


def _scope_sum(values, names, scope):
    keep = [names.index(v) for v in scope]
    table = values.sum(axis=tuple(i for i in range(len(names)) if i not in keep))
    return np.transpose(table, np.argsort(np.argsort(keep)))


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_em_updates_equal_brute_force_em(seed, direct, monkeypatch):
    """Three updates of fit_em (hidden variable + random missing cells) equal enumeration EM to 1e-10."""
    if not direct:
        monkeypatch.setattr(pl.tuning, "EM_MAX_COMPONENT", 1)  # every component by compiled queries
    start = pl.testing.random_network(5, max_parents=2, max_cardinality=3, rng=seed)
    data = _masked(start, 80, seed, fraction=0.25).drop(columns=start.variables[seed])
    result = pl.fit_em(start, data, init="model", max_iter=3, tol=0.0)
    expected = start
    for _ in range(3):
        expected = _brute_em_step(expected, data)
    for v in start.variables:
        np.testing.assert_allclose(result.model.cpd(v).table, expected.cpd(v).table, atol=1e-10)
    np.testing.assert_allclose(result.log_likelihood[-1], _brute_marginal_ll(expected, data), rtol=1e-10)


def test_one_hot_rows_rebuilt_per_chunk_give_the_same_fit(monkeypatch):
    """Past tuning.EM_ONEHOT_CACHE_BYTES the one-hot rows are rebuilt chunk by chunk: same numbers."""
    truth = _latent_class()
    data = pl.sample(truth, 400, rng=4).drop(columns="Z")
    kept = pl.fit_em(truth, data, latent=["Z"], max_iter=4, tol=0.0)
    monkeypatch.setattr(pl.tuning, "EM_ONEHOT_CACHE_BYTES", 0)
    monkeypatch.setattr(pl.tuning, "EM_CHUNK_ENTRIES", 64)  # many chunks
    rebuilt = pl.fit_em(truth, data, latent=["Z"], max_iter=4, tol=0.0)
    np.testing.assert_allclose(rebuilt.log_likelihood, kept.log_likelihood, rtol=1e-12)
    for v in truth.variables:
        np.testing.assert_allclose(rebuilt.model.cpd(v).table, kept.model.cpd(v).table, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 50), (70, 40), (1, 0), (5, 1)])
def test_distinct_columns_is_numpy_unique(shape):
    from pgm_lite.learning._estep import distinct_columns

    rng = np.random.default_rng(shape[0])
    codes = rng.integers(-1, 3, shape)
    codes[:, shape[1] // 2:] = codes[:, :shape[1] - shape[1] // 2]  # repeated columns
    columns, inverse, counts = distinct_columns(codes)
    expect, expect_counts = np.unique(codes, axis=1, return_counts=True)
    np.testing.assert_array_equal(columns, expect)  # 70 rows of 4 values: the key is re-ranked
    np.testing.assert_array_equal(counts, expect_counts)
    np.testing.assert_array_equal(columns[:, inverse], codes)


@pytest.mark.parametrize("direct", [True, False])
def test_mixture_with_missing_pixels_equals_brute_force_em(direct, monkeypatch):
    """Missing leaves (pixels) sum out of the component of Z; their counts are P(Z | row) x CPD."""
    if not direct:
        monkeypatch.setattr(pl.tuning, "EM_MAX_COMPONENT", 1)
    truth = _latent_class()
    rows = _masked(truth, 150, 7, fraction=0.25)
    rows.loc[:5, "Z"] = "1"  # a few rows see Z: their missing pixels have only observed parents
    rows.loc[6:, "Z"] = None
    start = pl.fit_em(truth, rows, max_iter=0, init="random", rng=3).model
    result = pl.fit_em(start, rows, init="model", max_iter=2, tol=0.0)
    expected = _brute_em_step(_brute_em_step(start, rows), rows)
    for v in truth.variables:
        np.testing.assert_allclose(result.model.cpd(v).table, expected.cpd(v).table, atol=1e-10)


def test_latent_benchmark_writes_its_table(tmp_path):
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[1]
    out = tmp_path / "latent.md"
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "latent.py"), "--rows", "200", "--pixels", "5",
                           "--k", "2", "--iters", "2", "--pgmpy-rows", "20", "--pgmpy-pixels", "3",
                           "--pgmpy-k", "2", "--pgmpy-iters", "1", "--out", str(out)],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text()
    assert "| 200 | 5 | 5% | 2 | 2 (max_iter) |" in text and "pgmpy `ExpectationMaximization` | 20 |" in text
