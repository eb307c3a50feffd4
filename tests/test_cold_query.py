"""The first question on a freshly read network: small pieces unfolded, tables read per question.

- a single posterior's piece of few CPDs may be planned from its CPDs as they are
  (``tuning.UNFOLDED_PIECE_FACTORS``, 0 by default: every piece folded); a bigger one first
  sums single-child parents in. Both
  answer as brute force, and as each other, with or without evidence zeros;
- the budgeted walk stops as soon as the piece passes its budget, and reads children only
  among the relevant variables (from the parents the ancestry walk read);
- a CPD table is kept as read when its rows sum to exactly one, renormalised otherwise,
  small or big; whether it holds a zero is read from the CPD without renormalising it;
- a big network's coded view fetches only the CPDs its question needs and refuses to read
  more once its model changed;
- which parents a CPD absorbs is read from the structure alone (``collapsed_shape``), so a
  question folds only the tables it uses; a small private tree is folded by one einsum, the
  same table as folding parent by parent;
- a plan's first run divides in Python and gives the same bits as every later run.
"""

import math
import pathlib
import pickle
import sys

import numpy as np
import pandas as pd
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.exceptions import PGMError
from pgm_lite.inference._coded import _renormalised, compiled
from pgm_lite.inference._prune import (
    _Walk,
    ancestor_mask,
    children_of,
    collapsed_entry,
    collapsed_shape,
)
from pgm_lite.inference._query_args import elimination_key
from pgm_lite.testing import brute_force_joint, random_network

DATA = pathlib.Path(__file__).parent / "data"
TOL = 1e-12


def _brute_posterior(joint, query, evidence):
    index = tuple(evidence.get(v, slice(None)) for v in joint.variables)
    kept = [v for v in joint.variables if v not in evidence]
    table = joint.values[index].sum(axis=tuple(i for i, v in enumerate(kept) if v != query))
    total = table.sum()
    return None if total == 0 else table / total


def _cases(bn, rng, n):
    names = bn.variables
    for _ in range(n):
        picked = [names[i] for i in rng.choice(len(names), 1 + int(rng.integers(0, 4)), replace=False)]
        evidence = {v: int(rng.integers(bn.cardinality(v))) for v in picked[1:]}
        yield picked[0], evidence


def _folded(bn):
    """Whether some cached plan of ``bn`` uses a CPD with parents summed in (ids past the CPDs)."""
    c = compiled(bn)
    n = c.n_factors
    return any(f >= n for plan in c.plans.values() if plan.main for f in plan.main.factor_ids)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("budget", [0, 3, 1_024])
def test_unfolded_and_folded_pieces_answer_as_brute_force(seed, budget, monkeypatch):
    monkeypatch.setattr(tuning, "UNFOLDED_PIECE_FACTORS", budget)
    bn = random_network(9, max_parents=seed % 3 + 1, max_cardinality=3, rng=seed,
                        zero_fraction=0.3 * (seed % 2))
    joint = brute_force_joint(bn)
    for query, evidence in _cases(bn, np.random.default_rng(seed), 12):
        expected = _brute_posterior(joint, query, evidence)
        if expected is None:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.query(bn, [query], evidence)
            continue
        got = pl.query(bn, [query], evidence).values
        assert np.abs(got - expected).max() < TOL
        assert pl.query(bn, [query], evidence).values.tobytes() == got.tobytes()  # the same plan


LINKS = 10


def _chain_network():
    # a long chain into Y: every link is a single-child parent, so folding applies everywhere
    edges = [(f"C{i}", f"C{i + 1}") for i in range(LINKS - 1)] + [(f"C{LINKS - 1}", "Y"), ("Z", "Y")]
    graph = pl.BayesianNetwork(edges)
    rng = np.random.default_rng(5)
    cpds = []
    for v in graph.variables:
        parents = graph.parents(v)
        table = rng.random((3,) * (len(parents) + 1)) + 0.05
        cpds.append(pl.TabularCPD(v, table / table.sum(-1, keepdims=True), parents,
                                  {u: ["a", "b", "c"] for u in (*parents, v)}))
    return pl.BayesianNetwork(cpds=cpds)


def test_a_small_piece_is_planned_from_its_cpds_and_a_big_one_folded(monkeypatch):
    bn = _chain_network()
    expected = _brute_posterior(brute_force_joint(bn), "Y", {"Z": 1})
    monkeypatch.setattr(tuning, "UNFOLDED_PIECE_FACTORS", 1_024)
    assert np.abs(pl.query(bn, ["Y"], {"Z": "b"}).values - expected).max() < TOL
    assert not _folded(bn)  # 11 CPDs: inside the budget
    for budget in (4, 0):  # 0: every piece folded
        monkeypatch.setattr(tuning, "UNFOLDED_PIECE_FACTORS", budget)
        folded = bn.copy()
        np.testing.assert_allclose(pl.query(folded, ["Y"], {"Z": "b"}).values, expected, rtol=0, atol=TOL)
        assert _folded(folded)
    monkeypatch.setattr(tuning, "UNFOLDED_PIECE_FACTORS", 4)
    few = bn.copy()
    # observing C7 leaves C8, C9 and Y: 3 CPDs, inside even this budget
    got = pl.query(few, ["Y"], {"C7": "a", "Z": "c"}).values
    assert not _folded(few)
    np.testing.assert_allclose(got, _brute_posterior(brute_force_joint(bn), "Y", {"C7": 0, "Z": 2}),
                               rtol=0, atol=TOL)


def test_the_budgeted_walk_stops_past_its_budget_and_reads_relevant_children_only():
    bn = _chain_network()
    c = compiled(bn)
    y, z = c.index["Y"], c.index["Z"]
    walk = _Walk(c, (y,), (z,), False)
    # Y and the chain unobserved: their 11 CPDs (Z's own CPD is not reached)
    assert walk.plain((y,), set(), LINKS) is None
    found = walk.plain((y,), set(), LINKS + 1)
    assert found is not None and sorted(found) == sorted(set(range(len(c.names))) - {z})
    kids = walk.relevant_children()
    relevant = ancestor_mask(c, (y, z))
    for v in range(len(c.names)):
        want = [u for u in children_of(c, v) if relevant >> u & 1]
        assert kids.get(v, []) == want
    # the barren part below an observed variable is never relevant
    walk = _Walk(c, (c.index["C3"],), (), False)
    assert max(walk.relevant_children(), default=-1) < c.index["C3"]
    assert sorted(walk.plain((c.index["C3"],), set())) == [c.index[f"C{i}"] for i in range(4)]


def test_tables_summing_to_one_are_kept_and_others_renormalised():
    exact = np.array([[0.25, 0.75], [0.5, 0.5]])
    exact.flags.writeable = False
    assert _renormalised(exact) is exact
    rounded = np.array([[0.2, 0.3, 0.5000001], [0.1, 0.1, 0.8]])
    got = _renormalised(rounded)
    np.testing.assert_allclose(got, rounded / rounded.sum(-1, keepdims=True), rtol=1e-15, atol=0)
    assert got.flags.c_contiguous and [math.fsum(r) for r in got.tolist()] == pytest.approx([1, 1], abs=1e-15)
    rng = np.random.default_rng(0)
    big = rng.random((40, 10, 3))  # past the size checked in Python: numpy sums the rows
    got = _renormalised(big)
    np.testing.assert_allclose(got.sum(-1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(got, big / big.sum(-1, keepdims=True), rtol=1e-15, atol=0)
    big_exact = np.full((300, 4), 0.25)
    assert _renormalised(big_exact) is big_exact
    strided = rng.random((3, 4)).T  # not C-contiguous
    got = _renormalised(strided)
    assert got.flags.c_contiguous
    np.testing.assert_allclose(got, strided / strided.sum(-1, keepdims=True), rtol=1e-15, atol=0)


def test_rows_summing_to_one_exactly_are_kept_even_when_float_addition_is_off():
    # 0.7 + 0.2 + 0.1 is 1 - 2**-53 in float addition (numpy's and Python's order) but exactly
    # one in real numbers (math.fsum): the row is as normalised as float64 allows, kept as read
    table = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])
    assert table.sum(-1).tolist() == [1 - 2**-53] * 2 and [math.fsum(r) for r in table.tolist()] == [1.0, 1.0]
    table.flags.writeable = False
    assert _renormalised(table) is table
    big = np.tile(table, (200, 1))  # past the size summed in Python: numpy's sums, divided
    got = _renormalised(big)
    assert got is not big and got.tolist()[0] == (table[0] / (1 - 2**-53)).tolist()
    bn = pl.BayesianNetwork([("A", "B")], states={"A": ["a0", "a1", "a2"], "B": ["b0", "b1"]})
    bn.add_cpd(pl.TabularCPD("A", [0.7, 0.2, 0.1]))
    bn.add_cpd(pl.TabularCPD("B", [[0.5, 0.5], [0.25, 0.75], [1.0, 0.0]], parents=["A"]))
    assert compiled(bn).table(bn.variables.index("A")) is bn.cpd("A").table
    np.testing.assert_array_equal(pl.query(bn, ["A"], {"B": 1}).values,
                                  np.array([0.7 * 0.5, 0.2 * 0.75, 0.0]) / (0.35 + 0.15))


def test_a_first_question_on_a_small_network_runs_no_numpy_reduction():
    bn = pl.read_bif(DATA / "asia.bif.gz")
    calls = []

    def watch(frame, event, arg):
        if event == "c_call" and getattr(arg, "__name__", "") == "reduce":
            calls.append(arg)

    sys.setprofile(watch)
    try:
        got = pl.query(bn, ["lung"], {"either": "no", "dysp": "yes"})
    finally:
        sys.setprofile(None)
    assert calls == []
    codes = {"either": bn.states("either").index("no"), "dysp": bn.states("dysp").index("yes")}
    expected = _brute_posterior(brute_force_joint(bn), "lung", codes)
    np.testing.assert_allclose(got.values, expected, rtol=0, atol=TOL)


@pytest.mark.parametrize("name", ["asia", "cancer", "earthquake", "survey"])
def test_first_marginals_of_a_tiny_network_run_no_numpy_reduction_and_match_brute_force(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    observed = bn.variables[1]
    evidence = {observed: bn.states(observed)[0]}
    calls = []

    def watch(frame, event, arg):
        if event == "c_call" and getattr(arg, "__name__", "") in ("reduce", "zeros"):
            calls.append(arg)

    sys.setprofile(watch)
    try:
        got = pl.marginals(bn, evidence)
    finally:
        sys.setprofile(None)
    assert calls == []
    joint = brute_force_joint(bn)
    for v in bn.variables:
        if v == observed:
            np.testing.assert_array_equal(got[v].values, [1.0] + [0.0] * (bn.cardinality(v) - 1))
        else:
            np.testing.assert_allclose(got[v].values, _brute_posterior(joint, v, {observed: 0}), rtol=0, atol=TOL)
        assert not got[v].values.flags.writeable
    again = pl.marginals(bn, evidence)  # a warm run gives the same bits
    assert all(np.array_equal(again[v].values, got[v].values) for v in bn.variables)


@pytest.mark.parametrize("shape", [(2, 3), (30, 20)])
def test_zeros_are_read_from_the_cpd_as_it_is(shape):
    rng = np.random.default_rng(1)
    table = rng.random(shape) + 0.1
    with_zero = table.copy()
    with_zero[1, 2] = 0.0
    states = {"X": [str(i) for i in range(shape[0])], "Y": [str(i) for i in range(shape[1])]}
    for values, has_zero in ((table, False), (with_zero, True)):
        bn = pl.BayesianNetwork(cpds=[
            pl.TabularCPD("X", np.full(shape[0], 1 / shape[0]), (), {"X": states["X"]}),
            pl.TabularCPD("Y", values / values.sum(-1, keepdims=True), ["X"], states)])
        c = compiled(bn)
        assert c.zero_in(1) is has_zero and c.zero_in(0) is False
        assert c.has_zero == [False, has_zero] == [not t.all() for t in c.tables]


def test_a_big_network_fetches_the_cpds_of_its_question_only_and_refuses_after_a_change():
    bn = pl.read_bif(DATA / "munin.bif.gz")
    c = compiled(bn)
    assert c.lazy_structure
    target, observed = bn.variables[10], bn.variables[12]
    got = pl.query(bn, [target], {observed: 0}).values
    read = sum(p is not None for p in c.parent_ids)
    assert 0 < read < len(bn.variables) // 4
    np.testing.assert_allclose(got, pl.marginals(bn, {observed: 0}, variables=[target])[target].values,
                               rtol=0, atol=1e-12)
    assert c.parents is not None and all(p is not None for p in c.parent_ids)  # then all at once
    changed = pl.read_bif(DATA / "munin.bif.gz")
    view = compiled(changed)
    name = changed.variables[0]
    changed.add_cpd(changed.cpd(name))  # any change makes a new version
    with pytest.raises(PGMError, match="changed or dropped"):
        view.parents_of(0)
    assert compiled(changed) is not view and compiled(changed).parents_of(0) == ()


def test_a_lazily_read_view_pickles_with_every_cpd_and_answers_the_same():
    # a compiled query travels to Dask workers by pickle: the weak reference to the model must
    # not go with it, and the copy must not need the model (it reads every CPD first)
    bn = pl.read_bif(DATA / "andes.bif.gz")
    assert compiled(bn).lazy_structure
    target, observed = bn.variables[5], bn.variables[40]
    cq = pl.compile_query(bn, [target], [observed])
    rows = pd.DataFrame({observed: list(bn.states(observed)) * 3})
    copy = pickle.loads(pickle.dumps(cq))
    np.testing.assert_array_equal(copy(rows).posterior, cq(rows).posterior)
    view = pickle.loads(pickle.dumps(compiled(bn)))
    assert all(p is not None for p in view._cpds)  # noqa: SLF001 - what the pickle carries
    assert view.parents_of(3) == compiled(bn).parents_of(3)


@pytest.mark.parametrize("name", ["asia", "sachs", "child", "insurance", "win95pts"])
def test_first_questions_agree_with_the_junction_tree(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    rng = np.random.default_rng(len(name))
    for query, evidence in _cases(bn, rng, 6):
        try:
            tree = pl.marginals(bn, evidence, variables=[query])[query].values
        except pl.ZeroEvidenceError:
            continue
        fresh = pl.read_bif(DATA / f"{name}.bif.gz")  # every cache empty: a first question
        np.testing.assert_allclose(pl.query(fresh, [query], evidence).values, tree, rtol=0, atol=1e-12)


def _entries(bn):
    c = compiled(bn)
    return c, {v: collapsed_entry(c, v) for v in range(len(c.names))}


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_shapes_tell_each_entry_and_small_trees_fold_as_parent_by_parent(seed, monkeypatch):
    bn = random_network(30, max_parents=2, max_cardinality=3, rng=seed)
    c, trees = _entries(bn)
    assert max(bin(entry[2]).count("1") for entry in trees.values() if entry is not None) >= 2
    monkeypatch.setattr(tuning, "FOLD_TREE_ENTRIES", 0)  # every entry parent by parent
    c_pairwise, pairwise = _entries(bn.copy())
    for v, entry in trees.items():
        shape = collapsed_shape(c, v)
        if entry is None:
            assert shape is None and pairwise[v] is None
            continue
        assert shape is not None and (entry[1], entry[2]) == (shape[0], shape[1]) == pairwise[v][1:]
        assert entry[0].flags.c_contiguous and entry[0].shape == tuple(c.cards[u] for u in entry[1])
        np.testing.assert_allclose(entry[0], pairwise[v][0], rtol=0, atol=TOL)
        assert set(shape[2]) <= {u for u in range(len(c.names)) if shape[1] >> u & 1}


def test_a_question_folds_only_the_tables_it_uses():
    bn = pl.read_bif(DATA / "asia.bif.gz")
    # tub, lung and asia observed: either's entry (tub, lung and asia summed in) is unusable
    got = pl.query(bn, ["dysp"], {"asia": "no", "lung": "no", "tub": "no"}).values
    c = compiled(bn)
    n = c.n_factors
    used = {f - n for plan in c.plans.values() for f in plan.main.factor_ids if f >= n}
    assert used == {c.index["dysp"]}  # bronc summed into dysp's CPD
    assert {v for v, entry in c.collapsed_by_var.items() if entry is not None} == used
    assert c.collapsed_shapes[c.index["either"]] is not None  # known, never computed
    expected = _brute_posterior(brute_force_joint(bn), "dysp",
                                {"asia": bn.states("asia").index("no"), "lung": bn.states("lung").index("no"),
                                 "tub": bn.states("tub").index("no")})
    assert np.abs(got - expected).max() < TOL


@pytest.mark.parametrize("name", ["asia", "child", "alarm"])
def test_the_first_run_of_a_plan_gives_the_bits_of_every_later_run(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    rng = np.random.default_rng(3)
    for query, evidence in _cases(bn, rng, 5):
        fresh = pl.read_bif(DATA / f"{name}.bif.gz")
        try:
            first = pl.query(fresh, [query], evidence).values
        except pl.ZeroEvidenceError:
            continue
        again = pl.query(fresh, [query], evidence).values
        assert first.tobytes() == again.tobytes() and first.dtype == again.dtype == np.float64
        assert not first.flags.writeable and first.shape == (bn.cardinality(query),)
        assert math.isclose(math.fsum(first.tolist()), 1.0, abs_tol=1e-12)


def test_coded_views_of_markov_networks_pickle_and_the_default_order_needs_no_look_up():
    mn = pl.MarkovNetwork([("A", "B")], [pl.DiscreteFactor(("A", "B"), np.array([[1.0, 2.0], [3.0, 4.0]]))])
    view = pickle.loads(pickle.dumps(compiled(mn)))
    assert view.names == ["A", "B"] and view.table(0).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    c = compiled(mn)
    assert elimination_key(c, "auto") == "auto" and elimination_key(c, "min-fill") == "min-fill"
    with pytest.raises(pl.OptionError, match="unknown elimination order 'auto-fill'"):
        elimination_key(c, "auto-fill")
