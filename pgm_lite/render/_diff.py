"""Picture of a learned structure against a reference one. Re-exported by :mod:`pgm_lite.render`."""

from __future__ import annotations

from typing import Any

from ..equivalence import compare_structures
from ._common import dot_text, new_graph, node_ids, plain_node

__all__ = ["render_structure_diff"]

MISSING_COLOR = "grey55"   # reference edges the learned structure lacks: dashed
EXTRA_COLOR = "#d62728"    # learned edges the reference lacks: red
REVERSED_COLOR = "#ff7f0e" # present in both, oriented differently: orange


def render_structure_diff(true: Any, learned: Any, *, layout: str = "dot", legend: bool = True) -> Any:
    """Draw ``learned`` against ``true``: missing edges dashed, extra red, reversed orange.

    Correct edges are black. The layout is the reference's: reversed edges are laid out in the
    reference's direction with the arrowhead where the learned structure puts it, and extra
    edges do not constrain the ranks. When either structure is a :class:`pgm_lite.CPDAG`,
    both are compared as CPDAGs (:func:`pgm_lite.compare_structures`) and undirected edges
    are drawn without arrowheads.

    Parameters
    ----------
    true, learned : BayesianNetwork, networkx.DiGraph or CPDAG
        The reference and the structure to judge, over the same variables.
    layout : str, optional
        Graphviz engine.
    legend : bool, optional
        Add a caption with the counts of each kind and the structural Hamming distance.

    Returns
    -------
    graphviz.Digraph

    Examples
    --------
    >>> true = pl.BayesianNetwork([("A", "B"), ("B", "C")])
    >>> g = pl.render_structure_diff(true, pl.BayesianNetwork([("C", "B"), ("A", "C")], variables="ABC"))
    >>> [line.strip() for line in g.source.splitlines() if "->" in line]
    ['A -> B [color=grey55 style=dashed]', 'A -> C [color="#d62728" constraint=false penwidth=2]', 'B -> C [color="#ff7f0e" dir=back penwidth=2]']
    """
    diff = compare_structures(true, learned)
    variables = list(getattr(true, "variables", None) or list(true.nodes))
    graph = new_graph(True, "structure_diff", layout)
    ids = node_ids(variables)
    for v in variables:
        plain_node(graph, ids[v], v)
    undirected = {frozenset(e) for e in diff.undirected}
    styles = [(diff.correct, {}), (diff.missing, {"color": MISSING_COLOR, "style": "dashed"}),
              (diff.extra, {"color": EXTRA_COLOR, "penwidth": "2"}),
              (diff.reversed, {"color": REVERSED_COLOR, "penwidth": "2"})]
    edges = []
    for group, style in styles:
        edges += [(u, v, style) for u, v in group]
    reversed_ = set(diff.reversed)
    extra = set(diff.extra)
    for u, v, style in sorted(edges, key=lambda e: (variables.index(e[0]), variables.index(e[1]))):
        attrs = dict(style)
        if (u, v) in extra:  # extra edges do not move the reference's layout
            attrs["constraint"] = "false"
        if frozenset((u, v)) in undirected:
            attrs["dir"] = "none"
        elif (u, v) in reversed_:  # laid out as in the reference, arrowhead as learned
            u, v = v, u
            attrs["dir"] = "back"
        graph.edge(ids[u], ids[v], **attrs)
    if legend:
        graph.attr(labelloc="b", fontsize="11", label=dot_text(
            f"correct {len(diff.correct)}   missing {len(diff.missing)} (dashed)   "
            f"extra {len(diff.extra)} (red)   reversed {len(diff.reversed)} (orange)   SHD {diff.shd}"))
    return graph
