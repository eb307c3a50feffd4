"""The fast BIF path and the trusted constructors build exactly what the public constructors build.

``pl.read_bif`` reads well-formed files with :func:`pgm_lite.io._bif_fast.read_plain` and
assembles them with ``TabularCPD.from_validated`` / ``BayesianNetwork.from_validated``; anything
else (errors included) goes to ``BifParser``. Checked here: on the 13 shipped networks, the model
read is indistinguishable, field by field, from one built through ``TabularCPD(...)`` and
``BayesianNetwork(cpds=..., variables=...)`` (also after copy and pickling); on mutated files,
whenever the fast path answers, ``BifParser`` builds the same model, and ``parse_bif`` either
returns that model or raises BifParser's error; every refusal keeps its located message.
"""

from __future__ import annotations

import copy
import gzip
import io
import os
import pathlib
import pickle
import re
import threading
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.io._assemble import ATOL
from pgm_lite.io._bif_fast import read_plain
from pgm_lite.io._bif_parser import BifParser, blank_comments
from pgm_lite.io._source import read_text
from pgm_lite.io.bif import parse_bif
from pgm_lite.testing import random_network

DATA = pathlib.Path(__file__).parent / "data"
NETWORKS = sorted(p.name.removesuffix(".bif.gz") for p in DATA.glob("*.bif.gz"))
TEXTS = {name: read_text(DATA / f"{name}.bif.gz")[0] for name in NETWORKS}


def slow(text: str, atol: float = ATOL) -> pl.BayesianNetwork:
    """Read ``text`` with the token parser only (comments blanked first, as parse_bif does)."""
    return BifParser(blank_comments(text, "t.bif"), "t.bif", atol, stripped=True).parse()


def public(model: pl.BayesianNetwork) -> pl.BayesianNetwork:
    """Rebuild ``model`` through the public, validating constructors from fresh copies of its parts."""
    cpds = [pl.TabularCPD(v, np.array(model.cpd(v).table), list(model.cpd(v).parents),
                          {u: list(s) for u, s in model.cpd(v).states.items()}, atol=ATOL)
            for v in model.variables]
    return pl.BayesianNetwork(cpds=cpds, variables=list(model.variables))


def assert_same_network(a: pl.BayesianNetwork, b: pl.BayesianNetwork) -> None:
    """Assert that ``a`` and ``b`` agree on everything a user (or an engine) can see."""
    assert type(a) is type(b)
    assert list(vars(a)) == list(vars(b))  # the same attributes, set in the same order
    assert a.variables == b.variables
    assert list(a.state_names.items()) == list(b.state_names.items())
    assert all(type(s) is tuple and all(type(x) is str for x in s) for s in a.state_names.values())
    assert a.edges == b.edges
    sa, sb = a.structure, b.structure
    assert type(a.graph) is type(b.graph) is nx.DiGraph
    assert list(sa.nodes(data=True)) == list(sb.nodes(data=True))
    assert list(sa.edges(data=True)) == list(sb.edges(data=True))
    assert sa.graph == sb.graph
    for v in a.variables:
        assert list(sa.pred[v]) == list(sb.pred[v]) and list(sa.succ[v]) == list(sb.succ[v])
        assert a.parents(v) == b.parents(v) and a.children(v) == b.children(v)
        ca, cb = a.cpd(v), b.cpd(v)
        assert type(ca) is type(cb)
        assert (ca.variable, ca.parents, type(ca.parents)) == (cb.variable, cb.parents, type(cb.parents))
        assert list(ca.states.items()) == list(cb.states.items())
        ta, tb = ca.table, cb.table
        assert (ta.dtype, ta.shape, ta.strides) == (tb.dtype, tb.shape, tb.strides)
        assert ta.dtype == np.float64 and ta.flags.c_contiguous and tb.flags.c_contiguous
        assert ta.flags.writeable == tb.flags.writeable
        assert ta.tobytes() == tb.tobytes()  # bit for bit (signed zeros too)
        assert repr(ca) == repr(cb)
    assert repr(a) == repr(b)
    assert a.positions == b.positions
    assert a.is_fully_specified() and b.is_fully_specified()
    assert a.topological_order() == b.topological_order()
    assert type(a.version) is int and a.version != b.version


def assert_read_only(model: pl.BayesianNetwork) -> None:
    for cpd in model.cpds():
        assert not cpd.table.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            cpd.table[(0,) * cpd.table.ndim] = 0.5
        base = cpd.table.base
        assert base is None or not base.flags.writeable  # no writeable array behind a view either


@pytest.mark.parametrize("name", NETWORKS)
def test_shipped_networks_read_as_the_public_constructors_build_them(name):
    text = TEXTS[name]
    assert read_plain(blank_comments(text, name), ATOL) is not None  # the fast path reads every shipped file
    fast = pl.read_bif(DATA / f"{name}.bif.gz")
    reference = public(fast)
    assert_same_network(fast, reference)
    assert_read_only(fast)
    assert_same_network(fast.copy(), reference.copy())
    assert_same_network(copy.deepcopy(fast), copy.deepcopy(reference))
    assert_same_network(pickle.loads(pickle.dumps(fast)), pickle.loads(pickle.dumps(reference)))
    assert_same_network(pl.read(DATA / f"{name}.bif.gz"), reference)


@pytest.mark.parametrize("name", [n for n in NETWORKS if n not in ("munin", "barley")])
def test_fast_path_and_token_parser_agree_on_shipped_networks(name):
    assert_same_network(pl.read_bif(DATA / f"{name}.bif.gz"), slow(TEXTS[name]))
    assert_same_network(slow(TEXTS[name]), public(slow(TEXTS[name])))


def test_tables_keep_the_numbers_as_written_and_answer_the_same_queries():
    fast = pl.read_bif(DATA / "alarm.bif.gz")
    reference = public(slow(TEXTS["alarm"]))
    # alarm's rows list the first parent fastest: "(NORMAL, ZERO) 0.97, 0.01, 0.01, 0.01;"
    assert fast.cpd("MINVOL").parents == ("INTUBATION", "VENTLUNG")
    assert fast.cpd("MINVOL").table[1, 0].tolist() == [0.01, 0.97, 0.01, 0.01]
    for v in ["HISTORY", "BP", "MINVOL"]:
        ours = pl.query(fast, [v], evidence={"HYPOVOLEMIA": "TRUE"})
        theirs = pl.query(reference, [v], evidence={"HYPOVOLEMIA": "TRUE"})
        assert np.array_equal(ours.values, theirs.values)


# -- the trusted constructors ----------------------------------------------------------------------
def test_tabular_cpd_from_validated_is_the_constructor_without_checks():
    states = {"rain": ("no", "yes"), "wet": ("dry", "wet"), "other": ("a",)}
    table = np.array([[0.9, 0.1], [0.2, 0.8]])
    trusted = pl.TabularCPD.from_validated("wet", table, ("rain",), states)
    built = pl.TabularCPD("wet", table, ["rain"], {"rain": ["no", "yes"], "wet": ["dry", "wet"]})
    assert trusted.table is table and not table.flags.writeable  # no copy; made read-only in place
    assert list(trusted.states.items()) == list(built.states.items())  # only the scope, in axis order
    assert (trusted.variable, trusted.parents, repr(trusted)) == (built.variable, built.parents, repr(built))
    root = pl.TabularCPD.from_validated("rain", np.array([0.3, 0.7]), (), states)
    assert root.states == {"rain": ("no", "yes")} and root.parents == ()


def test_bayesian_network_from_validated_matches_the_constructor_on_random_networks():
    for seed in range(8):
        bn = random_network(7, max_parents=3, max_cardinality=3, rng=seed)
        states = dict(bn.state_names)
        cpds = [pl.TabularCPD.from_validated(v, np.array(bn.cpd(v).table), bn.cpd(v).parents, states)
                for v in bn.variables]
        assert_same_network(pl.BayesianNetwork.from_validated(states, cpds),
                            pl.BayesianNetwork(cpds=cpds, variables=bn.variables))


def test_bayesian_network_from_validated_refuses_a_cycle_and_keeps_cpd_less_variables():
    states = {"a": ("0", "1"), "b": ("0", "1"), "c": ("x", "y", "z")}
    half = np.full((2, 2), 0.5)
    a_given_b = pl.TabularCPD.from_validated("a", half.copy(), ("b",), states)
    b_given_a = pl.TabularCPD.from_validated("b", half.copy(), ("a",), states)
    with pytest.raises(pl.StructureError, match=r"the edges contain the cycle (a -> b -> a|b -> a -> b)"):
        pl.BayesianNetwork.from_validated(states, [a_given_b, b_given_a])
    bn = pl.BayesianNetwork.from_validated(states, [a_given_b])
    assert bn.variables == ["a", "b", "c"] and bn.edges == [("b", "a")] and bn.states("c") == ("x", "y", "z")
    assert not bn.is_fully_specified()
    assert_same_network_structure_only(bn, pl.BayesianNetwork(cpds=[a_given_b], variables=["a", "b", "c"],
                                                             states={"c": ["x", "y", "z"]}))


def assert_same_network_structure_only(a: pl.BayesianNetwork, b: pl.BayesianNetwork) -> None:
    assert list(vars(a)) == list(vars(b)) and a.variables == b.variables and a.edges == b.edges
    assert list(a.state_names.items()) == list(b.state_names.items()) and repr(a) == repr(b)
    assert list(a.structure.nodes) == list(b.structure.nodes) and list(a.structure.edges) == list(b.structure.edges)


def test_longer_cycles_and_self_contained_dags():
    names = [f"V{i}" for i in range(6)]
    states = {v: ("0", "1") for v in names}
    half = np.full((2, 2), 0.5)
    ring = [pl.TabularCPD.from_validated(v, half.copy(), (names[i - 1],), states) for i, v in enumerate(names)]
    with pytest.raises(pl.StructureError, match="cycle"):
        pl.BayesianNetwork.from_validated(states, ring)
    # a DAG declared children first (the acyclicity check does not rely on the order)
    chain = [pl.TabularCPD.from_validated(v, half.copy(), (names[i + 1],), states) for i, v in enumerate(names[:-1])]
    chain.append(pl.TabularCPD.from_validated(names[-1], np.array([0.5, 0.5]), (), states))
    assert pl.BayesianNetwork.from_validated(states, chain).topological_order() == names[::-1]


# -- refusals keep BifParser's located messages ----------------------------------------------------
GOOD = """network demo {
}
variable A { type discrete [ 2 ] { yes, no }; }
variable B { type discrete [ 3 ] { lo, mid, hi }; }
variable C { type discrete [ 2 ] { yes, no }; }
probability ( A ) { table 0.5, 0.5; }
probability ( B | A ) {
  (yes) 0.2, 0.3, 0.5;
  (no) 0.1, 0.1, 0.8;
}
probability ( C | A, B ) {
  (yes, lo) 0.9, 0.1;
  (no, lo) 0.8, 0.2;
  (yes, mid) 0.7, 0.3;
  (no, mid) 0.6, 0.4;
  (yes, hi) 0.5, 0.5;
  (no, hi) 0.4, 0.6;
}
"""

REFUSED = [
    ("row not summing to one", GOOD.replace("0.7, 0.3", "0.7, 0.4"),
     r"^t\.bif:14:3: found probabilities \[0\.7, 0\.4\] for P\(C \| A=yes, B=mid\) summing to 1\.1, expected non-negative numbers summing to 1"),
    ("negative entry", GOOD.replace("0.1, 0.1, 0.8", "-0.1, 0.3, 0.8"),
     r"^t\.bif:9:3: found probabilities \[-0\.1, 0\.3, 0\.8\] for P\(B \| A=no\)"),
    ("entry above one", GOOD.replace("table 0.5, 0.5", "table 1.5, -0.5"),
     r"^t\.bif:6:21: found probabilities \[1\.5, -0\.5\] for P\(A\) summing to 1\.0"),
    ("nan", GOOD.replace("0.9, 0.1", "nan, 0.1"), r"^t\.bif:12:3: found probabilities \[nan, 0\.1\] for P\(C \| A=yes, B=lo\)"),
    ("infinity", GOOD.replace("0.9, 0.1", "inf, 0.1"), r"^t\.bif:12:3: found probabilities \[inf, 0\.1\]"),
    ("too few in a row", GOOD.replace("0.2, 0.3, 0.5", "0.5, 0.5"), r"^t\.bif:8:3: found 2 probabilities for 'B', expected 3"),
    ("too many in a row", GOOD.replace("(no, hi) 0.4, 0.6", "(no, hi) 0.4, 0.3, 0.3"),
     r"^t\.bif:17:3: found 3 probabilities for 'C', expected 2"),
    ("shifted numbers", GOOD.replace("0.2, 0.3, 0.5;\n  (no) 0.1, 0.1, 0.8", "0.2, 0.3, 0.5, 0.1;\n  (no) 0.1, 0.8"),
     r"^t\.bif:8:3: found 4 probabilities for 'B', expected 3"),
    ("wrong table size", GOOD.replace("table 0.5, 0.5", "table 0.5, 0.25, 0.25"),
     r"^t\.bif:6:21: found 3 probabilities in the table of 'A', expected 2"),
    ("missing row", GOOD.replace("  (no, mid) 0.6, 0.4;\n", ""),
     r"^t\.bif:17:1: found '\}' before the row for parent configuration A=no, B=mid of 'C', expected 6 rows"),
    ("duplicate row", GOOD.replace("(no, mid)", "(yes, mid)"),
     r"^t\.bif:15:3: found a second row for parent configuration A=yes, B=mid of 'C'"),
    ("unknown state", GOOD.replace("(no, hi)", "(no, top)"),
     r"^t\.bif:17:3: found state 'top' of parent 'B' in a row of 'C', expected one of \['lo', 'mid', 'hi'\]"),
    ("cycle", GOOD.replace("probability ( A ) { table 0.5, 0.5; }",
                           "probability ( A | C ) { (yes) 0.5, 0.5; (no) 0.5, 0.5; }"),
     r"^t\.bif:\d+:\d+: found the cycle .*, expected an acyclic graph"),
    ("cardinality", GOOD.replace("[ 3 ]", "[ 4 ]"), r"^t\.bif:4:30: found \[ 4 \] but 3 state names"),
    ("duplicate variable", GOOD.replace("variable C", "variable A"), r"^t\.bif:5:10: found variable 'A' declared a second time"),
    ("undeclared parent", GOOD.replace("C | A, B", "C | A, D"), r"^t\.bif:11:22: found unknown parent 'D' of 'C'"),
    ("no block", GOOD.replace("probability ( A ) { table 0.5, 0.5; }", ""),
     r"^t\.bif:3:10: found variable 'A' without a probability block"),
    ("bad number", GOOD.replace("0.6, 0.4", "0.6, 0.4x"), r"^t\.bif:15:18: found '0\.4x', expected a probability \(of 'C'\)"),
    ("empty name", GOOD.replace("variable C", 'variable ""').replace("C | A, B", '"" | A, B'),
     r'^t\.bif:5:10: found the empty name "", expected a variable name of at least one character'),
    ("stray word", GOOD.replace("probability ( A )", "junk probability ( A )"),
     r"^t\.bif:6:1: found 'junk', expected 'network', 'variable' or 'probability'"),
    ("trailing brace", GOOD + "}", r"^t\.bif:19:1: found '\}', expected 'network', 'variable' or 'probability'"),
    ("word in a block", GOOD.replace("probability ( B | A ) {", "probability ( B | A ) { x"),
     r"^t\.bif:7:25: found 'x', expected '\(', 'table', 'default', 'property' or '\}'"),
]


@pytest.mark.parametrize("text,pattern", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_what_the_fast_path_refuses_is_refused_with_the_located_message(text, pattern):
    assert read_plain(blank_comments(text, "t.bif"), ATOL) is None
    handle = io.StringIO(text)
    handle.name = "t.bif"
    with pytest.raises(pl.ParseError, match=pattern):
        pl.read_bif(handle)
    with pytest.raises(pl.ParseError, match=pattern):
        slow(text)


def test_good_file_is_read_by_the_fast_path_with_fortran_and_c_ordered_rows():
    fast = read_plain(GOOD, ATOL)
    assert fast is not None
    assert fast.cpd("C").table[:, 1].tolist() == [[0.7, 0.3], [0.6, 0.4]]  # C | A, B=mid
    assert_same_network(fast, slow(GOOD))
    c_order = GOOD.replace("  (no, lo) 0.8, 0.2;\n  (yes, mid) 0.7, 0.3;\n  (no, mid) 0.6, 0.4;\n  (yes, hi) 0.5, 0.5;\n",
                           "  (yes, mid) 0.7, 0.3;\n  (yes, hi) 0.5, 0.5;\n  (no, lo) 0.8, 0.2;\n  (no, mid) 0.6, 0.4;\n")
    shuffled = GOOD.replace("  (yes, lo) 0.9, 0.1;\n", "").replace("  (no, hi) 0.4, 0.6;\n",
                                                                   "  (no, hi) 0.4, 0.6;\n  (  yes,lo ) 0.9, 0.1;\n")
    for text in (c_order, shuffled):
        assert c_order != GOOD and shuffled != GOOD
        assert_same_network(read_plain(text, ATOL), slow(text))
        assert np.array_equal(read_plain(text, ATOL).cpd("C").table, fast.cpd("C").table)


def test_blocks_in_any_order_and_the_parents_first_shortcut():
    """Blocks listed parents first need no cycle check; any other order is checked (and read the same)."""
    blocks = GOOD.split("probability")
    children_first = blocks[0] + "probability" + "probability".join(blocks[:0:-1])  # C, B, A
    assert children_first.index("( C |") < children_first.index("( A )")
    for text in (GOOD, children_first):
        fast = read_plain(text, ATOL)
        assert fast is not None
        assert_same_network(fast, slow(text))
        assert_same_network(fast, public(fast))
    cyclic = children_first.replace("probability ( A ) { table 0.5, 0.5; }",
                                    "probability ( A | C ) { (yes) 0.5, 0.5; (no) 0.5, 0.5; }")
    assert read_plain(cyclic, ATOL) is None
    with pytest.raises(pl.ParseError, match=r"found the cycle .*, expected an acyclic graph"):
        slow(cyclic)


def test_bayesian_network_from_validated_with_acyclic_skips_only_the_cycle_check():
    states = {"a": ("0", "1"), "b": ("0", "1")}
    cpds = [pl.TabularCPD.from_validated("a", np.array([0.5, 0.5]), (), states),
            pl.TabularCPD.from_validated("b", np.array([[0.9, 0.1], [0.2, 0.8]]), ("a",), states)]
    trusted = pl.BayesianNetwork.from_validated(states, cpds, acyclic=True)
    assert_same_network(trusted, pl.BayesianNetwork.from_validated(states, cpds))
    assert_same_network(trusted, public(trusted))


@pytest.mark.parametrize("k", [1, 2, 3, 70])
def test_rows_of_every_length_are_counted_by_their_pattern(k):
    """A row is matched by the pattern of exactly k numbers (k = 70 is compiled, not kept)."""
    names = ", ".join(f"s{i}" for i in range(k))
    row = ", ".join(["0"] * (k - 1) + ["1"])
    text = (f"variable A {{ type discrete [ 2 ] {{ yes, no }}; }}\nvariable B {{ type discrete [ {k} ] {{ {names} }}; }}\n"
            f"probability ( A ) {{ table 0.5, 0.5; }}\nprobability ( B | A ) {{ (yes) {row}; (no) {row}; }}\n")
    fast = read_plain(text, ATOL)
    assert fast is not None and fast.cpd("B").table.shape == (2, k)
    assert_same_network(fast, slow(text))
    for bad in (text.replace(f"(no) {row};", f"(no) 0, {row};"), text.replace(f"(yes) {row};", f"(yes) {row}, 0;")):
        assert read_plain(bad, ATOL) is None
        with pytest.raises(pl.ParseError, match=rf"found {k + 1} probabilities for 'B', expected {k}"):
            slow(bad)
    if k > 1:
        short = text.replace(f"(no) {row};", f"(no) {row[2:]};")
        assert read_plain(short, ATOL) is None
        with pytest.raises(pl.ParseError, match=rf"found {k - 1} probabilities for 'B', expected {k}"):
            slow(short)


def test_table_entries_with_parents_use_the_column_layout():
    text = GOOD.replace("""  (yes) 0.2, 0.3, 0.5;
  (no) 0.1, 0.1, 0.8;""", "  table 0.2, 0.1, 0.3, 0.1, 0.5, 0.8;")
    fast = read_plain(text, ATOL)
    assert fast is not None and fast.cpd("B").table.tolist() == [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    assert_same_network(fast, slow(text))


@pytest.mark.parametrize("total", ["1.01", "1.0100000000000000089", "1.010000000000001", "0.99", "0.98999999999999"])
@pytest.mark.parametrize("atol", [1e-2, 1e-9, 0.0])
def test_rows_at_the_tolerance_are_decided_as_the_token_parser_decides(total, atol):
    # 0.5 + (total - 0.5): rows whose sum sits on (or one rounding from) the tolerance bound
    rest = repr(float(total) - 0.5)
    text = GOOD.replace("(yes, hi) 0.5, 0.5", f"(yes, hi) 0.5, {rest}")
    try:
        expected: pl.BayesianNetwork | None = slow(text, atol)
    except pl.ParseError as err:
        expected = None
        with pytest.raises(pl.ParseError, match=re.escape(err.message)):
            parse_bif(text, "t.bif", atol=atol)
    fast = read_plain(text, atol)
    if fast is not None:
        assert expected is not None
        assert_same_network(fast, expected)
    if expected is not None:
        assert_same_network(parse_bif(text, "t.bif", atol=atol), expected)


def test_signed_zero_and_exact_numbers_survive_the_fast_path():
    text = GOOD.replace("table 0.5, 0.5", "table -0.0, 1.0").replace("0.9, 0.1", "0.1000000000000000055511151231257827, 0.9")
    fast = read_plain(text, ATOL)
    assert fast is not None
    assert np.signbit(fast.cpd("A").table[0]) and fast.cpd("C").table[0, 0, 0] == 0.1
    assert_same_network(fast, slow(text))


def test_comments_and_names_with_slashes_take_the_fast_path():
    text = "// head\n" + GOOD.replace("lo, mid, hi", "lo, mid/x, hi").replace("(yes, mid)", "(yes, mid/x)").replace(
        "(no, mid)", "(no, mid/x)") + "/* tail\n */\n"
    stripped = blank_comments(text, "t.bif")
    assert read_plain(stripped, ATOL) is not None
    assert_same_network(parse_bif(text, "t.bif"), slow(text))
    assert pl.read_bif(io.StringIO(text)).states("B") == ("lo", "mid/x", "hi")


def test_other_shapes_go_to_the_token_parser_and_read_the_same():
    variants = {
        "quoted": GOOD.replace("variable C", 'variable "C"'),
        "property": GOOD.replace("network demo {\n}", "network demo {\n  property x = 1 ;\n}"),
        "default": GOOD.replace("  (yes, lo) 0.9, 0.1;\n", "  default 0.9, 0.1;\n"),
        "javabayes": GOOD.replace("probability ( B | A )", "probability ( B A )"),
        "trailing comma key": GOOD.replace("(no, hi)", "(no, hi,)"),
        "space-separated numbers": GOOD.replace("0.6, 0.4", "0.6 0.4"),
    }
    for name, text in variants.items():
        assert read_plain(blank_comments(text, "t.bif"), ATOL) is None, name
        assert_same_network(parse_bif(text, "t.bif"), slow(text))
        assert np.array_equal(parse_bif(text, "t.bif").cpd("C").table, read_plain(GOOD, ATOL).cpd("C").table)


# -- mutated files: the fast path answers only what the token parser answers -----------------------
def _seed_texts() -> list[str]:
    written = io.StringIO()
    pl.write_bif(random_network(6, max_parents=3, max_cardinality=3, rng=3), written)
    return [TEXTS["asia"], GOOD, written.getvalue(), TEXTS["child"]]


SEED_TEXTS = _seed_texts()
TOKEN = re.compile(r'"[^"\n]*"|[{}()\[\];,|]|[^\s{}()\[\];,|"]+|\s+')
INSERTS = ["(", ")", ",", ";", "{", "}", "|", "[", "]", '"', "//", "/*", "*/", " ", "\n", "\t", "\u00a0", "\x1c",
           "table", "default", "property x ;", "probability", "variable", "network", "type", "discrete",
           "0", "1", "-0", "0.5", "1.0", "0.25", "nan", "inf", "1e-3", "1_0", "0.505", "0.495", "0.4999999999999999",
           "yes", "no", "x", "A", "B", "C", "asia", "smoke", "٣"]


def _apply(text: str, ops: list[tuple[str, int, int]]) -> str:
    for kind, i, j in ops:
        spans = [m.span() for m in TOKEN.finditer(text)] or [(0, 0)]
        a, b = spans[i % len(spans)]
        if kind == "delete":
            text = text[:a] + text[b:]
        elif kind == "duplicate":
            text = text[:b] + text[a:b] + text[b:]
        elif kind == "replace":
            text = text[:a] + INSERTS[j % len(INSERTS)] + text[b:]
        elif kind == "insert":
            text = text[:a] + INSERTS[j % len(INSERTS)] + text[a:]
        elif kind == "swap":
            c, d = spans[j % len(spans)]
            if b <= c:
                text = text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]
        else:  # truncate
            text = text[:a]
    return text


def _outcome(fn):
    try:
        return fn()
    except pl.PGMError as err:
        return err


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, len(SEED_TEXTS) - 1),
       ops=st.lists(st.tuples(st.sampled_from(["delete", "duplicate", "replace", "insert", "swap", "truncate"]),
                              st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=3),
       atol=st.sampled_from([ATOL, ATOL, 1e-9, 0.0, 0.2]))
def test_mutated_files_read_by_the_fast_path_are_what_the_token_parser_reads(seed, ops, atol):
    text = _apply(SEED_TEXTS[seed], ops)
    expected = _outcome(lambda: slow(text, atol))
    got = _outcome(lambda: parse_bif(text, "t.bif", atol=atol))
    if isinstance(expected, Exception):
        assert type(got) is type(expected) and str(got) == str(expected)
    else:
        assert_same_network(got, expected)
    stripped = _outcome(lambda: blank_comments(text, "t.bif"))
    if isinstance(stripped, str):
        fast = read_plain(stripped, atol)
        if fast is not None:  # the fast path may decline anything, but what it reads is right
            assert isinstance(expected, pl.BayesianNetwork), expected
            assert_same_network(fast, expected)


def test_unmutated_seeds_take_the_fast_path():
    for text in SEED_TEXTS:
        assert read_plain(blank_comments(text, "t.bif"), ATOL) is not None


# -- reading bytes ---------------------------------------------------------------------------------
def test_files_without_a_size_are_read_to_their_end(tmp_path):
    """A FIFO reports size 0: the reader keeps reading past its first, short guess."""
    text = GOOD
    fifo = tmp_path / "pipe.bif"
    os.mkfifo(fifo)

    def feed():  # in pieces: the reader sees short reads before the end
        with open(fifo, "w") as handle:
            for start in range(0, len(text), 100):
                handle.write(text[start:start + 100])
                handle.flush()
                time.sleep(0.002)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        bn = pl.read_bif(fifo)
    finally:
        writer.join()
    assert_same_network(bn, slow(text))


def test_byte_order_mark_gzip_and_directories(tmp_path):
    plain = tmp_path / "bom.bif"
    plain.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    squeezed = tmp_path / "bom.bif.gz"
    squeezed.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, squeezed):
        assert_same_network(pl.read_bif(path), slow(GOOD))
    bad = tmp_path / "bad.bif"
    bad.write_bytes(b"\xef\xbb\xbf" + GOOD.encode().replace(b"variable B", b"variable \xffB"))
    with pytest.raises(pl.ParseError, match=r"bad\.bif:4:10: found byte 0xff, which is not UTF-8"):
        pl.read_bif(bad)
    with pytest.raises(IsADirectoryError):
        pl.read_bif(tmp_path)
    with pytest.raises(pl.MissingFileError):
        pl.read_bif(tmp_path / "nope.bif")
