"""Decomposable scores: pl.score against hand computations (pandas groupby) and pgmpy's scorers."""

import math

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_network


@pytest.fixture(scope="module")
def case():
    bn = random_network(6, max_parents=2, max_cardinality=3, rng=3)
    data = pl.sample(bn, 3000, rng=4)
    return bn, data


def _hand_loglik(bn, data):
    total = 0.0
    for v in bn.variables:
        parents = bn.parents(v)
        joint = data.groupby([*parents, v], observed=True).size()
        joint = joint[joint > 0]
        if parents:
            margin = data.groupby(parents, observed=True).size()
            denom = margin.reindex(joint.index.droplevel(v)).to_numpy()
        else:
            denom = len(data)
        total += float(np.sum(joint.to_numpy() * np.log(joint.to_numpy() / denom)))
    return total


def _free_parameters(bn):
    return sum(math.prod(len(bn.states(p)) for p in bn.parents(v)) * (len(bn.states(v)) - 1)
               for v in bn.variables)


def test_loglik_bic_aic_match_a_groupby_computation(case):
    bn, data = case
    ll = _hand_loglik(bn, data)
    k = _free_parameters(bn)
    assert pl.score(bn, data, score="loglik") == pytest.approx(ll, rel=1e-12)
    assert pl.score(bn, data, score="bic") == pytest.approx(ll - 0.5 * math.log(len(data)) * k, rel=1e-12)
    assert pl.score(bn, data, score="aic") == pytest.approx(ll - k, rel=1e-12)
    # the maximised log-likelihood is the log-likelihood of the MLE fit
    assert pl.score(bn, data, score="loglik") == pytest.approx(pl.log_likelihood(pl.fit(bn, data), data))


def test_k2_and_bdeu_by_hand_on_one_family():
    data = pd.DataFrame({"A": list("0011"), "B": list("0010")})
    bn = pl.BayesianNetwork([("A", "B")])
    lg = math.lgamma
    # family A (no parents): counts (2, 2); family B | A: rows (2, 0) and (1, 1)
    k2 = (lg(2) - lg(6) + 2 * lg(3)) + (lg(2) - lg(4) + lg(3)) + (lg(2) - lg(4) + 2 * lg(2))
    assert pl.score(bn, data, score="k2") == pytest.approx(k2, rel=1e-12)
    ess = 2.0
    a_fam = lg(ess) - lg(4 + ess) + 2 * (lg(2 + ess / 2) - lg(ess / 2))
    a, b = ess / 2, ess / 4
    b_fam = (lg(a) - lg(2 + a) + lg(2 + b) - lg(b)) + (lg(a) - lg(2 + a) + 2 * (lg(1 + b) - lg(b)))
    assert pl.score(bn, data, score="bdeu", equivalent_sample_size=ess) == pytest.approx(a_fam + b_fam, rel=1e-12)


@pytest.mark.parametrize("name, ours", [("BDeu", "bdeu"), ("K2", "k2"), ("BIC", "bic"), ("AIC", "aic")])
def test_scores_match_pgmpy(case, name, ours):
    import pgmpy.estimators as est

    bn, data = case
    frame = data.astype(str)
    kwargs = {"equivalent_sample_size": 5.0} if name == "BDeu" else {}
    scorer = getattr(est, name)(frame, state_names={v: list(bn.states(v)) for v in bn.variables}, **kwargs)
    theirs = sum(scorer.local_score(v, bn.parents(v)) for v in bn.variables)
    mine = pl.score(bn, data, score=ours, equivalent_sample_size=5.0)
    assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-9)


def test_score_is_decomposable_and_ignores_cpds(case):
    bn, data = case
    structure = pl.BayesianNetwork(bn.edges, variables=bn.variables,
                                   states={v: bn.states(v) for v in bn.variables})
    assert pl.score(structure, data, score="bdeu") == pl.score(bn, data, score="bdeu")
    # adding an edge changes only the child's term
    empty = pl.BayesianNetwork(variables=["X0", "X1"], states={v: bn.states(v) for v in ["X0", "X1"]})
    both = pl.BayesianNetwork([("X0", "X1")], states={v: bn.states(v) for v in ["X0", "X1"]})
    sub = data[["X0", "X1"]]
    only_x0 = pl.BayesianNetwork(variables=["X0"], states={"X0": bn.states("X0")})
    gain = pl.score(both, sub) - pl.score(empty, sub)
    assert pl.score(empty, sub) - pl.score(only_x0, sub[["X0"]]) == pytest.approx(
        pl.score(both, sub) - gain - pl.score(only_x0, sub[["X0"]]))


def test_complete_case_and_missing_everywhere():
    data = pd.DataFrame({"A": ["0", "1", None, "1"], "B": ["0", "1", "1", None]})
    bn = pl.BayesianNetwork([("A", "B")])
    assert pl.score(bn, data, score="loglik") == pytest.approx(pl.score(bn, data.dropna(), score="loglik"))
    gappy = pd.DataFrame({"A": ["0", None], "B": [None, "1"]})
    with pytest.raises(pl.PGMError, match="pl.fit_em"):
        pl.score(bn, gappy)


def test_score_errors(case):
    bn, data = case
    with pytest.raises(pl.OptionError, match=r"unknown score 'bdue'; choose from \['bic', 'aic', 'bdeu', 'k2', 'loglik'\]"):
        pl.score(bn, data, score="bdue")
    with pytest.raises(pl.OptionError, match="equivalent_sample_size must be > 0"):
        pl.score(bn, data, score="bdeu", equivalent_sample_size=0)
    with pytest.raises(pl.ArgumentTypeError, match="needs a BayesianNetwork"):
        pl.score(pl.MarkovNetwork([("X0", "X1")]), data)


@pytest.mark.parametrize("kind", ["bic", "aic", "bdeu", "k2", "loglik"])
def test_dense_family_scores_equal_the_sparse_form(kind):
    from pgm_lite.learning.scores import dense_family_scores, family_scores

    rng = np.random.default_rng(3)
    q, r = np.array([2.0, 3.0, 6.0]), 3
    counts = np.zeros((3, 6, r), dtype=np.int64)
    for f, rows in enumerate(q.astype(int)):
        counts[f, :rows] = rng.integers(0, 4, size=(rows, r))
    counts[1, 0] = 0  # an unobserved parent configuration
    sparse = []
    for f in range(3):
        table = counts[f, :int(q[f])].astype(float)
        cells, totals = table[table > 0], table.sum(axis=1)
        sparse.append(family_scores(kind, cells, np.zeros(len(cells), np.intp), totals[totals > 0],
                                    np.zeros(int((totals > 0).sum()), np.intp), q[f:f + 1],
                                    np.full(1, float(r)), 40, 2.0)[0])
    np.testing.assert_allclose(dense_family_scores(kind, counts, q, r, 40, 2.0), sparse, rtol=1e-12)
