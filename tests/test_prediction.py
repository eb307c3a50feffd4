"""pl.predict: per-row posteriors through compiled batches, checked against one pl.query per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_markov_network, random_network


def _with_holes(df: pd.DataFrame, rng: np.random.Generator, rate: float = 0.3) -> pd.DataFrame:
    holes = df.astype(object)
    mask = rng.random(holes.shape) < rate
    return holes.mask(mask, None)


def _row_evidence(row: pd.Series, skip=()) -> dict:
    return {k: v for k, v in row.items() if not pd.isna(v) and k not in skip}


@pytest.mark.parametrize("seed", range(6))
def test_proba_matches_query_per_row_with_mixed_missingness(seed):
    bn = random_network(7 + seed % 3, max_parents=3, max_cardinality=3, rng=seed)
    rng = np.random.default_rng(seed)
    data = _with_holes(pl.sample(bn, 30, rng=seed), rng, rate=0.15 + 0.05 * (seed % 3))
    data = data.drop(columns=[bn.variables[seed % len(bn.variables)]])
    out = pl.predict(bn, data, kind="proba")
    assert list(out.index) == list(data.index)
    targets = list(dict.fromkeys(out.columns.get_level_values("variable")))
    assert bn.variables[-1] in targets
    for i, row in data.iterrows():
        evidence = _row_evidence(row)
        for t in targets:
            got = out.loc[i, t].to_numpy()
            if t in evidence:
                expected = np.eye(bn.cardinality(t))[bn.states(t).index(evidence[t])]
            else:
                expected = pl.query(bn, [t], evidence=evidence).values
            np.testing.assert_allclose(got, expected, atol=1e-10)


def test_explicit_targets_ignore_their_columns_and_map_is_argmax():
    asia = pl.example("asia")
    data = pl.sample(asia, 200, rng=3)
    data = _with_holes(data, np.random.default_rng(3), rate=0.2)
    proba = pl.predict(asia, data, ["lung", "tub"], kind="proba")
    best = pl.predict(asia, data, ["lung", "tub"])
    assert list(best.columns) == ["lung", "tub"]
    assert isinstance(best["lung"].dtype, pd.CategoricalDtype)
    assert list(best["lung"].cat.categories) == list(asia.states("lung"))
    for i in [0, 7, 42, 199]:
        evidence = _row_evidence(data.loc[i], skip=("lung", "tub"))
        expected = pl.query(asia, ["lung"], evidence=evidence).values
        np.testing.assert_allclose(proba.loc[i, "lung"].to_numpy(), expected, atol=1e-10)
        assert best.loc[i, "tub"] == asia.states("tub")[int(np.argmax(proba.loc[i, "tub"]))]


def test_rows_with_no_evidence_get_the_prior():
    asia = pl.example("asia")
    data = pd.DataFrame({"smoke": [None, None], "xray": [None, "yes"]})
    out = pl.predict(asia, data, ["lung"], kind="proba")
    np.testing.assert_allclose(out.loc[0, "lung"], pl.query(asia, ["lung"]).values)


@pytest.mark.parametrize("seed", range(3))
def test_random_markov_network_matches_query(seed):
    mn = random_markov_network(6, rng=seed)
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2, size=(20, 3))
    data = pd.DataFrame({v: [mn.states(v)[min(k, mn.cardinality(v) - 1)] for k in codes[:, j]]
                         for j, v in enumerate(mn.variables[:3])})
    data = _with_holes(data, rng, rate=0.3)
    target = mn.variables[-1]
    out = pl.predict(mn, data, [target], kind="proba")
    for i, row in data.iterrows():
        expected = pl.query(mn, [target], evidence=_row_evidence(row)).values
        np.testing.assert_allclose(out.loc[i, target].to_numpy(), expected, atol=1e-10)


def test_markov_network_and_integer_codes():
    mn = pl.MarkovNetwork([("A", "B"), ("B", "C")], states=2)
    mn.add_factor(pl.DiscreteFactor(("A", "B"), np.array([[10.0, 1.0], [1.0, 10.0]])))
    mn.add_factor(pl.DiscreteFactor(("B", "C"), np.array([[5.0, 1.0], [1.0, 5.0]])))
    data = pd.DataFrame({"A": [0, 1, 1]})
    out = pl.predict(mn, data, ["C"], kind="proba")
    for i, a in enumerate([0, 1, 1]):
        np.testing.assert_allclose(out.loc[i, "C"], pl.query(mn, ["C"], evidence={"A": a}).values)


def test_zero_evidence_raises_naming_the_row_or_gives_nan():
    bn = pl.BayesianNetwork([("a", "b")], states=2)
    bn.add_cpd(pl.TabularCPD("a", [1.0, 0.0]))
    bn.add_cpd(pl.TabularCPD("b", [[0.5, 0.5], [0.5, 0.5]], parents=["a"]))
    data = pd.DataFrame({"a": ["0", "1"]}, index=["ok", "bad"])
    with pytest.raises(pl.ZeroEvidenceError, match="row 'bad'"):
        pl.predict(bn, data, ["b"])
    best = pl.predict(bn, data, ["b"], zero="nan")
    assert best.loc["ok", "b"] == "0" and pd.isna(best.loc["bad", "b"])
    assert pl.predict(bn, data, ["b"], kind="proba", zero="nan").loc["bad"].isna().all()


def test_errors():
    asia = pl.example("asia")
    data = pd.DataFrame({"smoke": ["yes"], "xray": ["no"]})
    with pytest.raises(pl.VariableNotFoundError, match="smok"):
        pl.predict(asia, data.rename(columns={"smoke": "smok"}), ["lung"])
    with pytest.raises(pl.VariableNotFoundError, match="lng"):
        pl.predict(asia, data, ["lng"])
    with pytest.raises(pl.OptionError, match="kind"):
        pl.predict(asia, data, ["lung"], kind="probability")
    with pytest.raises(pl.OptionError, match="zero"):
        pl.predict(asia, data, ["lung"], zero="ignore")
    with pytest.raises(pl.ArgumentTypeError, match="DataFrame"):
        pl.predict(asia, np.zeros((2, 2)), ["lung"])
    with pytest.raises(pl.PGMError, match="nothing to predict"):
        pl.predict(asia, pl.sample(asia, 5, rng=0))
    with pytest.raises(pl.PGMError, match="empty"):
        pl.predict(asia, data, [])
    with pytest.raises(pl.VariableNotFoundError, match="maybe"):
        pl.predict(asia, pd.DataFrame({"smoke": ["maybe"]}), ["lung"])
