"""Graphviz pictures: structure read from ``.source``, a few real SVGs through ``dot``."""

import itertools
import re

import graphviz
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgm_lite as pl
from pgm_lite.cli import main
from pgm_lite.render import DotNotFoundError, RenderError
from pgm_lite.testing import brute_force_joint, random_network

EDGE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[^\s\[]+) (->|--) ("(?:[^"\\]|\\.)*"|[^\s\[]+)(?: \[(.*)\])?$')
NODE = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[^\s\[=]+)(?: \[(.*)\])?$')
KEYWORDS = {"node", "edge", "graph", "{", "}", "subgraph"}


def _unquote(token):
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


def parse(source):
    """Return ({node: attribute text}, {(u, v): attribute text}) from DOT text."""
    nodes, edges = {}, {}
    for line in source.splitlines()[1:-1]:
        match = EDGE.match(line)
        if match:
            edges[(_unquote(match.group(1)), _unquote(match.group(3)))] = match.group(4) or ""
            continue
        match = NODE.match(line)
        if match and match.group(1) not in KEYWORDS and "=" not in line.split("[")[0]:
            nodes[_unquote(match.group(1))] = match.group(2) or ""
    return nodes, edges


def undirected(edges):
    return {frozenset(e) for e in edges}


def exact_marginals(model, evidence=None):
    joint = brute_force_joint(model)
    if evidence:
        joint = joint.reduce(evidence)
    joint = joint.normalize()
    return {v: joint.marginalize([u for u in joint.variables if u != v])
            for v in model.variables if v not in (evidence or {})}


# -- render: structure ---------------------------------------------------------------------------
def test_bayesian_network_draws_every_node_and_edge(asia):
    g = pl.render(asia)
    assert isinstance(g, graphviz.Digraph)
    nodes, edges = parse(g.source)
    assert set(nodes) == set(asia.variables)
    assert set(edges) == set(asia.edges)
    assert not any("filled" in attrs for attrs in nodes.values())


def test_markov_network_is_an_undirected_graph(ising4):
    g = pl.render(ising4)
    assert isinstance(g, graphviz.Graph) and not isinstance(g, graphviz.Digraph)
    nodes, edges = parse(g.source)
    assert set(nodes) == set(ising4.variables)
    assert undirected(edges) == undirected(ising4.edges)
    assert "->" not in g.source


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 12), st.integers(0, 10_000))
def test_random_networks_are_drawn_completely(n, seed):
    bn = random_network(n, max_parents=3, rng=seed)
    nodes, edges = parse(pl.render(bn, show_cpds=True).source)
    assert set(bn.variables) <= set(nodes)
    assert set(bn.edges) <= set(edges)
    assert sum(name.startswith("cpd_") for name in nodes) == n


def test_evidence_nodes_are_filled_and_show_their_state(asia):
    nodes, _ = parse(pl.render(asia, evidence={"smoke": "yes", "xray": 1}).source)
    filled = {v for v, attrs in nodes.items() if "filled" in attrs}
    assert filled == {"smoke", "xray"}
    assert "= yes" in nodes["smoke"] and "= no" in nodes["xray"]
    assert "grey75" in nodes["smoke"]


@pytest.mark.parametrize("evidence, match", [
    ({"smok": "yes"}, "unknown variable 'smok'.*did you mean 'smoke'"),
    ({"smoke": "maybe"}, r"unknown state 'maybe' of variable 'smoke'; choose from \['yes', 'no'\]"),
])
def test_bad_evidence_is_rejected(asia, evidence, match):
    with pytest.raises(pl.VariableNotFoundError, match=match):
        pl.render(asia, evidence=evidence)


def test_marginals_draw_one_bar_per_state(asia):
    marginals = exact_marginals(asia, {"smoke": "yes"})
    g = pl.render(asia, evidence={"smoke": "yes"}, marginals=marginals)
    nodes, edges = parse(g.source)
    assert set(edges) == set(asia.edges)
    for v in asia.variables:
        if v == "smoke":
            assert "filled" in nodes[v] and "BGCOLOR" not in nodes[v]
            continue
        label = nodes[v]
        assert label.count('<TD ALIGN="LEFT">') == len(asia.states(v))      # one row per state
        assert f"{100 * marginals[v].values[0]:.1f}%" in label
        assert "filled" not in label
    lung_yes = marginals["lung"].values[0]
    assert f'WIDTH="{round(lung_yes * 60)}"' in nodes["lung"]
    assert g.source.count('BGCOLOR="#4c72b0"') == sum(
        int(round(p * 60) >= 1) for f in marginals.values() for p in f.values)


def test_marginal_of_an_evidence_node_is_filled_and_titled(collider):
    marginals = exact_marginals(collider)
    nodes, _ = parse(pl.render(collider, evidence={"C": "1"}, marginals=marginals).source)
    assert "filled" in nodes["C"] and "= 1" in nodes["C"]


@pytest.mark.parametrize("bad, error, match", [
    ({"nope": None}, pl.VariableNotFoundError, "unknown variable 'nope'"),
    ({"A": pl.DiscreteFactor(["A", "B"], np.ones((2, 2)))}, pl.ShapeError,
     r"marginal of 'A' must be a DiscreteFactor over \('A',\) alone, got \('A', 'B'\)"),
    ({"A": pl.DiscreteFactor(["A"], [0.5, 0.5], {"A": ["lo", "hi"]})}, pl.ShapeError,
     r"marginal of 'A' has states \['lo', 'hi'\] but the model has \['0', '1'\]"),
    ({"A": [0.5, 0.5]}, pl.ShapeError, "must be a DiscreteFactor over"),
])
def test_bad_marginals_are_rejected(collider, bad, error, match):
    with pytest.raises(error, match=match):
        pl.render(collider, marginals=bad)


def test_markov_network_evidence_and_marginals(ising4):
    marginals = pl.marginals(ising4, evidence={"A": "1"})
    g = pl.render(ising4, evidence={"A": "1"}, marginals=marginals)
    nodes, edges = parse(g.source)
    assert {v for v, a in nodes.items() if "filled" in a} == {"A"}
    exact = exact_marginals(ising4, {"A": "1"})
    for v in "BCD":
        assert f"{100 * exact[v].values[1]:.1f}%" in nodes[v]
    assert "<svg" in g.pipe(format="svg").decode()


def test_cpd_tables_sit_next_to_their_nodes(asia):
    nodes, edges = parse(pl.render(asia, show_cpds=True).source)
    for v in asia.variables:
        table = nodes[f"cpd_{v}"]
        assert "shape=plain" in table
        assert f'COLSPAN="2"><B>{v}</B>' in table
        for state in asia.states(v):
            assert f'BGCOLOR="#eeeeee">{state}</TD>' in table
        for parent in asia.parents(v):
            assert f'ROWSPAN="2"><I>{parent}</I>' in table
        assert "dotted" in edges[(v, f"cpd_{v}")]
    either = nodes["cpd_either"]
    assert either.count("<TR>") == 2 + 4          # two header rows + one row per parent configuration
    assert '<TD ALIGN="LEFT">no</TD><TD ALIGN="LEFT">yes</TD><TD ALIGN="RIGHT">1</TD>' in either


def test_cpd_tables_are_cut_after_max_rows():
    parents = [f"P{i}" for i in range(5)]
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD(p, [0.5, 0.5]) for p in parents]
                            + [pl.TabularCPD("C", np.full((2,) * 5 + (2,), 0.5), parents)])
    nodes, _ = parse(pl.render(bn, show_cpds=True).source)
    assert "... 16 more rows" in nodes["cpd_C"]


def test_structure_only_models_draw_without_tables():
    bn = pl.BayesianNetwork([("A", "B")])
    nodes, _ = parse(pl.render(bn, show_cpds=True).source)
    assert set(nodes) == {"A", "B"}


def test_markov_network_factor_tables(ising4):
    nodes, edges = parse(pl.render(ising4, show_cpds=True).source)
    assert sum(n.startswith("factor_") for n in nodes) == len(ising4.factors())
    assert ("A", "factor_f0") in edges and ("B", "factor_f0") in edges


def test_highlight_nodes_and_edges_in_either_orientation(asia):
    nodes, edges = parse(pl.render(asia, highlight=["lung", ("either", "lung"), ("xray", "either")]).source)
    assert "#d62728" in nodes["lung"] and "#d62728" not in nodes["tub"]
    assert "#d62728" in edges[("lung", "either")] and "#d62728" in edges[("either", "xray")]
    assert "#d62728" not in edges[("tub", "either")]
    hot = {v for v, attrs in nodes.items() if "#d62728" in attrs}
    assert hot == {"lung"}
    single, _ = parse(pl.render(asia, highlight="asia").source)
    assert "#d62728" in single["asia"]


def test_highlight_a_markov_blanket(asia):
    blanket = set(pl.markov_blanket(asia, "either"))
    nodes, _ = parse(pl.render(asia, highlight=blanket).source)
    assert {v for v, a in nodes.items() if "#d62728" in a} == blanket


def test_highlight_errors(asia):
    with pytest.raises(RenderError, match=r"cannot highlight \('asia', 'dysp'\): there is no edge"):
        pl.render(asia, highlight=[("asia", "dysp")])
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'lungs'"):
        pl.render(asia, highlight=["lungs"])


def test_layout_is_the_graphviz_engine(asia):
    assert pl.render(asia, layout="neato").engine == "neato"
    with pytest.raises(RenderError, match=r"unknown layout 'dott'; choose from \['auto', 'grid', 'positions', 'circo', 'dot'"):
        pl.render(asia, layout="dott")
    with pytest.raises(TypeError, match="expected a BayesianNetwork or MarkovNetwork, got dict"):
        pl.render({"A": 1})


def test_state_names_are_escaped_and_render_through_dot():
    states = {"temp": ["<5", ">=7.5", 'a "b" & c']}
    bn = pl.BayesianNetwork(cpds=[
        pl.TabularCPD("temp", [0.2, 0.3, 0.5], states=states),
        pl.TabularCPD("ice", [[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]], ["temp"], states=states),
    ])
    marginals = exact_marginals(bn)
    g = pl.render(bn, marginals=marginals, show_cpds=True, evidence={"temp": ">=7.5"})
    assert "&lt;5" in g.source and "&gt;=7.5" in g.source and "&quot;b&quot; &amp; c" in g.source
    assert "<5" not in g.source.replace("<<", "")
    svg = g.pipe(format="svg").decode()
    assert "&lt;5" in svg and "&gt;=7.5" in svg


def test_awkward_variable_names_get_safe_ids():
    bn = pl.BayesianNetwork([("a:b", "<c>"), ("node", "a:b")])
    g = pl.render(bn, evidence={"a:b": "1"})
    nodes, edges = parse(g.source)
    assert edges.keys() == {("v0", "v1"), ("node", "v0")}
    assert 'label="a:b\\n= 1"' in nodes["v0"] and 'label="<c>"' in nodes["v1"]
    assert "<svg" in g.pipe(format="svg").decode()


# -- collapsed (plate) view -----------------------------------------------------------------------
def _pixels(n=784):
    xs = [f"X{i}" for i in range(1, n + 1)]
    return pl.BayesianNetwork(list(zip(xs, xs[1:])), variables=[*xs, "label"],
                              states={"label": 10}) , xs


def test_a_28x28_pixel_chain_collapses_to_a_plate():
    bn, xs = _pixels()
    bn.add_edge("label", "X1")
    g = pl.render(bn, evidence={"X5": "1"}, highlight=["X3"])
    nodes, edges = parse(g.source)
    assert len(nodes) == 3     # label, X_i and the dashed X_{i-1} it depends on
    plate = next(a for n, a in nodes.items() if "X_i" in a)
    assert "784 variables, 2 states" in plate and "1 observed" in plate
    assert "#d62728" in plate and "filled" in plate    # highlighted, not fully observed
    assert "i = 1..784" in g.source and "cluster_0" in g.source
    ghost = next(n for n, a in nodes.items() if "X<SUB>i-1</SUB>" in a)
    assert "dashed" in nodes[ghost] and "edges within" not in g.source
    assert len(edges) == 2 and (ghost, next(n for n, a in nodes.items() if "X_i" in a)) in edges
    assert "<svg" in g.pipe(format="svg").decode()


def test_grid_names_collapse_with_two_indices():
    names = [f"pixel_{r}_{c}" for r in range(12) for c in range(12)]
    mn = pl.MarkovNetwork([(f"pixel_{r}_{c}", f"pixel_{r}_{c + 1}") for r in range(12) for c in range(11)],
                          variables=names)
    g = pl.render(mn, max_nodes=50)
    assert "pixel_i_j" in g.source and "i = 0..11, j = 0..11" in g.source
    assert "pixel<SUB>i,j-1</SUB>" in g.source and "edges within" not in g.source
    assert len(parse(pl.render(mn, max_nodes=None).source)[0]) == 144


def test_too_many_unrelated_names_is_a_clear_error():
    bn = pl.BayesianNetwork(variables=[f"v{c}{d}" for c in "abcdefghijklmnop" for d in "qrstuvwxyz"])
    with pytest.raises(pl.StructureError,
                       match=r"160 variables, more than max_nodes=100.*still leaves 160 nodes.*--max-nodes 0"):
        pl.render(bn)
    assert len(parse(pl.render(bn, max_nodes=None).source)[0]) == 160


def test_collapsed_view_refuses_marginals_and_tables():
    bn, xs = _pixels(120)
    with pytest.raises(pl.StructureError, match="drawn collapsed, which shows no marginals or tables"):
        pl.render(bn, show_cpds=True)


def test_partially_numbered_groups_and_fully_observed_plates():
    bn = pl.BayesianNetwork([("Y", "X1"), ("Y", "X3"), ("Y", "X7")])
    g = pl.render(bn, max_nodes=2, evidence={"X1": 0, "X3": 0, "X7": 0})
    nodes, edges = parse(g.source)
    assert "i ∈ {1, 3, 7}" in g.source
    assert len(edges) == 1 and "label" not in next(iter(edges.values()))   # one arrow per X_i
    assert "filled" in next(a for a in nodes.values() if "X_i" in a)


# -- other views -----------------------------------------------------------------------------------
def test_factor_graph_of_a_bayesian_network(asia):
    g = pl.render_factor_graph(asia)
    nodes, edges = parse(g.source)
    factors = [n for n in nodes if re.fullmatch(r"f\d+", n)]
    assert len(factors) == len(asia.variables)
    assert set(asia.variables) <= set(nodes)
    assert len(edges) == sum(len(asia.parents(v)) + 1 for v in asia.variables)
    assert "P(dysp | bronc, either)</FONT>" in g.source
    assert {e[0] for e in edges} == {f"{f}:sq" for f in factors}


def test_factor_graph_of_markov_networks(ising4):
    nodes, edges = parse(pl.render_factor_graph(ising4).source)
    assert sum(bool(re.fullmatch(r"f\d+", n)) for n in nodes) == 4 and len(edges) == 8
    bare = pl.MarkovNetwork([("A", "B"), ("B", "C"), ("A", "C"), ("C", "D")])
    g = pl.render_factor_graph(bare)
    assert "φ(A, B, C)" in g.source and "φ(C, D)" in g.source


def test_moral_graph_dashes_the_marriages(asia):
    nodes, edges = parse(pl.render_moral_graph(asia).source)
    dashed = {frozenset(e) for e, attrs in edges.items() if "dashed" in attrs}
    assert dashed == {frozenset(("lung", "tub")), frozenset(("bronc", "either"))}
    assert undirected(edges) == undirected(asia.moralize().edges)
    with pytest.raises(RenderError, match="needs a BayesianNetwork; a Markov network is already moral"):
        pl.render_moral_graph(asia.moralize())


def _fill_ins(model, order):
    graph = model.moralize().graph
    steps = []
    for v in order:
        near = list(graph.neighbors(v))
        fill = {frozenset(p) for p in itertools.combinations(near, 2) if not graph.has_edge(*p)}
        graph.add_edges_from(tuple(p) for p in fill)
        graph.remove_node(v)
        steps.append((v, set(near), fill))
    return steps


@pytest.mark.parametrize("order", [
    ["asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"],
    ["either", "smoke", "dysp"],
])
def test_elimination_frames(asia, order):
    frames = pl.render_elimination(asia, order)
    assert len(frames) == len(order)
    for k, (frame, (v, near, fill)) in enumerate(zip(frames, _fill_ins(asia, order)), start=1):
        nodes, edges = parse(frame.source)
        assert v in nodes and "#d62728" in nodes[v] and "filled" in nodes[v]
        assert all("invis" in nodes[u] for u in order[:k - 1])      # eliminated: kept in place, hidden
        assert not any(u in e for e in edges for u in order[:k - 1])
        dashed_now = {frozenset(e) for e, a in edges.items() if "dashed" in a and "#1f77b4" in a}
        assert dashed_now == fill
        title = re.search(r'label="(step [^"]*)"', frame.source).group(1)
        assert title.startswith(f"step {k} of {len(order)}: eliminate {v}")
        scope = re.search(r"τ\d+\(([^)]*)\)", title).group(1)
        assert set(filter(None, scope.split(", "))) == near
        assert all("pos=" in a for a in nodes.values())


def test_elimination_with_a_heuristic_and_bad_orders(asia):
    assert len(pl.render_elimination(asia, "min-fill")) == len(asia.variables)
    with pytest.raises(RenderError, match="variable 'tub' appears twice in the elimination order"):
        pl.render_elimination(asia, ["tub", "asia", "tub"])
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'tb'"):
        pl.render_elimination(asia, ["tb"])


def test_elimination_of_a_markov_network_keeps_node_places(ising4):
    frames = pl.render_elimination(ising4, ["A", "D"])
    pos = [dict(re.findall(r'^\s*(\w) \[.*pos="([^"]+)"', f.source, re.M)) for f in frames]
    assert pos[1].items() <= pos[0].items()
    dashed = [e for e, a in parse(frames[0].source)[1].items() if "dashed" in a]
    assert undirected(dashed) == {frozenset(("B", "C"))}
    # the fill-in B - C made at step 1 stays dashed (grey) in step 2
    assert "grey45" in parse(frames[1].source)[1][("B", "C")]


def test_junction_tree_shows_cliques_and_separators(asia):
    tree = pl.JunctionTree(asia)
    g = pl.render_junction_tree(tree)
    nodes, edges = parse(g.source)
    assert len([n for n in nodes if n.startswith("c")]) == len(tree.cliques)
    for clique in tree.cliques:
        assert f'"{", ".join(clique)}"' in g.source
    for i, j in tree.edges:
        sep = nodes[f"s{i}_{j}"]
        assert ", ".join(tree.separator(i, j)) in sep and "shape=box" in sep
        assert (f"c{i}", f"s{i}_{j}") in edges and (f"s{i}_{j}", f"c{j}") in edges
    assert pl.render_junction_tree(asia).source == g.source
    assert "<svg" in g.pipe(format="svg").decode()


# -- factors ---------------------------------------------------------------------------------------
def test_render_factor_is_a_table():
    phi = pl.DiscreteFactor(["x", "y"], [[0.1, 0.2], [0.3, 0.4]], {"x": ["<5", ">=5"]})
    g = pl.render_factor(phi, title="P(x, y)")
    assert g.source.count("<TR>") == 5 and "&lt;5" in g.source and "P(x, y)" in g.source
    assert "<svg" in g.pipe(format="svg").decode()
    with pytest.raises(TypeError, match="render_factor needs a DiscreteFactor, got list"):
        pl.render_factor([1, 2])


def test_factor_html_for_jupyter():
    phi = pl.DiscreteFactor(["x"], np.arange(100.0), {"x": [f"<{i}" for i in range(100)]})
    html = phi._repr_html_()
    assert html.startswith('<table class="pgm-lite-factor">') and html.count("<tr>") == 1 + 64 + 1
    assert "<td>&lt;7</td><td>7</td>" in html and "... 36 more rows" in html


# -- Jupyter, saving and a missing dot -------------------------------------------------------------
def test_models_display_as_svg_in_jupyter(asia, ising4):
    for model in (asia, ising4, pl.JunctionTree(asia)):
        bundle = model._repr_mimebundle_()
        assert "<svg" in bundle["image/svg+xml"]
    tree_svg = pl.JunctionTree(asia)._repr_mimebundle_()["image/svg+xml"]
    assert "either" in tree_svg and "bronc" in tree_svg


def test_missing_dot_gives_one_install_line(asia, monkeypatch, tmp_path):
    g = pl.render(asia)
    source = g.source
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DotNotFoundError, match=r"apt-get install graphviz.*brew install graphviz"):
        g.pipe(format="svg")
    with pytest.raises(DotNotFoundError, match="Graphviz 'dot' program is not installed"):
        g.render(tmp_path / "asia.gv", format="svg")
    with pytest.raises(DotNotFoundError):
        asia._repr_mimebundle_()
    assert pl.render(asia).source == source          # DOT text needs no dot
    assert main(["render", "asia", "-o", str(tmp_path / "a.svg")]) == 2


# -- CLI ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_cli_writes_the_picture(tmp_path, capsys, ext, magic):
    out = tmp_path / f"asia.{ext}"
    assert main(["render", "asia", "-e", "smoke=yes", "--cpds", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(magic)
    assert capsys.readouterr().out.strip() == f"wrote {out}"


def test_cli_max_nodes(tmp_path, capsys):
    names = [f"v{c}{d}" for c in "abcdefghijklm" for d in "nopqrstuvw"]
    path = tmp_path / "wide.bif"
    pl.write_bif(pl.BayesianNetwork(cpds=[pl.TabularCPD(v, [0.5, 0.5]) for v in names]), path)
    out = tmp_path / "wide.svg"
    assert main(["render", str(path), "-o", str(out)]) == 2
    assert "--max-nodes 0" in capsys.readouterr().err
    assert main(["render", str(path), "--max-nodes", "0", "-o", str(out)]) == 0
    assert out.read_text().count('class="node"') == 130
    assert main(["render", str(path), "--max-nodes", "200", "-o", str(out)]) == 0


def test_cli_marginals(tmp_path):
    out = tmp_path / "asia.svg"
    assert main(["render", "asia", "-e", "xray=yes", "--marginals", "-o", str(out)]) == 0
    svg = out.read_text()
    expected = pl.query(pl.example("asia"), ["lung"], evidence={"xray": "yes"}).values[0]
    assert f"{100 * expected:.1f}%" in svg


@pytest.mark.parametrize("argv, match", [
    (["-o", "out.jpeg"], r"cannot tell the picture format from 'out.jpeg'; use one of the extensions \['.svg'"),
    (["-e", "smoke=maybe", "-o", "x.svg"], "unknown state 'maybe' of variable 'smoke'"),
    (["-e", "smoke", "-o", "x.svg"], "evidence must look like VAR=STATE"),
    (["--layout", "dott", "-o", "x.svg"], "unknown layout 'dott'"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    assert main(["render", "asia", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pgm-lite render: error: ")
    assert re.search(match, err)
    assert not list(tmp_path.iterdir())


def test_render_does_not_change_the_model(asia):
    before = (asia.edges, [c.table.copy() for c in asia.cpds()])
    pl.render(asia, evidence={"smoke": "yes"}, show_cpds=True, highlight=["lung"])
    pl.render_elimination(asia, asia.variables)
    assert asia.edges == before[0]
    assert all(np.array_equal(c.table, t) for c, t in zip(asia.cpds(), before[1]))
    assert nx.is_directed_acyclic_graph(asia.graph)
