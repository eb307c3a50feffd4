"""A first question on a freshly read model reads only the part of the model it needs.

- the coded view of a Bayesian network reads parents, scopes, children and ancestry per
  variable on first use, and its whole-model lists still fill in with the same numbers;
- children come from the model's graph (past ``tuning.LAZY_STRUCTURE_VARIABLES``) or from one
  pass over the CPDs, and agree either way, also after a change;
- a piece past FUSE_LIMIT but with little work runs as one einsum, answering as brute force
  and bit for bit alike on every call;
- the witness of a side piece visits its CPDs parents first, and reads small tables from Python
  lists with the same outcome as numpy rows.
"""

import math
import pathlib

import networkx as nx
import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite import tuning
from pgm_lite.inference._coded import compiled
from pgm_lite.inference._prune import ancestor_mask, children_of
from pgm_lite.inference.variable_elimination import _Check, _parents_first
from pgm_lite.testing import brute_force_joint, random_network

DATA = pathlib.Path(__file__).parent / "data"
TOL = 1e-9


def _posterior(bn, query, evidence):
    joint = brute_force_joint(bn)
    index = tuple(evidence.get(v, slice(None)) for v in joint.variables)
    sliced = joint.values[index]
    kept = [v for v in joint.variables if v not in evidence]
    summed = tuple(i for i, v in enumerate(kept) if v != query)
    table = sliced.sum(axis=summed)
    return table / table.sum()


def test_a_cold_question_reads_the_structure_of_its_part_only():
    bn = pl.read_bif(DATA / "munin.bif.gz")
    c = compiled(bn)
    n = len(bn.variables)
    assert all(s is None for s in c.scope_ids) and all(k is None for k in c.children)
    query = bn.variables[0]
    pl.query(bn, [query], {bn.variables[5]: bn.states(bn.variables[5])[0]})
    read = sum(s is not None for s in c.scope_ids)
    relevant = ancestor_mask(c, [0, 5])
    assert 0 < read <= 2 * relevant.bit_count()  # the ancestors and their children's scopes
    assert sum(k is not None for k in c.children) < n // 4
    # the whole-model lists fill in on demand with the CPDs' own parents
    scopes, parents = c.scopes, c.parents
    assert parents is not None and len(scopes) == len(parents) == n
    for v in (0, 100, 1000):
        names = bn.parents(bn.variables[v])
        assert parents[v] == tuple(bn.variables.index(p) for p in names)
        assert scopes[v] == (*parents[v], v)


@pytest.mark.parametrize("name", ["asia", "alarm", "child", "win95pts", "andes", "munin"])
def test_children_read_from_the_graph_agree_with_the_cpds(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    c = compiled(bn)
    parents = c.parents
    assert parents is not None
    inverse: list[list[int]] = [[] for _ in c.names]
    for v, ps in enumerate(parents):
        for p in ps:
            inverse[p].append(v)
    assert [children_of(c, v) for v in range(len(c.names))] == inverse
    graph = bn.structure
    for v in range(0, len(c.names), 3):
        expected = {c.index[u] for u in nx.ancestors(graph, c.names[v])} | {v}
        mask = ancestor_mask(c, [v])
        assert {u for u in range(len(c.names)) if mask >> u & 1} == expected


def test_a_second_question_reads_the_whole_structure_once_with_the_same_lists():
    bn = pl.read_bif(DATA / "andes.bif.gz")  # past LAZY_STRUCTURE_VARIABLES: read lazily first
    lazy = compiled(bn.copy())
    expected = [children_of(lazy, v) for v in range(len(lazy.names))]  # each read from the graph
    c = compiled(bn)
    first = pl.query(bn, [bn.variables[3]]).values
    assert not c.children_complete and None in c.children
    pl.query(bn, [bn.variables[40]], {bn.variables[7]: 0})
    assert c.children_complete and c.children == expected
    assert pl.query(bn, [bn.variables[3]]).values.tobytes() == first.tobytes()
    np.testing.assert_allclose(first, pl.query(bn.copy(), [bn.variables[3]]).values, rtol=0, atol=0)


def test_a_changed_model_gets_a_new_view_with_its_new_children():
    bn = pl.BayesianNetwork([("A", "B")])
    bn.add_cpd(pl.TabularCPD("A", [0.3, 0.7]))
    bn.add_cpd(pl.TabularCPD("B", [[0.9, 0.1], [0.2, 0.8]], ["A"]))
    assert children_of(compiled(bn), 0) == [1]
    before = pl.query(bn, ["A"], {"B": 1}).values
    bn.add_variable("C")
    bn.add_edge("A", "C")
    bn.add_cpd(pl.TabularCPD("C", [[0.5, 0.5], [0.1, 0.9]], ["A"]))
    c = compiled(bn)
    assert children_of(c, 0) == [1, 2]
    after = pl.query(bn, ["A"], {"B": 1, "C": 0}).values
    expected = before * np.array([0.5, 0.1])
    np.testing.assert_allclose(after, expected / expected.sum(), rtol=0, atol=TOL)


def _p_evidence(bn, evidence):
    joint = brute_force_joint(bn)
    return float(joint.values[tuple(evidence.get(v, slice(None)) for v in joint.variables)].sum())


@pytest.mark.parametrize("seed", range(8))
def test_little_work_past_fuse_limit_runs_as_one_einsum_exactly(seed, monkeypatch):
    bn = random_network(10, max_parents=3, max_cardinality=4, rng=seed, zero_fraction=0.2)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        query, *observed = [str(v) for v in rng.choice(bn.variables, 3, replace=False)]
        evidence = {v: int(rng.integers(bn.cardinality(v))) for v in observed}
        if _p_evidence(bn, evidence) == 0:
            with pytest.raises(pl.ZeroEvidenceError, match="probability zero"):
                pl.query(bn.copy(), [query], evidence)
            continue
        expected = _posterior(bn, query, evidence)
        for limit in (0, tuning.ONE_EINSUM_WORK):
            monkeypatch.setattr(tuning, "ONE_EINSUM_WORK", limit)
            fresh = bn.copy()
            answers = [pl.query(fresh, [query], evidence).values for _ in range(3)]
            assert answers[0].tobytes() == answers[1].tobytes() == answers[2].tobytes()
            np.testing.assert_allclose(answers[0], expected, rtol=0, atol=TOL)
            c = compiled(fresh)
            for plan in c.plans.values():
                for sp in plan.subplans:
                    space = math.prod([c.cards[u] for u in set().union(*sp.input_scopes)])
                    work = space * len(sp.input_scopes)
                    if len(sp.input_scopes) > 1 and space > tuning.FUSE_LIMIT:
                        one = work <= limit and work <= tuning.WHOLE_LIMIT
                        assert (sp.steps is None) == one


def test_child_has_pieces_past_fuse_limit_that_run_as_one_einsum():
    bn = pl.read_bif(DATA / "child.bif.gz")
    rng = np.random.default_rng(1)
    c = compiled(bn)
    for _ in range(30):
        query, *observed = [str(v) for v in rng.choice(bn.variables, 4, replace=False)]
        evidence = {v: bn.states(v)[0] for v in observed}
        first = pl.query(bn, [query], evidence).values
        assert pl.query(bn, [query], evidence).values.tobytes() == first.tobytes()
    one = [sp for plan in c.plans.values() for sp in plan.subplans if len(sp.input_scopes) > 1
           and sp.steps is None and math.prod([c.cards[u] for u in set().union(*sp.input_scopes)]) > tuning.FUSE_LIMIT]
    assert one
    for sp in one:  # explanations still see every step, simulated on demand
        hidden = set().union(*sp.input_scopes).difference(sp.out)
        assert sorted(step.variable for step in sp.planned_steps()) == sorted(hidden)


def test_win95pts_piece_between_4k_and_8k_work_runs_as_one_einsum(monkeypatch):
    # the benchmark's LclGrbld question: one piece of 9 tables over 512 entries (work 5,120)
    bn = pl.read_bif(DATA / "win95pts.bif.gz")
    evidence = {"PSERRMEM": "No_Error", "PrtFile": "Yes", "DSApplctn": "Windows"}
    c = compiled(bn)
    first = pl.query(bn, ["LclGrbld"], evidence).values
    assert pl.query(bn, ["LclGrbld"], evidence).values.tobytes() == first.tobytes()
    pieces = [sp for plan in c.plans.values() for sp in plan.subplans if len(sp.input_scopes) > 1]
    works = [math.prod([c.cards[u] for u in set().union(*sp.input_scopes)]) * len(sp.input_scopes)
             for sp in pieces]
    assert any(4_096 < w <= tuning.ONE_EINSUM_WORK for w in works)
    assert all(sp.steps is None for sp in pieces)
    monkeypatch.setattr(tuning, "ONE_EINSUM_WORK", 0)  # planned step by step: the same numbers
    planned = pl.query(bn.copy(), ["LclGrbld"], evidence).values
    np.testing.assert_allclose(first, planned, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["alarm", "munin"])  # declared children first / parents first
def test_side_piece_witness_visits_parents_first(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    c = compiled(bn)
    factors = list(range(len(c.names)))[::-1]  # children before parents in the list
    order = _parents_first(c, factors)
    assert sorted(v for _, _, v in order) == list(range(len(c.names)))
    done: set[int] = set()
    for _, parents, v in order:
        assert set(parents) <= done
        done.add(v)


@pytest.mark.parametrize("seed", range(6))
def test_side_piece_witness_lists_agree_with_numpy_rows(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    bn = random_network(9, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.4)
    c = compiled(bn)
    factors = list(range(len(c.names)))
    cases = []
    for _ in range(60):
        observed = tuple(sorted(rng.choice(len(c.names), 3, replace=False).tolist()))
        cases.append((observed, tuple(int(rng.integers(c.cards[v])) for v in observed)))

    class _Plan:  # what _witness reads of its plan
        evidence_ids: tuple = ()

    outcomes = {}
    lists = tuning.WITNESS_LIST_ENTRIES
    for limit in (lists, 0):  # Python lists, then numpy rows for every table
        monkeypatch.setattr(tuning, "WITNESS_LIST_ENTRIES", limit)
        got = []
        for observed, codes in cases:
            _Plan.evidence_ids = observed
            check = _Check(c, factors, observed)
            first = check._witness(c, _Plan, codes)  # numpy rows
            second = check._witness(c, _Plan, codes)  # the lists of tables up to the limit
            assert first == second
            got.append(second)
        outcomes[limit] = got
    assert outcomes[0] == outcomes[lists]
    assert True in outcomes[0] and False in outcomes[0]  # both outcomes were exercised


@pytest.mark.parametrize("seed", range(6))
def test_a_reused_witness_walks_only_what_the_evidence_reaches(seed):
    # from its second check on, a side piece's witness starts from the states no evidence
    # reaches (found once); its answers are those of a first check (numpy rows, full walk)
    rng = np.random.default_rng(seed)
    bn = random_network(12, max_parents=3, max_cardinality=3, rng=seed, zero_fraction=0.4)
    c = compiled(bn)
    factors = list(range(len(c.names)))
    observed = tuple(sorted(rng.choice(range(6, 12), 3, replace=False).tolist()))

    class _Plan:  # what _witness reads of its plan
        evidence_ids = observed

    reused = _Check(c, factors, observed)
    outcomes = []
    for _ in range(80):
        codes = tuple(int(rng.integers(c.cards[v])) for v in observed)
        expected = _Check(c, factors, observed)._witness(c, _Plan, codes)  # a first check
        assert reused._witness(c, _Plan, codes) == expected
        outcomes.append(expected)
    assert reused.start and len(reused.forward) + len(reused.start) == len(factors)
    assert not set(reused.start) & set(observed)
    assert True in outcomes and False in outcomes  # both outcomes were exercised


@pytest.mark.parametrize("name", ["alarm", "munin"])  # read all at once / per variable first
def test_the_structure_read_at_once_is_the_cpds(name):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    c = compiled(bn)
    pl.query(bn, [bn.variables[-1]], {bn.variables[0]: 0})  # a first question reads its part
    expected = [tuple(c.index[p] for p in bn.cpd(v).parents) for v in bn.variables]
    assert c.parents == expected
    assert c.scopes == [(*ps, v) for v, ps in enumerate(expected)]
    assert bn.cpds() == [bn.cpd(v) for v in bn.variables]
    states = {v: list(s) for v, s in bn.state_names.items()}
    added_last_first = pl.BayesianNetwork(list(bn.structure.edges), bn.cpds()[::-1], states=states)
    assert added_last_first.cpds() == [bn.cpd(v) for v in added_last_first.variables]  # declaration order
    partial = pl.BayesianNetwork(list(bn.structure.edges), states=states)
    partial.add_cpd(bn.cpd(bn.variables[3]))
    assert partial.cpds() == [bn.cpd(bn.variables[3])]  # only those that exist
