"""Pictures of the structures inference works on: factor graph, moral graph, junction tree and
variable-elimination frames. Re-exported by :mod:`pgm_lite.render`.
"""

from __future__ import annotations

import math

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
    FILL_IN,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    OLD_FILL_IN,
    RenderError,
    dot_text,
    is_bayesian,
    new_graph,
    node_ids,
)

__all__ = ["render_factor_graph", "render_moral_graph", "render_junction_tree", "render_elimination"]


def render_factor_graph(model, *, layout="neato"):
    """Draw the bipartite factor graph: round variable nodes, small black square factor nodes.

    A Bayesian network has one factor ``P(X | parents)`` per variable; a Markov network one per
    potential (a structure-only Markov network: one per maximal clique).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model (only its structure and factor scopes are used).
    layout : str, optional
        Graphviz engine (default ``"neato"``, which suits bipartite graphs).

    Returns
    -------
    graphviz.Graph
        Variable nodes named as the variables, factor nodes ``f0, f1, ...`` labelled beside them.

    Examples
    --------
    >>> g = pl.render_factor_graph(pl.BayesianNetwork([("A", "B")]))
    >>> "f1 -- B" in g.source and 'xlabel="P(B | A)"' in g.source
    True
    """
    directed = is_bayesian(model)
    structure = factor_graph(model.variables, model.factor_scopes())
    factors = [(d["scope"], d["label"]) for n, d in structure.nodes(data=True) if d["kind"] == "factor"]
    if not directed and not factors:
        import networkx as nx

        order = {v: i for i, v in enumerate(model.variables)}
        cliques = sorted((sorted(c, key=order.get) for c in nx.find_cliques(model.graph)),
                         key=lambda c: [order[v] for v in c])
        factors = [(tuple(c), f"φ({', '.join(c)})") for c in cliques]
    graph = new_graph(False, "factor_graph", layout, overlap="false", sep="+6")
    ids = node_ids(model.variables)
    for v in model.variables:
        graph.node(ids[v], **({"label": dot_text(v)} if ids[v] != v else {}))
    for i, (scope, label) in enumerate(factors):
        graph.node(f"f{i}", "", shape="square", style="filled", fillcolor="black", width="0.15",
                   height="0.15", fixedsize="true", xlabel=dot_text(label), fontsize="10")
        for v in scope:
            graph.edge(f"f{i}", ids[v])
    return graph


def render_moral_graph(model, *, layout="dot"):
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
        graph.node(ids[v], **({"label": dot_text(v)} if ids[v] != v else {}))
    for u, v in model.moralize().edges:
        attrs = {} if frozenset((u, v)) in original else {"style": "dashed", "color": HIGHLIGHT}
        graph.edge(ids[u], ids[v], **attrs)
    return graph


def render_junction_tree(tree, *, layout="dot"):
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


def _steps(model, order):
    """Interaction graph and ``(variable, neighbours, fill-in edges)`` of each elimination step."""
    graph = interaction_graph(model)
    steps = [(s.variable, tuple(s.neighbors), [tuple(e) for e in s.fill_edges])
             for s in elimination_steps(graph, order)]
    return graph, steps


def _check_order(model, order):
    if isinstance(order, str):
        return list(elimination_order(model, order))
    order = [check_variable(v, model.state_names) for v in order]
    seen = set()
    for v in order:
        if v in seen:
            raise RenderError(f"variable {v!r} appears twice in the elimination order {order}")
        seen.add(v)
    return order


def render_elimination(model, order, *, layout="neato"):
    """Draw variable elimination step by step: one picture per eliminated variable.

    Frame ``k`` shows the interaction graph (moral graph of a Bayesian network) still left before
    step ``k``; the variable eliminated is highlighted, the edges of the factors it multiplies are
    coloured, the fill-in edges it adds are dashed red (earlier fill-ins dashed grey), and the
    title gives the new factor ``τk`` and its scope. Nodes keep their places across frames.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model (only its structure is used).
    order : sequence of str or str
        Variables to eliminate, in order (may be a subset), or a heuristic name such as
        ``"min-fill"`` (needs :mod:`pgm_lite.elimination`).

    Returns
    -------
    list of graphviz.Graph
        One frame per step.

    Examples
    --------
    >>> bn = pl.BayesianNetwork([("A", "C"), ("B", "C"), ("C", "D")])
    >>> frames = pl.render_elimination(bn, ["C", "A"])
    >>> len(frames), "τ1(A, B, D)" in frames[0].source
    (2, True)
    >>> sum("dashed" in line for line in frames[0].source.splitlines())   # fill-ins A-D and B-D
    2
    """
    is_bayesian(model)
    order = _check_order(model, order)
    graph, steps = _steps(model, order)
    ids = node_ids(model.variables)
    radius = max(1.5, 0.35 * len(model.variables))
    place = {}
    for i, v in enumerate(model.variables):
        angle = math.pi / 2 - 2 * math.pi * i / len(model.variables)
        place[v] = f"{radius * math.cos(angle):.3f},{radius * math.sin(angle):.3f}!"
    work = graph.copy()
    old_fill = set()
    frames = []
    for k, (v, near, fill) in enumerate(steps, start=1):
        scope = ", ".join(map(str, near))
        title = (f"step {k} of {len(steps)}: eliminate {v} → new factor τ{k}({scope}); "
                 f"{len(fill)} fill-in edge{'s' if len(fill) != 1 else ''}")
        frame = new_graph(False, f"elimination_{k}", layout, label=dot_text(title), labelloc="t")
        for u in model.variables:
            if u not in work:
                continue
            attrs = {"pos": place[u]}
            if ids[u] != u:
                attrs["label"] = dot_text(u)
            if u == v:
                attrs.update(color=HIGHLIGHT, penwidth="2.5", style="filled", fillcolor=HIGHLIGHT_FILL)
            frame.node(ids[u], **attrs)
        rank = {u: i for i, u in enumerate(model.variables)}
        for a, b in sorted((tuple(sorted(e, key=rank.get)) for e in work.edges),
                           key=lambda e: (rank[e[0]], rank[e[1]])):
            attrs = {}
            if frozenset((a, b)) in old_fill:
                attrs.update(style="dashed", color=OLD_FILL_IN)
            if v in (a, b):
                attrs.update(color=HIGHLIGHT, penwidth="2")
            frame.edge(ids[a], ids[b], **attrs)
        for a, b in fill:
            frame.edge(ids[a], ids[b], style="dashed", color=FILL_IN, penwidth="2")
        frames.append(frame)
        work.add_edges_from(fill)
        work.remove_node(v)
        old_fill.update(frozenset(e) for e in fill)
    return frames
