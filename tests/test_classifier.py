"""pl.BayesianNetworkClassifier: a scikit-learn estimator over a Bayesian network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import check_estimator

import pgm_lite as pl


@pytest.fixture(scope="module")
def asia_data():
    data = pl.sample(pl.example("asia"), 3_000, rng=0)
    return data.drop(columns=["lung"]), data["lung"]


@pytest.mark.filterwarnings("ignore:Estimator BayesianNetworkClassifier does not inherit")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_scikit_learn_estimator_checks():
    skipped = {
        # a column-vector y raises ShapeError here instead of being raveled with a warning
        "check_supervised_y_2d": "column-vector y is rejected, not raveled",
    }
    results = check_estimator(pl.BayesianNetworkClassifier(), expected_failed_checks=skipped, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) >= 50


def test_naive_bayes_posterior_is_the_networks_and_tables_are_dirichlet_counts(asia_data):
    X, y = asia_data
    clf = pl.BayesianNetworkClassifier(target="lung", prior=1.0).fit(X, y)
    assert sorted(clf.model_.parents(v) == ["lung"] for v in X.columns) == [True] * X.shape[1]
    counts = pd.crosstab(y.astype(str), X["smoke"].astype(str))           # rows: lung states
    table = clf.model_.cpd("smoke").table                                   # axes (lung, smoke)
    lung, smoke = clf.model_.states("lung"), clf.model_.states("smoke")
    expected = (counts.loc[list(lung), list(smoke)].to_numpy() + 1.0)
    np.testing.assert_allclose(table, expected / expected.sum(axis=1, keepdims=True))
    proba = clf.predict_proba(X.iloc[:20])
    for i in range(20):
        evidence = {c: str(v) for c, v in X.iloc[i].items()}
        np.testing.assert_allclose(proba[i], pl.query(clf.model_, ["lung"], evidence=evidence).values)
    assert list(clf.classes_) == sorted(set(y))
    assert (clf.predict(X.iloc[:20]) == clf.classes_[proba.argmax(axis=1)]).all()


def test_unseen_and_missing_values_are_summed_out(asia_data):
    X, y = asia_data
    clf = pl.BayesianNetworkClassifier(target="lung").fit(X, y)
    row = X.iloc[:2].astype(object).copy()
    row.iloc[0, 0] = "never seen"
    row.iloc[1, 1] = None
    proba = clf.predict_proba(row)
    for i in range(2):
        evidence = {c: v for c, v in row.iloc[i].items() if v in clf.model_.states(c)}
        assert len(evidence) == X.shape[1] - 1
        np.testing.assert_allclose(proba[i], pl.query(clf.model_, ["lung"], evidence=evidence).values)


@pytest.mark.parametrize("structure", ["naive_bayes", "tan", "hill_climb", "given"])
def test_structures_learn_a_good_classifier(asia_data, structure):
    X, y = asia_data
    given = pl.example("asia") if structure == "given" else structure
    clf = pl.BayesianNetworkClassifier(structure=given, target="lung").fit(X, y)
    assert sorted(clf.model_.variables) == sorted([*X.columns, "lung"])
    if structure == "given":
        assert sorted(clf.model_.edges) == sorted(pl.example("asia").edges)
    if structure == "tan":
        assert all("lung" in clf.model_.parents(v) for v in X.columns)
    majority = (y == y.mode()[0]).mean()
    assert clf.score(X, y) > majority


def test_numpy_arrays_and_integer_labels():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    X = np.stack([(y + rng.integers(0, 2, 400)) % 3, rng.integers(0, 2, 400)], axis=1)
    clf = pl.BayesianNetworkClassifier().fit(X, y)
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_features_in_ == 2
    assert clf.predict(X).dtype == y.dtype
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_pipeline_cross_validation_and_grid_search(asia_data):
    X, y = asia_data
    pipe = Pipeline([("identity", FunctionTransformer()),
                     ("bn", pl.BayesianNetworkClassifier(target="lung"))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.5).all()
    grid = GridSearchCV(pl.BayesianNetworkClassifier(target="lung"),
                        {"structure": ["naive_bayes", "tan"], "prior": [0.5, 5.0]}, cv=3).fit(X, y)
    assert grid.best_params_["structure"] in ("naive_bayes", "tan")
    assert grid.best_estimator_.model_ is not None


def test_get_and_set_params_round_trip():
    clf = pl.BayesianNetworkClassifier(structure="tan", target="y", prior=2.0)
    assert clf.get_params() == {"structure": "tan", "target": "y", "prior": 2.0, "structure_score": "bic"}
    assert clf.set_params(prior=0.5) is clf and clf.prior == 0.5
    assert repr(clf).startswith("BayesianNetworkClassifier(structure='tan'")


def test_errors(asia_data):
    X, y = asia_data
    with pytest.raises(pl.OptionError, match="naive_bayes"):
        pl.BayesianNetworkClassifier(structure="forest").fit(X, y)
    with pytest.raises(pl.OptionError, match="valid parameters"):
        pl.BayesianNetworkClassifier().set_params(alpha=1)
    with pytest.raises(pl.PGMError, match="also a feature"):
        pl.BayesianNetworkClassifier(target="smoke").fit(X, y)
    with pytest.raises(NotFittedError, match="not fitted"):
        pl.BayesianNetworkClassifier().predict(X)
    with pytest.raises(pl.ShapeError, match="expecting 7 features"):
        pl.BayesianNetworkClassifier(target="lung").fit(X, y).predict(X.iloc[:, :3])
    with pytest.raises(pl.ShapeError, match="one label per row"):
        pl.BayesianNetworkClassifier(target="lung").fit(X, y[:10])
    with pytest.raises(pl.PGMError, match="expected the features"):
        pl.BayesianNetworkClassifier(structure=pl.example("cancer"), target="lung").fit(X, y)
    with pytest.raises(pl.OptionError, match="prior"):
        pl.BayesianNetworkClassifier(target="lung", prior=-1).fit(X, y)
