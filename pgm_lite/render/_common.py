"""Shared pieces of the Graphviz builders: graph classes, styles, node ids, option checks.

Nothing here runs the ``dot`` program; the graph classes only turn a missing Graphviz
installation into one clear line when a picture is finally rendered.
"""

from __future__ import annotations

import contextlib

import graphviz

from .._model import GraphicalModel
from .._validate import check_variable, format_choices
from ..exceptions import ArgumentTypeError, DotNotFoundError, RenderError

__all__ = ["DotNotFoundError", "RenderError", "is_bayesian", "node_ids"]

FONT = "Helvetica"
EVIDENCE_FILL = "grey75"          # observed variables, shaded as in textbooks
HIGHLIGHT = "#d62728"             # highlighted nodes and edges
HIGHLIGHT_FILL = "#fbe3e3"
BAR = "#4c72b0"                   # marginal bars
HEADER_FILL = "#eeeeee"           # table headers
FILL_IN = "#1f77b4"               # fill-in edges of the current elimination step
OLD_FILL_IN = "grey45"            # fill-in edges of earlier steps
INSTALL_HINT = (
    "the Graphviz 'dot' program is not installed or not on PATH; install Graphviz "
    "(Debian/Ubuntu: sudo apt-get install graphviz, macOS: brew install graphviz) and try again"
)


@contextlib.contextmanager
def _dot_hint():
    try:
        yield
    except graphviz.ExecutableNotFound as err:
        raise DotNotFoundError(INSTALL_HINT) from err


class _DotHintMixin:
    """Graphviz graph whose rendering says how to install Graphviz when ``dot`` is missing."""

    def pipe(self, *args, **kwargs):
        with _dot_hint():
            return super().pipe(*args, **kwargs)

    def render(self, *args, **kwargs):
        with _dot_hint():
            return super().render(*args, **kwargs)


class Digraph(_DotHintMixin, graphviz.Digraph):
    """A ``graphviz.Digraph`` (Bayesian networks)."""


class Graph(_DotHintMixin, graphviz.Graph):
    """A ``graphviz.Graph`` (Markov networks, factor graphs, junction trees)."""


def check_layout(layout):
    """Return ``layout`` if it is a Graphviz engine name, else raise RenderError listing them."""
    if layout not in graphviz.ENGINES:
        raise RenderError(
            f"unknown layout {layout!r}; choose from {format_choices(sorted(graphviz.ENGINES))}"
        )
    return layout


def new_graph(directed, name, layout="dot", **graph_attr):
    """Return an empty graph with the package's default fonts and ``graph_attr``."""
    cls = Digraph if directed else Graph
    graph = cls(name=name, engine=check_layout(layout))
    graph.attr(fontname=FONT, **graph_attr)
    graph.attr("node", fontname=FONT)
    graph.attr("edge", fontname=FONT)
    return graph


def is_bayesian(model):
    """Whether ``model`` is a Bayesian network (directed); raise TypeError for non-models."""
    if isinstance(model, GraphicalModel):
        return model.is_directed
    raise ArgumentTypeError(f"expected a BayesianNetwork or MarkovNetwork, got {type(model).__name__}")


def node_ids(names):
    """Map each variable to a DOT node id: the name itself unless it would confuse Graphviz.

    ``:`` separates ports in DOT edges and ``<...>`` reads as an HTML label, so such names
    get ids ``v0, v1, ...`` and keep their name as the label.

    Examples
    --------
    >>> node_ids(["A", "a:b", "<5>"])
    {'A': 'A', 'a:b': 'v1', '<5>': 'v2'}
    """
    ids = {}
    for i, name in enumerate(names):
        text = str(name)
        unsafe = ":" in text or (text.startswith("<") and text.endswith(">")) or "\\" in text
        ids[name] = f"v{i}" if unsafe else text
    return ids


def dot_text(*lines):
    r"""Return a plain (never HTML) DOT label of one or more lines, with backslashes escaped.

    Examples
    --------
    >>> print(dot_text("<5>", "a\\b"))
    <5>\na\\b
    """
    return graphviz.nohtml("\\n".join(str(line).replace("\\", "\\\\") for line in lines))


def split_highlight(model, highlight, directed):
    """Return (set of nodes, set of edges as stored in the model) from a ``highlight`` argument.

    Strings are nodes, pairs are edges (either orientation); each must exist in ``model``.
    """
    if highlight is None:
        return set(), set()
    items = [highlight] if isinstance(highlight, str) else list(highlight)
    edges = set(model.edges)
    nodes, chosen = set(), set()
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2 and not isinstance(item, str):
            u, v = item
            check_variable(u, model.state_names)
            check_variable(v, model.state_names)
            if (u, v) in edges:
                chosen.add((u, v))
            elif (v, u) in edges:
                chosen.add((v, u))
            else:
                kind = "edge" if directed else "undirected edge"
                raise RenderError(f"cannot highlight ({u!r}, {v!r}): there is no {kind} between them")
        else:
            nodes.add(check_variable(item, model.state_names))
    return nodes, chosen
