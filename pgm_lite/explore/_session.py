"""What the explorer shows for one evidence pattern: posteriors, P(evidence), the SVG picture
with clickable states, and the MAP assignment. Shared by the web app and the notebook widget;
needs no web library.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .._validate import check_option
from ..exceptions import ArgumentTypeError
from ..inference import map_query, marginals, probability
from ..render import (
    render,
    render_factor_graph,
    render_junction_tree,
    render_moral_graph,
)

__all__ = ["ExplorerSession", "VIEWS"]

VIEWS = {"network": "network", "moral": "moral graph", "junction": "junction tree",
         "factor": "factor graph"}
CACHE_SIZE = 256   # evidence patterns (x views) kept; a click on a cached pattern only re-sends

_STATE_GROUP = re.compile(r'<g id="a_pgm&#45;s&#45;(\d+)&#45;(\d+)&#45;(\d+)">')
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


class ExplorerSession:
    """Answers of the explorer for one model, cached per (view, evidence pattern).

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
        The model explored (not changed).
    name : str, optional
        Shown as the page title.

    Examples
    --------
    >>> session = ExplorerSession(pl.example("asia"), name="asia")
    >>> answer = session.state({"smoke": "yes"})
    >>> round(answer["marginals"]["lung"]["yes"], 6), answer["p_evidence"]
    (0.1, 0.5)
    >>> 'data-variable="lung" data-state="yes" data-probability="0.1' in answer["svg"]
    True
    """

    def __init__(self, model: Any, *, name: str = "model") -> None:
        self.model = model
        self.name = str(name)
        self._cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
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

    def state(self, evidence: Any = None, view: str = "network") -> dict[str, Any]:
        """Return ``{"svg", "evidence", "p_evidence", "marginals", "view"}`` for the evidence.

        ``marginals`` is ``{variable: {state: probability}}`` from exact inference
        (:func:`pgm_lite.marginals`); the SVG of the network view carries ``data-variable``,
        ``data-state`` and ``data-probability`` on every clickable state.

        Raises
        ------
        ZeroEvidenceError
            If the evidence is impossible under the model.
        OptionError
            For an unknown view.
        """
        view = check_option("view", view, list(VIEWS))
        observed = self.check_evidence(evidence)
        key = (view, tuple(sorted(observed.items())))
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                cached = self._cache[key] = self._compute(observed, view)
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            return dict(cached)

    def _compute(self, observed: dict[str, str], view: str) -> dict[str, Any]:
        posteriors = marginals(self.model, evidence=observed)
        p_evidence = float(probability(self.model, observed)) if observed else 1.0
        table = {v: {s: float(p) for s, p in zip(f.states[v], f.values)} for v, f in posteriors.items()}
        if view == "network":
            graph = render(self.model, evidence=observed, marginals=posteriors, max_nodes=None,
                           clickable_states=True)
        elif view == "moral" and self.model.is_directed:
            graph = render_moral_graph(self.model)
        elif view == "moral":
            graph = render(self.model, max_nodes=None)
        elif view == "junction":
            graph = render_junction_tree(self.model)
        else:
            graph = render_factor_graph(self.model)
        svg = annotate_svg(graph.pipe(format="svg").decode("utf-8"), self.model.variables,
                           [self.model.states(v) for v in self.model.variables], table)
        return {"svg": svg, "evidence": observed, "p_evidence": p_evidence, "marginals": table,
                "view": view}

    def map(self, evidence: Any = None) -> dict[str, Any]:
        """Return ``{"assignment": {variable: state}, "probability": p}``: the most probable
        assignment of the unobserved variables given the evidence (joint probability with it).
        """
        observed = self.check_evidence(evidence)
        with self._lock:
            result = map_query(self.model, evidence=observed)
        return {"assignment": dict(result.assignment), "probability": float(result.probability),
                "evidence": observed}


def annotate_svg(svg: str, variables: list[str], states: list[tuple[str, ...]],
                 table: Mapping[str, Mapping[str, float]]) -> str:
    """Strip the XML prolog and give every state link of the picture its data attributes.

    Each ``<g id="a_pgm-s-i-j-c">`` (see :func:`pgm_lite.render`'s ``clickable_states``) gets
    ``class="pgm-state"``, ``data-variable``, ``data-state`` and ``data-probability`` (the
    posterior, as the shortest decimal that reads back as the same float).
    """
    def attributes(match: re.Match[str]) -> str:
        i, j = int(match.group(1)), int(match.group(2))
        v, s = variables[i], states[i][j]
        p = table.get(v, {}).get(s)
        prob = "" if p is None else f' data-probability="{p!r}"'
        return (f'<g id="pgm-s-{i}-{j}-{match.group(3)}" class="pgm-state" role="button" tabindex="0" '
                f'data-variable="{html.escape(v)}" data-state="{html.escape(s)}"{prob}>')

    return _STATE_GROUP.sub(attributes, _PROLOG.sub("", svg, count=1))
