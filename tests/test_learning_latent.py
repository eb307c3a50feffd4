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
