"""compile_query strategies (table, batch, loop, and auto's per-piece mix) and its cost model."""

from __future__ import annotations

import itertools
import math
import pathlib
import warnings

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.exceptions import PerformanceWarning
from pgm_lite.inference.compiled import CompiledQuery, distinct_rows
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

TOL = 1e-12
EXPLICIT = ["table", "batch", "loop"]
DATA = pathlib.Path(__file__).parent / "data"


def _expected(model, joint, query, evidence_vars, rows):
    """Brute-force posterior rows (NaN where P(e) = 0) and P(e), columns in C order of ``query``."""
    posts, probs = [], []
    for row in rows:
        reduced = joint.reduce(dict(zip(evidence_vars, row.tolist())))
        total = reduced.values.sum()
        rest = [v for v in reduced.variables if v not in query]
        table = reduced.marginalize(rest).transpose(query).values.ravel() if query else np.array([total])
        probs.append(total)
        posts.append(table / total if total > 0 else np.full(table.size, np.nan))
    return np.array(posts), np.array(probs)


def _all_rows(model, evidence_vars):
    return np.array(list(itertools.product(*[range(model.cardinality(v)) for v in evidence_vars])),
                    dtype=np.int64).reshape(-1, len(evidence_vars))


def _agree(got, post, p_e):
    np.testing.assert_allclose(got.evidence_probability, p_e, rtol=0, atol=TOL)
    assert np.array_equal(np.isnan(got.posterior), np.isnan(post))
    np.testing.assert_allclose(np.nan_to_num(got.posterior), np.nan_to_num(post), rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", range(8))
def test_every_strategy_matches_brute_force_including_impossible_and_duplicate_rows(seed):
    bn = random_network(8, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.3)
    joint = brute_force_joint(bn)
    rng = np.random.default_rng(seed)
    names = [str(v) for v in rng.permutation(bn.variables)]
    query, evidence_vars = names[:2], names[2:2 + 1 + seed % 4]
    grid = _all_rows(bn, evidence_vars)
    rows = np.concatenate([grid, grid[::-1], grid[:3]])  # every row at least twice, in any order
    post, p_e = _expected(bn, joint, query, evidence_vars, rows)
    for strategy in [*EXPLICIT, "auto"]:
        got = pl.compile_query(bn, query, evidence_vars, strategy=strategy)(rows, zero="nan")
        _agree(got, post, p_e)
        if (p_e == 0).any():
            with pytest.raises(pl.ZeroEvidenceError, match=f"row {int(np.argmax(p_e == 0))}: the evidence"):
                pl.compile_query(bn, query, evidence_vars, strategy=strategy)(rows)


@pytest.mark.parametrize("strategy", [*EXPLICIT, "auto"])
def test_strategies_agree_with_single_queries_on_alarm(strategy):
    bn = pl.read_bif(DATA / "alarm.bif.gz")
    evidence_vars = ["HRBP", "VENTLUNG", "MINVOLSET", "PAP", "FIO2", "HISTORY"]
    frame = pl.sample(bn, 200, rng=3)[evidence_vars]
    got = pl.compile_query(bn, ["LVFAILURE"], evidence_vars, strategy=strategy)(frame)
    for k in range(0, 200, 17):
        evidence = dict(frame.iloc[k])
        np.testing.assert_allclose(got.posterior[k], pl.query(bn, ["LVFAILURE"], evidence).values, rtol=0, atol=TOL)
        assert abs(got.evidence_probability[k] - pl.probability(bn, evidence)) < TOL


def test_mixed_pieces_match_the_pure_strategies(monkeypatch):
    """Each piece may run its own way; any assignment gives the same answers."""
    bn = random_network(10, max_parents=2, max_cardinality=3, rng=11, zero_fraction=0.2)
    evidence_vars = ["X1", "X4", "X6", "X8"]
    rows = np.random.default_rng(2).integers(0, 2, size=(60, 4))
    reference = pl.compile_query(bn, ["X0"], evidence_vars, strategy="loop")(rows, zero="nan")
    monkeypatch.setattr(tuning, "BATCH_TABLE_LIMIT", 0)  # no table: auto mixes the others
    assert set(pl.compile_query(bn, ["X0"], evidence_vars).estimate(1)) == {"batch", "loop", "mixed"}
    seen = set()
    for pattern in itertools.product(["loop", "batch"], repeat=3):
        def modes(self, n_distinct, strategy="auto", pattern=pattern):
            n_pieces = len(self._plan_of("loop")[0].subplans)
            return [pattern[k % 3] for k in range(n_pieces)], 0.0
        monkeypatch.setattr(CompiledQuery, "_modes", modes)
        fresh = pl.compile_query(bn, ["X0"], evidence_vars)
        got = fresh(rows, zero="nan")
        seen.add(fresh.choose(len(rows)))
        np.testing.assert_allclose(np.nan_to_num(got.posterior), np.nan_to_num(reference.posterior), atol=TOL)
        np.testing.assert_allclose(got.evidence_probability, reference.evidence_probability, atol=TOL)
    assert seen == {"loop", "batch", "mixed"}


@pytest.mark.parametrize("strategy", [*EXPLICIT, "auto"])
def test_markov_network_rows_and_log_probability(strategy):
    mn = random_markov_network(7, n_factors=9, max_scope=3, rng=4)
    joint = brute_force_joint(mn)
    evidence_vars = list(mn.variables)[2:5]
    rows = _all_rows(mn, evidence_vars)
    post, p_e = _expected(mn, joint, list(mn.variables)[:1], evidence_vars, rows)
    cq = pl.compile_query(mn, list(mn.variables)[:1], evidence_vars, strategy=strategy)
    _agree(cq(rows, zero="nan"), post, p_e / joint.values.sum())
    with np.errstate(divide="ignore"):
        expected_log = np.log(p_e / joint.values.sum())
    np.testing.assert_allclose(cq.log_evidence_probability(rows), expected_log, rtol=0, atol=1e-10)


def test_empty_evidence_and_empty_query_rows():
    bn = random_network(6, rng=3)
    joint = brute_force_joint(bn)
    for strategy in [*EXPLICIT, "auto"]:
        got = pl.compile_query(bn, ["X5"], [], strategy=strategy)(np.zeros((4, 0), dtype=int))
        marginal = joint.marginalize([v for v in joint.variables if v != "X5"]).values
        np.testing.assert_allclose(got.posterior, np.tile(marginal, (4, 1)), atol=TOL)
        np.testing.assert_allclose(got.evidence_probability, 1.0, atol=TOL)
        none = pl.compile_query(bn, ["X5"], ["X0"], strategy=strategy)(np.zeros((0, 1), dtype=int))
        assert none.posterior.shape == (0, bn.cardinality("X5")) and none.evidence_probability.shape == (0,)
    # log P of rows of all variables: no table fits, auto batches or loops
    frame = pl.sample(bn, 40, rng=0)
    expected = [math.log(pl.probability(bn, dict(frame.iloc[k]))) for k in range(40)]
    np.testing.assert_allclose(pl.log_probability(bn, frame), expected, rtol=0, atol=1e-10)


def test_dataframe_and_codes_and_chunking_agree():
    bn = random_network(9, max_parents=3, max_cardinality=3, rng=5, zero_fraction=0.2)
    evidence_vars = ["X1", "X4", "X7"]
    rows = np.column_stack([np.random.default_rng(1).integers(bn.cardinality(v), size=300) for v in evidence_vars])
    frame = pd.DataFrame({v: [bn.states(v)[k] for k in rows[:, j]] for j, v in enumerate(evidence_vars)})
    reference = pl.compile_query(bn, ["X0", "X3"], evidence_vars, strategy="loop")(rows, zero="nan")
    for strategy in [*EXPLICIT, "auto"]:
        for limit in (8 * 200, 2**31):  # a few rows per chunk, or all at once
            cq = pl.compile_query(bn, ["X0", "X3"], evidence_vars, strategy=strategy, max_memory=limit)
            for data in (rows, frame[evidence_vars[::-1]]):
                got = cq(data, zero="nan")
                np.testing.assert_allclose(np.nan_to_num(got.posterior), np.nan_to_num(reference.posterior),
                                           rtol=0, atol=TOL)
                np.testing.assert_allclose(got.evidence_probability, reference.evidence_probability, atol=TOL)


def test_auto_takes_the_table_when_it_is_small_and_never_when_it_is_refused(monkeypatch):
    bn = pl.read_bif(DATA / "alarm.bif.gz")
    evidence_vars = ["HRBP", "VENTLUNG", "MINVOLSET"]
    cq = pl.compile_query(bn, ["LVFAILURE"], evidence_vars)
    assert cq.strategy == "table" and cq.choose(10_000) == "table"
    assert set(cq.estimate(10_000, 50)) == {"table", "batch", "loop", "mixed"}
    monkeypatch.setattr(tuning, "BATCH_TABLE_LIMIT", 1)
    wide = pl.compile_query(bn, ["LVFAILURE"], evidence_vars)
    assert wide.strategy == "auto" and "table" not in wide.estimate(100)
    assert wide.choose(10_000, 50) in ("batch", "loop", "mixed")
    rows = pl.sample(bn, 500, rng=2)[evidence_vars]
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)  # auto never warns
        np.testing.assert_allclose(wide(rows).posterior, cq(rows).posterior, rtol=0, atol=TOL)


def test_auto_follows_the_estimates(monkeypatch):
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=7)
    evidence_vars = ["X2", "X5", "X9", "X10"]
    monkeypatch.setattr(tuning, "BATCH_TABLE_LIMIT", 1)
    monkeypatch.setattr(tuning, "COMPILED_BATCH_RUN_NS", 1e12)  # every batched run looks hopeless
    assert pl.compile_query(bn, ["X11"], evidence_vars).choose(1000) == "loop"
    monkeypatch.setattr(tuning, "COMPILED_BATCH_RUN_NS", 0.0)
    monkeypatch.setattr(tuning, "COMPILED_RUN_NS", 1e12)  # every single-row run looks hopeless
    cq = pl.compile_query(bn, ["X11"], evidence_vars)
    assert cq.choose(1000) == "batch"
    times = cq.estimate(1000)
    assert times["loop"] > 1e3 * times["batch"] and times["mixed"] == times["batch"]


def test_explicit_strategy_much_slower_than_the_best_warns(monkeypatch):
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=7)
    evidence_vars = ["X2", "X5", "X9", "X10"]
    rows = np.column_stack([np.random.default_rng(0).integers(2, size=50) for _ in evidence_vars])
    monkeypatch.setattr(tuning, "COMPILED_BATCH_NS", 1e9)  # batched steps look hopeless
    monkeypatch.setattr(tuning, "COMPILED_GATHER_NS", 1e9)
    batch = pl.compile_query(bn, ["X11"], evidence_vars, strategy="batch")
    with pytest.warns(PerformanceWarning, match=r"compile_query\(strategy='batch'\) is estimated to be \d+x "
                                                r"slower than the best strategy on these 50 rows \(\d+ distinct\): "
                                                r"table ~.* s, batch ~.* s.*; pass strategy="):
        got = batch(rows)
    np.testing.assert_allclose(got.posterior, pl.compile_query(bn, ["X11"], evidence_vars)(rows).posterior, atol=TOL)
    assert issubclass(PerformanceWarning, UserWarning) and PerformanceWarning.__module__ == "pgm_lite.exceptions"
    monkeypatch.setattr(tuning, "COMPILED_WARN_SECONDS", 1e30)  # only slow calls warn
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        batch(rows)
        monkeypatch.setattr(tuning, "COMPILED_WARN_SECONDS", 0.0)
        pl.compile_query(bn, ["X11"], evidence_vars, strategy="loop")(rows)  # the loop is the best here
        pl.compile_query(bn, ["X11"], evidence_vars)(rows)  # auto never warns


def test_explicit_table_warns_when_compiled_if_it_looks_much_slower(monkeypatch):
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=7)
    evidence_vars = ["X2", "X5", "X9", "X10"]
    monkeypatch.setattr(tuning, "COMPILED_WARN_SECONDS", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        pl.compile_query(bn, ["X11"], evidence_vars, strategy="table")  # the table is the best here
    monkeypatch.setattr(tuning, "COMPILED_TABLE_ROW_NS", 1e9)  # a lookup per row looks hopeless
    with pytest.warns(PerformanceWarning, match=r"strategy='table'\) is estimated to be \d+x slower than the best "
                                                r"strategy on 1000 rows \(tuning.COMPILED_TABLE_ROWS\)"):
        cq = pl.compile_query(bn, ["X11"], evidence_vars, strategy="table")
    assert cq.strategy == "table"
    assert pl.compile_query(bn, ["X11"], evidence_vars).strategy == "auto"  # and auto does not take it


def test_distinct_rows_keys_and_the_wide_fallback():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, size=(500, 4))
    for cards in ([3, 3, 3, 3], [3, 2**31, 2**31, 3]):  # the second does not fit one int64 key
        rows, inverse = distinct_rows(codes, cards)
        expected, expected_inverse = np.unique(codes, axis=0, return_inverse=True)
        assert np.array_equal(rows, expected) and np.array_equal(inverse, expected_inverse.reshape(-1))
        assert np.array_equal(rows[inverse], codes)
    rows, inverse = distinct_rows(np.zeros((3, 0), dtype=int), [])
    assert rows.shape == (1, 0) and inverse.tolist() == [0, 0, 0]


def test_strategy_errors():
    asia = pl.example("asia")
    with pytest.raises(pl.PGMError, match=r"unknown strategy 'fast'; choose from \['auto', 'table', 'batch', 'loop'\]"):
        pl.compile_query(asia, ["lung"], ["smoke"], strategy="fast")
    for strategy in [*EXPLICIT, "auto"]:
        with pytest.raises(pl.MemoryLimitError, match="compiling this query"):
            pl.compile_query(asia, ["dysp"], ["asia"], strategy=strategy, max_memory=8)
        bn = random_network(5, rng=1)
        cq = pl.compile_query(bn, ["X0"], ["X1"], strategy=strategy)
        cpd = bn.cpd("X0")
        bn.add_cpd(cpd.with_table(np.flip(cpd.table, axis=-1).copy()))
        with pytest.raises(pl.PGMError, match="the model changed after this query was compiled"):
            cq(np.array([[0]]))
