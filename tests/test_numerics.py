"""Numbers that never leave float64: scaled inference against closed forms and log-space oracles."""

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.testing import brute_force_joint, random_markov_network

REL = 1e-9


def _close(a, b, rel=REL):
    return abs(a - b) <= rel * max(1.0, abs(b))


# -- Ising ring: Z = (2 cosh K)^N + (2 sinh K)^N --------------------------------------------------
def _ring(n, k):
    pair = np.exp(k * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    edges = [(f"S{i}", f"S{(i + 1) % n}") for i in range(n)]
    return pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, pair) for e in edges])


def _ring_log_z(n, k):
    return n * math.log(2 * math.cosh(k)) + math.log1p(math.tanh(k) ** n)


def test_ising_ring_of_1000_spins_matches_the_closed_form():
    n, k = 1000, 1.0
    mn = _ring(n, k)
    log_z = _ring_log_z(n, k)
    assert _close(pl.log_partition_function(mn), log_z)
    assert _close(mn.log_partition_function(), log_z)
    assert round(log_z / math.log(10), 4) == 489.4186
    with pytest.raises(pl.NumericRangeError, match=r"10\*\*489\.419.*log_partition_function"):
        mn.partition_function()
    np.testing.assert_allclose(pl.query(mn, ["S0"]).values, [0.5, 0.5], rtol=REL)
    assert _close(pl.log_probability(mn, {"S0": "1"}), math.log(0.5))
    # P(S0 = S_d = 1) from the transfer matrix: eigenvalues 2 cosh K, 2 sinh K
    d = 300
    l1, l2 = 2 * math.cosh(k), 2 * math.sinh(k)
    log_joint = (math.log((l1 ** d + l2 ** d) / 4) + (n - d) * math.log(l1)
                 + math.log1p((l2 / l1) ** (n - d)) - log_z)
    assert _close(pl.log_probability(mn, {"S0": "1", f"S{d}": "1"}), log_joint)
    assert _close(pl.probability(mn, {"S0": "1", f"S{d}": "1"}), math.exp(log_joint))
    jt = pl.JunctionTree(mn)
    assert _close(jt.log_probability({"S0": "1", f"S{d}": "1"}), log_joint)
    marginals = pl.marginals(mn, {"S7": "1"})
    p_same = math.exp(math.log((l1 ** 10 + l2 ** 10) / 2) + (n - 10) * math.log(l1)
                      + math.log1p((l2 / l1) ** (n - 10)) - log_z) / 0.5 / 2
    assert abs(marginals["S17"].values[1] - p_same) < 1e-12
    assert np.isfinite(np.concatenate([f.values for f in marginals.values()])).all()
    # MPE given one spin: all aligned, probability e^{NK} / (Z / 2)
    result = pl.map_query(mn, evidence={"S3": "1"})
    assert set(result.assignment.values()) == {"1"}
    assert _close(result.log_probability, n * k - log_z + math.log(2))
    assert _close(result.probability, math.exp(n * k - log_z + math.log(2)))


# -- torus: Kaufman (1949) -------------------------------------------------------------------------
def _kaufman_log_z(m, n, k):
    """log Z of the m x n periodic Ising lattice, isotropic coupling k (Kaufman 1949)."""
    def gamma(j):
        if j == 0:
            return 2 * k + math.log(math.tanh(k))  # signed: negative below the critical point
        return math.acosh(math.cosh(2 * k) ** 2 / math.sinh(2 * k) - math.cos(math.pi * j / n))

    terms = []
    for parity, fn in [(1, math.cosh), (1, math.sinh), (0, math.cosh), (0, math.sinh)]:
        values = [2 * fn(m * gamma(2 * r + parity) / 2) for r in range(n)]
        sign = math.prod(np.sign(values))
        terms.append((sign, math.fsum(math.log(abs(v)) for v in values)))
    top = max(t for _, t in terms)
    total = math.fsum(s * math.exp(t - top) for s, t in terms)
    return math.log(0.5) + m * n / 2 * math.log(2 * math.sinh(2 * k)) + top + math.log(total)


def _torus(m, n, k):
    pair = np.exp(k * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    name = "T{}_{}".format
    edges = [(name(i, j), name(i, (j + 1) % n)) for i in range(m) for j in range(n)]
    edges += [(name(i, j), name((i + 1) % m, j)) for i in range(m) for j in range(n)]
    return pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, pair) for e in edges])


def test_kaufman_formula_itself_matches_brute_force():
    for m, n, k in [(3, 3, 0.3), (3, 4, 0.9)]:
        z = sum(math.exp(k * ((s * np.roll(s, 1, 0)).sum() + (s * np.roll(s, 1, 1)).sum()))
                for s in (np.array(c).reshape(m, n) for c in itertools.product([-1, 1], repeat=m * n)))
        assert _close(_kaufman_log_z(m, n, k), math.log(z))


@pytest.mark.parametrize("m,n,k", [(4, 40, 0.8), (6, 12, 0.3), (5, 60, 1.5)])
def test_torus_partition_function_matches_kaufman(m, n, k):
    # a 30 x 30 torus has treewidth about 60 (2**60 entries): no exact engine can do it; these
    # tori reach Z up to 10**400 with tables of a few thousand entries
    mn = _torus(m, n, k)
    log_z = _kaufman_log_z(m, n, k)
    assert _close(pl.log_partition_function(mn), log_z)
    assert _close(pl.JunctionTree(mn).log_probability({"T0_0": "0"}), math.log(0.5))
    np.testing.assert_allclose(pl.marginals(mn)[f"T{m - 1}_{n - 1}"].values, [0.5, 0.5], rtol=REL)
    assignment, p = pl.map_query(mn, evidence={"T0_0": "0"})
    assert set(assignment.values()) == {"0"}  # ferromagnetic ground state
    n_edges = 2 * m * n
    assert _close(math.log(p), k * n_edges - log_z + math.log(2))


# -- a long chain with many observations, against a log-space forward-backward ------------------
T = np.array([[0.6, 0.4], [0.3, 0.7]])


def _chain(n):
    cpds = [pl.TabularCPD("X0", [0.5, 0.5])]
    cpds += [pl.TabularCPD(f"X{i + 1}", T, [f"X{i}"]) for i in range(n - 1)]
    return pl.BayesianNetwork([(f"X{i}", f"X{i + 1}") for i in range(n - 1)], cpds=cpds)


def _forward_backward(n, evidence):
    """Log-space forward-backward: log P(e), posterior marginals, Viterbi log max."""
    log_t = np.log(T)
    like = [np.zeros(2) if i not in evidence else np.log(np.eye(2)[evidence[i]] + 1e-300) for i in range(n)]
    alpha = [np.log([0.5, 0.5]) + like[0]]
    delta = [alpha[0]]
    for i in range(1, n):
        alpha.append(np.logaddexp.reduce(alpha[-1][:, None] + log_t, axis=0) + like[i])
        delta.append((delta[-1][:, None] + log_t).max(axis=0) + like[i])
    beta = [np.zeros(2)] * n
    for i in range(n - 2, -1, -1):
        beta[i] = np.logaddexp.reduce(log_t + (like[i + 1] + beta[i + 1])[None, :], axis=1)
    log_e = float(np.logaddexp.reduce(alpha[-1]))
    posts = [np.exp(a + b - log_e) for a, b in zip(alpha, beta)]
    return log_e, posts, float(delta[-1].max())


def test_chain_of_4001_nodes_with_2000_observations_matches_forward_backward():
    n = 4001
    bn = _chain(n)
    observed = {i: int((i // 2) % 3 == 0) for i in range(1, n, 2)}
    evidence = {f"X{i}": str(s) for i, s in observed.items()}
    log_e, posts, log_best = _forward_backward(n, observed)
    assert log_e / math.log(10) < -600
    assert _close(pl.log_probability(bn, evidence), log_e)
    assert pl.probability(bn, evidence) == 0.0  # below the smallest float: reported through the log
    frame = pd.DataFrame([evidence])
    assert _close(float(pl.log_probability(bn, frame)[0]), log_e)
    np.testing.assert_allclose(pl.query(bn, ["X0"], evidence).values, posts[0], rtol=REL)
    marginals = pl.marginals(bn, evidence)
    for i in (0, 2, 2000, 4000):
        np.testing.assert_allclose(marginals[f"X{i}"].values, posts[i], rtol=1e-8)
    assignment, p = pl.map_query(bn, ["X0"], evidence)  # no false ZeroEvidenceError
    assert assignment == {"X0": str(int(np.argmax(posts[0])))} and _close(p, posts[0].max())
    mpe = pl.map_query(bn, evidence=evidence)
    assert _close(mpe.log_probability, log_best - log_e)


def test_impossible_evidence_is_decided_from_exact_zeros_only():
    n = 801
    bn = _chain(n)
    bn.add_cpd(pl.TabularCPD("X800", [[1.0, 0.0], [1.0, 0.0]], ["X799"]))  # X800 is always 0
    evidence = {f"X{i}": "1" for i in range(1, n, 2)}
    evidence["X800"] = "1"  # impossible, and P(the rest) is about 1e-200: a zero, not an underflow
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.query(bn, ["X0"], evidence)
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.marginals(bn, evidence)
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.map_query(bn, ["X0"], evidence)
    assert pl.log_probability(bn, evidence) == -math.inf
    evidence["X800"] = "0"
    assert math.isfinite(pl.log_probability(bn, evidence))
    assert pl.query(bn, ["X0"], evidence).values.sum() == pytest.approx(1.0)


# -- any number of factors per contraction ------------------------------------------------------
def test_64_factors_on_one_pair_and_a_naive_bayes_with_80_observed_children():
    table = np.array([[1.0, 2.0], [3.0, 4.0]])
    mn = pl.MarkovNetwork([("A", "B")], [pl.DiscreteFactor(["A", "B"], table) for _ in range(64)])
    assert _close(mn.partition_function(), float((table ** 64).sum()), rel=1e-12)
    np.testing.assert_allclose(pl.marginals(mn)["A"].values,
                               (table ** 64).sum(1) / (table ** 64).sum(), rtol=REL)
    children = [f"F{i}" for i in range(80)]
    rng = np.random.default_rng(0)
    cpds = [pl.TabularCPD("Y", [0.3, 0.7])]
    tables = [rng.dirichlet([1, 1], size=2) for _ in children]
    cpds += [pl.TabularCPD(c, t, ["Y"]) for c, t in zip(children, tables)]
    bn = pl.BayesianNetwork([("Y", c) for c in children], cpds=cpds)
    evidence = {c: str(i % 2) for i, c in enumerate(children)}
    log_post = np.log([0.3, 0.7]) + sum(np.log(t[:, i % 2]) for i, t in enumerate(tables))
    expected = np.exp(log_post - np.logaddexp.reduce(log_post))
    np.testing.assert_allclose(pl.query(bn, ["Y"], evidence).values, expected, rtol=REL)
    np.testing.assert_allclose(pl.marginals(bn, evidence)["Y"].values, expected, rtol=REL)
    assert _close(pl.log_probability(bn, evidence), float(np.logaddexp.reduce(log_post)))


# -- a variable in no factor -------------------------------------------------------------------
def test_a_variable_in_no_factor_is_uniform_and_multiplies_z():
    pair = pl.DiscreteFactor(["A", "B"], [[1.0, 2.0], [3.0, 4.0]])
    mn = pl.MarkovNetwork([("A", "B")], [pair], variables=["A", "B", "C"], states={"C": ["x", "y", "z"]})
    assert mn.partition_function() == pytest.approx(3 * 10.0, rel=1e-12)
    np.testing.assert_allclose(pl.query(mn, ["C"]).values, [1 / 3] * 3)
    np.testing.assert_allclose(pl.marginals(mn)["C"].values, [1 / 3] * 3)
    np.testing.assert_allclose(pl.query(mn, ["A"], {"C": "y"}).values, [0.3, 0.7])
    assert pl.probability(mn, {"C": "z"}) == pytest.approx(1 / 3)
    with pytest.raises(pl.StructureError, match="variables in no factor"):
        pl.MarkovNetwork([("A", "B")]).partition_function()  # no factor at all: structure only


# -- scaling the factors leaves everything but log Z unchanged ----------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_scaling_factors_by_powers_of_ten_changes_only_log_z(seed, data):
    mn = random_markov_network(7, n_factors=9, max_scope=3, max_cardinality=3, rng=seed)
    factors = mn.factors()
    powers = data.draw(st.lists(st.integers(-200, 200), min_size=len(factors), max_size=len(factors)))
    scaled = pl.MarkovNetwork(mn.edges, [f.with_values(f.values * 10.0 ** p) for f, p in zip(factors, powers)],
                              states={v: mn.states(v) for v in mn.variables})
    shift = sum(powers) * math.log(10)
    assert _close(pl.log_partition_function(scaled) - shift, pl.log_partition_function(mn))
    evidence = {mn.variables[0]: 1}
    target = mn.variables[-1]
    np.testing.assert_allclose(pl.query(scaled, [target], evidence).values,
                               pl.query(mn, [target], evidence).values, rtol=REL, atol=1e-15)
    for v, f in pl.marginals(scaled, evidence).items():
        np.testing.assert_allclose(f.values, pl.query(mn, [v], evidence).values if v not in evidence
                                   else f.values, rtol=1e-8, atol=1e-14)
    got, want = pl.map_query(scaled, evidence=evidence), pl.map_query(mn, evidence=evidence)
    assert got.assignment == want.assignment
    assert _close(got.log_probability, want.log_probability)
    assert _close(pl.log_probability(scaled, evidence), pl.log_probability(mn, evidence))


def test_random_models_still_match_brute_force_when_scaled():
    mn = random_markov_network(6, n_factors=8, max_scope=2, max_cardinality=3, rng=3)
    big = pl.MarkovNetwork(mn.edges, [f.with_values(f.values * 1e250) for f in mn.factors()],
                           states={v: mn.states(v) for v in mn.variables})
    joint = brute_force_joint(mn)
    for v in mn.variables:
        np.testing.assert_allclose(pl.query(big, [v]).values,
                                   joint.marginalize([u for u in mn.variables if u != v]).values, rtol=REL)


# -- elimination orders: one min-fill, capped in time --------------------------------------------
def test_min_fill_falls_back_to_min_degree_when_out_of_time(monkeypatch):
    mn = random_markov_network(40, n_factors=80, max_scope=3, max_cardinality=2, rng=1)
    monkeypatch.setattr(tuning, "MIN_FILL_SECONDS", 0.0)
    with pytest.warns(RuntimeWarning, match=r"min-fill ordering stopped after 0 s .* by min-degree"):
        order = pl.elimination_order(mn, "min-fill")
    assert order == pl.elimination_order(mn, "min-degree")
    monkeypatch.setattr(tuning, "MIN_FILL_SECONDS", 60.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(pl.elimination_order(mn, "min-fill")) == sorted(mn.variables)


def test_min_fill_on_a_large_sparse_instance():
    # thousands of variables: incremental scores with a lazy heap (no timing asserted); a 3 x 1500
    # ladder has treewidth 3, which min-fill finds
    name = "L{}_{}".format
    edges = [(name(i, j), name(i, j + 1)) for i in range(3) for j in range(1499)]
    edges += [(name(i, j), name(i + 1, j)) for i in range(2) for j in range(1500)]
    mn = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, [[1.0, 2.0], [2.0, 1.0]]) for e in edges])
    order = pl.elimination_order(mn, "min-fill")
    assert sorted(order) == sorted(mn.variables)
    assert pl.induced_width(mn, order) == 3


def test_junction_tree_structure_keyword_is_renamed_with_a_warning():
    bn = pl.example("sprinkler")
    new = pl.elimination.junction_tree_structure(bn, elimination_order="min-degree")
    with pytest.warns(DeprecationWarning, match=r"heuristic=\) is deprecated; use elimination_order="):
        old = pl.elimination.junction_tree_structure(bn, heuristic="min-degree")
    assert old == new


# -- all marginals consider memory ---------------------------------------------------------------
def _hub(n_roots=10):
    roots = [f"R{i}" for i in range(n_roots)]
    rng = np.random.default_rng(4)
    cpds = [pl.TabularCPD(r, rng.dirichlet([1, 1])) for r in roots]
    cpds.append(pl.TabularCPD("C", rng.dirichlet([1, 1], size=(2,) * n_roots), roots))
    return pl.BayesianNetwork([(r, "C") for r in roots], cpds=cpds)


def test_marginals_answer_by_elimination_when_the_tree_does_not_fit():
    bn = _hub()
    with pytest.raises(pl.MemoryLimitError, match="junction tree needs"):
        pl.JunctionTree(bn, max_memory=10_000)
    got = pl.marginals(bn, {"R0": "1"}, max_memory=10_000)  # per-variable plans are tiny
    joint = brute_force_joint(bn)
    for v, f in got.items():
        if v == "R0":
            continue
        reduced = joint.reduce({"R0": 1})
        expected = reduced.marginalize([u for u in reduced.variables if u != v]).values
        np.testing.assert_allclose(f.values, expected / expected.sum(), rtol=REL)
    with pytest.raises(pl.MemoryLimitError, match="per-variable elimination does not fit either"):
        pl.marginals(_hub(13), {"C": "1"}, max_memory=64)


# -- compile_query rough edges -------------------------------------------------------------------
def test_compiled_query_refuses_nan_and_extra_columns_with_clear_messages():
    bn = pl.example("asia")
    cq = pl.compile_query(bn, ["lung"], ["smoke", "xray"])
    frame = pd.DataFrame({"smoke": ["yes", None], "xray": ["yes", "no"]})
    with pytest.raises(pl.PGMError, match=r"^evidence row 1 has no value for 'smoke' \(NaN/None\): a compiled "
                                          r"query needs a state for every evidence variable") as err:
        cq(frame)
    assert "fit_em" not in str(err.value)
    with pytest.raises(pl.PGMError, match="evidence row 0 has no value for 'xray'"):
        cq(np.array([[0.0, np.nan]]))
    extra = pd.DataFrame({"smoke": ["yes"], "xray": ["no"], "dysp": ["yes"]})
    with pytest.raises(pl.VariableNotFoundError, match=r"column\(s\) \['dysp'\] are not evidence variables "
                                                       r"of this query; evidence variables: \['smoke', 'xray'\]"):
        cq(extra)
    post, p_e = cq(frame.iloc[:1])
    np.testing.assert_allclose(p_e, [pl.probability(bn, {"smoke": "yes", "xray": "yes"})])
    np.testing.assert_allclose(cq.log_evidence_probability(frame.iloc[:1]), np.log(p_e))


def test_scalar_factors_multiply_z():
    import io

    mn = pl.read_uai(io.StringIO("MARKOV\n1\n2\n2\n1 0\n0\n2\n0.5 0.5\n1\n3.0\n"))
    assert mn.partition_function() == pytest.approx(3.0, rel=1e-12)
    assert mn.log_partition_function() == pytest.approx(np.log(3.0), rel=1e-12)
    assert pl.query(mn, ["X0"]).values.tolist() == pytest.approx([0.5, 0.5])
