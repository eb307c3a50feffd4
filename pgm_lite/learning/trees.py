"""Tree structures: Chow-Liu trees and tree-augmented naive Bayes (TAN).

Chow & Liu (1968): the tree maximising the likelihood is the maximum spanning tree of the complete
graph weighted by the empirical mutual information of each pair. TAN (Friedman, Geiger &
Goldszmidt 1997) does the same with the mutual information conditional on the class variable,
then adds the class as a parent of every feature. The tree is oriented away from ``root``.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

from ._information import contingency, information

__all__ = ["tree_edges"]


def _weights(codes: np.ndarray, card: np.ndarray, nodes: Sequence[int], given: Sequence[int]) -> nx.Graph:
    """Complete graph over ``nodes`` weighted by ``n * I(X; Y | given)``."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    for i, x in enumerate(nodes):
        for y in nodes[i + 1:]:
            graph.add_edge(x, y, weight=information(contingency(codes, card, x, y, given)))
    return graph


def tree_edges(codes: np.ndarray, card: np.ndarray, nodes: Sequence[int], root: int,
               given: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Edges ``(parent, child)`` of the maximum (conditional) mutual-information tree over ``nodes``.

    ``given`` is empty for Chow-Liu and ``[class]`` for TAN; the tree is directed away from ``root``,
    visiting neighbours in ``nodes`` order.
    """
    tree = nx.maximum_spanning_tree(_weights(codes, card, list(nodes), list(given)))
    rank = {v: i for i, v in enumerate(nodes)}
    return list(nx.bfs_edges(tree, root, sort_neighbors=lambda vs: sorted(vs, key=rank.__getitem__)))
