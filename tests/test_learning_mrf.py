"""Markov network learning: maximum likelihood (moment matching) and pseudo-likelihood."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import brute_force_joint, random_markov_network


def _scope_marginal(joint, variables, scope):
    """Marginal of a brute-force joint (axes in ``variables`` order) over ``scope``, in its order."""
    keep = [variables.index(v) for v in scope]
    drop = tuple(i for i in range(len(variables)) if i not in keep)
    table = joint.sum(axis=drop)
    return np.transpose(table, np.argsort(np.argsort(keep)))


def _empirical(data, model, scope):
    shape = [model.cardinality(v) for v in scope]
    codes = [pd.Categorical(data[v].astype(str), categories=model.states(v)).codes for v in scope]
    counts = np.bincount(np.ravel_multi_index(codes, shape), minlength=int(np.prod(shape)))
    return counts.reshape(shape) / len(data)


def _sample_mrf(model, n, seed):
    """Exact samples of a small Markov network from its brute-force joint."""
    joint = brute_force_joint(model)
    p = joint.values.reshape(-1)
    rng = np.random.default_rng(seed)
    flat = rng.choice(p.size, size=n, p=p / p.sum())
    codes = np.unravel_index(flat, joint.values.shape)
    return pd.DataFrame({v: np.asarray(model.states(v))[c] for v, c in zip(joint.variables, codes)})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moment_matching_on_random_small_mrfs(seed):
    truth = random_markov_network(4, 4, max_scope=3, rng=seed)
    data = _sample_mrf(truth, 400, seed)
    fitted = pl.fit(truth, data, tol=1e-10, max_iter=2000)
    joint = brute_force_joint(fitted)
    assert [f.variables for f in fitted.factors()] == list(dict.fromkeys(f.variables for f in truth.factors()))
    for f in fitted.factors():
        model_side = _scope_marginal(joint.values / joint.values.sum(), list(joint.variables), f.variables)
        np.testing.assert_allclose(model_side, _empirical(data, truth, f.variables), atol=1e-6)


def test_mle_beats_random_perturbations():
    truth = random_markov_network(4, 4, rng=7)
    data = _sample_mrf(truth, 300, 3)
    fitted = pl.fit(truth, data)
    best = pl.log_likelihood(fitted, data)
    rng = np.random.default_rng(0)
    for _ in range(20):
        factors = [f.with_values(f.values * np.exp(rng.normal(0, 0.05, f.values.shape)))
                   for f in fitted.factors()]
        other = pl.MarkovNetwork(fitted.edges, factors, variables=fitted.variables)
        assert pl.log_likelihood(other, data) < best
    assert best > pl.log_likelihood(truth, data)


def test_single_factor_mle_is_the_empirical_table():
    mn = pl.MarkovNetwork(factors=[pl.DiscreteFactor(["A", "B"], np.ones((2, 3)))])
    data = pd.DataFrame({"A": list("001101101"), "B": list("012210021")})
    phi = pl.fit(mn, data, tol=1e-12).factors()[0]
    np.testing.assert_allclose(phi.values / phi.values.sum(), _empirical(data, mn, ("A", "B")), atol=1e-7)


def test_tree_mrf_mle_matches_closed_form():
    """On a tree the MLE is the product of edge marginals over node marginals (to scale)."""
    edges = [("A", "B"), ("B", "C"), ("B", "D")]
    truth = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, np.random.default_rng(i).uniform(0.2, 2, (2, 2)))
                                     for i, e in enumerate(edges)])
    data = _sample_mrf(truth, 500, 4)
    fitted = pl.fit(pl.MarkovNetwork(edges), data, tol=1e-12)
    assert fitted.edges == edges
    mine = brute_force_joint(fitted).values
    mine = mine / mine.sum()
    pair = {e: _empirical(data, truth, e) for e in edges}
    single = {v: _empirical(data, truth, (v,)) for v in "ABCD"}
    closed = np.einsum("ab,bc,bd->abcd", pair[("A", "B")], pair[("B", "C")], pair[("B", "D")]) \
        / (single["B"][None, :, None, None] ** 2)
    np.testing.assert_allclose(mine, closed, atol=1e-6)


def test_weights_equal_repeated_rows_and_l2_shrinks():
    mn = pl.MarkovNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["0", "1", "1"], "B": ["0", "0", "1"]})
    weighted = pl.fit(mn, data, weights=[2, 1, 3]).factors()[0].values
    repeated = pl.fit(mn, data.loc[[0, 0, 1, 2, 2, 2]]).factors()[0].values
    np.testing.assert_allclose(weighted / weighted.sum(), repeated / repeated.sum(), atol=1e-6)
    shrunk = pl.fit(mn, data, l2=1.0).factors()[0].values
    spread = np.ptp(np.log(shrunk)), np.ptp(np.log(pl.fit(mn, data, l2=0.01).factors()[0].values))
    assert spread[0] < spread[1]


def test_pseudo_likelihood_equals_mle_on_a_single_factor_and_matches_brute_force_gradient():
    mn = pl.MarkovNetwork([("A", "B")])
    data = pd.DataFrame({"A": list("0011101"), "B": list("0101110")})
    pl_fit = pl.fit(mn, data, method="pseudo_likelihood", tol=1e-12).factors()[0].values
    np.testing.assert_allclose(pl_fit / pl_fit.sum(), _empirical(data, mn, ("A", "B")), atol=1e-6)


def _ising_grid(n, coupling, field):
    names = {(i, j): f"x{i}_{j}" for i in range(n) for j in range(n)}
    edges = [(names[i, j], names[i + di, j + dj]) for i in range(n) for j in range(n)
             for di, dj in ((0, 1), (1, 0)) if i + di < n and j + dj < n]
    factors = [pl.DiscreteFactor(e, np.exp(coupling(k) * np.array([[1, -1], [-1, 1]])))
               for k, e in enumerate(edges)]
    factors += [pl.DiscreteFactor([v], np.exp(field * np.array([-1, 1]))) for v in names.values()]
    return pl.MarkovNetwork(edges, factors, variables=list(names.values())), edges


def _coupling(model, edge):
    for f in model.factors():
        if f.variables == edge:
            t = np.log(f.values)
            return (t[0, 0] + t[1, 1] - t[0, 1] - t[1, 0]) / 4
    raise AssertionError(edge)


def test_pseudo_likelihood_recovers_ising_grid_couplings():
    couplings = np.random.default_rng(3).uniform(-0.4, 0.4, 180)
    truth, edges = _ising_grid(10, lambda k: couplings[k], 0.1)
    data = pl.gibbs_sample(truth, 20_000, burn_in=100, thin=2, n_chains=500, rng=0)
    structure = pl.MarkovNetwork(edges, variables=truth.variables)
    fitted = pl.fit(structure, data, method="pseudo_likelihood", tol=1e-7)
    learned = np.array([_coupling(fitted, e) for e in edges])
    assert np.abs(learned - couplings).max() < 0.05


def test_mle_refuses_a_model_too_big_for_exact_inference():
    truth, edges = _ising_grid(6, lambda k: 0.2, 0.0)
    data = pl.gibbs_sample(truth, 50, rng=0)
    with pytest.raises(pl.MemoryLimitError, match="use method='pseudo_likelihood'"):
        pl.fit(pl.MarkovNetwork(edges), data, max_memory=64)


def test_states_from_data_and_extra_columns():
    mn = pl.MarkovNetwork([("A", "B")])
    data = pd.DataFrame({"A": ["lo", "hi", "hi"], "B": [3, 5, 5], "note": ["x", "y", "z"]})
    with pytest.raises(pl.VariableNotFoundError, match=r"column\(s\) \['note'\] .*ignore_extra=True"):
        pl.fit(mn, data)
    fitted = pl.fit(mn, data, ignore_extra=True)
    assert fitted.states("A") == ("hi", "lo") and fitted.states("B") == ("3", "5")


def test_log_likelihood_of_a_markov_network_is_brute_force(ising4):
    data = pd.DataFrame(list(itertools.product("01", repeat=4)), columns=ising4.variables)
    joint = brute_force_joint(ising4).values
    joint = joint / joint.sum()
    np.testing.assert_allclose(pl.log_likelihood(ising4, data), np.log(joint).sum())


def test_mrf_fit_errors(ising4):
    data = pd.DataFrame({v: ["0", "1"] for v in ising4.variables})
    with pytest.raises(pl.OptionError, match="unknown Markov network fit method 'bayes'; choose from"):
        pl.fit(ising4, data, method="bayes")
    with pytest.raises(pl.OptionError, match="l2 must be >= 0.0"):
        pl.fit(ising4, data, l2=-1)
    with pytest.raises(pl.OptionError, match="max_iter must be a positive integer"):
        pl.fit(ising4, data, max_iter=0)
    with pytest.raises(pl.OptionError, match="tol must be > 0.0"):
        pl.fit(ising4, data, tol=0)
    with pytest.raises(pl.PGMError, match="weights must be 2 finite non-negative numbers"):
        pl.fit(ising4, data, weights=[1, np.nan])
    with pytest.raises(pl.PGMError, match="column 'A' has 1 missing value"):
        pl.fit(ising4, data.assign(A=["0", None]))
    with pytest.raises(pl.PGMError, match="is for Markov networks"):
        pl.fit(pl.BayesianNetwork([("A", "B")]), data[["A", "B"]], method="pseudo_likelihood")


def test_max_iter_warns():
    truth = random_markov_network(4, 4, rng=1)
    data = _sample_mrf(truth, 100, 0)
    with pytest.warns(RuntimeWarning, match="stopped after max_iter=1 iterations"):
        pl.fit(truth, data, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pl.fit(truth, data)
