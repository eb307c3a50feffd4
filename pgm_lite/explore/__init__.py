"""The interactive explorer: click a state to observe it and watch every posterior move.

``pgm-lite serve NET`` (or :func:`serve`) runs it as a local web page, :func:`explore` inside a
Jupyter notebook. Posteriors come from exact inference (:func:`pgm_lite.marginals`, cached per
evidence pattern). The web stack (Starlette, uvicorn) and the notebook widget (anywidget) are
the optional extra ``pgm_lite[explore]``, imported only when used.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from ..exceptions import MissingDependencyError
from ..inference import marginals
from ..render import render
from ._app import create_app, serve
from ._session import OBSERVED_FILL, VIEWS, ExplorerSession
from ._widget import explorer_widget

__all__ = ["explore", "serve", "create_app", "ExplorerSession", "VIEWS", "OBSERVED_FILL"]


def explore(model: Any, *, evidence: Mapping[str, Any] | None = None, name: str = "model") -> Any:
    """Explore ``model`` in a Jupyter notebook: click a state to observe it, again to clear it.

    Parameters
    ----------
    model : BayesianNetwork or MarkovNetwork
    evidence : dict, optional
        ``{variable: state}`` observed at the start.
    name : str, optional
        Name of the model (used by the web page's title).

    Returns
    -------
    anywidget.AnyWidget or graphviz.Digraph or graphviz.Graph
        The interactive widget; without anywidget, the static picture with the posteriors
        (and a one-line warning saying what to install).

    Examples
    --------
    >>> shown = pl.explore(pl.example("asia"), evidence={"smoke": "yes"})
    >>> type(shown).__name__ in ("ExplorerWidget", "Digraph")   # Digraph: anywidget missing
    True
    """
    try:
        return explorer_widget(model, dict(evidence or {}), name)
    except MissingDependencyError as err:
        warnings.warn(f"{err}; showing a static picture instead", stacklevel=2)
    return render(model, evidence=evidence, marginals=marginals(model, evidence=evidence), max_nodes=None)
