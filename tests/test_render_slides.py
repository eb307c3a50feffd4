"""Slide-ready pictures, checked on Graphviz's own layout (``-Tplain``): resolution, pinned grids
and stored positions, no overlapping nodes, steady elimination frames, textbook plates."""

import re
import shlex
import struct

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.cli import main
from pgm_lite.render import RenderError
from pgm_lite.testing import random_markov_network


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def layout_boxes(graph):
    """{node: (x, y, width, height)} in inches, as Graphviz placed them."""
    boxes = {}
    for line in graph.pipe(format="plain").decode().splitlines():
        if line.startswith("node "):
            parts = shlex.split(line)
            boxes[parts[1]] = tuple(map(float, parts[2:6]))
    return boxes


def overlapping(boxes):
    names = list(boxes)
    pairs = []
    for i, a in enumerate(names):
        xa, ya, wa, ha = boxes[a]
        for b in names[i + 1:]:
            xb, yb, wb, hb = boxes[b]
            if abs(xa - xb) < (wa + wb) / 2 - 1e-3 and abs(ya - yb) < (ha + hb) / 2 - 1e-3:
                pairs.append((a, b))
    return pairs


def grid_model(n, name="x_{}_{}".format):
    edges = [(name(r, c), name(r, c + 1)) for r in range(n) for c in range(n - 1)]
    edges += [(name(r, c), name(r + 1, c)) for r in range(n - 1) for c in range(n)]
    return pl.MarkovNetwork(edges)


# -- resolution and size -------------------------------------------------------------------------
def test_png_defaults_to_150_dpi_and_dpi_changes_it(asia):
    default = png_size(pl.render(asia).pipe(format="png"))
    at_72 = png_size(pl.render(asia, dpi=72).pipe(format="png"))
    at_300 = png_size(pl.render(asia, dpi=300).pipe(format="png"))
    assert default[0] / at_72[0] == pytest.approx(150 / 72, rel=0.03)
    assert at_300[0] / at_72[0] == pytest.approx(300 / 72, rel=0.03)
    assert "dpi" not in pl.render(asia).source          # SVG keeps Graphviz's own units
    frame = pl.render_elimination(asia, ["asia"])[0]       # every builder's pictures, too
    low = frame.copy()
    low.attr(dpi="72")
    ratio = png_size(frame.pipe(format="png"))[0] / png_size(low.pipe(format="png"))[0]
    assert ratio == pytest.approx(150 / 72, rel=0.03)


def test_size_scales_the_drawing_to_fit(asia):
    g = pl.render(asia, size=(4, 3), dpi=100)
    assert 'size="4,3!"' in g.source
    width, height = png_size(g.pipe(format="png"))
    assert max(width / 400, height / 300) == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dpi": 0}, pl.PGMError, "dpi"),
    ({"dpi": "high"}, pl.PGMError, "dpi"),
    ({"size": 4}, RenderError, r"size must be a pair \(width, height\) in inches, got 4"),
    ({"size": (4, -1)}, pl.PGMError, "size"),
])
def test_bad_dpi_and_size(asia, kwargs, error, match):
    with pytest.raises(error, match=match):
        pl.render(asia, **kwargs)


def test_cli_render_dpi(tmp_path, capsys):
    low, high = tmp_path / "low.png", tmp_path / "high.png"
    assert main(["render", "asia", "--dpi", "72", "-o", str(low)]) == 0
    assert main(["render", "asia", "--dpi", "216", "-o", str(high)]) == 0
    assert png_size(high.read_bytes())[0] / png_size(low.read_bytes())[0] == pytest.approx(3, rel=0.03)


# -- grids and stored positions ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["x_{}_{}".format, "X[{},{}]".format, "pixel{}_{}".format])
@pytest.mark.parametrize("layout", ["auto", "neato", "grid"])
def test_grid_markov_networks_are_drawn_as_grids(name, layout):
    n = 4
    mn = grid_model(n, name)
    g = pl.render(mn, layout=layout)
    assert g.engine == "neato"
    boxes = layout_boxes(g)
    xs = {c: {round(boxes[name(r, c)][0], 2) for r in range(n)} for c in range(n)}
    ys = {r: {round(boxes[name(r, c)][1], 2) for c in range(n)} for r in range(n)}
    assert all(len(v) == 1 for v in xs.values()) and all(len(v) == 1 for v in ys.values())
    column_x = [boxes[name(0, c)][0] for c in range(n)]
    row_y = [boxes[name(r, 0)][1] for r in range(n)]
    assert column_x == sorted(column_x) and row_y == sorted(row_y, reverse=True)   # row 0 on top
    assert not overlapping(boxes)


def test_an_explicit_dot_layout_is_respected_and_grid_needs_grid_names(ising4):
    assert "pos=" not in pl.render(grid_model(3), layout="dot").source
    with pytest.raises(RenderError, match=r"layout='grid' needs variables named like grid cells"):
        pl.render(ising4, layout="grid")


def test_grid_with_marginals_does_not_overlap():
    mn = random_markov_network(6, rng=0)
    positions = {v: (i % 3, -(i // 3)) for i, v in enumerate(mn.variables)}
    g = pl.render(mn, positions=positions, marginals=pl.marginals(mn))
    boxes = layout_boxes(g)
    assert len(boxes) == 6 and not overlapping(boxes)
    x = {v: boxes[v][0] for v in mn.variables}
    assert x[mn.variables[0]] < x[mn.variables[1]] < x[mn.variables[2]]


def test_layout_positions_uses_the_model_positions(asia):
    with pytest.raises(RenderError, match=r"layout='positions' needs model.positions, but this model has none"):
        pl.render(asia, layout="positions")
    placed = asia.copy()
    placed.set_positions({v: (100 * i, 40 * (i % 2)) for i, v in enumerate(asia.variables)})
    boxes = layout_boxes(pl.render(placed, layout="positions", marginals=pl.marginals(asia)))
    xs = [boxes[v][0] for v in asia.variables]
    assert xs == sorted(xs) and not overlapping(boxes)
    with pytest.raises(RenderError, match=r"positions are missing for 7 variables"):
        pl.render(asia, positions={"asia": (0, 0)})
    with pytest.raises(pl.VariableNotFoundError, match="unknown variable 'asai'"):
        pl.render(asia, positions={"asai": (0, 0)})


@pytest.mark.parametrize("seed", [0, 1])
def test_neato_with_marginals_never_overlaps(asia, seed):
    assert not overlapping(layout_boxes(pl.render(asia, layout="neato", marginals=pl.marginals(asia))))
    mn = random_markov_network(7, rng=seed)
    assert not overlapping(layout_boxes(pl.render(mn, marginals=pl.marginals(mn))))


def test_factor_graphs_with_long_names_do_not_overlap():
    names = [f"a_rather_long_variable_name_{i}" for i in range(6)]
    bn = pl.BayesianNetwork([(names[0], n) for n in names[1:]] + [(names[1], names[2])])
    g = pl.render_factor_graph(bn)
    boxes = layout_boxes(g)
    assert len(boxes) == 12 and not overlapping(boxes)
    factor = boxes["f2"]
    assert factor[2] > 2.0          # the factor's name is part of its node, so layout makes room


# -- elimination frames --------------------------------------------------------------------------
def _pos(frame):
    return dict(re.findall(r'^\s*"?([^\s"]+)"? \[.*?pos="([^"]+)"', frame.source, re.M))


@pytest.mark.parametrize("model_name", ["asia", "grid"])
def test_elimination_frames_keep_every_node_in_place(asia, model_name):
    model = asia if model_name == "asia" else grid_model(3)
    frames = pl.render_elimination(model, "min-fill")
    first = _pos(frames[0])
    assert set(first) == {*model.variables, "pgm_canvas_left", "pgm_canvas_right"}
    for frame in frames[1:]:
        assert _pos(frame).items() <= first.items()
    # Graphviz keeps them too (pinned): the same centre in every frame
    centre = {v: layout_boxes(frames[0])[v][:2] for v in model.variables}
    for later in map(layout_boxes, frames[1:]):
        assert all(np.allclose(later[v][:2], centre[v], atol=0.02) for v in model.variables)


def test_fill_in_colour_is_the_one_the_docstring_names(asia):
    doc = " ".join(pl.render_elimination.__doc__.split())
    assert "fill-in edges it adds are dashed blue (earlier fill-ins dashed grey)" in doc
    frame = pl.render_elimination(asia, ["either"])[0]
    fill = [line for line in frame.source.splitlines() if "--" in line and "#1f77b4" in line]
    assert fill and all("dashed" in line for line in fill)
    assert "(dashed blue)" in frame.source


def test_intermediate_factors_follow_explain_query(asia):
    evidence = {"xray": "yes"}
    explanation = pl.explain_query(asia, ["dysp"], evidence)
    assert explanation.pruned == []
    frames = pl.render_elimination(asia, explanation.order, evidence=evidence)
    for k, (frame, step) in enumerate(zip(frames, explanation.steps), start=1):
        title = re.search(r'label="(step [^"]*)"', frame.source).group(1)
        scope = re.search(rf"τ{k}\(([^)]*)\) = Σ_{step.variable} (.*?)\\n", title)
        assert set(filter(None, scope.group(1).split(", "))) == set(step.scope)
        assert len(scope.group(2).split(" · ")) == len(step.factors)
    names = " ".join(f.source for f in frames)
    assert "P(xray=yes | either)" in names and "τ1" in frames[1].source


def test_evidence_nodes_are_shaded_and_cut_off(asia):
    frame = pl.render_elimination(asia, ["tub"], evidence={"xray": "yes", "smoke": "no"})[0]
    assert re.search(r'xray \[label="xray\\n= yes" fillcolor=grey75 pos="[^"]+" style=filled\]', frame.source)
    assert not re.search(r"(xray|smoke) --|-- (xray|smoke)", frame.source)
    assert "P(lung | smoke=no)" not in frame.source            # tub's factors only
    with pytest.raises(RenderError, match="variable 'xray' is observed, so it is sliced out"):
        pl.render_elimination(asia, ["xray"], evidence={"xray": "yes"})
    with pytest.raises(RenderError, match="only 'neato' and 'fdp' honour"):
        pl.render_elimination(asia, ["tub"], layout="dot")


# -- plates --------------------------------------------------------------------------------------
def test_naive_bayes_plate_has_one_arrow_into_the_plate():
    pixels = [f"X{i}" for i in range(1, 785)]
    g = pl.render(pl.BayesianNetwork([("digit", p) for p in pixels], variables=["digit", *pixels]))
    edges = [line.strip() for line in g.source.splitlines() if "->" in line]
    assert edges == ["g0 -> g1"]
    assert "X<SUB>i</SUB>" in g.source and 'label="i = 1..784"' in g.source
    assert png_size(g.pipe(format="png"))[0] > 100


def test_irregular_edges_inside_a_plate_are_counted():
    xs = [f"X{i}" for i in range(1, 11)]
    edges = [(xs[0], x) for x in xs[1:]]      # nine different index shifts
    g = pl.render(pl.BayesianNetwork(edges, variables=xs), max_nodes=5)
    assert "(9 edges within)" in g.source and "SUB>i-" not in g.source


# -- the renderer's promise ----------------------------------------------------------------------
def test_the_renderer_runs_no_inference():
    import ast
    import pathlib

    folder = pathlib.Path(pl.render_elimination.__code__.co_filename).parent
    engines = ("inference", "sampling", "learning")
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not any(part in engines for part in module.split(".")), (path.name, module)


def test_rendering_to_a_png_file_uses_150_dpi_too(asia, tmp_path):
    g = pl.render(asia)
    path = g.render(tmp_path / "asia", format="png")
    low = pl.render(asia, dpi=72).render(tmp_path / "low", format="png")
    with open(path, "rb") as a, open(low, "rb") as b:
        assert png_size(a.read())[0] / png_size(b.read())[0] == pytest.approx(150 / 72, rel=0.03)
