"""What the explorer shows: posteriors and P(evidence) per evidence pattern, and one SVG picture
per view with clickable states. Shared by the web app and the notebook widget; needs no web
library.

A click costs one exact inference, never a Graphviz run: the picture of a view is laid out and
drawn once (every bar full, no node shaded, so the layout fits any posterior), and its bars,
percentages, ``data-probability`` attributes and shading are slots that the page's JavaScript
updates in place from the JSON posteriors (and that :meth:`ExplorerSession.state` fills in on the
server for a complete SVG).
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validate import check_option
from ..exceptions import ArgumentTypeError
from ..inference import map_query, marginals, probability
from ..render import (
    render,
    render_factor_graph,
    render_junction_tree,
    render_moral_graph,
)

__all__ = ["ExplorerSession", "Picture", "VIEWS", "OBSERVED_FILL"]

VIEWS = {"network": "network", "moral": "moral graph", "junction": "junction tree",
         "factor": "factor graph"}
CACHE_SIZE = 256   # evidence patterns kept; a click on a cached pattern only re-sends
# The shading of an observed variable as Graphviz writes it in SVG: pgm_lite.render's evidence
# fill "grey75" (tests/test_explore.py checks that the two agree).
OBSERVED_FILL = "#bfbfbf"

_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_TOKEN = re.compile(
    r'(?P<node><g id="node\d+" class="node">\s*<title>[^<]*</title>\s*<(?:path|polygon) )'
    r'fill="(?P<fill>[^"]*)"'
    r'|<g id="a_pgm&#45;s&#45;(?P<i>\d+)&#45;(?P<j>\d+)&#45;(?P<c>\d+)">(?P<body>.*?)</g>', re.S)
_POLYGON = re.compile(r'<polygon fill="([^"]*)" stroke="[^"]*" points="([^"]*)"/>')
_TEXT = re.compile(r"(<text[^>]*>)[^<]*(</text>)")

Slot = tuple[str, str, str, str]   # (kind, variable, state, extra)


class Picture:
    """The SVG of one view as text pieces and slots filled from the posteriors.

    Slots (``kind, variable, state, extra``): ``"p"`` the ``data-probability`` value, ``"w"`` a
    bar's width (``extra``: the width of a 100% bar), ``"t"`` a percentage, ``"f"`` the fill of
    a node's shape (``extra``: its fill when not observed).

    Examples
    --------
    >>> picture = Picture.from_svg('<svg><g id="a_pgm&#45;s&#45;0&#45;1&#45;2"><text x="1">'
    ...                            ' 100.0%</text></g></svg>', [("a", ("no", "yes"))])
    >>> picture.fill({"a": {"no": 0.75, "yes": 0.25}}, {})
    '<svg><g id="pgm-s-0-1-2" class="pgm-state" role="button" tabindex="0" data-variable="a" \
data-state="yes" data-probability="0.25"><text x="1">&#160;25.0%</text></g></svg>'
    """

    def __init__(self, parts: list[str | Slot]) -> None:
        self.parts = parts

    @classmethod
    def from_svg(cls, svg: str, states: list[tuple[str, tuple[str, ...]]]) -> Picture:
        """Cut Graphviz ``svg`` (drawn with ``clickable_states``, every bar full) into slots.

        ``states`` lists ``(variable, its states)`` in the model's order (the ``i`` and ``j`` of
        the ``pgm-s-i-j-c`` ids). Each state's cell gets ``class="pgm-state"``,
        ``data-variable``, ``data-state`` and ``data-probability``; a bar becomes a
        ``<rect class="pgm-bar">``; a node's shape gets ``class="pgm-shape"`` and
        ``data-for`` (its variable) and ``data-fill`` (its fill when not observed).
        """
        svg = _PROLOG.sub("", svg, count=1)
        parts: list[str | Slot] = []
        pos, pending = 0, -1
        for m in _TOKEN.finditer(svg):
            parts.append(svg[pos:m.start()])
            pos = m.end()
            if m.group("node"):
                if pending >= 0:                       # the previous node had no states
                    parts[pending] = f'fill="{parts[pending]}"'
                parts.append(m.group("node"))
                pending = len(parts)
                parts.append(m.group("fill"))        # replaced once the node's first state is seen
                continue
            i, j, c = int(m.group("i")), int(m.group("j")), int(m.group("c"))
            v, s = states[i][0], states[i][1][j]
            if pending >= 0:
                parts[pending] = ("f", v, "", str(parts[pending]))
                pending = -1
            parts.append(f'<g id="pgm-s-{i}-{j}-{c}" class="pgm-state" role="button" tabindex="0" '
                         f'data-variable="{html.escape(v)}" data-state="{html.escape(s)}" '
                         'data-probability="')
            parts.append(("p", v, s, ""))
            parts.append('">')
            parts.extend(_cell(m.group("body"), c, v, s))
            parts.append("</g>")
        parts.append(svg[pos:])
        if pending >= 0:                               # a node without states keeps its fill
            parts[pending] = f'fill="{parts[pending]}"'
        return cls(parts)

    def fill(self, table: Mapping[str, Mapping[str, float]], observed: Mapping[str, str]) -> str:
        """Return the SVG text for the posteriors ``table`` and the ``observed`` variables."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            kind, v, s, extra = part
            if kind == "f":
                shade = OBSERVED_FILL if v in observed else extra
                out.append(f'class="pgm-shape" data-for="{html.escape(v)}" data-fill="{extra}" '
                           f'fill="{shade}"')
                continue
            p = float(table[v][s])
            if kind == "p":
                out.append(repr(p))
            elif kind == "w":
                out.append(repr(p * float(extra)))
            else:
                out.append(f"&#160;{100 * p:.1f}%")
        return "".join(out)


def _cell(body: str, c: int, v: str, s: str) -> list[str | Slot]:
    """Return the drawing of cell ``c`` of a state's row (0 name, 1 bar, 2 percentage) with slots."""
    bar = _POLYGON.search(body) if c == 1 else None
    if bar is not None:
        points = [[float(t) for t in point.split(",")] for point in bar.group(2).split()]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        full = repr(max(xs) - min(xs))
        return [body[:bar.start()],
                f'<rect class="pgm-bar" x="{min(xs)!r}" y="{min(ys)!r}" '
                f'height="{max(ys) - min(ys)!r}" data-full="{full}" fill="{bar.group(1)}" width="',
                ("w", v, s, full), '"/>', body[bar.end():]]
    text = _TEXT.search(body) if c == 2 else None
    if text is not None:
        return [body[:text.end(1)], ("t", v, s, ""), body[text.start(2):]]
    return [body]


class ExplorerSession:
    """Answers of the explorer for one model: posteriors cached per evidence pattern, pictures
    drawn once per view.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model explored (not changed).
    name : str, optional
        Shown as the page title.

    Examples
    --------
    >>> session = ExplorerSession(pl.example("asia"), name="asia")
    >>> answer = session.posteriors({"smoke": "yes"})
    >>> round(answer["marginals"]["lung"]["yes"], 6), answer["p_evidence"]
    (0.1, 0.5)
    >>> 'data-variable="lung" data-state="yes" data-probability="0.1' in session.state({"smoke": "yes"})["svg"]
    True
    """

    def __init__(self, model: Any, *, name: str = "model") -> None:
        self.model = model
        self.name = str(name)
        self._cache: OrderedDict[tuple[tuple[str, str], ...], dict[str, Any]] = OrderedDict()
        self._pictures: dict[str, Picture] = {}
        self._lock = threading.Lock()

    def check_evidence(self, evidence: Any) -> dict[str, str]:
        """Return ``evidence`` as ``{variable: state name}``; raise for anything else.

        Raises
        ------
        ArgumentTypeError
            If ``evidence`` is not a mapping of names to state names.
        VariableNotFoundError
            For an unknown variable or state (the message lists the valid ones).
        """
        if evidence is None:
            return {}
        if not isinstance(evidence, Mapping) or not all(
                isinstance(k, str) and isinstance(s, (str, int)) for k, s in evidence.items()):
            raise ArgumentTypeError(
                f'evidence must be an object like {{"smoke": "yes"}}, got {evidence!r}'[:300])
        codes = self.model.encode_evidence(dict(evidence))
        return {v: self.model.states(v)[c] for v, c in codes.items()}

    def posteriors(self, evidence: Any = None) -> dict[str, Any]:
        """Return ``{"evidence", "p_evidence", "marginals"}``: what a click needs (no picture).

        ``marginals`` is ``{variable: {state: probability}}`` from exact inference
        (:func:`pgm_lite.marginals`), cached per evidence pattern.

        Raises
        ------
        ZeroEvidenceError
            If the evidence is impossible under the model.
        """
        observed = self.check_evidence(evidence)
        key = tuple(sorted(observed.items()))
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                cached = self._cache[key] = self._compute(observed)
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            return dict(cached)

    def picture(self, view: str = "network") -> Picture:
        """Return the picture of ``view`` (drawn by Graphviz on the first call only).

        Raises
        ------
        OptionError
            For an unknown view.
        """
        view = check_option("view", view, list(VIEWS))
        with self._lock:
            if view not in self._pictures:
                self._pictures[view] = self._draw(view)
            return self._pictures[view]

    def state(self, evidence: Any = None, view: str = "network") -> dict[str, Any]:
        """Return :meth:`posteriors` plus ``"svg"`` (the picture of ``view`` for them) and ``"view"``.

        The SVG of the network view carries ``data-variable``, ``data-state`` and
        ``data-probability`` on every clickable state; observed variables are shaded.

        Raises
        ------
        ZeroEvidenceError
            If the evidence is impossible under the model.
        OptionError
            For an unknown view.
        """
        picture = self.picture(view)
        answer = self.posteriors(evidence)
        answer.update(svg=picture.fill(answer["marginals"], answer["evidence"]),
                      view=check_option("view", view, list(VIEWS)))
        return answer

    def _compute(self, observed: dict[str, str]) -> dict[str, Any]:
        posteriors = marginals(self.model, evidence=observed)
        p_evidence = float(probability(self.model, observed)) if observed else 1.0
        table = {v: {s: float(p) for s, p in zip(f.states[v], f.values)} for v, f in posteriors.items()}
        return {"evidence": observed, "p_evidence": p_evidence, "marginals": table}

    def _draw(self, view: str) -> Picture:
        model = self.model
        if view == "network":
            full = {v: f.with_values(np.ones_like(f.values)) for v, f in marginals(model).items()}
            graph = render(model, marginals=full, max_nodes=None, clickable_states=True)
        elif view == "moral" and model.is_directed:
            graph = render_moral_graph(model)
        elif view == "moral":
            graph = render(model, max_nodes=None)
        elif view == "junction":
            graph = render_junction_tree(model)
        else:
            graph = render_factor_graph(model)
        return Picture.from_svg(graph.pipe(format="svg").decode("utf-8"),
                                [(v, tuple(model.states(v))) for v in model.variables])

    def map(self, evidence: Any = None) -> dict[str, Any]:
        """Return ``{"assignment": {variable: state}, "probability": p}``: the most probable
        assignment of the unobserved variables given the evidence (joint probability with it).
        """
        observed = self.check_evidence(evidence)
        with self._lock:
            result = map_query(self.model, evidence=observed)
        return {"assignment": dict(result.assignment), "probability": float(result.probability),
                "evidence": observed}
