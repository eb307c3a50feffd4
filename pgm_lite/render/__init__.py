"""Graphviz pictures of models, factors and inference, ready for a slide or a notebook.

Every function builds DOT text only and returns a ``graphviz.Digraph`` / ``graphviz.Graph``:
Jupyter displays it, ``.source`` is the DOT text, and ``.pipe(format="svg")`` /
``.render(...)`` run Graphviz's ``dot`` (a missing ``dot`` raises :class:`DotNotFoundError`
with a one-line install hint). No inference runs inside the renderer: pass the results
(``evidence``, ``marginals`` from :func:`pgm_lite.marginals`, an elimination order) in.
"""

from __future__ import annotations

from .._validate import check_variable
from ..exceptions import ShapeError, StructureError
from ._common import (
    EVIDENCE_FILL,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    DotNotFoundError,
    RenderError,
    dot_text,
    is_bayesian,
    new_graph,
    node_ids,
    split_highlight,
)
from ._html import cpd_label, factor_label, marginal_label
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
    "DotNotFoundError",
    "RenderError",
]

MAX_NODES = 100


def render(model, *, evidence=None, marginals=None, show_cpds=False, highlight=None,
           layout="dot", max_nodes=MAX_NODES):
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
        Graphviz engine: ``"dot"`` (default, layered), ``"neato"``, ``"fdp"``, ``"circo"``...
    max_nodes : int or None, optional
        Above this many variables the model is drawn collapsed: variables whose names differ only
        in their numbers (``X1..X784``) become one plate node ``X_i, i = 1..784``. ``None``
        always draws every variable.

    Returns
    -------
    graphviz.Digraph or graphviz.Graph
        ``Digraph`` for a Bayesian network, ``Graph`` for a Markov network.

    Raises
    ------
    VariableNotFoundError
        If an evidence, marginal or highlighted variable or state is unknown.
    RenderError
        For an unknown layout or a highlighted edge that is not in the model.
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
    """
    directed = is_bayesian(model)
    codes = model.encode_evidence(evidence or {})
    observed = {v: model.states(v)[c] for v, c in codes.items()}
    marginals = _check_marginals(model, marginals)
    nodes_hl, edges_hl = split_highlight(model, highlight, directed)
    if max_nodes is not None and len(model.variables) > max_nodes:
        if marginals or show_cpds:
            raise StructureError(
                f"the model has {len(model.variables)} variables, more than max_nodes={max_nodes}, "
                "so it is drawn collapsed, which shows no marginals or tables; pass max_nodes=None "
                "to draw every variable"
            )
        return collapsed_view(model, directed, observed, nodes_hl, edges_hl, layout, max_nodes)
    graph = new_graph(directed, "model", layout)
    ids = node_ids(model.variables)
    for v in model.variables:
        graph.node(ids[v], **_node_attrs(model, v, ids[v], observed, marginals, v in nodes_hl))
    for u, v in model.edges:
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if (u, v) in edges_hl else {}
        graph.edge(ids[u], ids[v], **attrs)
    if show_cpds:
        _attach_tables(graph, model, ids, directed)
    return graph


def _node_attrs(model, v, node_id, observed, marginals, hot):
    attrs = {}
    if v in marginals:
        factor = marginals[v]
        attrs.update(shape="box", style="rounded", margin="0.05,0.03",
                     label=marginal_label(v, factor.states[v], factor.values, observed.get(v), hot))
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


def _check_marginals(model, marginals):
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


def _attach_tables(graph, model, ids, directed):
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


def render_factor(factor, *, max_rows=32, digits=4, title=None):
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
