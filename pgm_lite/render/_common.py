"""Shared pieces of the Graphviz builders: graph classes, styles, node ids, option checks.

Nothing here runs the ``dot`` program; the graph classes only turn a missing Graphviz
installation into one clear line when a picture is finally rendered, and give bitmap output
(PNG, JPEG, ...) a slide-ready resolution.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import graphviz

from .._model import GraphicalModel
from .._validate import check_number, check_variable, format_choices
from ..exceptions import ArgumentTypeError, DotNotFoundError, RenderError

__all__ = ["DotNotFoundError", "RenderError", "is_bayesian", "node_ids"]

FONT = "Helvetica"
EVIDENCE_FILL = "grey75"          # observed variables, shaded as in textbooks
HIGHLIGHT = "#d62728"             # highlighted nodes and edges
HIGHLIGHT_FILL = "#fbe3e3"
BAR = "#4c72b0"                   # marginal bars
HEADER_FILL = "#eeeeee"           # table headers
FILL_IN = "#1f77b4"               # fill-in edges of the current elimination step (blue, dashed)
OLD_FILL_IN = "grey45"            # fill-in edges of earlier steps (grey, dashed)
DEFAULT_DPI = 150.0               # bitmap output: 150 dpi reads well on a projected slide
BITMAP_FORMATS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"})
INSTALL_HINT = (
    "the Graphviz 'dot' program is not installed or not on PATH; install Graphviz "
    "(Debian/Ubuntu: sudo apt-get install graphviz, macOS: brew install graphviz) and try again"
)


@contextlib.contextmanager
def _dot_hint() -> Iterator[None]:
    try:
        yield
    except graphviz.ExecutableNotFound as err:
        raise DotNotFoundError(INSTALL_HINT) from err


class _DotHintMixin:
    """Graphviz graph that says how to install Graphviz when ``dot`` is missing, and renders
    bitmaps at :data:`DEFAULT_DPI` unless the graph sets its own ``dpi``.
    """

    graph_attr: dict[str, str]
    format: str

    def _for_format(self, fmt: str | None) -> Any:
        """Return the graph to hand to Graphviz: ``self``, or a copy with a bitmap resolution."""
        fmt = (fmt or self.format or "").lower()
        if fmt in BITMAP_FORMATS and "dpi" not in self.graph_attr:
            copy = self.copy()  # type: ignore[attr-defined]
            copy.graph_attr["dpi"] = f"{DEFAULT_DPI:g}"
            return copy
        return self

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        """Run Graphviz and return the picture's bytes (see ``graphviz.Graph.pipe``)."""
        target = self._for_format(format)
        base = graphviz.Digraph if isinstance(self, graphviz.Digraph) else graphviz.Graph
        with _dot_hint():
            return base.pipe(target, format, *args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Run Graphviz and write the picture to a file (see ``graphviz.Graph.render``)."""
        fmt = kwargs.get("format", args[4] if len(args) > 4 else None)   # render(filename, ..., format)
        target = self._for_format(fmt)
        base = graphviz.Digraph if isinstance(self, graphviz.Digraph) else graphviz.Graph
        with _dot_hint():
            return base.render(target, *args, **kwargs)


class Digraph(_DotHintMixin, graphviz.Digraph):
    """A ``graphviz.Digraph`` (Bayesian networks)."""


class Graph(_DotHintMixin, graphviz.Graph):
    """A ``graphviz.Graph`` (Markov networks, factor graphs, junction trees)."""


AnyGraph = Digraph | Graph


def check_layout(layout: str) -> str:
    """Return ``layout`` if it is a Graphviz engine name, else raise RenderError listing them."""
    if layout not in graphviz.ENGINES:
        raise RenderError(
            f"unknown layout {layout!r}; choose from {format_choices(sorted(graphviz.ENGINES))}"
        )
    return layout


def new_graph(directed: bool, name: str, layout: str = "dot", **graph_attr: str) -> AnyGraph:
    """Return an empty graph with the package's default fonts and ``graph_attr``.

    Engines other than ``dot`` get ``overlap=false`` (nodes never drawn on top of each other)
    unless ``graph_attr`` says otherwise.
    """
    cls = Digraph if directed else Graph
    graph = cls(name=name, engine=check_layout(layout))
    if layout != "dot":
        graph_attr.setdefault("overlap", "false")
        graph_attr.setdefault("sep", "+8")
    graph.attr(fontname=FONT, **graph_attr)
    graph.attr("node", fontname=FONT)
    graph.attr("edge", fontname=FONT)
    return graph


def apply_size(graph: AnyGraph, dpi: float | None, size: Any) -> AnyGraph:
    """Set the ``dpi`` and ``size`` graph attributes (``size`` = (width, height) in inches).

    The drawing is scaled to fit ``size`` exactly (up or down, aspect ratio kept).
    """
    if dpi is not None:
        graph.attr(dpi=f"{check_number('dpi', dpi, minimum=0, strict=True):g}")
    if size is not None:
        if isinstance(size, str) or not isinstance(size, Iterable) or len(list(size)) != 2:
            raise RenderError(f"size must be a pair (width, height) in inches, got {size!r}")
        width, height = (check_number("size", s, minimum=0, strict=True) for s in size)
        graph.attr(size=f"{width:g},{height:g}!")
    return graph


def is_bayesian(model: Any) -> bool:
    """Whether ``model`` is a Bayesian network (directed); raise TypeError for non-models."""
    if isinstance(model, GraphicalModel):
        return bool(model.is_directed)
    raise ArgumentTypeError(f"expected a BayesianNetwork or MarkovNetwork, got {type(model).__name__}")


def node_ids(names: Iterable[str]) -> dict[str, str]:
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


def dot_text(*lines: object) -> str:
    r"""Return a plain (never HTML) DOT label of one or more lines, with backslashes escaped.

    Examples
    --------
    >>> print(dot_text("<5>", "a\\b"))
    <5>\na\\b
    """
    return graphviz.nohtml("\\n".join(str(line).replace("\\", "\\\\") for line in lines))


def split_highlight(model: Any, highlight: Any, directed: bool) -> tuple[set[str], set[tuple[str, str]]]:
    """Return (set of nodes, set of edges as stored in the model) from a ``highlight`` argument.

    Strings are nodes, pairs are edges (either orientation); each must exist in ``model``.
    """
    if highlight is None:
        return set(), set()
    items = [highlight] if isinstance(highlight, str) else list(highlight)
    edges = set(model.edges)
    nodes: set[str] = set()
    chosen: set[tuple[str, str]] = set()
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


def plain_node(graph: AnyGraph, node_id: str, name: str, **attrs: str) -> None:
    """Add a node labelled with ``name`` (the label is only written when it differs from the id)."""
    if node_id != name:
        attrs.setdefault("label", dot_text(name))
    graph.node(node_id, **attrs)


def pin(positions: Mapping[str, tuple[float, float]], variable: str) -> str:
    """Graphviz ``pos`` value pinning ``variable`` at its position (inches)."""
    x, y = positions[variable]
    return f"{x + 0.0:.3f},{y + 0.0:.3f}!"   # + 0.0 turns -0.0 into 0.0
