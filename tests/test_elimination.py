"""Elimination orders: registry, determinism, induced width, steps."""

import pytest

import pgm_lite as pl
from pgm_lite.elimination import ORDERINGS, elimination_steps, interaction_graph
from pgm_lite.testing import random_network


def grid(n):
    edges = [((i, j), (i, j + 1)) for i in range(n) for j in range(n - 1)]
    edges += [((i, j), (i + 1, j)) for i in range(n - 1) for j in range(n)]
    named = [(f"{a[0]}{a[1]}", f"{b[0]}{b[1]}") for a, b in edges]
    return pl.MarkovNetwork(named, [pl.DiscreteFactor(e, [[1, 2], [2, 1]]) for e in named])


@pytest.mark.parametrize("heuristic", list(ORDERINGS))
def test_orders_are_deterministic_permutations(heuristic, asia):
    order = pl.elimination_order(asia, heuristic)
    assert sorted(order) == sorted(asia.variables)
    assert pl.elimination_order(asia.copy(), heuristic) == order
    sub = pl.elimination_order(asia, heuristic, variables=["dysp", "asia", "tub"])
    assert sorted(sub) == ["asia", "dysp", "tub"]


@pytest.mark.parametrize("heuristic", list(ORDERINGS))
def test_chain_and_tree_have_width_one(heuristic, chain3):
    assert pl.induced_width(chain3, heuristic) == 1
    tree = random_network(12, max_parents=1, rng=3)
    assert pl.induced_width(tree, pl.elimination_order(tree, heuristic)) == 1


def test_grid_width():
    g = grid(4)
    assert pl.induced_width(g, "min-fill") == 4
    worst = sorted(g.variables)  # row by row: width equals the grid side too
    assert pl.induced_width(g, worst) == 4


def test_heuristics_beat_a_bad_order():
    bn = pl.BayesianNetwork([("H", f"L{i}") for i in range(6)])
    assert pl.induced_width(bn, ["H"] + [f"L{i}" for i in range(6)]) == 6
    for heuristic in ORDERINGS:
        assert pl.induced_width(bn, heuristic) == 1


def test_interaction_graph_is_moral(collider, ising4):
    g = interaction_graph(collider)
    assert g.has_edge("A", "B") and g.number_of_edges() == 3
    assert g.nodes["C"]["cardinality"] == 2
    edges = {frozenset(e) for e in interaction_graph(ising4).edges}
    assert edges == {frozenset(e) for e in ising4.edges}


def test_elimination_steps_report_fill_edges():
    g = interaction_graph(pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "D")]))
    steps = elimination_steps(g, ["B", "C", "A", "D"])
    assert [s.variable for s in steps] == ["B", "C", "A", "D"]
    assert steps[0].neighbors == ("A", "C") and steps[0].fill_edges == [("A", "C")]
    assert steps[1].neighbors == ("A", "D") and steps[1].fill_edges == [("A", "D")]
    assert steps[3].neighbors == () and g.number_of_edges() == 3  # graph untouched


def test_weighted_fill_prefers_small_cardinalities():
    big = {"A": 2, "B": 2, "C": 50, "D": 50}
    bn = pl.BayesianNetwork([("A", "X"), ("B", "X"), ("C", "Y"), ("D", "Y")], states=big)
    order = pl.elimination_order(bn, "weighted-min-fill", variables=["X", "Y"])
    assert order == ["X", "Y"]
    assert pl.elimination_order(bn, "min-weight")[0] == "A"


def test_errors(asia):
    with pytest.raises(pl.PGMError, match=r"unknown elimination order 'minfill'; choose from \['min-degree'"):
        pl.elimination_order(asia, "minfill")
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'nope'"):
        pl.elimination_order(asia, ["nope"])
    with pytest.raises(pl.StructureError, match="misses variable"):
        pl.elimination_order(asia, ["asia", "tub"])
    with pytest.raises(pl.StructureError, match=r"lists \['tub'\] more than once"):
        pl.induced_width(asia, ["tub", "tub"])
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'x'"):
        pl.elimination_order(asia, variables=["x"])
    with pytest.raises(pl.VariableNotFoundError, match="unknown node 'Q'"):
        elimination_steps(interaction_graph(asia), ["Q"])
    assert pl.elimination_order(asia, list(reversed(asia.variables)), variables=["tub", "asia"]) == [
        "tub", "asia"]


def _reference_greedy(model, heuristic):
    """Greedy elimination recomputing every score at every step (slow, obviously right)."""
    graph = interaction_graph(model)
    adj = {v: set(graph[v]) for v in graph}
    cards = {v: model.cardinality(v) for v in graph}
    rank = {v: i for i, v in enumerate(model.variables)}
    score = ORDERINGS[heuristic][0]
    todo, order = list(model.variables), []
    while todo:
        v = min(todo, key=lambda u: (score(u, adj, cards), rank[u]))
        todo.remove(v)
        order.append(v)
        nbrs = adj.pop(v)
        for a in nbrs:
            adj[a].discard(v)
            adj[a] |= nbrs - {a}
    return order


@pytest.mark.parametrize("heuristic", list(ORDERINGS))
def test_incremental_scores_match_recomputing_everything(heuristic):
    for seed in range(8):
        bn = random_network(20, max_parents=3, max_cardinality=4, rng=seed)
        assert pl.elimination_order(bn, heuristic) == _reference_greedy(bn, heuristic)


def test_query_planner_min_fill_matches_the_registry_order():
    from pgm_lite.elimination import greedy_order, min_fill_ids

    for seed in range(12):
        bn = random_network(25, max_parents=3, max_cardinality=3, rng=seed)
        graph = interaction_graph(bn)
        ids = {v: i for i, v in enumerate(bn.variables)}
        adj = {ids[v]: {ids[u] for u in graph[v]} for v in graph}
        keep = set(range(0, 25, 4))  # some variables stay (the query)
        todo = sorted(set(adj) - keep)
        expected = greedy_order({v: set(a) for v, a in adj.items()}, {}, todo, "min-fill")[0]
        assert min_fill_ids({v: set(a) for v, a in adj.items()}, todo)[0] == expected


def test_one_name_for_the_elimination_option_old_spellings_warn(asia):
    assert pl.elimination_order(asia, elimination_order="min-degree") == pl.elimination_order(asia, "min-degree")
    with pytest.warns(DeprecationWarning, match=r"elimination_order\(heuristic=\) is deprecated; use elimination_order="):
        assert pl.elimination_order(asia, heuristic="min-degree") == pl.elimination_order(asia, "min-degree")
    assert pl.induced_width(asia) == pl.induced_width(asia, elimination_order="min-fill")
    with pytest.warns(DeprecationWarning, match=r"induced_width\(order=\) is deprecated"):
        assert pl.induced_width(asia, order=asia.variables) == pl.induced_width(asia, asia.variables)
