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


# -- semi-graphoid reasoning (issue 13) ---------------------------------------------------------------

NAIVE = ["X1 ⊥ X2, X3 | Y", "X2 ⊥ X3 | Y"]


def test_naive_bayes_needs_contraction():
    bn, why = pl.BayesianNetwork.from_independencies(["Y", "X1", "X2", "X3"], NAIVE, explain=True)
    assert bn.factorization() == "P(Y) P(X1 | Y) P(X2 | Y) P(X3 | Y)"
    assert why["X3"].statement == pl.Independence(("X3",), ("X1", "X2"), ("Y",))
    assert why["X3"].parents == ("Y",) and why["X3"].minimal
    assert why["X3"].steps[-1] == "(5) X3 ⊥ X1, X2 | Y    contraction of (2) and (4)"
    assert why["Y"].statement is None and str(why["Y"]) == "Y: no parents (first in the order)"
    assert str(why["X1"]) == "X1: Y (all its predecessors: no statement removes any)"
    assert str(why["X2"]).splitlines()[0] == "X2: Y, since X2 ⊥ X1 | Y"
    assert pl.implies(NAIVE, "X3 ⊥ X1, X2 | Y")
    assert not pl.implies(NAIVE, "X3 ⊥ X1")
    assert pl.derivation(NAIVE, "X3 ⊥ X1, X2 | Y", variables=["Y", "X1", "X2", "X3"]) == list(why["X3"].steps)


def test_from_independencies_and_independencies_hold_take_one_statement(chain3):
    bn = pl.BayesianNetwork.from_independencies(["A", "B"], "A ⊥ B")
    assert bn.edges == []
    assert pl.independencies_hold(chain3, "X3 ⊥ X1 | X2")
    assert pl.independencies_hold(chain3, ["X3 ⊥ X1 | X2", "X1 ⊥ X3 | X2"])
    assert not pl.independencies_hold(chain3, ["X3 ⊥ X1 | X2", "X1 ⊥ X3"])
    grid = pl.MarkovNetwork.from_independencies(["A", "B", "C"], "A ⊥ C | B")
    assert grid.edges == [("A", "B"), ("B", "C")]


def test_784_pixel_markov_chain_is_decided_minimal():
    xs = [f"X{i}" for i in range(1, 785)]
    chain, why = pl.BayesianNetwork.from_independencies(xs, markov_chain_statements(xs), explain=True)
    assert chain.edges == [(xs[i], xs[i + 1]) for i in range(783)]
    assert all(choice.minimal for choice in why.values())
    assert str(why["X784"].statement) == f"X784 ⊥ {', '.join(xs[:782])} | X783"


def test_derivation_and_closure_errors():
    with pytest.raises(pl.PGMError, match=r"no derivation of 'A ⊥ C' found .* pl.implies decides"):
        pl.derivation(["A ⊥ B"], "A ⊥ C")
    many = [f"V{i} ⊥ V{i + 1}" for i in range(13)]
    with pytest.raises(pl.OptionError, match=r"^listing the closure visits 4\*\*n statements and is limited to 8 "
                                            r"variables \(pgm_lite.tuning.CLOSURE_LIST_MAX_VARIABLES\); these "
                                            r"statements mention 14: ask pl.implies about single statements instead$"):
        pl.closure(many)
    with pytest.raises(pl.OptionError, match=r"^the exact semi-graphoid closure is limited to 10 variables "
                                            r"\(pgm_lite.tuning.CLOSURE_MAX_VARIABLES\); these statements mention 14$"):
        pl.implies(many, "V0 ⊥ V13")
    assert pl.implies(many, "V1 ⊥ V0")      # found by the targeted search at any size
    with pytest.raises(pl.VariableNotFoundError, match="'Z'"):
        pl.closure(["A ⊥ Z"], variables=["A", "B"])
    with pytest.raises(pl.ParseError, match="column 3"):
        pl.implies(["A B"], "A ⊥ B")


def test_closure_lists_maximal_statements_in_variable_order():
    got = [str(s) for s in pl.closure(["A ⊥ B", "A ⊥ C | B"])]
    assert got == ["A ⊥ B, C"]
    assert [str(s) for s in pl.closure(NAIVE, variables=["Y", "X1", "X2", "X3"])] == [
        "X1 ⊥ X2, X3 | Y", "X1, X2 ⊥ X3 | Y", "X1, X3 ⊥ X2 | Y"]


# brute force: every semi-graphoid rule applied to every derived triple until nothing changes

def _sub(mask):
    sub = mask
    while sub:
        yield sub
        sub = (sub - 1) & mask


def oracle_closure(statements):
    """All triples (A, B, C) (bitmasks) derivable by symmetry, decomposition, weak union, contraction."""
    known, work, by_left_given = set(), list(statements), {}
    while work:
        t = work.pop()
        if t in known:
            continue
        known.add(t)
        a, b, c = t
        by_left_given.setdefault((a, c), set()).add(b)
        new = [(b, a, c)]
        for part in _sub(b):
            if part != b:
                new += [(a, part, c), (a, b & ~part, c | part)]    # decomposition, weak union
        for d in list(by_left_given.get((a, c | b), ())):          # t first: (A,B|C),(A,D|BC)
            new.append((a, b | d, c))
        for first in _sub(c):                                       # t second: (A,B'|C'),(A,b|B'C')
            if first in by_left_given.get((a, c & ~first), ()):
                new.append((a, first | b, c & ~first))
        work += [n for n in new if n not in known]
    return known


def _mask(names, index):
    return sum(1 << index[v] for v in names)


def _masks(stmt, index):
    return (_mask(stmt.left, index), _mask(stmt.right, index), _mask(stmt.given, index))


def _expand(statements, index):
    """Every triple that a listed statement gives by symmetry, decomposition and weak union."""
    return oracle_closure([_masks(s, index) for s in statements])


def _random_case(rng, n):
    """A random DAG on n variables, its topological order and its ordered Markov statements."""
    xs = [f"V{i}" for i in range(n)]
    dag = nx.DiGraph()
    dag.add_nodes_from(xs)
    dag.add_edges_from((xs[i], xs[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.4)
    statements = []
    for j, v in enumerate(xs):
        parents = [u for u in xs[:j] if dag.has_edge(u, v)]
        rest = [u for u in xs[:j] if u not in parents]
        if rest:
            statements.append(pl.Independence((v,), tuple(rest), tuple(parents)))
    return xs, dag, statements


def _check_imap(order, statements, closed, index):
    bn, why = pl.BayesianNetwork.from_independencies(order, statements, explain=True)
    for j, v in enumerate(order):
        parents = bn.parents(v)
        assert why[v].minimal
        rest = [u for u in order[:j] if u not in parents]
        if not rest:
            continue
        bit = 1 << index[v]
        assert (bit, _mask(rest, index), _mask(parents, index)) in closed, (v, parents)   # implied
        for p in parents:                                                                   # minimal
            smaller = [u for u in parents if u != p]
            assert (bit, _mask([*rest, p], index), _mask(smaller, index)) not in closed, (v, parents, p)


@pytest.mark.parametrize("seed", range(200))
def test_closure_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 6))
    xs, dag, statements = _random_case(rng, n)
    index = {v: i for i, v in enumerate(xs)}
    closed = oracle_closure([_masks(s, index) for s in statements])
    # Verma-Pearl: the closure of the ordered Markov statements is exactly the d-separations
    dseps = set()
    for a in range(1, 1 << n):
        for b in _sub(((1 << n) - 1) & ~a):
            for c in [0, *_sub(((1 << n) - 1) & ~(a | b))]:
                names = [{xs[i] for i in range(n) if m >> i & 1} for m in (a, b, c)]
                if nx.is_d_separator(dag, *names):
                    dseps.add((a, b, c))
    assert closed == dseps
    assert _expand(pl.closure(statements, variables=xs), index) == closed
    order = list(rng.permutation(xs))
    _check_imap(order, statements, closed, index)
    # arbitrary statements (not from a DAG): closure, implication and the I-map on shuffled orders
    k = int(rng.integers(1, 4))
    random_statements = []
    for _ in range(k):
        sides = rng.integers(0, 4, size=n)    # 0 left, 1 right, 2 given, 3 absent
        if not (sides == 0).any() or not (sides == 1).any():
            continue
        random_statements.append(pl.Independence(*(tuple(x for x, s in zip(xs, sides) if s == side)
                                                   for side in range(3))))
    closed = oracle_closure([_masks(s, index) for s in random_statements])
    if random_statements:
        assert _expand(pl.closure(random_statements, variables=xs), index) == closed
    a, b = rng.permutation(n)[:2]
    c = [xs[i] for i in range(n) if i not in (a, b) and rng.random() < 0.5]
    target = pl.Independence((xs[a],), (xs[b],), tuple(c))
    assert pl.implies(random_statements, target) == (_masks(target, index) in closed)
    _check_imap(list(rng.permutation(xs)), random_statements, closed, index)


def test_minimality_is_reported_undecided_beyond_the_exact_limit():
    # "A ⊥ B" and "A ⊥ B | C" hold in no DAG on this order, so the d-separation certificate fails
    small, why = pl.BayesianNetwork.from_independencies(["A", "B", "C"], ["A ⊥ B", "A ⊥ B | C"], explain=True)
    assert small.parents("C") == ["A", "B"] and all(c.minimal for c in why.values())   # decided exactly
    names = ["A", "B", "C", *(f"D{i}" for i in range(8))]
    big, why = pl.BayesianNetwork.from_independencies(names, ["A ⊥ B", "A ⊥ B | C"], explain=True)
    assert big.parents("C") == ["A", "B"] and big.parents("B") == []
    assert not why["B"].minimal
    assert str(why["B"]).splitlines()[-1] == "    (minimality not decided: too many variables for the exact closure)"
