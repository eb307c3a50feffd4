"""Pictures of the structures inference works on: factor graph, moral graph, junction tree and
variable-elimination frames. Re-exported by :mod:`pgm_lite.render`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import networkx as nx

from .._model import GraphicalModel
from .._validate import check_variable
from ..elimination import (
    elimination_order,
    elimination_steps,
    interaction_graph,
    junction_tree_structure,
)
from ..graphs import factor_graph
from ._common import (
    BAR,
    EVIDENCE_FILL,
    FILL_IN,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    OLD_FILL_IN,
    AnyGraph,
    RenderError,
    dot_text,
    is_bayesian,
    new_graph,
    node_ids,
    pin,
    plain_node,
)
from ._html import escape
from ._layout import check_positions, grid_positions, scaled_positions, spread_positions

__all__ = ["render_factor_graph", "render_moral_graph", "render_junction_tree", "render_elimination"]


def render_factor_graph(model: Any, *, layout: str = "neato", messages: Any = None) -> AnyGraph:
    """Draw the bipartite factor graph: round variable nodes, small black square factor nodes.

    A Bayesian network has one factor ``P(X | parents)`` per variable; a Markov network one per
    potential (a structure-only Markov network: one per maximal clique). Each factor's name is
    written in small type under its square on a white ground drawn over the edges, and counts in
    the layout, so long names never overlap other nodes.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model (only its structure and factor scopes are used).
    layout : str, optional
        Graphviz engine (default ``"neato"``, which suits bipartite graphs).
    messages : LoopyBPResult, optional
        A result of :func:`pgm_lite.loopy_belief_propagation` on ``model``: each variable shows
        its belief (observed ones are shaded), and each edge becomes an arrow from the factor
        carrying the factor->variable message (``max_iter=t, tol=0`` shows sweep ``t``).

    Returns
    -------
    graphviz.Graph
        Variable nodes named as the variables, factor nodes ``f0, f1, ...`` whose edges meet
        the square (port ``sq``).

    Raises
    ------
    RenderError
        If ``messages`` is not a belief-propagation result of this model.

    Examples
    --------
    >>> g = pl.render_factor_graph(pl.BayesianNetwork([("A", "B")]))
    >>> "f1:sq -- B" in g.source and "P(B | A)" in g.source
    True
    >>> bn = pl.example("asia")
    >>> g = pl.render_factor_graph(bn, messages=pl.loopy_belief_propagation(bn, {"xray": "yes"}))
    >>> [line.strip()[:30] for line in g.source.splitlines() if line.strip().startswith("f2:sq")]
    ['f2:sq -- smoke [label=<<TABLE ']
    >>> "yes .50</TD>" in g.source   # P(smoke) sends smoke its table
    True
    """
    is_bayesian(model)
    structure = factor_graph(model.variables, model.factor_scopes())
    factors = [(d["scope"], d["label"]) for n, d in structure.nodes(data=True) if d["kind"] == "factor"]
    if not model.is_directed and not factors:
        order = {v: i for i, v in enumerate(model.variables)}
        cliques = sorted((sorted(c, key=order.__getitem__) for c in nx.find_cliques(model.graph)),
                         key=lambda c: [order[v] for v in c])
        factors = [(tuple(c), f"φ({', '.join(c)})") for c in cliques]
    sent = _check_messages(model, messages, factors)
    graph = new_graph(False, "factor_graph", layout, outputorder="edgesfirst")
    if messages is not None:  # longer edges leave room for the message labels
        graph.attr("edge", fontsize="8", arrowsize="0.6", len="1.6", color=BAR, fontcolor=BAR)
    ids = node_ids(model.variables)
    for v in model.variables:
        if messages is None:
            plain_node(graph, ids[v], v)
            continue
        if v in messages.evidence:
            graph.node(ids[v], _belief_label(v, [f"= {messages.evidence[v]}"]), shape="ellipse", margin="0.05",
                       style="filled", fillcolor=EVIDENCE_FILL)
        else:
            graph.node(ids[v], _belief_label(v, _probabilities(messages.marginals[v])), shape="ellipse",
                       margin="0.05")
    for i, (scope, label) in enumerate(factors):
        graph.node(f"f{i}", _factor_label(label), shape="plain", tooltip=str(label))
        for v in scope:
            message = sent.get((i, v))
            if message is None:  # no message (or a message to an observed variable: not sent)
                graph.edge(f"f{i}:sq", ids[v], **({"color": "grey60"} if messages is not None else {}))
            else:
                graph.edge(f"f{i}:sq", ids[v], label=_message_text(message), dir="forward")
    return graph


def _check_messages(model: Any, messages: Any, factors: list[tuple[Any, str]]) -> dict[tuple[int, str], Any]:
    """Return the messages of a belief-propagation result, checked against ``model``."""
    if messages is None:
        return {}
    if not all(hasattr(messages, name) for name in ("messages", "marginals", "evidence")):
        raise RenderError(f"messages= takes a pl.loopy_belief_propagation result, got {type(messages).__name__}")
    if list(messages.marginals) != list(model.variables):
        raise RenderError("messages= is a belief-propagation result of another model: its variables are "
                          f"{list(messages.marginals)[:8]}, the model's {list(model.variables)[:8]}")
    sent = messages.messages
    scopes = {i: tuple(scope) for i, (scope, _) in enumerate(factors)}
    for i, v in sent:
        if v not in scopes.get(i, ()):
            raise RenderError(f"messages= is a belief-propagation result of another model: it has a message "
                              f"from factor {i} to {v!r}, which is not in that factor's scope")
    return sent


def _probabilities(factor: Any, limit: int = 6) -> list[str]:
    """``state p`` lines of a one-variable factor (at most ``limit``, then a count of the rest)."""
    (v,) = factor.variables
    lines = [f"{s} {f'{p:.2f}'.removeprefix('0')}" for s, p in zip(factor.states[v], factor.values.tolist())]
    return lines if len(lines) <= limit else [*lines[:limit - 1], f"... ({len(lines) - limit + 1} more)"]


def _message_text(message: Any) -> str:
    """Return an HTML label on a white ground (drawn over the edges) listing the message's entries."""
    rows = "".join(f'<TR><TD ALIGN="LEFT">{escape(line)}</TD></TR>' for line in _probabilities(message))
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1" BGCOLOR="white">{rows}</TABLE>>'


def _belief_label(name: str, lines: list[str]) -> str:
    rows = "".join(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{escape(line)}</FONT></TD></TR>'
                   for line in lines)
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            f"<TR><TD><B>{escape(name)}</B></TD></TR>{rows}</TABLE>>")


def _factor_label(text: str) -> str:
    """Return a label: a small black square (port ``sq``) over the factor's name in small type."""
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            '<TR><TD></TD><TD PORT="sq" WIDTH="11" HEIGHT="11" FIXEDSIZE="TRUE" BGCOLOR="black"></TD>'
            '<TD></TD></TR>'
            f'<TR><TD COLSPAN="3" CELLPADDING="1" BGCOLOR="white"><FONT POINT-SIZE="9">{escape(text)}</FONT></TD></TR>'
            "</TABLE>>")


def render_moral_graph(model: Any, *, layout: str = "dot") -> AnyGraph:
    """Draw the moral graph of a Bayesian network; the added marriages are dashed.

    Parameters
    ----------
    model : BayesianNetwork
        The network to moralise.
    layout : str, optional
        Graphviz engine.

    Returns
    -------
    graphviz.Graph

    Raises
    ------
    RenderError
        If ``model`` is a Markov network.

    Examples
    --------
    >>> g = pl.render_moral_graph(pl.BayesianNetwork([("A", "C"), ("B", "C")]))
    >>> [line.strip() for line in g.source.splitlines() if "dashed" in line]
    ['A -- B [color="#d62728" style=dashed]']
    """
    if not is_bayesian(model):
        raise RenderError("render_moral_graph needs a BayesianNetwork; a Markov network is already moral")
    original = {frozenset(e) for e in model.edges}
    graph = new_graph(False, "moral_graph", layout)
    ids = node_ids(model.variables)
    for v in model.variables:
        plain_node(graph, ids[v], v)
    for u, v in model.moralize().edges:
        attrs = {} if frozenset((u, v)) in original else {"style": "dashed", "color": HIGHLIGHT}
        graph.edge(ids[u], ids[v], **attrs)
    return graph


def render_junction_tree(tree: Any, *, layout: str = "dot") -> AnyGraph:
    """Draw a junction tree: cliques as ellipses joined through separator boxes.

    Parameters
    ----------
    tree : JunctionTree or BayesianNetwork or MarkovNetwork
        A tree with ``.cliques``, ``.edges`` (pairs of clique indices) and ``.separator(i, j)``;
        a model is first compiled with :class:`pgm_lite.JunctionTree`.

    Returns
    -------
    graphviz.Graph
        Clique nodes ``c0, c1, ...``; separator boxes ``s{i}_{j}`` between cliques ``i`` and ``j``.

    Examples
    --------
    >>> g = pl.render_junction_tree(pl.example("sprinkler"))
    >>> print(g.source)   # doctest: +ELLIPSIS
    graph junction_tree {
    ...
        c0 [label="Cloudy, Sprinkler, Rain" shape=ellipse]
        c1 [label="Sprinkler, Rain, WetGrass" shape=ellipse]
        s0_1 [label="Sprinkler, Rain" ... shape=box style=filled]
        c0 -- s0_1
        s0_1 -- c1
    }
    """
    if isinstance(tree, GraphicalModel):
        tree = junction_tree_structure(tree)
    graph = new_graph(False, "junction_tree", layout)
    for i, clique in enumerate(tree.cliques):
        graph.node(f"c{i}", dot_text(", ".join(map(str, clique))), shape="ellipse")
    for i, j in tree.edges:
        sep = tree.separator(i, j)
        node = f"s{i}_{j}"
        graph.node(node, dot_text(", ".join(map(str, sep)) or "∅"), shape="box", fontsize="10",
                   height="0.25", style="filled", fillcolor="#f4f4f4")
        graph.edge(f"c{i}", node)
        graph.edge(node, f"c{j}")
    return graph


class _Factor(NamedTuple):
    name: str
    scope: tuple[str, ...]


def _initial_factors(model: Any, observed: Mapping[str, str]) -> list[_Factor]:
    """Return the model's factors with the evidence sliced out, named as a textbook would.

    ``P(xray=yes | either)`` for a CPT whose child is observed, ``φ(A, B=b)`` for a potential.
    """
    def named(v: str) -> str:
        return f"{v}={observed[v]}" if v in observed else str(v)

    factors = []
    for scope, _ in model.factor_scopes():
        kept = tuple(v for v in scope if v not in observed)
        if model.is_directed:
            *parents, child = scope
            given = f" | {', '.join(map(named, parents))}" if parents else ""
            name = f"P({named(child)}{given})"
        else:
            name = f"φ({', '.join(map(named, scope))})"
        factors.append(_Factor(name, kept))
    return factors


def _check_order(model: Any, order: Any, observed: Mapping[str, str]) -> list[str]:
    if isinstance(order, str):
        return [v for v in elimination_order(model, order) if v not in observed]
    checked = [check_variable(v, model.state_names) for v in order]
    seen: set[str] = set()
    for v in checked:
        if v in seen:
            raise RenderError(f"variable {v!r} appears twice in the elimination order {checked}")
        if v in observed:
            raise RenderError(f"variable {v!r} is observed, so it is sliced out, not eliminated; "
                              f"remove it from the elimination order {checked}")
        seen.add(v)
    return checked


def _frame_positions(model: Any, graph: nx.Graph,
                     positions: Mapping[str, Sequence[float]] | None) -> dict[str, tuple[float, float]]:
    """One set of positions (inches) for every frame: given, stored on the model, a grid, or a
    deterministic spring layout of the interaction graph.
    """
    spacing = max(0.9, 0.11 * max(len(str(v)) for v in model.variables) + 0.5)
    if positions is not None or model.positions:
        source = positions if positions is not None else model.positions
        return scaled_positions(check_positions(model.variables, source, model.state_names), spacing)
    grid = grid_positions(model.variables)
    if grid is not None:
        return {v: (x * spacing, y * 0.9) for v, (x, y) in grid.items()}
    return spread_positions(graph, spacing)


def render_elimination(model: Any, order: Any, *, evidence: Mapping[str, Any] | None = None,
                       layout: str = "neato",
                       positions: Mapping[str, Sequence[float]] | None = None) -> list[AnyGraph]:
    """Draw variable elimination step by step: one picture per eliminated variable.

    Frame ``k`` shows the interaction graph (moral graph of a Bayesian network) still left before
    step ``k``; the variable eliminated is highlighted in red with the edges of the factors it
    multiplies, the fill-in edges it adds are dashed blue (earlier fill-ins dashed grey), and the
    title writes the new factor ``τk`` as the sum of the product of the factors it combines, named
    as :func:`pgm_lite.explain_query` names them: model factors as ``P(X | parents)`` (Markov
    network: ``φ(A, B)``), with observed variables written ``xray=yes`` (the evidence is sliced
    out, so observed nodes stand shaded and unconnected), and earlier results ``τ1, τ2, ...``.
    Every node keeps its place across the frames (eliminated ones stay as invisible nodes, so
    the canvas keeps its size too): stepping through them does not jump.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model (only its structure is used).
    order : sequence of str or str
        Variables to eliminate, in order (may be a subset), or a heuristic name such as
        ``"min-fill"`` (observed variables are left out of it).
    evidence : dict, optional
        ``{variable: state}`` of observed variables.
    layout : str, optional
        ``"neato"`` (default) or ``"fdp"``: the engines that keep pinned positions.
    positions : dict, optional
        ``{variable: (x, y)}`` (any unit, y up); default ``model.positions`` when set, a grid
        for grid-named variables, else one spring layout computed for all frames.

    Returns
    -------
    list of graphviz.Graph
        One frame per step.

    Raises
    ------
    RenderError
        For a repeated or observed variable in ``order``, or a layout that moves pinned nodes.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "C"), ("B", "C"), ("C", "D")])
    >>> frames = pl.render_elimination(bn, ["C", "A"])
    >>> len(frames), "τ1(A, B, D) = Σ_C P(C | A, B) · P(D | C)" in frames[0].source
    (2, True)
    >>> sum("--" in line and "dashed" in line for line in frames[0].source.splitlines())  # A-D, B-D
    2
    >>> frames = pl.render_elimination(pl.example("asia"), ["either"], evidence={"xray": "yes"})
    >>> "P(xray=yes | either)" in frames[0].source
    True
    """
    is_bayesian(model)
    if layout not in ("neato", "fdp"):
        raise RenderError(f"render_elimination pins every node, which only 'neato' and 'fdp' honour; "
                          f"got layout={layout!r}")
    observed = {v: model.states(v)[c] for v, c in model.encode_evidence(evidence or {}).items()}
    order = _check_order(model, order, observed)
    full = interaction_graph(model)
    place = _frame_positions(model, full, positions)
    work = full.copy()
    work.remove_nodes_from(list(observed))
    steps = elimination_steps(work, order)
    factors = _initial_factors(model, observed)
    ids = node_ids(model.variables)
    rank = {u: i for i, u in enumerate(model.variables)}
    old_fill: set[frozenset[str]] = set()
    frames = []
    titles = []
    for k, step in enumerate(steps, start=1):
        v, fill = step.variable, [tuple(e) for e in step.fill_edges]
        used = [f for f in factors if v in f.scope]
        scope = tuple(sorted({u for f in used for u in f.scope} - {v}, key=rank.__getitem__))
        product = " · ".join(f.name for f in used) or "1"
        title = dot_text(f"step {k} of {len(steps)}: eliminate {v}",
                         f"τ{k}({', '.join(scope)}) = Σ_{v} {product}",
                         f"{len(fill)} fill-in edge{'s' if len(fill) != 1 else ''} (dashed blue)")
        titles.append(title)
        frame = new_graph(False, f"elimination_{k}", layout, label=title, labelloc="t")
        for u in model.variables:
            hidden = u not in work and u not in observed   # eliminated: kept, invisible, so
            _frame_node(frame, ids[u], u, place, observed, u == v, hidden)  # the canvas stays put
        for a, b in sorted((tuple(sorted(e, key=rank.__getitem__)) for e in work.edges),
                           key=lambda e: (rank[e[0]], rank[e[1]])):
            attrs: dict[str, str] = {}
            if frozenset((a, b)) in old_fill:
                attrs.update(style="dashed", color=OLD_FILL_IN)
            if v in (a, b):
                attrs.update(color=HIGHLIGHT, penwidth="2")
            frame.edge(ids[a], ids[b], **attrs)
        for a, b in fill:
            frame.edge(ids[a], ids[b], style="dashed", color=FILL_IN, penwidth="2")
        frames.append(frame)
        factors = [f for f in factors if v not in f.scope] + [_Factor(f"τ{k}", scope)]
        work.add_edges_from(fill)
        work.remove_node(v)
        old_fill.update(frozenset(e) for e in fill)
    _same_canvas(frames, titles, place)
    return frames


def _same_canvas(frames: list[AnyGraph], titles: list[str], place: Mapping[str, tuple[float, float]]) -> None:
    """Widen every frame to its widest title with two invisible pinned points, so that Graphviz
    never re-centres a drawing under a title wider than it (nodes would shift between frames).
    """
    if not place:
        return
    xs = [x for x, _ in place.values()]
    ys = [y for _, y in place.values()]
    longest = max(len(line) for t in titles for line in str(t).split("\\n"))
    width = longest * 8.0 / 72 + 0.3           # inches; over-estimates 14 pt Helvetica
    middle, low = (min(xs) + max(xs)) / 2, min(ys)
    half = max(width, max(xs) - min(xs)) / 2
    for frame in frames:               # two points, so the drawing stays centred under the title
        for side, x in (("left", middle - half), ("right", middle + half)):
            frame.node(f"pgm_canvas_{side}", "", shape="point", style="invis", width="0.01",
                       pos=f"{x:.3f},{low:.3f}!")


def _frame_node(frame: AnyGraph, node_id: str, name: str, place: Mapping[str, tuple[float, float]],
                observed: Mapping[str, str], current: bool, hidden: bool) -> None:
    attrs = {"pos": pin(place, name)}
    if name in observed:
        attrs.update(label=dot_text(name, f"= {observed[name]}"), style="filled", fillcolor=EVIDENCE_FILL)
    elif node_id != name:
        attrs["label"] = dot_text(name)
    if current:
        attrs.update(color=HIGHLIGHT, penwidth="2.5", style="filled", fillcolor=HIGHLIGHT_FILL)
    if hidden:
        attrs["style"] = "invis"
    frame.node(node_id, **attrs)
