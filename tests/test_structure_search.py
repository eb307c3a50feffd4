"""The structure search's family scorer: batched, derived and cached counts equal fresh ones."""

import itertools

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.learning._scorer import FamilyScorer
from pgm_lite.testing import random_network

SCORES = ["bic", "aic", "bdeu", "k2", "loglik"]


@pytest.fixture(scope="module")
def coded():
    """Codes ``(d, n)`` and cardinalities of data with a never-seen state (so a zero margin)."""
    bn = random_network(7, max_parents=2, max_cardinality=4, rng=31)
    data = pl.sample(bn, 1500, rng=32)
    codes = np.array([[bn.states(v).index(x) for x in data[v]] for v in bn.variables])
    card = np.array([len(bn.states(v)) for v in bn.variables])
    card[2] += 1  # variable 2 has a state no row takes
    return codes, card


def _score(codes, card, child, parents, kind, ess=2.0):
    """Local score of one family straight from a groupby-free count (the oracle)."""
    r = card[child]
    cell = np.zeros(codes.shape[1], dtype=np.int64)
    for p in parents:
        cell = cell * card[p] + codes[p]
    counts = np.bincount(cell * r + codes[child], minlength=int(np.prod(card[list(parents)])) * r)
    table = counts.reshape(-1, r).astype(float)
    q, n = len(table), codes.shape[1]
    rows = table.sum(axis=1)
    if kind in ("loglik", "bic", "aic"):
        nz = table > 0
        ll = float((table[nz] * np.log((table / np.where(rows > 0, rows, 1)[:, None])[nz])).sum())
        return ll - {"loglik": 0, "bic": 0.5 * np.log(n), "aic": 1.0}[kind] * q * (r - 1)
    from math import lgamma
    a, b = (r, 1.0) if kind == "k2" else (ess / q, ess / q / r)  # K2: N_j + r, N_jk + 1; BDeu: ess/q
    return sum(lgamma(a) - lgamma(rows[j] + a) + sum(lgamma(table[j, k] + b) - lgamma(b) for k in range(r))
               for j in range(q) if rows[j] > 0)


@pytest.mark.parametrize("kind", SCORES)
def test_toggle_column_equals_scoring_each_family_fresh(coded, kind):
    codes, card = coded
    scorer = FamilyScorer(codes, card, kind, 2.0)
    d = len(card)
    for child, parents in [(0, ()), (3, (1,)), (5, (0, 2)), (6, (1, 3, 4))]:
        adds = np.array([u for u in range(d) if u != child and u not in parents])
        base, column = scorer.column(child, parents, adds)
        assert base == pytest.approx(_score(codes, card, child, parents, kind), rel=1e-10)
        for u in adds:
            family = tuple(sorted((*parents, int(u))))
            assert column[u] + base == pytest.approx(_score(codes, card, child, family, kind), rel=1e-10)
        for p in parents:
            family = tuple(x for x in parents if x != p)
            assert column[p] + base == pytest.approx(_score(codes, card, child, family, kind), rel=1e-10)
        assert np.isneginf(column[child])


@pytest.mark.parametrize("kind", SCORES)
def test_kept_counts_give_the_same_column_as_fresh_counts(coded, kind):
    codes, card = coded
    d = len(card)
    kept = FamilyScorer(codes, card, kind, 2.0)
    kept.column(4, (0, 1, 3), np.array([2, 5, 6]))  # three candidates of 7: only theirs counted
    assert not kept.kept
    kept.column(4, (0, 1), np.array([2, 3, 5, 6]))  # most variables: every one counted and kept
    assert list(kept.kept) == [(4, (0, 1))]
    for shorter in itertools.combinations((0, 1), 1):  # one parent short: a marginal, no data pass
        adds = np.array([u for u in range(d) if u != 4 and u not in shorter])
        fresh = FamilyScorer(codes, card, kind, 2.0)
        np.testing.assert_allclose(kept.column(4, shorter, adds)[1], fresh.column(4, shorter, adds)[1],
                                   rtol=1e-12, atol=1e-9)


def test_chunked_gathered_sparse_and_uncached_counts_agree(coded, monkeypatch):
    codes, card = coded
    d = len(card)
    adds = np.array([u for u in range(d) if u not in (2, 5)])
    expected = FamilyScorer(codes, card, "bic", 1.0).column(2, (5,), adds)[1]
    few = FamilyScorer(codes, card, "bic", 1.0).column(2, (5,), adds[:2])[1]  # gathered rows only
    np.testing.assert_allclose(few[adds[:2]], expected[adds[:2]], rtol=1e-12)
    assert np.isneginf(few[adds[2:]]).all()
    monkeypatch.setattr(pl.tuning, "STRUCTURE_BATCH_ENTRIES", 1000)  # many row chunks
    np.testing.assert_allclose(FamilyScorer(codes, card, "bic", 1.0).column(2, (5,), adds)[1], expected,
                               rtol=1e-12)
    monkeypatch.setattr(pl.tuning, "STRUCTURE_DENSE_CELLS", 4)  # every family one at a time
    np.testing.assert_allclose(FamilyScorer(codes, card, "bic", 1.0).column(2, (5,), adds)[1], expected,
                               rtol=1e-12)
    tiny = codes[:, :2]  # 2 rows: families past 4 * 2 cells count only the cells that occur
    adds = np.array([0, 2, 5])
    sparse = FamilyScorer(tiny, card, "k2", 1.0).column(6, (1, 3, 4), adds)
    monkeypatch.undo()
    dense = FamilyScorer(tiny, card, "k2", 1.0).column(6, (1, 3, 4), adds)
    assert sparse[0] == pytest.approx(dense[0], rel=1e-12)
    np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-12)


@pytest.mark.parametrize("kind", SCORES)
def test_all_pairs_at_once_equal_each_one_parent_family(coded, kind):
    codes, card = coded
    no_parent, one = FamilyScorer(codes, card, kind, 2.0).pairs()
    for v in range(len(card)):
        assert no_parent[v] == pytest.approx(_score(codes, card, v, (), kind), rel=1e-10)
        for u in range(len(card)):
            if u != v:
                assert one[u, v] == pytest.approx(_score(codes, card, v, (u,), kind), rel=1e-10)
    assert np.isneginf(np.diagonal(one)).all()


def test_search_results_do_not_depend_on_the_count_paths_or_an_earlier_call(monkeypatch):
    bn = random_network(9, max_parents=3, max_cardinality=3, rng=41)
    data, other = pl.sample(bn, 3000, rng=42), pl.sample(bn, 800, rng=43)
    first = pl.learn_structure(data).edges
    assert pl.learn_structure(other).edges != first  # different data, different search...
    assert pl.learn_structure(data).edges == first  # ...and nothing carried over between calls
    monkeypatch.setattr(pl.tuning, "STRUCTURE_COUNT_CACHE_CELLS", 0)  # nothing kept
    assert pl.learn_structure(data).edges == first
    monkeypatch.setattr(pl.tuning, "STRUCTURE_BATCH_ENTRIES", 500)  # pairs and columns in chunks
    assert pl.learn_structure(data).edges == first
    monkeypatch.setattr(pl.tuning, "STRUCTURE_DENSE_CELLS", 40)  # no all-pairs matrix, sparse families
    assert pl.learn_structure(data).edges == first


def test_tiny_inputs():
    one_variable = FamilyScorer(np.zeros((1, 5), dtype=np.int64), np.array([2]), "bic", 1.0)
    assert one_variable.pairs() is None
    assert one_variable.column(0, (), np.zeros(0, dtype=np.int64))[0] == pytest.approx(0.0 - 0.5 * np.log(5))
