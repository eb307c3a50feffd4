"""Exact partition functions of Ising grids (issue 19): orders that keep width L, big steps as matrix products.

Oracles: a row-to-row transfer-matrix sweep written here (2**W row states), closed forms of
free spins and open chains, brute force on small random models.
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite import bandwidth, tuning
from pgm_lite.elimination import get_heuristic, interaction_graph
from pgm_lite.inference._coded import compiled
from pgm_lite.inference._query_args import elimination_key
from pgm_lite.inference._steps import Instruction, run_instruction, side_layout, side_plan
from pgm_lite.inference.variable_elimination import get_plan
from pgm_lite.testing import brute_force_joint, random_markov_network, random_network

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
from partition import ising  # noqa: E402  (the grid builder; the oracles below are this file's own)


def transfer_log_z(rows, cols, J=0.3, h=0.1):
    """log Z by sweeping rows: a vector over the 2**cols states of one row, bonds applied per column."""
    bits = (np.arange(2**cols)[:, None] >> np.arange(cols)[::-1]) & 1
    spins = 2 * bits - 1  # the first column is the most significant axis
    row = np.exp(J * (spins[:, :-1] * spins[:, 1:]).sum(1) + h * spins.sum(1))
    pair = np.exp(J * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    psi, log_z = row.copy(), 0.0
    for _ in range(rows - 1):
        for _ in range(cols):  # the bond below the first axis; that axis moves to the back
            psi = np.matmul(psi.reshape(2, -1, min(psi.size // 2, 2**12)).transpose(1, 2, 0), pair).reshape(-1)
        psi = psi * row
        top = psi.max()
        psi, log_z = psi / top, log_z + math.log(top)
    return log_z + math.log(psi.sum())


# -- the case -------------------------------------------------------------------------
def test_twenty_by_twenty_runs_at_the_default_memory_limit_and_matches_the_transfer_matrix():
    mn, _ = ising(20, 20)
    assert pl.induced_width(mn, "auto") == 20
    log_z = pl.log_partition_function(mn)  # default order, default max_memory (2 GiB)
    assert log_z == pytest.approx(transfer_log_z(20, 20), rel=1e-12)
    assert mn.log_partition_function() == log_z  # the method, same default and the cache


def test_min_fill_asked_for_explicitly_keeps_its_meaning_and_is_refused():
    mn, _ = ising(20, 20)
    assert pl.induced_width(mn, "min-fill") > 24
    with pytest.raises(pl.MemoryLimitError, match=r"more than max_memory=2 GiB; largest clique has"):
        pl.log_partition_function(mn, elimination_order="min-fill")


@pytest.mark.parametrize(("rows", "cols", "J", "h"), [
    (3, 4, 0.4, 0.2), (6, 6, 0.3, 0.1), (9, 7, -0.5, 0.3), (12, 12, 0.44, 0.05), (12, 5, 1.5, -0.7),
])
def test_grids_match_the_transfer_matrix(rows, cols, J, h):
    mn, order = ising(rows, cols, J, h)
    expected = transfer_log_z(rows, cols, J, h)
    for elimination_order in ("auto", "reverse-cuthill-mckee", "min-fill", order):
        assert pl.log_partition_function(mn, elimination_order=elimination_order) == pytest.approx(expected, rel=1e-12)


def test_two_by_n_ladder_by_its_four_state_transfer_matrix():
    J, h, n = 0.7, -0.2, 40
    mn, _ = ising(n, 2, J, h)
    s = np.array([-1.0, 1.0])
    top, bottom = np.meshgrid(s, s, indexing="ij")
    rung = np.exp(J * top * bottom + h * (top + bottom)).ravel()  # the 4 states of one rung
    legs = np.exp(J * (top.ravel()[:, None] * top.ravel()[None, :] + bottom.ravel()[:, None] * bottom.ravel()[None, :]))
    v, log_z = rung, 0.0
    for _ in range(n - 1):
        v = (v @ legs) * rung
        log_z, v = log_z + math.log(v.max()), v / v.max()
    assert pl.log_partition_function(mn) == pytest.approx(log_z + math.log(v.sum()), rel=1e-13)


def test_closed_forms_free_spins_and_open_chains():
    n = 15 * 15
    free, _ = ising(15, 15, J=0.0, h=0.0)
    assert pl.log_partition_function(free) == pytest.approx(n * math.log(2), rel=1e-14)
    field, _ = ising(15, 15, J=0.0, h=0.4)
    assert pl.log_partition_function(field) == pytest.approx(n * math.log(2 * math.cosh(0.4)), rel=1e-14)
    chain, _ = ising(1, 500, J=0.8, h=0.0)  # Z = 2 (2 cosh J)**(N - 1)
    assert pl.log_partition_function(chain) == pytest.approx(math.log(2) + 499 * math.log(2 * math.cosh(0.8)),
                                                             rel=1e-14)
    assert chain.partition_function() == pytest.approx(math.exp(pl.log_partition_function(chain)), rel=1e-12)


def test_magnitudes_past_float64_stay_exact():
    mn, _ = ising(14, 14, J=2.5, h=1.0)  # Z ~ 10**400: the plan runs scaled
    assert pl.log_partition_function(mn) == pytest.approx(transfer_log_z(14, 14, 2.5, 1.0), rel=1e-12)


def test_posteriors_on_a_grid_use_the_same_default():
    mn, _ = ising(16, 16, J=0.3, h=0.1)
    f = pl.query(mn, ["s0_0"], {"s15_15": 1})
    # the corner's marginal from two partition functions: Z(s0_0 = +1, s15_15 = +1) / Z(s15_15 = +1)
    joint = pl.probability(mn, {"s0_0": 1, "s15_15": 1})
    assert f.values[1] == pytest.approx(joint / pl.probability(mn, {"s15_15": 1}), rel=1e-10)


# -- the orders ---------------------------------------------------------------------------------
def test_reverse_cuthill_mckee_keeps_grid_width_near_the_short_side():
    for rows, cols in [(4, 4), (16, 16), (5, 9), (3, 10), (10, 3)]:
        mn, _ = ising(rows, cols)
        width = pl.induced_width(mn, "reverse-cuthill-mckee")
        assert width == rows if rows == cols else min(rows, cols) <= width <= min(rows, cols) + 1
    assert pl.induced_width(ising(16, 16)[0], "min-fill") > 20  # what the default used to be


def test_cuthill_mckee_is_breadth_first_from_a_peripheral_node_and_deterministic():
    adj = {"a": {"b"}, "b": {"a", "c", "d"}, "c": {"b"}, "d": {"b", "e"}, "e": {"d"}, "x": {"y"}, "y": {"x"}}
    rank = {v: i for i, v in enumerate("abcdexy")}
    order = bandwidth.cuthill_mckee(adj, list(adj), rank)
    # piece of 'a' first (lowest rank), from the farthest least-degree end; then 'x'-'y'
    assert order == ["a", "b", "c", "d", "e", "x", "y"]
    assert bandwidth.cuthill_mckee(adj, ["e", "d", "b"], rank) == ["b", "d", "e"]  # others stay out
    before = {v: set(n) for v, n in adj.items()}
    bandwidth.cuthill_mckee(adj, list(adj), rank)
    assert adj == before  # not changed


def test_orders_do_not_depend_on_the_hash_seed():
    code = ("import pgm_lite as pl, sys; sys.path.insert(0, 'benchmarks'); from partition import ising;"
            "mn, _ = ising(7, 6); print(pl.elimination_order(mn, 'reverse-cuthill-mckee'));"
            "print(pl.elimination_order(mn, 'auto'))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # this process runs with another seed
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__))).stdout
    mn, _ = ising(7, 6)
    assert out == f"{pl.elimination_order(mn, 'reverse-cuthill-mckee')}\n{pl.elimination_order(mn, 'auto')}\n"


def test_auto_is_min_fill_on_cheap_models_and_never_costlier(asia):
    assert pl.elimination_order(asia, "auto") == pl.elimination_order(asia, "min-fill")
    for seed in range(6):
        bn = random_network(40, max_parents=4, max_cardinality=4, rng=seed)
        g = interaction_graph(bn)
        cards = {v: g.nodes[v]["cardinality"] for v in g}

        costs = []
        for heuristic in ("auto", "min-fill"):
            order = pl.elimination_order(bn, heuristic)
            costs.append(bandwidth.order_cost(bandwidth.eliminate_within({v: set(g[v]) for v in g}, order, cards), cards))
        assert costs[0] <= costs[1]


def test_auto_switches_only_past_its_threshold(monkeypatch):
    mn, _ = ising(12, 12)  # min-fill iterates over 458,718 entries, the bandwidth order 335,886
    assert pl.elimination_order(mn, "auto") == pl.elimination_order(mn, "min-fill")  # cheap: not tried
    monkeypatch.setattr(tuning, "AUTO_ORDER_COST", 0)
    assert pl.elimination_order(mn, "auto") == pl.elimination_order(mn, "reverse-cuthill-mckee")


@pytest.mark.parametrize("heuristic", ["auto", "reverse-cuthill-mckee"])
def test_every_path_agrees_on_the_new_orders(heuristic):
    mn, _ = ising(9, 9)
    tree = pl.elimination.junction_tree_structure(mn, heuristic)
    assert max(len(c) for c in tree.cliques) - 1 == pl.induced_width(mn, heuristic)
    bn = random_network(14, max_parents=3, rng=3)
    ref = brute_force_joint(bn)
    for v in bn.variables[:4]:
        np.testing.assert_allclose(pl.query(bn, [v], elimination_order=heuristic).values,
                                   ref.marginalize([u for u in bn.variables if u != v]).values, atol=1e-12)
    marg = pl.marginals(bn, elimination_order=heuristic)
    np.testing.assert_allclose(marg[bn.variables[5]].values,
                               ref.marginalize([u for u in bn.variables if u != bn.variables[5]]).values, atol=1e-12)


def test_unknown_orders_list_the_new_names():
    with pytest.raises(pl.OptionError, match=r"'min-weight', 'reverse-cuthill-mckee', 'auto'\] or pass"):
        get_heuristic("rcm")
    assert get_heuristic("auto") == (None, None)
    with pytest.raises(pl.OptionError, match="unknown elimination order 'Auto'"):
        pl.log_partition_function(ising(2, 2)[0], elimination_order="Auto")


# -- big steps as matrix products (pgm_lite.inference._steps) ------------------------------------
def _forms(mn, order):
    c = compiled(mn)
    plan = get_plan(c, (), (), elimination_key(c, order), need_value=True)
    return {ins.side.form for sp in plan.subplans for ins in sp.program if ins.side is not None}


@pytest.fixture
def small_steps(monkeypatch):
    """Run every step of a small model the way a 2**20-entry step of a big grid runs."""
    monkeypatch.setattr(tuning, "OPTIMIZE_LIMIT", 4)
    monkeypatch.setattr(tuning, "FUSE_LIMIT", 1)
    monkeypatch.setattr(tuning, "WHOLE_LIMIT", 1)
    monkeypatch.setattr(tuning, "SIDE_ROWS", 2)  # several blocks per product


def test_side_steps_match_the_transfer_matrix_in_any_order(small_steps):
    mn, rows = ising(5, 6, J=0.6, h=-0.3)
    expected = transfer_log_z(5, 6, 0.6, -0.3)
    seen = set()
    rng = np.random.default_rng(0)
    for order in ("reverse-cuthill-mckee", "min-fill", "min-degree", rows, rows[::-1],
                  *[list(rng.permutation(rows)) for _ in range(3)]):
        seen |= _forms(mn, order)
        mn = mn.copy()  # a new model: nothing cached
        assert pl.log_partition_function(mn, elimination_order=order) == pytest.approx(expected, rel=1e-12)
    assert "KNP" in seen


def test_a_side_step_reads_a_lone_small_operand_in_place(small_steps):
    # a big step whose small side is one table, already in the product's axis order, multiplies
    # that table itself (no identity einsum copying it first); other small sides get their product
    mn, rows = ising(5, 6, J=0.6, h=-0.3)
    expected = transfer_log_z(5, 6, 0.6, -0.3)
    direct = made = 0
    for order in ("reverse-cuthill-mckee", "min-fill", rows, rows[::-1]):
        mn = mn.copy()
        c = compiled(mn)
        plan = get_plan(c, (), (), elimination_key(c, order), need_value=True)
        for sp in plan.subplans:
            n_steps = len(sp.inputs) + len(sp.steps)  # slots past these hold small sides' products
            for ins in sp.program:
                lhs, rhs = ins.subscripts.split("->")
                assert lhs != rhs  # never a copy
                if ins.side is not None:
                    direct += ins.operands[1] < n_steps
                    made += ins.operands[1] >= n_steps
        assert pl.log_partition_function(mn, elimination_order=order) == pytest.approx(expected, rel=1e-12)
    assert direct and made


@pytest.mark.parametrize("form", ["KPN", "PKN", "KNP", "NKP"])
@pytest.mark.parametrize("rows", [1, 2, 5])
def test_every_side_form_is_the_einsum_it_replaces(form, rows, monkeypatch):
    monkeypatch.setattr(tuning, "SIDE_ROWS", rows)
    cards = {0: 2, 1: 3, 2: 2, 3: 4, 4: 2, 5: 3, 6: 2}
    big_scope, small_scope = (0, 1, 2, 3, 4), (2, 5, 6, 0)  # sums 2; keeps 0; passes 1, 3, 4; adds 5, 6
    kept, passed, new = (0,), (1, 3, 4), (5, 6)
    result = {"KPN": (*kept, *passed, *new), "PKN": (*passed, *kept, *new),
              "KNP": (*kept, *new, *passed), "NKP": (*new, *kept, *passed)}[form]
    plan, scope = side_plan(big_scope, small_scope, result, cards.__getitem__)
    assert plan.form == form and scope == (0, 2, 5, 6)
    rng = np.random.default_rng(1)
    big = rng.random([cards[u] for u in big_scope]).transpose(4, 2, 0, 3, 1).copy().transpose(2, 4, 1, 3, 0)
    small = rng.random([cards[u] for u in scope])
    letters = "abcdefg"
    expected = np.einsum(f"{''.join(letters[u] for u in big_scope)},{''.join(letters[u] for u in scope)}->"
                         f"{''.join(letters[u] for u in result)}", big, small)
    got = run_instruction(Instruction(9, (0, 1), None, None, None, plan), [big, small])
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_side_layout_puts_what_the_step_touched_first():
    # sums 0 from (0, 1, 2, 3) with small operands over (0, 1, 9): keeps 1, adds 9, passes 2, 3
    assert side_layout((0, 1, 2, 3), 0, (0, 1, 9)) == (1, 9, 2, 3)
    assert side_layout((2, 0, 3), 0, (7, 0, 8)) == (7, 8, 2, 3)  # nothing kept


def brute_log_z(mn):
    """log of the sum over all assignments of the product of the factors (one einsum)."""
    letters = {v: chr(97 + i) for i, v in enumerate(mn.variables)}
    factors = mn.factors()
    subs = ",".join("".join(letters[v] for v in f.variables) for f in factors) + "->"
    return math.log(float(np.einsum(subs, *[f.values for f in factors])))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), scope=st.integers(2, 4), card=st.integers(2, 4))
def test_side_steps_on_random_markov_networks_match_brute_force(seed, scope, card):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tuning, "OPTIMIZE_LIMIT", 4)
        mp.setattr(tuning, "FUSE_LIMIT", 1)
        mp.setattr(tuning, "WHOLE_LIMIT", 1)
        mp.setattr(tuning, "SIDE_ROWS", 3)
        mn = random_markov_network(7, n_factors=9, max_scope=scope, max_cardinality=card, rng=seed)
        joint, log_z = brute_force_joint(mn), brute_log_z(mn)
        order = [str(v) for v in np.random.default_rng(seed).permutation(mn.variables)]
        v = mn.variables[seed % len(mn.variables)]
        expected = joint.marginalize([u for u in mn.variables if u != v]).values
        for elimination_order in ("auto", "reverse-cuthill-mckee", order):
            assert pl.log_partition_function(mn.copy(), elimination_order=elimination_order) == pytest.approx(
                log_z, rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(pl.query(mn.copy(), [v], elimination_order=elimination_order).values,
                                       expected, atol=1e-12)


def test_side_steps_with_evidence_and_map_match_brute_force(small_steps):
    for seed in range(4):
        bn = random_network(10, max_parents=3, max_cardinality=3, rng=seed)
        joint = brute_force_joint(bn)
        q, e = bn.variables[0], {bn.variables[-1]: 0, bn.variables[-2]: 1}
        reduced = joint.reduce(e)
        expected = reduced.marginalize([u for u in bn.variables if u != q and u not in e]).normalize().values
        for elimination_order in ("auto", "reverse-cuthill-mckee"):
            np.testing.assert_allclose(pl.query(bn.copy(), [q], e, elimination_order=elimination_order).values,
                                       expected, atol=1e-12)
            _, p = pl.map_query(bn.copy(), evidence=e, elimination_order=elimination_order)
            assert p == pytest.approx(reduced.values.max() / reduced.values.sum(), rel=1e-9)


def test_partition_benchmark_writes_its_table(tmp_path):
    out = tmp_path / "partition.md"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, os.path.join(root, "benchmarks", "partition.py"), "--sizes", "4", "--repeat", "1",
                    "--pgmpy-seconds", "0", "--output", str(out)], check=True, cwd=root, capture_output=True, timeout=600)
    table = out.read_text()
    assert "| 4x4 | 4 |" in table and "| not run |" in table


def _reference_cuthill_mckee(adj, candidates, rank):
    # the textbook form: each search sorts a node's unvisited neighbours by (degree, rank) as it goes
    inside = set(candidates)
    degree = {v: len([u for u in adj[v] if u in inside]) for v in inside}

    def key(v):
        return degree[v], rank[v]

    def bfs(start):
        level, order = {start: 0}, [start]
        for v in order:
            for u in sorted([u for u in adj[v] if u in inside and u not in level], key=key):
                level[u] = level[v] + 1
                order.append(u)
        return order, level

    order, seen = [], set()
    for first in sorted(inside, key=rank.__getitem__):
        if first in seen:
            continue
        piece, level = bfs(min(bfs(first)[0], key=key))
        far = level[piece[-1]]
        while True:
            nxt, nxt_level = bfs(min([v for v in piece if level[v] == far], key=key))
            if nxt_level[nxt[-1]] <= far:
                break
            piece, level, far = nxt, nxt_level, nxt_level[nxt[-1]]
        order.extend(piece)
        seen.update(piece)
    return order


@pytest.mark.parametrize("seed", range(200))
def test_cuthill_mckee_matches_the_textbook_search(seed):
    # neighbours sorted once per node give the same order as sorting them during each search
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    names = [f"v{i}" for i in range(n)] if seed % 2 else list(range(n))
    adj = {v: set() for v in names}
    for i, j in zip(*np.triu_indices(n, 1)):
        if rng.random() < 0.4 * (seed % 5 + 1) / 5:
            adj[names[i]].add(names[j])
            adj[names[j]].add(names[i])
    candidates = [v for v in names if rng.random() < 0.8] or names[:1]
    rank = dict(zip(names, rng.permutation(n).tolist()))
    assert bandwidth.cuthill_mckee(adj, candidates, rank) == _reference_cuthill_mckee(adj, candidates, rank)
