"""Loopy belief propagation and mean field: exact on trees, libDAI's published numbers, bounds, errors."""

from pathlib import Path

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_markov_network

DATA = Path(__file__).parent / "data"


# -- models -------------------------------------------------------------------------------------
def random_polytree(n, rng, max_parents=3, max_cardinality=3):
    """A random polytree BN: each node's parents come from distinct components (no undirected cycle)."""
    rng = np.random.default_rng(rng)
    names = [f"X{i}" for i in range(n)]
    cards = {v: int(rng.integers(2, max_cardinality + 1)) for v in names}
    component = list(range(n))

    def find(i):
        while component[i] != i:
            i = component[i]
        return i

    cpds = []
    for i, v in enumerate(names):
        parents = []
        for p in rng.permutation(i)[: int(rng.integers(0, max_parents + 1))]:
            if find(int(p)) not in {find(names.index(q)) for q in parents} and find(int(p)) != find(i):
                parents.append(names[int(p)])
        for q in parents:
            component[find(names.index(q))] = find(i)
        shape = (*[cards[p] for p in parents], cards[v])
        table = rng.dirichlet(np.ones(cards[v]), size=int(np.prod(shape[:-1]))).reshape(shape)
        states = {u: [f"s{j}" for j in range(cards[u])] for u in (*parents, v)}
        cpds.append(pl.TabularCPD(v, table, parents, states))
    return pl.BayesianNetwork(cpds=cpds, variables=list(rng.permutation(names)))


def random_tree_mn(n, rng, max_scope=3, max_cardinality=3, n_factors=None):
    """A random MN whose factor graph is a forest: each factor joins variables of distinct components."""
    rng = np.random.default_rng(rng)
    names = [f"V{i}" for i in range(n)]
    cards = {v: int(rng.integers(2, max_cardinality + 1)) for v in names}
    component = {v: v for v in names}

    def find(v):
        while component[v] != v:
            v = component[v]
        return v

    factors = [pl.DiscreteFactor([v], rng.uniform(0.2, 2.0, cards[v])) for v in names if rng.random() < 0.7]
    for _ in range(n_factors or n):
        size = int(rng.integers(2, max_scope + 1))
        scope = []
        for v in rng.permutation(names):
            if find(str(v)) not in {find(u) for u in scope}:
                scope.append(str(v))
            if len(scope) == size:
                break
        if len(scope) < 2:
            continue
        for u in scope[1:]:
            component[find(u)] = find(scope[0])
        factors.append(pl.DiscreteFactor(scope, rng.uniform(0.05, 3.0, [cards[v] for v in scope])))
    covered = {v for f in factors for v in f.variables}
    factors += [pl.DiscreteFactor([v], rng.uniform(0.2, 2.0, cards[v])) for v in names if v not in covered]
    states = {v: [f"s{j}" for j in range(cards[v])] for v in names}
    return pl.MarkovNetwork(factors=factors, variables=names, states=states)


def grid(n, coupling, field=0.5, rng=0, periodic=False):
    """An n x n binary Ising grid with random couplings ~ N(0, coupling) and fields ~ N(0, field)."""
    rng = np.random.default_rng(rng)
    name = [[f"g{i}_{j}" for j in range(n)] for i in range(n)]
    factors = []
    for i in range(n):
        for j in range(n):
            h = rng.normal(0, field)
            factors.append(pl.DiscreteFactor([name[i][j]], np.exp([h, -h])))
            for a, b in ((i + 1, j), (i, j + 1)):
                if periodic or (a < n and b < n):
                    w = rng.normal(0, coupling)
                    factors.append(pl.DiscreteFactor([name[i][j], name[a % n][b % n]],
                                                     np.exp([[w, -w], [-w, w]])))
    return pl.MarkovNetwork(factors=factors, variables=[v for row in name for v in row])


def read_fg(path):
    """libDAI's factor-graph format: per factor, labels, cardinalities and (index, value) pairs."""
    lines = [line.strip() for line in Path(path).read_text().splitlines() if not line.startswith("#")]
    tokens = iter([line for line in lines if line])
    factors = []
    for _ in range(int(next(tokens))):
        next(tokens)
        labels = next(tokens).split()
        cards = [int(x) for x in next(tokens).split()]
        values = np.zeros(int(np.prod(cards)))
        for _ in range(int(next(tokens))):
            i, value = next(tokens).split()
            values[int(i)] = float(value)
        # libDAI's linear index runs fastest over the first listed variable
        factors.append(pl.DiscreteFactor([f"x{u}" for u in labels], values.reshape(cards, order="F")))
    names = sorted({v for f in factors for v in f.variables}, key=lambda v: int(v[1:]))
    return pl.MarkovNetwork(factors=factors, variables=names)


def assert_marginals_close(approx, exact, atol):
    assert list(approx) == list(exact)
    for v in exact:
        assert approx[v].variables == exact[v].variables
        np.testing.assert_allclose(approx[v].values, exact[v].values, atol=atol, rtol=0, err_msg=v)


def pick_evidence(model, rng, k):
    rng = np.random.default_rng(rng)
    chosen = rng.choice(model.variables, size=k, replace=False)
    return {str(v): model.states(str(v))[int(rng.integers(model.cardinality(str(v))))] for v in chosen}


# -- exact on trees -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_evidence", [0, 2])
def test_polytree_marginals_and_bethe_log_z_are_exact(seed, n_evidence):
    bn = random_polytree(12, seed)
    evidence = pick_evidence(bn, seed + 100, n_evidence)
    bp = pl.loopy_belief_propagation(bn, evidence)
    assert bp.converged
    assert_marginals_close(bp.marginals, pl.marginals(bn, evidence), atol=1e-9)
    expected = np.log(pl.probability(bn, evidence)) if evidence else 0.0
    assert bp.log_partition_function == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("schedule", ["parallel", "sequential", "residual"])
def test_tree_markov_network_is_exact_under_every_schedule(seed, schedule):
    mn = random_tree_mn(10, seed, n_factors=6)  # a forest with unary, pairwise and triple factors
    bp = pl.loopy_belief_propagation(mn, schedule=schedule, tol=1e-13)
    assert bp.converged
    joint = brute_force_joint(mn)
    for v in mn.variables:
        others = [u for u in mn.variables if u != v]
        np.testing.assert_allclose(bp.marginals[v].values, joint.marginalize(others).values, atol=1e-9)
    assert bp.log_partition_function == pytest.approx(np.log(mn.partition_function()), abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_tree_factor_marginals_are_exact_family_marginals(seed):
    mn = random_tree_mn(8, seed, n_factors=5)
    evidence = pick_evidence(mn, seed, 1)
    bp = pl.loopy_belief_propagation(mn, evidence)
    joint = brute_force_joint(mn)
    (v, s), = evidence.items()
    k = mn.states(v).index(s)
    values = np.moveaxis(joint.values, mn.variables.index(v), 0).copy()
    mask = np.zeros_like(values)
    mask[k] = values[k]
    posterior = np.moveaxis(mask / mask.sum(), 0, mn.variables.index(v))
    factors = mn.factors()
    assert len(bp.factor_marginals) == len(factors)
    for belief, factor in zip(bp.factor_marginals, factors):
        assert belief.variables == factor.variables
        axes = tuple(i for i, u in enumerate(mn.variables) if u not in factor.variables)
        kept = [u for u in mn.variables if u in factor.variables]
        expected = posterior.sum(axis=axes)
        expected = np.transpose(expected, [kept.index(u) for u in factor.variables])
        np.testing.assert_allclose(belief.values, expected, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_max_product_decodes_the_exact_map_on_trees(seed):
    bn = random_polytree(10, seed)
    evidence = pick_evidence(bn, seed, 2)
    bp = pl.loopy_belief_propagation(bn, evidence, max_product=True)
    assert bp.converged and bp.log_partition_function is None
    assert bp.assignment == pl.map_query(bn, evidence=evidence).assignment
    mn = random_tree_mn(9, seed)
    assert pl.loopy_belief_propagation(mn, max_product=True).assignment == pl.map_query(mn).assignment


def test_damping_keeps_the_fixed_point():
    bn = random_polytree(10, 3)
    plain = pl.loopy_belief_propagation(bn, tol=1e-13)
    damped = pl.loopy_belief_propagation(bn, damping=0.5, tol=1e-13)
    assert damped.iterations > plain.iterations
    assert_marginals_close(damped.marginals, plain.marginals, atol=1e-9)


# -- loopy models ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_schedules_reach_the_same_fixed_point_on_weak_couplings(seed):
    mn = grid(5, coupling=0.3, rng=seed)
    results = [pl.loopy_belief_propagation(mn, schedule=s, tol=1e-13, rng=seed)
               for s in ("parallel", "sequential", "residual")]
    assert all(r.converged for r in results)
    for r in results[1:]:
        assert_marginals_close(r.marginals, results[0].marginals, atol=1e-8)
        assert r.log_partition_function == pytest.approx(results[0].log_partition_function, abs=1e-8)


def test_fixed_point_beliefs_are_locally_consistent():
    mn = random_markov_network(8, n_factors=10, max_scope=3, rng=4)
    bp = pl.loopy_belief_propagation(mn, tol=1e-12, damping=0.3)
    assert bp.converged
    for belief in bp.factor_marginals:
        for v in belief.variables:
            rest = [u for u in belief.variables if u != v]
            np.testing.assert_allclose(belief.marginalize(rest).values, bp.marginals[v].values, atol=1e-8)


def test_weak_loops_give_near_exact_marginals():
    # BP's error on a loop of length L with couplings w is O(tanh(w)^L): 4-cycles, w ~ 0.05
    mn = grid(3, coupling=0.05, field=0.5, rng=1)
    bp = pl.loopy_belief_propagation(mn)
    joint = brute_force_joint(mn)
    for v in mn.variables:
        exact = joint.marginalize([u for u in mn.variables if u != v]).values
        np.testing.assert_allclose(bp.marginals[v].values, exact, atol=1e-4)
    assert bp.log_partition_function == pytest.approx(np.log(mn.partition_function()), abs=1e-4)


# libDAI tests/testfast.out for tests/testfast.fg (github.com/dbtsai/libDAI, commits a99ba6f / 71d8671)
LIBDAI_EXACT = [0.3888, 0.5556, 0.4587, 0.5480, 0.6660, 0.2107, 0.8178, 0.2327,
                0.2171, 0.2052, 0.7665, 0.1217, 0.4214, 0.5348, 0.6291, 0.1357]
LIBDAI_BP = [0.4233, 0.5422, 0.4662, 0.5424, 0.6042, 0.1845, 0.8203, 0.2292,
             0.3119, 0.2975, 0.7268, 0.1485, 0.4512, 0.5266, 0.6033, 0.1558]
LIBDAI_MF = [2.053e-01, 9.163e-01, 1.579e-01, 6.986e-01, 8.982e-01, 1.830e-01, 9.597e-01, 1.841e-01,
             4.385e-03, 5.075e-02, 9.685e-01, 2.957e-02, 9.632e-02, 8.148e-01, 8.338e-01, 5.661e-03]


@pytest.fixture(scope="module")
def testfast():
    mn = read_fg(DATA / "libdai_testfast.fg")
    return mn, np.log(mn.partition_function())


def test_libdai_testfast_exact_marginals_match_the_file(testfast):
    mn, _ = testfast
    exact = pl.marginals(mn)
    np.testing.assert_allclose([exact[f"x{i}"].values[0] for i in range(16)], LIBDAI_EXACT, atol=5e-5)


@pytest.mark.parametrize("schedule", ["parallel", "sequential", "residual"])
def test_libdai_testfast_belief_propagation(testfast, schedule):
    mn, log_z = testfast
    bp = pl.loopy_belief_propagation(mn, schedule=schedule)
    assert bp.converged
    np.testing.assert_allclose([bp.marginals[f"x{i}"].values[0] for i in range(16)], LIBDAI_BP, atol=5e-5)
    assert bp.log_partition_function - log_z == pytest.approx(2.969e-01, abs=5e-5)


def test_libdai_testfast_mean_field(testfast):
    mn, log_z = testfast
    mf = pl.mean_field(mn)
    assert mf.converged
    np.testing.assert_allclose([mf.marginals[f"x{i}"].values[0] for i in range(16)], LIBDAI_MF,
                               rtol=5e-4, atol=5e-7)
    assert mf.elbo - log_z == pytest.approx(-1.608, abs=5e-4)


# -- mean field -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_mean_field_elbo_is_a_monotone_lower_bound(seed):
    mn = random_markov_network(8, n_factors=10, max_scope=3, rng=seed)
    log_z = np.log(mn.partition_function())
    for rng in (None, seed):
        mf = pl.mean_field(mn, rng=rng)
        history = np.array(mf.elbo_history)
        assert np.all(np.diff(history) >= -1e-12)
        assert history.max() <= log_z + 1e-12
        assert mf.elbo == history[-1] and mf.iterations == len(history) - 1


@pytest.mark.parametrize("seed", range(4))
def test_mean_field_bounds_log_evidence_of_a_bayesian_network(seed):
    bn = random_polytree(9, seed)
    evidence = pick_evidence(bn, seed, 2)
    mf = pl.mean_field(bn, evidence)
    assert mf.elbo <= np.log(pl.probability(bn, evidence)) + 1e-12
    assert np.all(np.diff(mf.elbo_history) >= -1e-12)
    for v, s in evidence.items():
        assert mf.marginals[v].values[bn.states(v).index(s)] == 1.0


def test_mean_field_is_exact_on_independent_variables():
    rng = np.random.default_rng(0)
    factors = [pl.DiscreteFactor([v], rng.uniform(0.1, 3.0, k)) for v, k in (("A", 2), ("B", 3), ("C", 4))]
    factors.append(pl.DiscreteFactor(["A"], rng.uniform(0.1, 3.0, 2)))
    mn = pl.MarkovNetwork(factors=factors)
    mf = pl.mean_field(mn, rng=1)
    assert mf.elbo == pytest.approx(np.log(mn.partition_function()), abs=1e-12)
    joint = brute_force_joint(mn)
    for v in mn.variables:
        exact = joint.marginalize([u for u in mn.variables if u != v]).values
        np.testing.assert_allclose(mf.marginals[v].values, exact, atol=1e-12)


# -- results --------------------------------------------------------------------------------------
def test_results_are_read_only_and_describe_themselves():
    bn = pl.example("asia")
    bp = pl.loopy_belief_propagation(bn, {"xray": 0}, max_iter=2)
    assert not bp.converged and bp.iterations == 2 and len(bp.residuals) == 2
    assert bp.max_residual == bp.residuals[-1] > 0
    assert repr(bp).startswith("<LoopyBPResult 8 variables, not converged after 2 iterations log_Z=")
    assert np.array_equal(bp.marginals["xray"].values, [1.0, 0.0])
    assert not bp.marginals["tub"].values.flags.writeable
    mf = pl.mean_field(bn, {"xray": "yes"})
    assert repr(mf).startswith("<MeanFieldResult 8 variables, converged after ")
    with pytest.raises(ValueError):
        mf.marginals["tub"].values[0] = 1.0


# -- errors ---------------------------------------------------------------------------------------
def copy_chain(n):
    """X0 -> X1 -> ... with every child a deterministic copy of its parent."""
    cpds = [pl.TabularCPD("X0", [0.5, 0.5])]
    cpds += [pl.TabularCPD(f"X{i}", [[1.0, 0.0], [0.0, 1.0]], [f"X{i - 1}"]) for i in range(1, n)]
    return pl.BayesianNetwork(cpds=cpds)


@pytest.mark.parametrize("evidence", [
    {"X0": "0", "X1": "1"},  # a fully observed factor is zero
    {"X0": "0", "X2": "1"},  # the evidence leaves X1 no state
    {"X0": "0", "X3": "1"},  # only the messages find out
])
def test_impossible_evidence_raises(evidence):
    bn = copy_chain(4)
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.loopy_belief_propagation(bn, evidence)
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.loopy_belief_propagation(bn, evidence, max_product=True)


def test_mean_field_impossible_evidence_raises():
    with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
        pl.mean_field(copy_chain(3), {"X0": "0", "X2": "1"})


@pytest.mark.parametrize(("options", "error", "match"), [
    ({"schedule": "random"}, pl.OptionError, r"unknown schedule 'random'; choose from \['parallel'"),
    ({"damping": 1.0}, pl.OptionError, r"damping must be in \[0, 1\), got 1.0"),
    ({"damping": -0.5}, pl.OptionError, "damping must be >= 0.0"),
    ({"max_iter": 0}, pl.OptionError, "max_iter must be a positive integer"),
    ({"tol": -1}, pl.OptionError, "tol must be >= 0.0"),
    ({"max_iter": 2.5}, pl.ArgumentTypeError, "max_iter must be an int"),
])
def test_bad_options_raise(options, error, match):
    with pytest.raises(error, match=match):
        pl.loopy_belief_propagation(copy_chain(2), **options)


@pytest.mark.parametrize(("options", "error", "match"), [
    ({"max_iter": 0}, pl.OptionError, "max_iter must be a positive integer"),
    ({"tol": float("nan")}, pl.OptionError, "tol must be finite"),
])
def test_bad_mean_field_options_raise(options, error, match):
    with pytest.raises(error, match=match):
        pl.mean_field(copy_chain(2), **options)


@pytest.mark.parametrize("run", [pl.loopy_belief_propagation, pl.mean_field])
def test_unknown_evidence_raises(run):
    bn = copy_chain(2)
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'X9'"):
        run(bn, {"X9": "0"})
    with pytest.raises(pl.VariableNotFoundError, match="X1"):
        run(bn, {"X1": "maybe"})


# -- choosing a method ----------------------------------------------------------------------------
def test_auto_answers_exactly_when_the_tree_fits_and_by_loopy_otherwise():
    bn = pl.example("asia")
    evidence = {"xray": "yes", "dysp": "no"}
    exact = pl.marginals(bn, evidence, method="auto")
    assert exact.method == "exact" and exact.result is None and exact.reason == ""
    assert_marginals_close(exact, pl.marginals(bn, evidence), atol=0)
    bn = bn.copy()  # a fresh model: no junction tree cached yet
    loopy = pl.marginals(bn, evidence, method="auto", max_memory=1, damping=0.1)
    assert loopy.method == "loopy" and "exact inference does not fit" in loopy.reason
    assert isinstance(loopy.result, pl.LoopyBPResult) and loopy.result.converged
    assert_marginals_close(loopy, pl.loopy_belief_propagation(bn, evidence, damping=0.1).marginals, atol=0)
    with pytest.raises(pl.MemoryLimitError):
        pl.marginals(bn.copy(), evidence, method="exact", max_memory=1)


def test_every_method_answers_close_to_exact():
    bn = pl.example("asia")
    evidence = {"smoke": "yes"}
    exact = pl.marginals(bn, evidence)
    mf = pl.marginals(bn, evidence, ["lung", "tub"], method="mean_field")
    assert mf.method == "mean_field" and list(mf) == ["lung", "tub"]
    assert isinstance(mf.result, pl.MeanFieldResult)
    bn = random_polytree(8, 5)  # no zeros: single-site Gibbs mixes
    evidence = pick_evidence(bn, 5, 1)
    exact = pl.marginals(bn, evidence)
    wanted = [v for v in bn.variables if v not in evidence][:3]
    n = 20_000
    gibbs = pl.marginals(bn, evidence, wanted, method="gibbs", n_samples=n, rng=0)
    assert gibbs.method == "gibbs" and list(gibbs) == wanted
    for v in gibbs:
        p = exact[v].values
        # chains are correlated; allow 10 binomial standard errors
        np.testing.assert_allclose(gibbs[v].values, p, atol=10 * np.sqrt(p * (1 - p) / n).max() + 1e-3)


def test_unknown_method_raises():
    with pytest.raises(pl.OptionError, match=r"unknown method 'bp'; choose from \['exact', 'auto', 'loopy'"):
        pl.marginals(pl.example("asia"), method="bp")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'lungs'"):
        pl.marginals(pl.example("asia"), variables=["lungs"], method="loopy")


def test_fully_observed_models_give_the_exact_probability():
    bn = pl.example("asia")
    evidence = {v: "yes" if v == "smoke" else "no" for v in bn.variables}
    log_p = np.log(pl.probability(bn, evidence))
    bp = pl.loopy_belief_propagation(bn, evidence)
    assert bp.converged and bp.log_partition_function == pytest.approx(log_p, abs=1e-12)
    assert pl.mean_field(bn, evidence).elbo == pytest.approx(log_p, abs=1e-12)
    either = bp.factor_marginals[bn.variables.index("either")]
    assert either.variables == (*bn.parents("either"), "either")
    assert either.values.sum() == 1.0 and either.values[1, 1, 1] == 1.0
