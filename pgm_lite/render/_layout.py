"""Fixed node positions: grids read from variable names, positions stored on the model, and one
layout shared by every frame of an animation. Positions are in inches, y pointing up (Graphviz).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np

from .._validate import check_variable
from ..exceptions import RenderError

__all__ = ["grid_positions", "scaled_positions", "spread_positions"]

Positions = dict[str, tuple[float, float]]

# x_3_4, x3_4, X[3,4], X(3, 4), pixel-0-0: a prefix and two integers
_GRID = re.compile(r"^(?P<prefix>.*?\D)?(?P<row>\d+)[\s_,;:\-]+(?P<col>\d+)[\]\)]?$")


def grid_positions(names: Sequence[str]) -> Positions | None:
    """Positions of variables named like grid cells (``x_3_4``, ``X[3,4]``), else ``None``.

    Every name must be a shared prefix followed by a row and a column number, and at least two
    rows and two columns must appear. Row 0 is at the top, columns run left to right.

    Examples
    --------
    >>> grid_positions(["x_0_0", "x_0_1", "x_1_0", "x_1_1"])
    {'x_0_0': (0.0, 0.0), 'x_0_1': (1.0, 0.0), 'x_1_0': (0.0, -1.0), 'x_1_1': (1.0, -1.0)}
    >>> grid_positions(["X[0,0]", "X[0,1]", "X[1,0]", "Y"]) is None
    True
    """
    cells: dict[str, tuple[int, int]] = {}
    prefixes = set()
    for name in names:
        match = _GRID.match(str(name))
        if match is None:
            return None
        prefixes.add((match.group("prefix") or "").rstrip("_[( "))
        cells[name] = (int(match.group("row")), int(match.group("col")))
    rows = {r for r, _ in cells.values()}
    cols = {c for _, c in cells.values()}
    if len(prefixes) != 1 or len(rows) < 2 or len(cols) < 2 or len(set(cells.values())) != len(cells):
        return None
    return {name: (float(c), -float(r)) for name, (r, c) in cells.items()}


def check_positions(model_variables: Iterable[str], positions: Mapping[str, Sequence[float]],
                    state_names: Mapping[str, object]) -> Positions:
    """Validate ``{variable: (x, y)}`` covering every variable; return floats."""
    checked: Positions = {}
    for v, xy in dict(positions).items():
        check_variable(v, state_names)
        try:
            x, y = (float(t) for t in xy)
        except (TypeError, ValueError) as err:
            raise RenderError(f"the position of {v!r} must be a pair of numbers (x, y), got {xy!r}") from err
        checked[v] = (x, y)
    missing = [v for v in model_variables if v not in checked]
    if missing:
        raise RenderError(f"positions are missing for {len(missing)} variables, e.g. {missing[:5]}; "
                          "give (x, y) for every variable")
    return checked


def scaled_positions(positions: Mapping[str, tuple[float, float]], spacing: float) -> Positions:
    """Scale ``positions`` (any unit) so the two closest nodes are ``spacing`` inches apart.

    Examples
    --------
    >>> scaled_positions({"A": (0, 0), "B": (0, 200), "C": (100, 0)}, 1.0)
    {'A': (0.0, 0.0), 'B': (0.0, 2.0), 'C': (1.0, 0.0)}
    """
    names = list(positions)
    xy = np.array([positions[v] for v in names], dtype=float).reshape(len(names), 2)
    if len(names) > 1:
        diff = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, np.inf)
        closest = float(dist.min())
        if closest > 0:
            xy = xy * (spacing / closest)
    xy = xy - xy.min(axis=0)
    return {v: (round(float(x), 3), round(float(y), 3)) for v, (x, y) in zip(names, xy)}


def spread_positions(graph: nx.Graph, spacing: float) -> Positions:
    """One deterministic layout of an undirected graph (spring layout, fixed seed), scaled so
    that no two nodes are closer than ``spacing`` inches; used to pin animation frames.
    """
    if graph.number_of_nodes() == 0:
        return {}
    raw = nx.spring_layout(graph, seed=0, iterations=200)
    return scaled_positions({v: (float(raw[v][0]), float(raw[v][1])) for v in graph}, spacing)
