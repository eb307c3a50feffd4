"""The planner's fast paths give the same plans as the general ones (min-fill, "auto", steps)."""

import itertools
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite import bandwidth, tuning
from pgm_lite.elimination import greedy_order, min_fill_ids
from pgm_lite.inference import _plan, _steps
from pgm_lite.inference._coded import compiled
from pgm_lite.testing import random_network


def _reference_min_fill(adj, candidates):
    """Min-fill by recomputing every score each step (ties to the lowest id)."""
    adj = {v: set(near) for v, near in adj.items()}
    todo = set(candidates)
    order, cliques = [], []

    def fill(v):
        return sum(1 for a, b in itertools.combinations(sorted(adj[v]), 2) if b not in adj[a])

    while todo:
        v = min(todo, key=lambda u: (fill(u), u))
        todo.discard(v)
        nbrs = adj.pop(v)
        order.append(v)
        cliques.append({v, *nbrs})
        for a in nbrs:
            adj[a].discard(v)
            adj[a] |= nbrs - {a}
    return order, cliques


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 14))
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.lists(st.sampled_from(pairs), max_size=3 * n, unique=True)) if pairs else []
    adj = {v: set() for v in range(n)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    keep = draw(st.sets(st.integers(0, n - 1), max_size=2))  # variables that stay (the query)
    return adj, sorted(set(adj) - keep)


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_min_fill_matches_recomputing_every_score(case):
    # the lazy heap (grown scores pushed late) and the simplicial shortcut keep the exact order
    adj, candidates = case
    expected_order, expected_cliques = _reference_min_fill(adj, candidates)
    order, cliques = min_fill_ids({v: set(near) for v, near in adj.items()}, candidates)
    assert order == expected_order
    assert [set(c) for c in cliques] == expected_cliques
    assert [c[0] for c in cliques] == order


def test_min_fill_on_cliques_chains_and_stars():
    clique = {v: set(range(6)) - {v} for v in range(6)}
    assert min_fill_ids({v: set(a) for v, a in clique.items()}, range(6))[0] == list(range(6))
    star = {0: set(range(1, 7)), **{v: {0} for v in range(1, 7)}}
    assert min_fill_ids({v: set(a) for v, a in star.items()}, range(7))[0] == _reference_min_fill(star, range(7))[0]
    chain = {v: {u for u in (v - 1, v + 1) if 0 <= u < 9} for v in range(9)}
    order, cliques = min_fill_ids({v: set(a) for v, a in chain.items()}, [8, 3, 5, 0])
    assert order == [0, 8, 3, 5] and max(map(len, cliques)) == 3


def _piece_scopes(bn, evidence):
    """Scopes of a query piece as the planner sees them (evidence sliced out)."""
    c = compiled(bn)
    observed = {c.index[v] for v in evidence}
    return c, [tuple(u for u in c.scope(f) if u not in observed) for f in range(c.n_factors)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("key", ["auto", "min-fill"])
def test_planner_order_is_the_registry_order(seed, key):
    bn = random_network(30, max_parents=3, max_cardinality=3, rng=seed)
    evidence = bn.variables[3:6]
    c, scopes = _piece_scopes(bn, evidence)
    hidden = set().union(*scopes) - {c.index[bn.variables[0]]}
    adj = _plan._adjacency(scopes)
    expected = greedy_order(adj, dict(enumerate(c.cards)), sorted(hidden), key, {v: v for v in adj})[0]
    assert _plan._order(c, scopes, [hidden], key) == expected


@pytest.mark.parametrize("key", ["auto", "min-fill"])
@pytest.mark.parametrize("threshold", [None, 0])
def test_a_small_piece_of_a_big_model_gets_the_same_order(key, threshold, monkeypatch):
    # ids far apart (a piece of a 300-variable network): min-fill runs on them relabelled;
    # with the "auto" threshold at 0 the sweep is weighed by the cost of the relabelled cliques
    if threshold is not None:
        monkeypatch.setattr(tuning, "AUTO_ORDER_COST", threshold)
    bn = random_network(300, max_parents=3, max_cardinality=3, rng=5)
    c = compiled(bn)
    scopes = [c.scope(f) for f in range(230, 290)]
    scopes = [s for s in scopes if min(s) >= 200]
    hidden = set().union(*scopes) - {scopes[0][-1]}
    adj = _plan._adjacency(scopes)
    assert max(adj) >= 2 * len(adj) + 64  # the relabelled branch
    expected = greedy_order(adj, dict(enumerate(c.cards)), sorted(hidden), key, {v: v for v in adj})[0]
    assert _plan._order(c, scopes, [hidden], key) == expected


def test_auto_takes_the_sweep_where_it_is_cheaper(monkeypatch):
    # an 11 x 11 grid: min-fill's order costs more than the (lowered) threshold, the sweep less
    monkeypatch.setattr(tuning, "AUTO_ORDER_COST", 10**5)
    n = 11
    names = [f"x{i}_{j}" for i in range(n) for j in range(n)]
    edges = [(f"x{i}_{j}", f"x{i}_{j + 1}") for i in range(n) for j in range(n - 1)]
    edges += [(f"x{i}_{j}", f"x{i + 1}_{j}") for i in range(n - 1) for j in range(n)]
    rng = np.random.default_rng(4)
    mn = pl.MarkovNetwork(edges, [pl.DiscreteFactor(e, rng.uniform(0.5, 2, (2, 2))) for e in edges])
    c = compiled(mn)
    scopes = [c.scope(f) for f in range(c.n_factors)]
    hidden = set(range(1, len(names)))
    mf, cliques = min_fill_ids(_plan._adjacency(scopes), sorted(hidden))
    assert bandwidth.order_cost(cliques, c.cards) > tuning.AUTO_ORDER_COST
    adj = _plan._adjacency(scopes)
    rank = {v: v for v in adj}
    expected = greedy_order(adj, dict(enumerate(c.cards)), sorted(hidden), "auto", rank)[0]
    got = _plan._order(c, scopes, [hidden], "auto")
    assert got == expected
    assert got != mf  # the sweep won here (so the comparison above covers that branch)
    want = pl.query(mn, [names[0]], elimination_order="min-fill").values
    assert np.abs(pl.query(mn, [names[0]]).values - want).max() < 1e-12


def test_cheaper_sweep_builds_nothing_for_cheap_pieces():
    def graph():
        raise AssertionError("the graph of a cheap piece is never built")

    assert bandwidth.cheaper_sweep(graph, {}, [], {}, tuning.AUTO_ORDER_COST) is None


@pytest.mark.parametrize("seed", range(4))
def test_steps_are_the_plain_simulation(seed):
    # the big-step check is skipped for steps too small to be one; sizes and layouts agree
    bn = random_network(40, max_parents=3, max_cardinality=4, rng=seed)
    c = compiled(bn)
    for v in bn.variables[::7]:
        evidence = {u: 0 for u in bn.variables[1:4] if u != v}
        pl.query(bn, [v], evidence)
    for plan in list(c.plans.values()):
        for sp in plan.subplans:
            for step in sp.planned_steps():
                union = step.union
                assert step.variable in union
                if step.space is not None:
                    assert step.space == int(np.prod([c.cards[u] for u in union]))


def _reference_steps(scopes, order):
    """Eliminate ``order`` from ``scopes`` the plain way: per step (operand slots, union, kept)."""
    scopes = list(scopes)
    live = set(range(len(scopes)))
    steps = []
    for v in order:
        ops = tuple(sorted(i for i in live if v in scopes[i]))
        union = []
        for i in ops:
            union += [u for u in scopes[i] if u not in union]
        kept = tuple(u for u in union if u != v)
        steps.append((ops, tuple(union), kept))
        live -= set(ops)
        live.add(len(scopes))
        scopes.append(kept)
    return steps, tuple(sorted(live))


@pytest.mark.parametrize("seed", range(5))
def test_simulation_matches_the_plain_elimination(seed):
    # the C-level bookkeeping (merged scopes through dict.fromkeys) keeps each step's operands,
    # union order and result scope; a small OPTIMIZE_LIMIT is not reached (no big-step layouts)
    bn = random_network(25, max_parents=3, max_cardinality=3, rng=seed)
    c, scopes = _piece_scopes(bn, bn.variables[2:4])
    scopes = [s for s in scopes if s]
    hidden = set().union(*scopes) - {c.index[bn.variables[0]]}
    order = _plan._order(c, scopes, [hidden], "auto")
    sim = _steps.Simulation(c, scopes, (c.index[bn.variables[0]],), {})
    sim.run(order)
    expected, final = _reference_steps(scopes, order)
    assert [(s.operands, s.union, sim.scopes[len(scopes) + k]) for k, s in enumerate(sim.steps)] == expected
    assert sim.final_ops == final
    assert [s.variable for s in sim.steps] == order


def test_fusion_letters_past_52_variables():
    # more than 52 variables over the inputs: each gets a character in first-appearance order
    # (letters, then code points from 0x100 + its rank), each einsum translated to local letters
    bn = random_network(70, max_parents=1, max_cardinality=2, rng=3)
    c = compiled(bn)
    scopes = [c.scope(f) for f in range(c.n_factors)]
    fusion = _steps.Fusion(c, list(scopes), len(scopes), ())
    seen = list(dict.fromkeys(u for s in scopes for u in s))
    assert len(seen) > 52 and not fusion.short
    assert list(fusion.chars) == seen
    assert [fusion.chars[v] for v in seen[:52]] == list(string.ascii_letters)
    assert [fusion.chars[v] for v in seen[52:]] == [chr(0x100 + k) for k in range(52, len(seen))]
    subs = fusion.subscripts((0, 60), scopes[60])
    assert subs is not None and subs.isascii() and set(subs) <= set(string.ascii_letters + ",->")
    f60 = set(scopes[0]) | set(scopes[60])
    assert len(set(subs) - set(",->")) == len(f60)


@pytest.mark.parametrize("name", ["alarm", "child"])
def test_first_and_later_runs_of_a_new_shape_agree(name):
    # the first run of a plan (program run inline) and the frozen later runs give the same bits
    bn = pl.read_bif(f"tests/data/{name}.bif.gz")
    rng = np.random.default_rng(2)
    names = list(bn.variables)
    sample = pl.sample(bn, 6, rng=rng)
    for k in range(6):
        q, *ev = [names[i] for i in rng.choice(len(names), 4, replace=False)]
        evidence = {e: sample[e].iloc[k] for e in ev}
        first = pl.query(bn, [q], evidence).values
        for _ in range(2):
            assert np.array_equal(pl.query(bn, [q], evidence).values, first)
        fresh = pl.query(bn.copy(), [q], evidence).values
        assert np.array_equal(fresh, first)
        oracle = pl.query(bn, [q], evidence, elimination_order="min-degree").values
        assert np.abs(first - oracle).max() < 1e-12


def test_batch_plan_weighs_the_sweep_with_every_cardinality(monkeypatch):
    # a batch piece whose min-fill order costs more than the threshold: the sweep is weighed with
    # the cardinalities of every variable (min-fill has removed the eliminated ones from its graph)
    monkeypatch.setattr(tuning, "AUTO_ORDER_COST", 0)
    bn = pl.read_bif("tests/data/insurance.bif.gz")
    evidence_vars = ["SeniorTrain", "OtherCarCost", "Theft"]
    cq = pl.compile_query(bn, ["Accident"], evidence_vars, elimination_order="auto", strategy="batch")
    rows = np.array([[0, 0, 0], [1, 2, 1], [0, 3, 1]])
    posterior = cq(rows)[0]
    for row, got in zip(rows, posterior):
        evidence = {v: bn.states(v)[k] for v, k in zip(evidence_vars, row)}
        want = pl.query(bn, ["Accident"], evidence, elimination_order="min-fill").values
        assert np.abs(np.asarray(got).ravel() - want.ravel()).max() < 1e-12


@st.composite
def pieces(draw):
    n = draw(st.integers(2, 9))
    scopes = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True).map(tuple),
                           min_size=1, max_size=10))
    present = sorted(set().union(*scopes))
    out = tuple(draw(st.sets(st.sampled_from(present), max_size=2)))
    order = draw(st.permutations([v for v in present if v not in out]))
    return scopes, out, list(order)


@settings(max_examples=120, deadline=None)
@given(pieces())
def test_simulation_and_fusion_keep_every_scope_and_the_product(case):
    # the steps' bookkeeping (holders, kept scopes) and fusion's inlining against a direct
    # elimination of the product, on random scopes of a toy model with cardinalities 2..4
    scopes, out, order = case
    rng = np.random.default_rng(len(order))
    cards = {v: 2 + v % 3 for v in set().union(*scopes)}

    class Toy:
        pass

    c = Toy()
    c.cards = [cards.get(v, 2) for v in range(10)]
    sim = _steps.Simulation(c, scopes, out, {})
    sim.run(order)
    live = set(range(len(scopes)))
    for k, step in enumerate(sim.steps):
        holding = sorted(o for o in live if step.variable in sim.scopes[o])
        assert list(step.operands) == holding
        union = list(dict.fromkeys(u for o in holding for u in sim.scopes[o]))
        assert list(step.union) == union
        assert list(sim.scopes[len(scopes) + k]) == [u for u in union if u != step.variable]
        live = (live - set(holding)) | {len(scopes) + k}
    assert list(sim.final_ops) == sorted(live)
    tables = [rng.random([cards[v] for v in s]) for s in scopes]
    program, (final_ops, final_subs) = _steps.Fusion(c, list(sim.scopes), len(scopes), out).fuse(
        sim.steps, sim.final_ops)
    arrays = tables + [None] * (len(sim.scopes) + len(program))
    for ins in program:
        arrays[ins.slot] = _steps.run_instruction(ins, [arrays[o] for o in ins.operands])
    got = np.einsum(final_subs, *[arrays[o] for o in final_ops]) if final_ops else np.ones(())
    letters = {v: string.ascii_letters[v] for v in cards}
    expected = np.einsum(",".join("".join(letters[v] for v in s) for s in scopes) + "->"
                         + "".join(letters[v] for v in out), *tables)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_order_cost_sums_the_cliques_tables():
    cliques = [(0, 1, 2), (1, 2), (2,), ()]
    assert bandwidth.order_cost(cliques, [2, 3, 5]) == 30 + 15 + 5 + 1
    assert bandwidth.order_cost([], [2]) == 0
