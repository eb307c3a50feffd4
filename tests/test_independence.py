"""Independence statements, minimal I-maps, d-separation, checked numerically against the joint."""

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.testing import random_network


def markov_chain_statements(xs):
    return [f"{xs[i]} ⊥ {', '.join(xs[:i - 1])} | {xs[i - 1]}" for i in range(2, len(xs))]


# -- parsing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("X3 ⊥ X1 | X2", (("X3",), ("X1",), ("X2",))),
    ("X4 _|_ X1, X2 | X3", (("X4",), ("X1", "X2"), ("X3",))),
    ("A ⊥ B", (("A",), ("B",), ())),
    ("A,B⟂C|D,E", (("A", "B"), ("C",), ("D", "E"))),
    ("  smoke   _|_ xray |  either ", (("smoke",), ("xray",), ("either",))),
])
def test_parse_accepts_lecture_notation(text, expected):
    stmt = pl.parse_independence(text)
    assert (stmt.left, stmt.right, stmt.given) == expected
    assert pl.parse_independence(str(stmt)) == stmt


@pytest.mark.parametrize("text, column, match", [
    ("A ⊥ | C", 5, r"column 5: expected a variable name, found '\|'"),
    ("A B", 3, r"column 3: expected '⊥' \(or '_\|_'\), found 'B'"),
    ("A ⊥ B |", 8, r"column 8: expected a variable name, found the end of the statement"),
    ("⊥ B", 1, r"column 1: expected a variable name, found '⊥'"),
    ("A ⊥ B, | C", 8, r"column 8: expected a variable name"),
    ("A ⊥ A", None, r"variable 'A' appears twice"),
    ("", 1, r"column 1: expected a variable name, found the end"),
])
def test_parse_errors_point_at_the_character(text, column, match):
    with pytest.raises(pl.ParseError, match=match) as info:
        pl.parse_independence(text)
    if column is not None:
        assert info.value.column == column
        caret_line = str(info.value).splitlines()[-1]
        assert caret_line.index("^") - 4 == column - 1   # the caret sits under the offending character


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match="a string, got int"):
        pl.parse_independence(3)


# -- minimal I-maps and parameter counts -------------------------------------------------------------

@pytest.mark.parametrize("n", range(2, 31))
def test_markov_chain_independence_gives_2n_minus_1(n):
    xs = [f"X{i}" for i in range(1, n + 1)]
    chain = pl.BayesianNetwork.from_independencies(xs, markov_chain_statements(xs))
    assert chain.edges == [(xs[i], xs[i + 1]) for i in range(n - 1)]
    assert pl.count_parameters(chain)["network"] == 2 * n - 1
    independent = [f"{xs[i]} ⊥ {', '.join(xs[:i])}" for i in range(1, n)]
    assert pl.count_parameters(pl.BayesianNetwork.from_independencies(xs, independent))["network"] == n
    if n <= 20:   # the chain rule has n(n-1)/2 edges; counting stays exact for any n
        full = pl.BayesianNetwork.from_independencies(xs, [])
        assert pl.count_parameters(full)["network"] == 2**n - 1


def test_from_independencies_uses_decomposition_weak_union_and_symmetry():
    xs = ["A", "B", "C", "D"]
    # "A, B ⊥ D | C" gives D's parents {C} (symmetry + decomposition) for the order A, B, C, D
    bn = pl.BayesianNetwork.from_independencies(xs, ["A, B ⊥ D | C"])
    assert bn.parents("D") == ["C"]
    # decomposition: "D ⊥ A, B" covers D's predecessors {B, A}: no parents
    bn = pl.BayesianNetwork.from_independencies(["B", "A", "D"], ["D ⊥ A, B"])
    assert bn.parents("D") == []
    # weak union: "A, D ⊥ B | C" implies D ⊥ B | A, C, so D keeps A and C as parents
    bn = pl.BayesianNetwork.from_independencies(xs, ["A, D ⊥ B | C"])
    assert bn.parents("D") == ["A", "C"]
    # a statement that does not cover all predecessors does not apply: chain rule
    bn = pl.BayesianNetwork.from_independencies(xs, ["D ⊥ A | C"])
    assert bn.parents("D") == ["A", "B", "C"]


def test_from_independencies_states_int_or_dict():
    bn = pl.BayesianNetwork.from_independencies(["A", "B"], [], states={"A": 3, "B": ["lo", "hi"]})
    assert bn.states("A") == ("0", "1", "2") and bn.states("B") == ("lo", "hi")
    assert pl.count_parameters(bn)["network"] == 2 + 3
    assert not bn.is_fully_specified()


def test_from_independencies_errors_leave_nothing_behind():
    with pytest.raises(pl.VariableNotFoundError, match="'Z'"):
        pl.BayesianNetwork.from_independencies(["A", "B"], ["A ⊥ Z"])
    with pytest.raises(pl.StructureError, match="must not repeat"):
        pl.BayesianNetwork.from_independencies(["A", "A"], [])
    with pytest.raises(pl.ParseError, match="column 3"):
        pl.BayesianNetwork.from_independencies(["A", "B"], ["A B"])


def test_markov_network_from_pairwise_independencies():
    xs = ["A", "B", "C", "D"]
    grid = pl.MarkovNetwork.from_independencies(xs, ["A ⊥ D | B, C", "B ⊥ C | A, D"])
    assert sorted(map(sorted, grid.edges)) == [["A", "B"], ["A", "C"], ["B", "D"], ["C", "D"]]
    assert pl.MarkovNetwork.from_independencies(xs, []).graph.number_of_edges() == 6
    with pytest.raises(pl.StructureError, match=r"does not condition on \['C'\]"):
        pl.MarkovNetwork.from_independencies(["A", "B", "C"], ["A ⊥ B"])


# -- graph queries ---------------------------------------------------------------------------------------

def test_d_separation_textbook_cases(asia):
    assert pl.is_d_separated(asia, "asia", "smoke")
    assert not pl.is_d_separated(asia, "asia", "smoke", given=["dysp"])       # explaining away below
    assert pl.is_d_separated(asia, "tub", "xray", given=["either"])
    assert asia.is_d_separated(["asia", "tub"], ["bronc"], ["smoke"])
    with pytest.raises(pl.StructureError, match="disjoint"):
        asia.is_d_separated("asia", "asia")
    with pytest.raises(pl.VariableNotFoundError, match="'lungs'"):
        asia.is_d_separated("lungs", "asia")


def test_markov_blanket_and_active_trails(asia, collider):
    assert asia.markov_blanket("lung") == ["tub", "smoke", "either"]
    assert pl.markov_blanket(asia, "either") == ["tub", "lung", "bronc", "xray", "dysp"]
    assert collider.active_trail_nodes("A") == ["C"]
    assert collider.active_trail_nodes("A", given=["C"]) == ["B"]


def test_moralize_marries_parents(asia):
    moral = asia.moralize()
    assert isinstance(moral, pl.MarkovNetwork)
    assert moral.graph.has_edge("lung", "tub") and moral.graph.has_edge("bronc", "either")
    assert moral.graph.number_of_edges() == asia.graph.number_of_edges() + 2


def test_markov_blanket_shields_variable_numerically(asia):
    for v in ["lung", "either", "smoke"]:
        blanket = asia.markov_blanket(v)
        rest = [u for u in asia.variables if u not in blanket and u != v]
        assert pl.independencies_hold(asia, f"{v} ⊥ {', '.join(rest)} | {', '.join(blanket)}")


def test_independencies_hold_detects_dependence(collider):
    assert pl.independencies_hold(collider, "A ⊥ B")
    assert not pl.independencies_hold(collider, "A ⊥ B | C")
    with pytest.raises(pl.VariableNotFoundError, match="'D'"):
        pl.independencies_hold(collider, "A ⊥ D")


# -- properties on random networks -------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_local_markov_condition_holds_in_the_joint(n, seed):
    model = random_network(n, max_parents=2, max_cardinality=3, rng=seed)
    for statement in model.local_independencies():
        assert pl.independencies_hold(model, statement, atol=1e-12), statement


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 6), seed=st.integers(0, 2**32 - 1))
def test_every_d_separation_holds_numerically(n, seed):
    model = random_network(n, max_parents=2, max_cardinality=2, rng=seed)
    rng = np.random.default_rng(seed)
    for x, y in itertools.combinations(model.variables, 2):
        others = [v for v in model.variables if v not in (x, y)]
        given = [v for v in others if rng.random() < 0.5]
        if model.is_d_separated(x, y, given):
            statement = f"{x} ⊥ {y}" + (f" | {', '.join(given)}" if given else "")
            assert pl.independencies_hold(model, statement, atol=1e-12), statement
    # d-separation agrees with networkx's independent implementation
    for x, y in itertools.combinations(model.variables, 2):
        assert model.is_d_separated(x, y) == nx.is_d_separator(model.graph, {x}, {y}, set())
