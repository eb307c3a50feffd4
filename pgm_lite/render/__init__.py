"""Graphviz pictures of models, factors and inference, ready for a slide or a notebook.

Every function builds DOT text only and returns a ``graphviz.Digraph`` / ``graphviz.Graph``:
Jupyter displays it, ``.source`` is the DOT text, and ``.pipe(format="svg")`` /
``.render(...)`` run Graphviz's ``dot`` (a missing ``dot`` raises :class:`DotNotFoundError`
with a one-line install hint; bitmaps come out at 150 dpi unless ``dpi=`` says otherwise).
The renderer runs no inference, ever: pass the results (``evidence``, ``marginals`` from
:func:`pgm_lite.marginals`, an elimination order) in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import graphviz

from .._validate import check_variable, format_choices
from ..exceptions import ShapeError, StructureError
from ._common import (
    EVIDENCE_FILL,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    AnyGraph,
    DotNotFoundError,
    RenderError,
    apply_size,
    check_layout,
    dot_text,
    is_bayesian,
    new_graph,
    node_ids,
    pin,
    split_highlight,
)
from ._diff import render_structure_diff
from ._html import cpd_label, factor_label, marginal_label, marginal_size
from ._layout import check_positions, grid_positions, scaled_positions
from ._plate import collapsed_view
from ._views import (
    render_elimination,
    render_factor_graph,
    render_junction_tree,
    render_moral_graph,
)

__all__ = [
    "render",
    "render_factor",
    "render_factor_graph",
    "render_moral_graph",
    "render_junction_tree",
    "render_elimination",
    "render_structure_diff",
    "DotNotFoundError",
    "RenderError",
]

MAX_NODES = 100
LAYOUTS = ("auto", "grid", "positions")   # besides the Graphviz engines


def render(model: Any, *, evidence: Mapping[str, Any] | None = None,
           marginals: Mapping[str, Any] | None = None, show_cpds: bool = False,
           highlight: Any = None, layout: str = "auto", max_nodes: int | None = MAX_NODES,
           positions: Mapping[str, Sequence[float]] | None = None, dpi: float | None = None,
           size: Sequence[float] | None = None, clickable_states: bool = False) -> AnyGraph:
    r"""Draw a Bayesian network (directed) or a Markov network (undirected) with Graphviz.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model to draw.
    evidence : dict, optional
        ``{variable: state}`` of observed variables; they are shaded grey, as in textbooks,
        and show their observed state.
    marginals : dict, optional
        ``{variable: DiscreteFactor over that variable}``, e.g. from :func:`pgm_lite.marginals`;
        each such node shows a small bar chart of its distribution.
    show_cpds : bool, optional
        Draw each CPT (Markov network: each factor) as a table next to its node.
    highlight : str or iterable, optional
        Nodes (names) and/or edges (pairs, either orientation) to colour, e.g. a Markov blanket
        or an active trail.
    layout : str, optional
        ``"auto"`` (default): ``dot`` (layered) for a Bayesian network; for a Markov network a
        pinned grid when its variables are named like grid cells (``x_3_4``, ``X[3,4]``), else
        ``neato``. ``"grid"`` insists on the grid, ``"positions"`` pins the nodes at
        ``model.positions`` (read from NET/XDSL files or set with ``model.set_positions``);
        any Graphviz engine name (``"dot"``, ``"neato"``, ``"fdp"``, ``"circo"``...) is used as
        is. Engines other than ``dot`` never draw nodes on top of each other.
    max_nodes : int or None, optional
        Above this many variables the model is drawn collapsed, in plates: variables whose
        names differ only in their numbers (``X1..X784``) become one node ``X_i`` in a box
        labelled ``i = 1..784``. ``None`` always draws every variable.
    positions : dict, optional
        ``{variable: (x, y)}`` for every variable (any unit, y up); the nodes are pinned there,
        scaled so that they do not overlap.
    dpi : float, optional
        Resolution of bitmap output (PNG...); default 150.
    size : (float, float), optional
        Width and height in inches; the drawing is scaled to fit them exactly.
    clickable_states : bool, optional
        Give each state row of a marginal a link with the id ``pgm-s-{i}-{j}-{cell}`` (variable
        ``i`` of ``model.variables``, state ``j``), which SVG output keeps; used by
        :mod:`pgm_lite.explore`.

    Returns
    -------
    graphviz.Digraph or graphviz.Graph
        ``Digraph`` for a Bayesian network, ``Graph`` for a Markov network.

    Raises
    ------
    VariableNotFoundError
        If an evidence, marginal, highlighted or positioned variable or state is unknown.
    RenderError
        For an unknown layout, a highlighted edge that is not in the model, missing positions,
        or a bad ``dpi``/``size``.
    ShapeError
        If a marginal is not a distribution over its one variable's states.
    StructureError
        If the model is too big to draw even collapsed, or ``marginals``/``show_cpds`` are asked
        for a collapsed drawing.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("rain", "wet"), ("sprinkler", "wet")])
    >>> g = pl.render(bn, evidence={"wet": "1"})
    >>> import graphviz
    >>> isinstance(g, graphviz.Digraph), "rain -> wet" in g.source
    (True, True)
    >>> print([line.strip() for line in g.source.splitlines() if "filled" in line][0])
    wet [label="wet\n= 1" fillcolor=grey75 style=filled]

    A Markov network on a grid is drawn as the grid, row 0 on top:

    >>> grid = pl.MarkovNetwork([("x_0_0", "x_0_1"), ("x_0_0", "x_1_0"), ("x_0_1", "x_1_1"),
    ...                          ("x_1_0", "x_1_1")])
    >>> g = pl.render(grid, dpi=200)
    >>> g.engine, 'x_1_1 [pos="1.100,-0.800!"]' in g.source, 'dpi=200' in g.source
    ('neato', True, True)
    """
    directed = is_bayesian(model)
    codes = model.encode_evidence(evidence or {})
    observed = {v: model.states(v)[c] for v, c in codes.items()}
    checked = _check_marginals(model, marginals)
    nodes_hl, edges_hl = split_highlight(model, highlight, directed)
    layout = _check_render_layout(layout)
    if max_nodes is not None and len(model.variables) > max_nodes and positions is None:
        if checked or show_cpds:
            raise StructureError(
                f"the model has {len(model.variables)} variables, more than max_nodes={max_nodes}, "
                "so it is drawn collapsed, which shows no marginals or tables; pass max_nodes=None "
                "to draw every variable"
            )
        engine = "dot" if layout in LAYOUTS else layout
        graph = collapsed_view(model, directed, observed, nodes_hl, edges_hl, engine, max_nodes)
        return apply_size(graph, dpi, size)
    places = _pinned_positions(model, directed, layout, positions, checked)
    engine = "neato" if places is not None else _engine(layout, directed)
    graph = new_graph(directed, "model", engine)
    ids = node_ids(model.variables)
    for i, v in enumerate(model.variables):
        attrs = _node_attrs(model, v, ids[v], observed, checked, v in nodes_hl,
                            i if clickable_states else None)
        if places is not None:
            attrs["pos"] = pin(places, v)
        graph.node(ids[v], **attrs)
    for u, v in model.edges:
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if (u, v) in edges_hl else {}
        graph.edge(ids[u], ids[v], **attrs)
    if show_cpds:
        _attach_tables(graph, model, ids, directed)
    return apply_size(graph, dpi, size)


def _check_render_layout(layout: str) -> str:
    if layout in LAYOUTS:
        return layout
    try:
        return check_layout(layout)
    except RenderError:
        raise RenderError(
            f"unknown layout {layout!r}; choose from {format_choices([*LAYOUTS, *sorted(graphviz.ENGINES)])}"
        ) from None


def _engine(layout: str, directed: bool) -> str:
    if layout == "auto":
        return "dot" if directed else "neato"
    return layout


def _node_box(model: Any, marginals: Mapping[str, Any]) -> tuple[float, float]:
    """(width, height) in inches of the biggest node, to space pinned positions."""
    if not marginals:
        longest = max((len(str(v)) for v in model.variables), default=1)
        return max(0.75, 0.11 * longest + 0.3), 0.5
    boxes = [marginal_size(v, model.states(v)) for v in marginals]
    return max(b[0] for b in boxes), max(b[1] for b in boxes)


def _pinned_positions(model: Any, directed: bool, layout: str,
                      positions: Mapping[str, Sequence[float]] | None,
                      marginals: Mapping[str, Any]) -> dict[str, tuple[float, float]] | None:
    """Pinned positions (inches) for the layout, or None to let Graphviz place the nodes."""
    width, height = _node_box(model, marginals)
    if positions is not None or layout == "positions":
        source = positions if positions is not None else model.positions
        if not source:
            raise RenderError(
                "layout='positions' needs model.positions, but this model has none; read it from "
                "a NET/XDSL file that stores them, call model.set_positions({...}), or pass positions="
            )
        checked = check_positions(model.variables, source, model.state_names)
        return scaled_positions(checked, max(width, height) + 0.35)
    if layout in ("auto", "neato", "grid") and (layout == "grid" or not directed):
        grid = grid_positions(model.variables)
        if grid is None:
            if layout == "grid":
                raise RenderError(
                    "layout='grid' needs variables named like grid cells (x_3_4, X[3,4]) with one "
                    f"prefix, got e.g. {model.variables[:4]}; pass positions= instead"
                )
            return None
        dx, dy = width + 0.25, height + 0.3
        return {v: (x * dx, y * dy) for v, (x, y) in grid.items()}
    return None


def _node_attrs(model: Any, v: str, node_id: str, observed: Mapping[str, str],
                marginals: Mapping[str, Any], hot: bool, index: int | None) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if v in marginals:
        factor = marginals[v]
        attrs.update(shape="box", style="rounded", margin="0.05,0.03",
                     label=marginal_label(v, factor.states[v], factor.values, observed.get(v), hot,
                                          link_index=index))
    elif v in observed:
        attrs["label"] = dot_text(v, f"= {observed[v]}")
    elif node_id != v:
        attrs["label"] = dot_text(v)
    if v in observed:
        attrs.update(style=",".join(filter(None, [attrs.get("style"), "filled"])),
                     fillcolor=EVIDENCE_FILL)
    if hot:
        attrs.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
        if v not in observed:
            attrs.update(style=",".join(filter(None, [attrs.get("style"), "filled"])),
                         fillcolor=HIGHLIGHT_FILL)
    return attrs


def _check_marginals(model: Any, marginals: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate ``{variable: factor over it}``; return a dict (empty when None)."""
    if not marginals:
        return {}
    for v, factor in dict(marginals).items():
        check_variable(v, model.state_names)
        if getattr(factor, "variables", None) != (v,):
            scope = getattr(factor, "variables", type(factor).__name__)
            raise ShapeError(
                f"the marginal of {v!r} must be a DiscreteFactor over ({v!r},) alone, got {scope}"
            )
        if factor.states[v] != model.states(v):
            raise ShapeError(
                f"the marginal of {v!r} has states {list(factor.states[v])} but the model has "
                f"{list(model.states(v))}"
            )
    return dict(marginals)


def _attach_tables(graph: AnyGraph, model: Any, ids: Mapping[str, str], directed: bool) -> None:
    """Put each CPT (or factor) in a plain node tied to its variable by a dotted line."""
    if directed:
        tables = [(v, [v], cpd_label(model.cpd(v))) for v in model.variables if model.has_cpd(v)]
    else:
        tables = [(f"f{i}", list(f.variables), factor_label(f, max_rows=16))
                  for i, f in enumerate(model.factors())]
    for key, anchors, label in tables:
        table_id = f"cpd_{ids[key]}" if directed else f"factor_{key}"
        with graph.subgraph() as same:
            if directed:
                same.attr(rank="same")
            same.node(table_id, label, shape="plain", fontsize="10")
            for anchor in anchors:
                same.edge(ids[anchor], table_id, style="dotted", arrowhead="none")


def render_factor(factor: Any, *, max_rows: int = 32, digits: int = 4,
                  title: str | None = None) -> AnyGraph:
    """Draw a factor as a table (one row per assignment, last variable fastest).

    Parameters
    ----------
    factor : DiscreteFactor
        The factor to draw.
    max_rows : int, optional
        Rows shown before a "... more rows" line.
    digits : int, optional
        Significant digits of the values.
    title : str, optional
        Header of the value column (default ``φ(A, B)``).

    Returns
    -------
    graphviz.Digraph
        One node holding the table.

    Examples
    --------
    >>> phi = pl.DiscreteFactor(["temp"], [0.2, 0.8], {"temp": ["<5", ">=5"]})
    >>> "&lt;5" in pl.render_factor(phi).source
    True
    """
    if not hasattr(factor, "rows"):
        raise TypeError(f"render_factor needs a DiscreteFactor, got {type(factor).__name__}")
    graph = new_graph(True, "factor")
    graph.node("factor", factor_label(factor, max_rows=max_rows, digits=digits, title=title),
               shape="plain")
    return graph
