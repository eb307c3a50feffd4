"""XMLBIF and UAI: round trips of all 13 networks, Markov networks, pgmpy agreement, located errors."""

import io
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.testing import random_markov_network

DATA = pathlib.Path(__file__).parent / "data"
NETWORKS = sorted(p.name.removesuffix(".bif.gz") for p in DATA.glob("*.bif.gz"))
FORMATS = {"bif": (pl.write_bif, pl.read_bif), "xmlbif": (pl.write_xmlbif, pl.read_xmlbif),
           "uai": (pl.write_uai, pl.read_uai)}


def assert_same_network(a, b, *, states=True):
    assert a.variables == b.variables
    assert a.edges == b.edges
    for v in a.variables:
        assert a.parents(v) == b.parents(v)
        if states:
            assert a.states(v) == b.states(v)
        else:
            assert b.states(v) == tuple(str(i) for i in range(len(a.states(v))))
        assert a.cpd(v).table.dtype == b.cpd(v).table.dtype
        assert np.array_equal(a.cpd(v).table, b.cpd(v).table)


@pytest.mark.parametrize("name", NETWORKS)
def test_round_trip_every_network_in_every_format(name, tmp_path):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    for fmt, (write, read) in FORMATS.items():
        gz = "" if name in ("munin", "barley") else ".gz"  # compressing 2 MB is slow; small ones cover .gz
        path = tmp_path / f"{name}.{fmt}{gz}"
        write(bn, path)
        if fmt == "uai":
            # UAI numbers variables and states: names come back only if passed in.
            assert_same_network(bn, read(path, variables=bn.variables), states=False)
        else:
            assert_same_network(bn, read(path))
            assert_same_network(bn, pl.read(path))


def test_uai_without_names_keeps_order_cardinalities_scopes_and_tables():
    bn = pl.example("student")
    out = io.StringIO()
    pl.write_uai(bn, out)
    back = pl.read_uai(io.StringIO(out.getvalue()))
    rename = {v: f"X{i}" for i, v in enumerate(bn.variables)}
    assert back.variables == ["X0", "X1", "X2", "X3", "X4"]
    assert back.edges == [(rename[u], rename[v]) for u, v in bn.edges]
    assert [back.cardinality(v) for v in back.variables] == [2, 2, 3, 2, 2]
    for v in bn.variables:
        assert np.array_equal(back.cpd(rename[v]).table, bn.cpd(v).table)


def test_uai_markov_network_round_trip(ising4, tmp_path):
    rng = np.random.default_rng(3)
    for mn in (ising4, random_markov_network(7, rng=rng)):
        path = tmp_path / "m.uai"
        pl.write_uai(mn, path)
        assert path.read_text().startswith("MARKOV\n")
        back = pl.read(path)
        assert isinstance(back, pl.MarkovNetwork)
        assert len(back.variables) == len(mn.variables)
        rename = {v: f"X{i}" for i, v in enumerate(mn.variables)}
        assert back.edges == [(rename[u], rename[v]) for u, v in mn.edges]
        for f, g in zip(mn.factors(), back.factors()):
            assert g.variables == tuple(rename[v] for v in f.variables)
            assert np.array_equal(f.values, g.values)
        assert back.partition_function() == pytest.approx(mn.partition_function(), rel=1e-12)
    named = pl.read_uai(path, variables=mn.variables)
    assert named.variables == mn.variables


def test_uai_preamble_case_and_free_whitespace():
    bn = pl.read_uai(io.StringIO("bayes\n1\n3\n1\n1 0\n\n3\n0.2\n0.3 0.5\n"))
    assert bn.cpd("X0").table.tolist() == [0.2, 0.3, 0.5]


def test_xmlbif_reads_dtd_files_and_lower_case_tags():
    text = """<?xml version="1.0"?>
<!DOCTYPE BIF [ <!ELEMENT BIF ( NETWORK )*> <!ATTLIST BIF VERSION CDATA #REQUIRED> ]>
<BIF VERSION="0.3"><network><name>x</name>
<variable type="nature"><name>A &amp; B</name><outcome>&lt;5</outcome><outcome>&gt;=5</outcome>
<property>position = (1, 2)</property></variable>
<definition><for>A &amp; B</for><table> 0.25
 0.75 </table></definition>
</network></BIF>"""
    bn = pl.read_xmlbif(io.StringIO(text))
    assert bn.variables == ["A & B"] and bn.states("A & B") == ("<5", ">=5")
    assert bn.cpd("A & B").table.tolist() == [0.25, 0.75]


def test_xmlbif_escapes_names_on_write():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("a<b", [0.5, 0.5], states={"a<b": ["&", '"q"']})])
    out = io.StringIO()
    pl.write_xmlbif(bn, out)
    assert "a&lt;b" in out.getvalue()
    assert pl.read_xmlbif(io.StringIO(out.getvalue())).states("a<b") == ("&", '"q"')


@pytest.mark.parametrize("name", ["asia", "sachs"])
def test_pgmpy_reads_what_we_write(name, tmp_path):
    from pgmpy.readwrite import XMLBIFReader

    bn = pl.example(name)
    path = tmp_path / f"{name}.xml"
    pl.write_xmlbif(bn, path)
    theirs = XMLBIFReader(str(path)).get_model()
    for v in bn.variables:
        cpd = theirs.get_cpds(v)
        assert cpd.variables[1:] == bn.parents(v)
        assert cpd.state_names[v] == list(bn.states(v))
        np.testing.assert_array_equal(np.moveaxis(cpd.values, 0, -1), bn.cpd(v).table)


def test_writers_reject_other_objects(ising4):
    with pytest.raises(TypeError, match="XMLBIF cannot express Markov networks, use write_uai"):
        pl.write_xmlbif(ising4, io.StringIO())
    with pytest.raises(TypeError, match="write_uai needs a BayesianNetwork or MarkovNetwork, got dict"):
        pl.write_uai({}, io.StringIO())


# -- located errors ------------------------------------------------------------------------------
GOOD_XML = """<?xml version="1.0"?>
<BIF VERSION="0.3">
<NETWORK>
<NAME>t</NAME>
<VARIABLE TYPE="nature"><NAME>A</NAME><OUTCOME>y</OUTCOME><OUTCOME>n</OUTCOME></VARIABLE>
<VARIABLE TYPE="nature"><NAME>B</NAME><OUTCOME>y</OUTCOME><OUTCOME>n</OUTCOME></VARIABLE>
<DEFINITION><FOR>A</FOR><TABLE>0.5 0.5</TABLE></DEFINITION>
<DEFINITION><FOR>B</FOR><GIVEN>A</GIVEN><TABLE>0.9 0.1 0.2 0.8</TABLE></DEFINITION>
</NETWORK>
</BIF>
"""
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<BIF VERSION="0.3"><NETWORK><NAME>&lol2;</NAME></NETWORK></BIF>"""
XML_ERRORS = [
    ("empty", "", r"^t\.xml:1:1: found malformed XML \(no element found\)"),
    ("truncated", GOOD_XML[:200], r"^t\.xml:6:\d+: found malformed XML"),
    ("entity bomb", BOMB, r"^t\.xml:2:\d+: found a declaration of entity 'lol', expected no entities"),
    ("external entity", BOMB.replace('<!ENTITY lol "lol">', '<!ENTITY lol SYSTEM "file:///etc/passwd">'),
     r"^t\.xml:2:\d+: found a declaration of entity 'lol'"),
    ("wrong root", "<NET/>", r"^t\.xml:1:1: found <NET>, expected the root element <BIF>"),
    ("unknown parent", GOOD_XML.replace("<GIVEN>A", "<GIVEN>C"), r"^t\.xml:8:\d+: found unknown parent 'C' of 'B'"),
    ("duplicate variable", GOOD_XML.replace("<NAME>B", "<NAME>A"), r"^t\.xml:6:1: found variable 'A' declared a second time"),
    ("table size", GOOD_XML.replace("0.9 0.1 0.2 0.8", "0.9 0.1 0.2"),
     r"^t\.xml:8:1: found 3 probabilities in the definition of 'B', expected 4 \(2 states x 2 parent"),
    ("row sum", GOOD_XML.replace("0.2 0.8", "0.2 0.9"), r"^t\.xml:8:1: found probabilities \[0\.2, 0\.9\] for P\(B \| A=n\) summing"),
    ("bad number", GOOD_XML.replace("0.2 0.8", "0.2 x"), r"^t\.xml:8:\d+: found 'x' in the table of 'B', expected a probability"),
    ("cycle", GOOD_XML.replace("<FOR>A</FOR>", "<FOR>A</FOR><GIVEN>B</GIVEN>").replace("0.5 0.5", "1 0 0 1"),
     r"found the cycle (A -> B -> A|B -> A -> B), expected an acyclic graph"),
    ("missing definition", GOOD_XML.replace("<DEFINITION><FOR>A</FOR><TABLE>0.5 0.5</TABLE></DEFINITION>", ""),
     r"^t\.xml:5:1: found variable 'A' without a definition"),
    ("two tables", GOOD_XML.replace("<TABLE>0.5 0.5</TABLE>", "<TABLE>0.5 0.5</TABLE><TABLE>1 0</TABLE>"),
     r"^t\.xml:7:1: found 2 <TABLE> elements in <DEFINITION>, expected one"),
    ("no outcomes", GOOD_XML.replace("<OUTCOME>y</OUTCOME><OUTCOME>n</OUTCOME></VARIABLE>\n<VARIABLE", "</VARIABLE>\n<VARIABLE", 1),
     r"^t\.xml:5:1: found no <OUTCOME> in variable 'A'"),
    ("duplicate state", GOOD_XML.replace("<OUTCOME>n</OUTCOME>", "<OUTCOME>y</OUTCOME>", 1), r"found duplicate states \['y'\] of 'A'"),
    ("second definition", GOOD_XML.replace("</NETWORK>", "<DEFINITION><FOR>A</FOR><TABLE>1 0</TABLE></DEFINITION></NETWORK>"),
     r"^t\.xml:9:1: found a second definition for 'A'"),
    ("no variables", '<BIF VERSION="0.3"><NETWORK/></BIF>', r"found no <VARIABLE> in <NETWORK>"),
]

GOOD_UAI = "BAYES\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n0.5 0.5\n4\n0.9 0.1\n0.2 0.8\n"
UAI_ERRORS = [
    ("empty", "", r"^t\.uai:1:1: found an empty file, expected 'BAYES' or 'MARKOV'"),
    ("preamble", "GRAPH 2", r"^t\.uai:1:1: found 'GRAPH', expected 'BAYES' or 'MARKOV'"),
    ("truncated", GOOD_UAI[:-8], r"^t\.uai:11:\d+: found end of file after 2 numbers, expected 4 \(an entry of function 1\)"),
    ("truncated preamble", "BAYES\n2\n2", r"^t\.uai:3:2: found end of file, expected the cardinality of variable 1 \(an integer >= 1\)"),
    ("index out of range", GOOD_UAI.replace("2 0 1", "2 0 5"), r"^t\.uai:6:5: found '5', expected a variable index of function 1 \(an integer 0\.\.1\)"),
    ("entry count", GOOD_UAI.replace("4\n0.9", "3\n0.9"), r"^t\.uai:10:1: found 3 entries for function 1, expected 4"),
    ("row sum", GOOD_UAI.replace("0.2 0.8", "0.2 0.9"), r"^t\.uai:10:1: found probabilities \[0\.2, 0\.9\] for P\(X1 \| X0=1\)"),
    ("bad number", GOOD_UAI.replace("0.2 0.8", "0.2 zero"), r"^t\.uai:12:5: found 'zero', expected a number"),
    ("trailing", GOOD_UAI + "7\n", r"^t\.uai:13:1: found '7' after the last table, expected end of file"),
    ("two tables", GOOD_UAI.replace("1 0\n2 0 1", "1 0\n1 0").replace("4\n0.9 0.1\n0.2 0.8", "2\n0.5 0.5"),
     r"^t\.uai:6:1: found function 1 for 'X0', which already has a table"),
    ("repeated scope", GOOD_UAI.replace("2 0 1", "2 1 1"), r"^t\.uai:6:1: found the scope \[1, 1\] of function 1 with a repeated variable"),
    ("cycle", "BAYES 2 2 2 2 2 1 0 2 0 1 4 1 0 0 1 4 1 0 0 1", r"found the cycle (X0 -> X1 -> X0|X1 -> X0 -> X1)"),
    ("negative potential", "MARKOV 1 2 1 1 0 2 1 -1", r"^t\.uai:1:\d+: found a negative or non-finite entry in function 0"),
]


@pytest.mark.parametrize("reader,fname,text,pattern",
                         [(pl.read_xmlbif, "t.xml", *e[1:]) for e in XML_ERRORS]
                         + [(pl.read_uai, "t.uai", *e[1:]) for e in UAI_ERRORS],
                         ids=[f"xml-{e[0]}" for e in XML_ERRORS] + [f"uai-{e[0]}" for e in UAI_ERRORS])
def test_bad_input_raises_located_parse_error(reader, fname, text, pattern):
    handle = io.StringIO(text)
    handle.name = fname
    with pytest.raises(pl.ParseError, match=pattern):
        reader(handle)


def test_uai_missing_function_and_wrong_names():
    with pytest.raises(pl.ParseError, match=r"found no function for the variables \['X1'\]"):
        pl.read_uai(io.StringIO("BAYES 2 2 2 1 1 0 2 0.5 0.5"))
    with pytest.raises(pl.ParseError, match=r"the file has 2 variables but 1 distinct names were given"):
        pl.read_uai(io.StringIO(GOOD_UAI), variables=["a"])


@settings(max_examples=60, deadline=None)
@given(fmt=st.sampled_from(["xmlbif", "uai"]), cut=st.integers(0, 10**6), length=st.integers(0, 6),
       blob=st.binary(max_size=6))
def test_mutated_xmlbif_and_uai_raise_only_pgm_errors(fmt, cut, length, blob):
    out = io.StringIO()
    FORMATS[fmt][0](pl.example("cancer"), out)
    raw = out.getvalue().encode()
    cut %= len(raw)
    data = raw[:cut] + blob + raw[cut + length:]
    try:
        FORMATS[fmt][1](io.BytesIO(data))
    except pl.PGMError:
        pass
