"""Hardening of the inference engines (issue 12): crashes, Z = 0, threads, leaks, cache-state independence."""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint

DATA = Path(__file__).parent / "data"


def _random_evidence(model, rng, k, exclude=()):
    names = [v for v in model.variables if v not in exclude]
    chosen = rng.choice(len(names), size=min(k, len(names)), replace=False)
    return {names[i]: model.states(names[i])[rng.integers(model.cardinality(names[i]))] for i in chosen}


# -- item 8: a clique that holds no factor, all its variables observed ------------------------------
def test_clique_without_factor_and_all_observed_answers():
    rng = np.random.default_rng(0)
    scopes = [("A", "B", "X"), ("B", "C", "Y"), ("C", "A", "Z")]
    mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(list(s), rng.random((2, 2, 2)) + 0.1) for s in scopes])
    evidence = {"A": "0", "B": "1", "C": "0"}
    got = pl.marginals(mn, evidence)
    jt = pl.JunctionTree(mn).marginals(evidence)
    joint = brute_force_joint(mn)
    for v in ["X", "Y", "Z"]:
        expected = joint.reduce(evidence).marginalize([u for u in joint.variables if u != v and u not in evidence])
        expected = expected.values / expected.values.sum()
        np.testing.assert_allclose(got[v].values, expected, atol=1e-12)
        np.testing.assert_allclose(jt[v].values, expected, atol=1e-12)


def test_win95pts_junction_tree_with_four_observed_matches_query():
    bn = pl.read_bif(DATA / "win95pts.bif.gz")
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(60):
        evidence = _random_evidence(bn, rng, 4)
        try:
            m = pl.JunctionTree(bn).marginals(evidence)
        except pl.ZeroEvidenceError:
            continue
        target = next(v for v in bn.variables if v not in evidence)
        np.testing.assert_allclose(m[target].values, pl.query(bn, [target], evidence).values, atol=1e-10)
        checked += 1
    assert checked > 20


# -- item 11: a Markov network whose tables give every assignment weight zero ----------------------
@pytest.fixture
def zero_mn():
    return pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], np.zeros((2, 2)))])


@pytest.mark.parametrize("call", [
    lambda m: pl.probability(m, {"A": "0"}),
    lambda m: pl.log_probability(m, {"A": "0"}),
    lambda m: pl.probability(m, {}),
    lambda m: pl.JunctionTree(m).probability({"A": "0"}),
    lambda m: pl.JunctionTree(m).log_probability({"A": "1"}),
    lambda m: pl.compile_query(m, ["A"], ["B"]),
    lambda m: pl.query(m, ["A"]),
    lambda m: pl.marginals(m),
    lambda m: pl.map_query(m, ["A"]),
], ids=["probability", "log_probability", "empty", "jt_probability", "jt_log_probability", "compile",
        "query", "marginals", "map"])
def test_zero_partition_function_is_a_zero_evidence_error(zero_mn, call):
    with pytest.raises(pl.ZeroEvidenceError, match="zero"):
        call(zero_mn)


def test_zero_partition_function_itself_is_zero(zero_mn):
    assert zero_mn.partition_function() == 0.0
    assert pl.log_partition_function(zero_mn) == -np.inf


def test_zero_partition_error_leaves_the_model_usable(zero_mn):
    with pytest.raises(pl.ZeroEvidenceError, match="partition function is 0"):
        pl.probability(zero_mn, {"A": "0"})
    fixed = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], np.ones((2, 2)))])
    assert pl.probability(fixed, {"A": "0"}) == pytest.approx(0.5)


# -- item 10: one model, many threads --------------------------------------------------------------
def _mixed_jobs(model, rng, n, kinds):
    jobs = []
    for i in range(n):
        target = model.variables[int(rng.integers(len(model.variables)))]
        evidence = _random_evidence(model, rng, 3, exclude=(target,))
        jobs.append((kinds[i % len(kinds)], target, evidence))
    return jobs


def _answer(model, job):
    kind, target, evidence = job
    try:
        if kind == "query":
            return pl.query(model, [target], evidence).values
        if kind == "marginals":
            return pl.marginals(model, evidence)[target].values
        if kind == "probability":
            return np.array([pl.log_probability(model, evidence)])
        assignment, p = pl.map_query(model, [target], evidence)
        return np.array([model.states(target).index(assignment[target]), p])
    except pl.ZeroEvidenceError:
        return None


@pytest.mark.parametrize(("name", "kinds"), [
    ("andes", ("query", "probability", "map")),  # many one-einsum pieces replanned on their second run
    ("hailfinder", ("query", "marginals", "probability", "map")),
])
def test_queries_from_eight_threads_match_sequential_answers(name, kinds):
    jobs = _mixed_jobs(pl.read_bif(DATA / f"{name}.bif.gz"), np.random.default_rng(3), 24, kinds)
    expected = [_answer(pl.read_bif(DATA / f"{name}.bif.gz"), job) for job in jobs]
    shared = pl.read_bif(DATA / f"{name}.bif.gz")  # every cache starts empty: the threads fill them
    results: list[list] = [[] for _ in range(8)]
    errors: list[BaseException] = []

    def work(out, offset):
        try:
            for k in range(len(jobs)):
                out.append(_answer(shared, jobs[(k + offset) % len(jobs)]))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=work, args=(results[i], 3 * i)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    for i, out in enumerate(results):
        assert len(out) == len(jobs)
        for k, got in enumerate(out):
            want = expected[(k + 3 * i) % len(jobs)]
            if want is None:
                assert got is None
            else:
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# -- item 20: caches never keep a dropped model alive ----------------------------------------------
_CALLS = {
    "marginals": lambda m: pl.marginals(m, {"asia": "yes"}),
    "query": lambda m: pl.query(m, ["lung"], {"smoke": "yes"}),
    "map": lambda m: pl.map_query(m, ["lung"]),
    "compiled": lambda m: pl.compile_query(m, ["lung"], ["smoke"])(np.array([[0]])),
    "junction_tree": lambda m: pl.JunctionTree(m).marginals(),
    "log_probability": lambda m: pl.log_probability(m, {"asia": "yes"}),
    "sample": lambda m: pl.sample(m, 10, rng=0),
    "fit": lambda m: pl.fit(m, pl.sample(m, 50, rng=1)),
    "loopy": lambda m: pl.loopy_belief_propagation(m),
}


@pytest.mark.parametrize("name", sorted(_CALLS))
def test_dropped_model_is_collected(name):
    refs = []
    for _ in range(3):
        bn = pl.read_bif(DATA / "asia.bif.gz")
        _CALLS[name](bn)
        refs.append(weakref.ref(bn))
        del bn
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_dropped_markov_network_is_collected():
    refs = []
    for _ in range(3):
        mn = pl.read_bif(DATA / "asia.bif.gz").moralize()
        pl.marginals(mn, {"asia": "yes"})
        pl.query(mn, ["lung"], {"smoke": "yes"})
        pl.log_partition_function(mn)
        refs.append(weakref.ref(mn))
        del mn
    gc.collect()
    assert [r() for r in refs] == [None, None, None]


def test_cached_tree_of_a_dropped_model_refuses_clearly():
    bn = pl.read_bif(DATA / "asia.bif.gz")
    jt = pl.JunctionTree(bn, keep_model=False)
    del bn
    gc.collect()
    with pytest.raises(pl.PGMError, match="no longer exists"):
        jt.marginals()


def test_junction_tree_keeps_its_model_by_default():
    jt = pl.JunctionTree(pl.read_bif(DATA / "asia.bif.gz"))
    gc.collect()
    assert jt.model.variables[0] == "asia"
    assert jt.marginals()["asia"].values.sum() == pytest.approx(1.0)


# -- item 17: a compiled query's calls stay inside max_memory --------------------------------------
def _wide_child_network(k=7):
    parents = [f"P{i}" for i in range(k)]
    rng = np.random.default_rng(0)
    table = rng.random((2,) + (4,) * k + (3,))
    cpds = [pl.TabularCPD("E", [0.5, 0.5])] + [pl.TabularCPD(p, [0.25] * 4) for p in parents]
    cpds.append(pl.TabularCPD("Y", table / table.sum(-1, keepdims=True), ["E", *parents]))
    return pl.BayesianNetwork(cpds=cpds)


def test_compiled_query_rows_are_chunked_within_max_memory():
    import tracemalloc

    bn = _wide_child_network()
    limit = 2**24
    cq = pl.compile_query(bn, ["P0"], ["E", "Y"], strategy="batch", max_memory=limit)
    rng = np.random.default_rng(1)
    rows = np.stack([rng.integers(0, 2, 3000), rng.integers(0, 3, 3000)], axis=1)
    tracemalloc.start()
    try:
        got = cq(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * limit  # unchunked, the sliced CPD alone needs 3000 x 16384 doubles (375 MiB)
    loose = pl.compile_query(bn, ["P0"], ["E", "Y"], strategy="batch")
    np.testing.assert_allclose(got.posterior, loose(rows).posterior, atol=1e-12)
    expected = pl.query(bn, ["P0"], {"E": "1", "Y": "2"}).values
    row = int(np.flatnonzero((rows[:, 0] == 1) & (rows[:, 1] == 2))[0])
    np.testing.assert_allclose(got.posterior[row], expected, atol=1e-12)


# -- item 7: answers and plans do not depend on cache state or PYTHONHASHSEED ----------------------
@pytest.mark.parametrize("name", ["child", "insurance", "alarm"])
def test_first_and_later_calls_answer_bit_for_bit_alike(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    rng = np.random.default_rng(0)
    for _ in range(40):
        target = bn.variables[int(rng.integers(len(bn.variables)))]
        evidence = _random_evidence(bn, rng, 3, exclude=(target,))
        try:
            answers = [pl.query(bn, [target], evidence).values for _ in range(3)]
        except pl.ZeroEvidenceError:
            continue
        assert answers[0].tobytes() == answers[1].tobytes() == answers[2].tobytes(), (target, evidence)


_SEED_SCRIPT = r"""
import hashlib, sys
import numpy as np
import pgm_lite as pl
digest = hashlib.sha256()
for name in ["andes", "hailfinder", "win95pts"]:
    bn = pl.read_bif(sys.argv[1] + f"/{name}.bif.gz")
    rng = np.random.default_rng(0)
    names = bn.variables
    for _ in range(25):
        picked = [names[i] for i in rng.choice(len(names), 4, replace=False)]
        target, observed = picked[0], picked[1:]
        evidence = {v: bn.states(v)[int(rng.integers(bn.cardinality(v)))] for v in observed}
        digest.update(repr(pl.explain_query(bn, [target], evidence)).encode())
        try:
            digest.update(pl.query(bn, [target], evidence).values.tobytes())
        except pl.ZeroEvidenceError:
            digest.update(b"zero")
    digest.update(repr(pl.elimination_order(bn)).encode())
    digest.update(repr(pl.JunctionTree(bn).cliques).encode())
print(digest.hexdigest())
"""


def test_answers_and_plans_do_not_depend_on_the_hash_seed():
    import os
    import subprocess

    outputs = set()
    for seed in ["0", "1", "2", "7"]:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SEED_SCRIPT, str(DATA)], env=env, capture_output=True,
                              text=True, timeout=300, check=True)
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1


# -- item 22: misuse at the public boundary raises a PGMError that is also the builtin to catch -----
_ASIA = pl.example("asia")


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: pl.query(_ASIA, None), TypeError, "query variables must be a name or a list of names, got None"),
    (lambda: pl.query(_ASIA, 3), TypeError, "query variables must be"),
    (lambda: pl.compile_query(_ASIA, None, ["smoke"]), TypeError, "query variables must be"),
    (lambda: pl.query(_ASIA, ["lung"], [("smoke", "yes")]), TypeError, "evidence must be a dict"),
    (lambda: pl.query(_ASIA, ["lung"], max_memory=None), TypeError, "max_memory must be a number of bytes"),
    (lambda: pl.marginals(_ASIA, max_memory="1G"), TypeError, "max_memory must be a number of bytes"),
    (lambda: pl.map_query(_ASIA, ["lung"], max_memory=-5), ValueError, "max_memory must be a positive"),
    (lambda: pl.JunctionTree(_ASIA, max_memory=0), ValueError, "max_memory must be a positive"),
    (lambda: pl.query(_ASIA, ["lung"], elimination_order=5), TypeError, "elimination_order"),
    (lambda: pl.query(None, ["lung"]), TypeError, "model must be a BayesianNetwork or MarkovNetwork, got NoneType"),
    (lambda: pl.marginals("asia"), TypeError, r"pl.example\('asia'\)"),
    (lambda: pl.elimination_order(None), TypeError, "got NoneType"),
    (lambda: pl.induced_width([1, 2]), TypeError, "got list"),
])
def test_misuse_raises_a_teaching_pgm_error(call, error, match):
    with pytest.raises(pl.PGMError, match=match) as info:
        call()
    assert isinstance(info.value, error)


def test_evidence_as_a_pandas_series_is_read_like_a_dict():
    import pandas as pd

    series = pd.Series({"smoke": "yes", "xray": "yes"})
    expected = pl.query(_ASIA, ["lung"], {"smoke": "yes", "xray": "yes"}).values
    np.testing.assert_array_equal(pl.query(_ASIA, ["lung"], series).values, expected)
    np.testing.assert_array_equal(pl.JunctionTree(_ASIA).marginals(series)["lung"].values,
                                  pl.JunctionTree(_ASIA).marginals({"smoke": "yes", "xray": "yes"})["lung"].values)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: pl.BayesianNetwork(5), TypeError, "edges must be a list, got int"),
    (lambda: pl.BayesianNetwork("AB"), TypeError, "edges must be a list, got the string"),
    (lambda: pl.MarkovNetwork(factors=7), TypeError, "factors must be a list, got int"),
    (lambda: pl.TabularCPD("A", "abc"), ValueError, "the table of the CPD of 'A' must be an array of numbers"),
    (lambda: pl.TabularCPD("B", [[0.5, 0.5], [1.0]], ["A"]), ValueError, "must be an array of numbers"),
    (lambda: pl.DiscreteFactor(["A"], None), ValueError, "needs a table with 1 axes"),
    (lambda: pl.DiscreteFactor(["A"], ["x", "y"]), ValueError, "the values of the factor over"),
])
def test_model_construction_misuse_raises_a_pgm_error(call, error, match):
    with pytest.raises(pl.PGMError, match=match) as info:
        call()
    assert isinstance(info.value, error)


def test_no_edges_may_be_given_as_none():
    assert list(pl.BayesianNetwork(None, variables=["A"]).variables) == ["A"]
    assert list(pl.MarkovNetwork(None, None, variables=["A"]).variables) == ["A"]


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: pl.sample(None, 5), TypeError, "model must be a BayesianNetwork or MarkovNetwork, got NoneType"),
    (lambda: pl.read(5), TypeError, "expected a path or an open file, got int"),
    (lambda: pl.read_bif(None), TypeError, "expected a path or an open file, got NoneType"),
    (lambda: pl.align_states(None, _ASIA, "asia"), TypeError, "learned must be a BayesianNetwork"),
    (lambda: pl.sample(_ASIA, 5, evidence=[("smoke", "yes")], method="rejection"), TypeError,
     "evidence must be a dict"),
])
def test_engine_and_io_misuse_raises_a_pgm_error(call, error, match):
    with pytest.raises(pl.PGMError, match=match) as info:
        call()
    assert isinstance(info.value, error)


def test_sampling_evidence_may_be_a_series():
    import pandas as pd

    rows = pl.sample(_ASIA, 20, evidence=pd.Series({"smoke": "yes"}), method="rejection", rng=0)
    assert set(rows["smoke"]) == {"yes"}
