"""Hugin NET, GeNIe XDSL and DSL, libDAI FG; pl.read / pl.write dispatch and sniffing; tolerance."""

import gzip
import io
import pathlib

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.testing import random_markov_network

DATA = pathlib.Path(__file__).parent / "data"
FORMATS = DATA / "formats"
NETWORKS = sorted(p.name.removesuffix(".bif.gz") for p in DATA.glob("*.bif.gz"))


def assert_same_tables(a, b):
    assert sorted(a.variables) == sorted(b.variables)
    assert a.edges == b.edges or sorted(a.edges) == sorted(b.edges)
    for v in a.variables:
        assert a.parents(v) == b.parents(v)
        assert a.states(v) == b.states(v)
        assert b.cpd(v).table.dtype == np.float64
        assert np.array_equal(a.cpd(v).table, b.cpd(v).table)


# -- round trips of every shipped network --------------------------------------------------------
@pytest.mark.parametrize("name", NETWORKS)
def test_every_network_round_trips_through_net_xdsl_and_fg(name, tmp_path):
    bn = pl.read_bif(DATA / f"{name}.bif.gz")
    gz = "" if name in ("munin", "barley") else ".gz"
    for fmt, read in (("net", pl.read_net), ("xdsl", pl.read_xdsl)):
        path = tmp_path / f"{name}.{fmt}{gz}"
        pl.write(bn, path)
        back = read(path)
        assert_same_tables(bn, back)
        assert_same_tables(bn, pl.read(path))
        if fmt == "net":
            assert back.variables == bn.variables
    path = tmp_path / f"{name}.fg{gz}"
    pl.write_fg(bn, path)
    mn = pl.read(path, variables=bn.variables)
    assert isinstance(mn, pl.MarkovNetwork)
    for cpd, factor in zip(bn.cpds(), mn.factors()):
        assert factor.variables == cpd.scope
        assert np.array_equal(factor.values, cpd.table)
        assert [mn.cardinality(v) for v in factor.variables] == list(cpd.table.shape)


def test_fg_round_trip_of_markov_networks_with_zeros_and_a_scalar(ising4, tmp_path):
    rng = np.random.default_rng(5)
    mn = random_markov_network(6, rng=rng)
    values = mn.factors()[0].values.copy()
    values.flat[0] = 0.0
    factors = [mn.factors()[0].with_values(values), *mn.factors()[1:], pl.DiscreteFactor([], np.array(2.5))]
    mn = pl.MarkovNetwork(factors=factors, variables=mn.variables)
    for model in (ising4, mn):
        path = tmp_path / "m.fg"
        pl.write(model, path)
        back = pl.read_fg(path, variables=model.variables)
        assert back.variables == model.variables
        for f, g in zip(model.factors(), back.factors()):
            assert f.variables == g.variables
            assert np.array_equal(f.values, g.values)
    assert path.read_text().endswith("\n0\n\n\n1\n0 2.5\n")  # a factor over no variables


def test_positions_survive_net_and_xdsl(tmp_path):
    bn = pl.example("asia")
    bn.set_positions({"asia": (10, -20), "smoke": (125.5, 30), "dysp": (0, 0)})
    for ext in ("net", "xdsl"):
        path = tmp_path / f"asia.{ext}"
        pl.write(bn, path)
        assert pl.read(path).positions == bn.positions


# -- files written by other tools, checked by hand ---------------------------------------------------
def test_hugin_net_with_quoted_states_comments_and_positions():
    bn = pl.read(FORMATS / "quoted.net")
    assert bn.variables == ["Smoker", "Pollution", "Cancer"]
    assert bn.states("Pollution") == ("low", "high")
    assert bn.parents("Cancer") == ["Pollution", "Smoker"]
    # data nests Pollution (outer), then Smoker, then Cancer's states
    assert bn.cpd("Cancer").table.tolist() == [[[0.999, 0.001], [0.97, 0.03]], [[0.98, 0.02], [0.95, 0.05]]]
    assert bn.cpd("Smoker").table.tolist() == [0.7, 0.3]
    assert bn.positions == {"Smoker": (100.0, -50.0), "Pollution": (250.0, -50.0), "Cancer": (175.0, -150.0)}


def test_hugin_net_with_unquoted_states_and_rough_rows():
    bn = pl.read_net(FORMATS / "unquoted.net")
    assert bn.states("Dice") == ("1", "2", "3", "4", "5", "6")
    assert bn.states("Even") == ("no", "yes")
    assert bn.cpd("Dice").table.tolist() == [0.166667] * 6
    assert bn.cpd("Even").table.tolist() == [[1.0, 0.0], [0.0, 1.0]] * 3
    assert pl.query(bn, ["Even"]).values.tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
    with pytest.raises(pl.ParseError, match=r"unquoted\.net:15:12: found probabilities .* summing to "
                                            r"1\.000002.*expected non-negative numbers summing to 1"):
        pl.read_net(FORMATS / "unquoted.net", atol=1e-9)


def test_genie_xdsl_with_positions_and_a_deterministic_node():
    bn = pl.read(FORMATS / "genie.xdsl")
    assert bn.variables == ["Cloudy", "Sprinkler", "Rain", "Wet"]
    assert bn.parents("Wet") == ["Sprinkler", "Rain"]
    assert bn.cpd("Rain").table.tolist() == [[0.8, 0.2], [0.2, 0.8]]
    assert bn.cpd("Wet").table.tolist() == [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]
    # centre of the box, y pointing up
    assert bn.positions == {"Cloudy": (136.0, -58.0), "Wet": (137.0, -218.5)}


def test_genie_dsl():
    bn = pl.read(FORMATS / "genie.dsl")
    assert bn.variables == ["Smoking", "Bronchitis", "Dyspnea"]
    assert bn.states("Smoking") == ("NonSmoker", "Smoker")
    assert bn.parents("Dyspnea") == ["Bronchitis", "Smoking"]
    assert bn.cpd("Bronchitis").table.tolist() == [[0.7, 0.3], [0.4, 0.6]]
    assert bn.cpd("Dyspnea").table.tolist() == [[[0.9, 0.1], [0.8, 0.2]], [[0.3, 0.7], [0.1, 0.9]]]
    assert bn.positions == {"Smoking": (120.0, -40.0)}


def test_libdai_fg_first_variable_fastest():
    mn = pl.read(FORMATS / "libdai.fg")
    assert mn.variables == ["X4", "X7"]
    f, g = mn.factors()
    assert f.variables == ("X4", "X7") and g.variables == ("X7",)
    assert f.values.tolist() == [[0.5, 0.0, 0.0], [2.0, 1.5, 4.0]]
    assert g.values.tolist() == [1.0, 2.0, 3.0]
    assert mn.partition_function() == pytest.approx(17.5, rel=1e-12)


@pytest.mark.parametrize("fname", ["asia_pyagrum.net", "asia_pyagrum.dsl", "asia_pgmpy.net", "asia_pgmpy.xdsl"])
def test_files_written_by_pyagrum_and_pgmpy(fname):
    # pyAgrum 3.3.1 keeps float32 tables (0.99 is written 0.9900000095367432); pgmpy writes 16 digits
    # pyAgrum lists some parents in another order (either | tub, lung), with the table to match
    asia = pl.example("asia")
    bn = pl.read(FORMATS / fname)
    assert sorted(bn.variables) == sorted(asia.variables)
    for v in asia.variables:
        assert sorted(bn.parents(v)) == sorted(asia.parents(v))
        assert bn.states(v) == asia.states(v)
        assert bn.cpd(v).to_factor().allclose(asia.cpd(v).to_factor(), atol=1e-7)
    if fname.startswith("asia_pgmpy"):
        assert_same_tables(asia, bn)


def test_pyagrum_xdsl_lists_the_first_parent_fastest():
    # pyAgrum 3.3.1 writes (and reads) XDSL tables with the FIRST parent varying fastest, unlike its
    # own DSL, pgmpy's XDSL and GeNIe (node states fastest, then the last parent): read as GeNIe
    # files, its tables come out with the parent axes reversed.
    asia = pl.example("asia")
    bn = pl.read(FORMATS / "asia_pyagrum.xdsl")
    assert bn.parents("dysp") == ["bronc", "either"]
    assert bn.cpd("dysp").table[0, 1].tolist() == [0.7, 0.3]  # GeNIe order: bronc=yes, either=no
    assert asia.cpd("dysp").table[0, 1].tolist() == [0.8, 0.2]
    np.testing.assert_allclose(bn.cpd("dysp").table, asia.cpd("dysp").table.transpose(1, 0, 2), atol=1e-7)


def test_uai_file_written_by_pyagrum_with_comments():
    # read past pyAgrum's "# asia" comments; its tables, too, list the first parent fastest
    # (the UAI format has the last variable of the scope fastest), so parent axes come out reversed
    asia = pl.example("asia")
    bn = pl.read(FORMATS / "asia_pyagrum.uai", variables=asia.variables)
    for v in asia.variables:
        assert sorted(bn.parents(v)) == sorted(asia.parents(v))
        theirs = bn.cpd(v).to_factor()
        k = len(bn.parents(v))
        flipped = pl.DiscreteFactor(theirs.variables, theirs.values.transpose([*range(k)][::-1] + [k]))
        ours = asia.cpd(v).to_factor()
        order = [ours.variables.index(u) for u in flipped.variables]
        np.testing.assert_allclose(flipped.values, ours.values.transpose(order), rtol=0, atol=1e-7)
    assert bn.parents("either") == ["lung", "tub"]


# -- tolerance: one rule for every reader ------------------------------------------------------
def test_rough_rows_are_read_as_written_and_atol_makes_readers_strict():
    bn = pl.read(FORMATS / "rows.bif")
    assert bn.cpd("A").table.tolist() == [0.333333] * 3
    assert bn.cpd("B").table[0].tolist() == [0.500035, 0.5]
    assert pl.query(bn, ["A"]).values.sum() == pytest.approx(1.0, abs=1e-12)
    for read in (pl.read, pl.read_bif):
        with pytest.raises(pl.ParseError, match=r"rows\.bif:5:21: found probabilities \[0\.333333.*for P\(A\)"):
            read(FORMATS / "rows.bif", atol=1e-9)
    with pytest.raises(pl.ParseError, match=r"rows\.bif:6:25: .*P\(B \| A=a0\) summing to 1\.000035"):
        pl.read(FORMATS / "rows.bif", atol=1e-5)
    with pytest.raises(pl.ParseError, match=r"summing to 0\.5"):
        pl.read_bif(io.StringIO("variable A { type discrete [ 2 ] { a, b }; }\n"
                                "probability ( A ) { table 0.25, 0.25; }"))


@pytest.mark.parametrize("fmt", ["bif", "xmlbif", "uai", "net", "xdsl"])
def test_every_reader_takes_atol(fmt, tmp_path):
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.6, 0.4]),
                                  pl.TabularCPD("B", [[0.5, 0.5], [0.1, 0.9]], ["A"])])
    out = io.StringIO()
    pl.write(bn, out, format=fmt)
    text = out.getvalue().replace("0.9", "0.905")
    kwargs = {"variables": ["A", "B"]} if fmt == "uai" else {}
    read = getattr(pl, f"read_{fmt}")
    assert read(io.StringIO(text), **kwargs).cpd("B").table[1].tolist() == [0.1, 0.905]
    assert pl.read(io.StringIO(text), format=fmt, **kwargs).cpd("B").table[1].tolist() == [0.1, 0.905]
    with pytest.raises(pl.ParseError, match=r"<stream>:\d+:\d+: found probabilities \[0\.1, 0\.905\]"):
        read(io.StringIO(text), atol=1e-3, **kwargs)
    with pytest.raises(pl.ParseError, match=r"summing to 1\.005"):
        pl.read(io.StringIO(text), atol=1e-3, **kwargs)


def test_dsl_and_fg_take_atol_too():
    assert pl.read_dsl(FORMATS / "genie.dsl", atol=1e-12).variables[0] == "Smoking"
    assert pl.read_fg(FORMATS / "libdai.fg", atol=1e-12).variables == ["X4", "X7"]


# -- UAI scalars and evidence ----------------------------------------------------------------
def test_uai_scalar_functions_and_evidence_files():
    mn = pl.read(FORMATS / "scalar.uai")
    scopes = [f.variables for f in mn.factors()]
    assert scopes == [("X0",), ("X0", "X1"), ()]
    assert float(mn.factors()[2].values) == 3.0
    joint = mn.factors()[0].values[:, None] * mn.factors()[1].values * float(mn.factors()[2].values)
    assert joint.sum() == 15.0  # 0.5 * (1 + 2 + 3 + 4), times 3
    evidence = pl.read_uai_evidence(FORMATS / "scalar.uai.evid", mn)
    assert evidence == {"X1": "1"}
    assert pl.read_uai_evidence(FORMATS / "scalar.uai.evid") == {"X1": "1"}
    # P(X0 | X1=1) is proportional to 0.5 * [2, 4]; the constant factor cancels
    assert pl.query(mn, ["X0"], evidence=evidence).values.tolist() == pytest.approx([1 / 3, 2 / 3], abs=1e-12)
    assert pl.read_uai_evidence(io.StringIO("1\n2 0 1 1 0\n")) == {"X0": "1", "X1": "0"}  # older layout
    assert pl.read_uai_evidence(io.StringIO("0")) == {}
    with pytest.raises(pl.ParseError, match=r"<stream>:1:3: found '2', expected a variable index .*0\.\.1"):
        pl.read_uai_evidence(io.StringIO("1 2 0"), mn)
    with pytest.raises(pl.ParseError, match=r"<stream>:1:7: found '0' after 1 observations, expected end"):
        pl.read_uai_evidence(io.StringIO("1 0 1 0"), mn)
    with pytest.raises(pl.ParseError, match="observed twice"):
        pl.read_uai_evidence(io.StringIO("2 0 1 0 0"))
    with pytest.raises(pl.ParseError, match=r"<stream>:1:13: found '0', expected the scope size of function 0 \(an integer 1\.\.1\)"):
        pl.read_uai(io.StringIO("BAYES 1 2 1 0 1 1.0"))


def test_uai_evidence_runs_a_bayes_instance_end_to_end(tmp_path):
    bn = pl.example("asia")
    pl.write_uai(bn, tmp_path / "asia.uai")
    model = pl.read(tmp_path / "asia.uai", variables=bn.variables)
    smoke, dysp = bn.variables.index("smoke"), bn.variables.index("dysp")
    (tmp_path / "asia.uai.evid").write_text(f"2 {smoke} 0 {dysp} 0\n")
    evidence = pl.read_uai_evidence(tmp_path / "asia.uai.evid", model)
    assert evidence == {"smoke": "0", "dysp": "0"}
    ours = pl.query(model, ["lung"], evidence=evidence).values
    named = {v: bn.states(v)[0] for v in ("smoke", "dysp")}
    assert np.allclose(ours, pl.query(bn, ["lung"], evidence=named).values, atol=1e-12)


# -- dispatch, sniffing, writers that refuse ---------------------------------------------------
def test_read_sniffs_the_content_when_the_extension_is_missing_or_wrong(tmp_path):
    text = (FORMATS / "quoted.net").read_text()
    for name in ("cancer", "cancer.bif", "cancer.txt"):
        (tmp_path / name).write_text(text)
        assert pl.read(tmp_path / name).parents("Cancer") == ["Pollution", "Smoker"]
    (tmp_path / "g.xml").write_bytes(gzip.compress((FORMATS / "genie.xdsl").read_bytes()))
    assert pl.read(tmp_path / "g.xml").variables[-1] == "Wet"
    (tmp_path / "bad.bif").write_text(text.replace("(0.9 0.1)", "(0.9 0.1"))
    with pytest.raises(pl.ParseError, match=r"bad\.bif:37:20: found ';', expected a value of 'data' or '\)' "
                                            r"\(read as Hugin NET, guessed from the content although the "
                                            r"extension says BIF\)"):
        pl.read(tmp_path / "bad.bif")
    (tmp_path / "noext").write_text("MARKOV\n1\n2\n1\n1 0\n2\n1.0")
    with pytest.raises(pl.ParseError, match=r"noext:7:4: found end of file after 1 numbers, expected 2 "
                                            r".*\(read as UAI, guessed from the content\)"):
        pl.read(tmp_path / "noext")


def test_read_format_option_and_missing_files(tmp_path):
    (tmp_path / "x.txt").write_text((FORMATS / "genie.dsl").read_text())
    assert pl.read(tmp_path / "x.txt", format="dsl").variables[0] == "Smoking"
    with pytest.raises(pl.OptionError, match=r"unknown format 'hugin'; choose from \['bif', 'xmlbif'"):
        pl.read(tmp_path / "x.txt", format="hugin")
    with pytest.raises(pl.MissingFileError) as info:
        pl.read("nope.bif")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, pl.PGMError)
    assert info.value.filename == "nope.bif"
    with pytest.raises(FileNotFoundError, match="No such file or directory: 'nope.net'"):
        pl.read_net("nope.net")


def test_write_dispatches_by_extension_and_refuses_what_it_cannot_hold(ising4, tmp_path):
    bn = pl.example("sprinkler")
    for ext, fmt in ((".bif", "bif"), (".xml", "xmlbif"), (".net.gz", "net"), (".xdsl", "xdsl"),
                     (".uai", "uai"), (".fg", "fg")):
        pl.write(bn, tmp_path / f"s{ext}")
        assert pl.io.format_of(tmp_path / f"s{ext}") == fmt
        assert len(pl.read(tmp_path / f"s{ext}").variables) == 4
    for writer, fmt in ((pl.write_net, "Hugin NET"), (pl.write_xdsl, "GeNIe XDSL"), (pl.write_bif, "BIF"),
                        (pl.write_xmlbif, "XMLBIF")):
        with pytest.raises(pl.ArgumentTypeError, match=f"needs a BayesianNetwork, got MarkovNetwork; {fmt} "
                                                       "cannot express Markov networks, use write_uai or write_fg"):
            writer(ising4, io.StringIO())
    with pytest.raises(TypeError, match="write_fg needs a BayesianNetwork or MarkovNetwork, got list"):
        pl.write_fg([], io.StringIO())
    with pytest.raises(pl.OptionError, match=r"cannot write BIF to '.*x\.net': \.net is the extension of Hugin "
                                             r"NET; use a name ending in '\.bif'"):
        pl.write_bif(bn, tmp_path / "x.net")
    with pytest.raises(pl.OptionError, match=r"\.uai is the extension of UAI"):
        pl.write_net(bn, tmp_path / "x.uai.gz")
    assert not (tmp_path / "x.net").exists() and not (tmp_path / "x.uai.gz").exists()
    with pytest.raises(pl.OptionError, match=r"cannot write GeNIe DSL .*reads it but does not write it"):
        pl.write(bn, tmp_path / "x.dsl")
    with pytest.raises(pl.OptionError, match=r"cannot tell the format to write '.*x\.txt' in from its extension"):
        pl.write(bn, tmp_path / "x.txt")
    with pytest.raises(pl.OptionError, match=r"unknown format 'dsl'; choose from \['bif'"):
        pl.write(bn, io.StringIO(), format="dsl")
    spaced = pl.BayesianNetwork(cpds=[pl.TabularCPD("Age group", [0.5, 0.5])])
    with pytest.raises(pl.OptionError, match=r"cannot write the variable name 'Age group' in Hugin NET"):
        pl.write_net(spaced, tmp_path / "a.net")
    with pytest.raises(pl.OptionError, match=r"cannot write the variable names \['Age group'\] in GeNIe XDSL"):
        pl.write_xdsl(spaced, tmp_path / "a.xdsl")
    assert not (tmp_path / "a.net").exists()


def test_net_writer_escapes_state_strings():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5], states={"A": ['say "hi"', "back\\slash"]})])
    out = io.StringIO()
    pl.write_net(bn, out)
    assert pl.read_net(io.StringIO(out.getvalue())).states("A") == ('say "hi"', "back\\slash")


def test_xdsl_writer_puts_parents_first():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("B", [[0.5, 0.5], [0.1, 0.9]], ["A"]), pl.TabularCPD("A", [0.3, 0.7])],
                            variables=["B", "A"])
    out = io.StringIO()
    pl.write_xdsl(bn, out)
    back = pl.read_xdsl(io.StringIO(out.getvalue()))
    assert back.variables == ["A", "B"]
    assert_same_tables(bn, back)


# -- refused content ---------------------------------------------------------------------
def test_oobn_classes_and_other_node_kinds_are_refused_with_their_names():
    with pytest.raises(pl.ParseError, match=r"<stream>:2:1: found 'class', an object-oriented \(OOBN\) Hugin class"):
        pl.read_net(io.StringIO("% an OOBN file\nclass Car { node a { states = (x y); } }"))
    with pytest.raises(pl.ParseError, match=r"1:1: found the decision node 'go', expected discrete chance nodes"):
        pl.read_net(io.StringIO("decision node go { states = (y n); }"))
    xdsl = '<smile id="x"><nodes><noisymax id="Fever"><state id="a"/></noisymax></nodes></smile>'
    with pytest.raises(pl.ParseError, match=r"<stream>:1:22: found the noisymax node 'Fever', expected <cpt> or "
                                            r"<deterministic>"):
        pl.read_xdsl(io.StringIO(xdsl))
    dsl = "net n { node A { TYPE = NOISY_MAX; DEFINITION = { }; }; };"
    with pytest.raises(pl.ParseError, match=r"1:25: found node 'A' of TYPE NOISY_MAX, expected TYPE = CPT"):
        pl.read_dsl(io.StringIO(dsl))


GOOD_NET = """net { }
node A { states = ("a0" "a1"); }
node B { states = ("b0" "b1"); }
potential (A) { data = (0.5 0.5); }
potential (B | A) { data = ((0.2 0.8) (0.6 0.4)); }
"""
GOOD_XDSL = """<smile id="x"><nodes>
<cpt id="A"><state id="a0"/><state id="a1"/><probabilities>0.5 0.5</probabilities></cpt>
<cpt id="B"><state id="b0"/><state id="b1"/><parents>A</parents><probabilities>0.2 0.8 0.6 0.4</probabilities></cpt>
</nodes></smile>
"""
GOOD_DSL = """net n {
 node A { TYPE = CPT; PARENTS = (); DEFINITION = { NAMESTATES = (a0, a1); PROBABILITIES = (0.5, 0.5); }; };
 node B { TYPE = CPT; PARENTS = (A); DEFINITION = { NAMESTATES = (b0, b1); PROBABILITIES = (0.2, 0.8, 0.6, 0.4); }; };
};
"""
GOOD_FG = "2\n\n1\n0\n2\n2\n0 0.5\n1 0.5\n\n2\n0 1\n2 2\n4\n0 0.2\n1 0.6\n2 0.8\n3 0.4\n"

MALFORMED = [
    # (reader, text, location and message)
    (pl.read_net, GOOD_NET[:-25], r"<stream>:5:\d+: found end of file, expected"),
    (pl.read_net, GOOD_NET.replace("B | A", "B | C"), r"<stream>:5:16: found unknown parent 'C' of 'B'"),
    (pl.read_net, GOOD_NET.replace("(0.6 0.4)", "(0.6)"), r"<stream>:5:28: found 3 probabilities in the potential of 'B', expected 4 \(2 states x 2 parent"),
    (pl.read_net, GOOD_NET.replace("(0.6 0.4))", "(0.6 0.4)"), r"<stream>:5:\d+: found ';', expected a value of 'data' or '\)'"),
    (pl.read_net, GOOD_NET.replace("(0.2 0.8)", "(0.2 0.8))"), r"<stream>:5:\d+: found '\(', expected ';'"),
    (pl.read_net, GOOD_NET.replace("0.6 0.4", "0.6 x"), r"<stream>:5:44: found 'x', expected a number \(a probability of 'B'\)"),
    (pl.read_net, GOOD_NET.replace('"b1"', '"b0"'), r"<stream>:3:25: found state 'b0' of 'B' a second time, expected distinct states"),
    (pl.read_net, GOOD_NET.replace('"b1");', '"b1);'), r"<stream>:3:25: found an unterminated string, expected a value of 'states' or '\)'"),
    (pl.read_net, "", r"<stream>:1:1: found an empty file"),
    (pl.read_xdsl, GOOD_XDSL[:-30], r"<stream>:3:95: found malformed XML \(.*\), expected GeNIe XDSL"),
    (pl.read_xdsl, GOOD_XDSL.replace("<parents>A", "<parents>C"), r"<stream>:3:\d+: found unknown parent 'C' of 'B'"),
    (pl.read_xdsl, GOOD_XDSL.replace("0.6 0.4", "0.6"), r"<stream>:3:\d+: found 3 probabilities in the node of 'B', expected 4"),
    (pl.read_xdsl, GOOD_XDSL.replace("0.6 0.4", "0.6 x"), r"<stream>:3:\d+: found 'x' in the probabilities of 'B'"),
    (pl.read_xdsl, '<!DOCTYPE smile [<!ENTITY e "x">]>\n' + GOOD_XDSL,
     r"<stream>:1:\d+: found a declaration of entity 'e', expected no entities"),
    (pl.read_xdsl, GOOD_XDSL.replace("smile", "BIF"), r"<stream>:1:1: found <bif>, expected the root element <smile>"),
    (pl.read_dsl, GOOD_DSL[:-20], r"<stream>:3:\d+: found end of file, expected"),
    (pl.read_dsl, GOOD_DSL.replace("PARENTS = (A)", "PARENTS = (C)"), r"<stream>:3:\d+: found unknown parent 'C' of 'B'"),
    (pl.read_dsl, GOOD_DSL.replace("0.6, 0.4", "0.6"), r"<stream>:3:\d+: found 3 probabilities in the node of 'B', expected 4"),
    (pl.read_dsl, GOOD_DSL.replace("(0.2, 0.8,", "((0.2, 0.8,"), r"<stream>:3:\d+: found ';', expected a value of PROBABILITIES or '\)'"),
    (pl.read_dsl, GOOD_DSL.replace("(b0, b1)", "(b0, b1"), r"<stream>:3:\d+: found ';', expected a value of NAMESTATES or '\)'"),
    (pl.read_fg, GOOD_FG[:-8], r"<stream>:16:5: found end of file, expected an entry index of factor 1"),
    (pl.read_fg, GOOD_FG.replace("0 1\n2 2", "0 1\n3 2"), r"<stream>:12:1: found cardinality 3 for variable 0 in factor 1, expected 2 as in its first factor"),
    (pl.read_fg, GOOD_FG.replace("\n4\n0 0.2", "\n5\n0 0.2"), r"<stream>:13:1: found '5', expected the number of nonzero entries of factor 1 \(an integer 0\.\.4\)"),
    (pl.read_fg, GOOD_FG.replace("3 0.4", "4 0.4"), r"<stream>:17:1: found '4', expected an entry index of factor 1 \(an integer 0\.\.3\)"),
    (pl.read_fg, GOOD_FG.replace("1 0.6", "1 -0.6"), r"<stream>:15:3: found the value -0\.6 in factor 1, expected a non-negative number"),
    (pl.read_fg, GOOD_FG + "7", r"<stream>:18:1: found '7' after the last factor, expected end of file"),
]


@pytest.mark.parametrize("reader,text,pattern", MALFORMED)
def test_malformed_files_raise_located_parse_errors(reader, text, pattern):
    assert reader(io.StringIO(GOOD_NET if reader is pl.read_net else GOOD_XDSL if reader is pl.read_xdsl
                              else GOOD_DSL if reader is pl.read_dsl else GOOD_FG)).variables
    with pytest.raises(pl.ParseError, match=pattern):
        reader(io.StringIO(text))


@pytest.mark.parametrize("good,fmt", [(GOOD_NET, "net"), (GOOD_XDSL, "xdsl"), (GOOD_DSL, "dsl"), (GOOD_FG, "fg")])
def test_truncated_at_every_point_raises_only_parse_errors(good, fmt):
    for cut in range(0, len(good) - 1, 3):
        try:
            pl.read(io.StringIO(good[:cut]), format=fmt)
        except pl.ParseError as err:
            assert err.line is not None or "stream" in str(err)


def test_convert_command(tmp_path, capsys):
    from pgm_lite.cli import main

    out = tmp_path / "asia.net"
    assert main(["convert", "asia", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (net)"
    assert main(["convert", str(out), str(tmp_path / "asia.xdsl")]) == 0
    assert_same_tables(pl.example("asia"), pl.read(tmp_path / "asia.xdsl"))
    capsys.readouterr()
    assert main(["convert", str(FORMATS / "libdai.fg"), str(tmp_path / "m.net")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pgm-lite convert: error: write_net needs a BayesianNetwork")
    assert main(["convert", str(FORMATS / "genie.dsl"), str(tmp_path / "m.dsl")]) == 2
    assert "reads it but does not write it" in capsys.readouterr().err
    (tmp_path / "broken.net").write_text(GOOD_NET[:-25])
    assert main(["convert", str(tmp_path / "broken.net"), str(tmp_path / "b.bif")]) == 2
    assert "broken.net:5:" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.net"), str(tmp_path / "b.bif")]) == 2
    assert "missing.net: No such file or directory" in capsys.readouterr().err
