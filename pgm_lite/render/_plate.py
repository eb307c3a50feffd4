"""Plate-like compact drawing of big models: variables that differ only in their numbers
(``X1 .. X784``, ``pixel_0_0 .. pixel_27_27``) become one plate node ``X_i, i = 1..784``.
"""

from __future__ import annotations

import re

from ..exceptions import StructureError
from ._common import (
    EVIDENCE_FILL,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    dot_text,
    new_graph,
)

__all__ = ["group_variables", "collapsed_view"]

_NUMBER = re.compile(r"\d+")
_INDEX_LETTERS = "ijklmn"


def group_variables(names):
    """Group variables whose names differ only in their numbers, in first-seen order.

    Returns a list of ``(template, members)``; ``template`` is the name with each number
    replaced by ``{}`` (``None`` for a variable that stands alone).

    Examples
    --------
    >>> group_variables(["X1", "X2", "Y", "X3", "Z7"])
    [('X{}', ['X1', 'X2', 'X3']), (None, ['Y']), (None, ['Z7'])]
    """
    groups = {}
    for name in names:
        text = str(name)
        key = _NUMBER.sub("{}", text) if _NUMBER.search(text) else ("alone", text)
        groups.setdefault(key, []).append(name)
    result = []
    for key, members in groups.items():
        if isinstance(key, str) and len(members) > 1:
            result.append((key, members))
        else:
            result.extend((None, [m]) for m in members)
    return result


def _index_name(template):
    """``'X{}'`` -> ``'X_i'``, ``'pixel_{}_{}'`` -> ``'pixel_i_j'``."""
    parts = template.split("{}")
    out = parts[0]
    for letter, rest in zip(_INDEX_LETTERS, parts[1:]):
        out += ("" if not out or out.endswith("_") else "_") + letter + rest
    return out


def _ranges(template, members):
    """``'i = 1..784'`` (or the list of values) for each index of the template."""
    columns = list(zip(*(map(int, _NUMBER.findall(str(m))) for m in members)))
    texts = []
    for letter, values in zip(_INDEX_LETTERS, columns):
        distinct = sorted(set(values))
        if distinct == list(range(distinct[0], distinct[-1] + 1)):
            texts.append(f"{letter} = {distinct[0]}..{distinct[-1]}")
        elif len(distinct) <= 5:
            texts.append(f"{letter} ∈ {{{', '.join(map(str, distinct))}}}")
        else:
            texts.append(f"{letter}: {len(distinct)} values in {distinct[0]}..{distinct[-1]}")
    return ", ".join(texts)


def collapsed_view(model, directed, evidence, nodes_hl, edges_hl, layout, max_nodes):
    """Draw ``model`` with one plate node per group of numbered variables.

    Raises
    ------
    StructureError
        If even the collapsed drawing has more than ``max_nodes`` nodes.
    """
    groups = group_variables(model.variables)
    if len(groups) > max_nodes:
        raise StructureError(
            f"the model has {len(model.variables)} variables, more than max_nodes={max_nodes}, and "
            f"grouping numbered names (X1..Xn) still leaves {len(groups)} nodes; pass a larger "
            "max_nodes (max_nodes=None, or --max-nodes 0 on the command line, draws every variable) "
            "or draw a sub-network"
        )
    graph = new_graph(directed, "model", layout)
    owner = {}
    for index, (template, members) in enumerate(groups):
        node = f"g{index}"
        for m in members:
            owner[m] = node
        observed = [m for m in members if m in evidence]
        hot = any(m in nodes_hl for m in members)
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if hot else {}
        if observed and len(observed) == len(members):
            attrs.update(style="filled", fillcolor=EVIDENCE_FILL)
        elif hot:
            attrs.update(style="filled", fillcolor=HIGHLIGHT_FILL)
        if template is None:
            name = members[0]
            label = dot_text(name, f"= {evidence[name]}") if observed else dot_text(name)
            graph.node(node, label, **attrs)
            continue
        cards = sorted({len(model.states(m)) for m in members})
        card_text = f"{cards[0]}" if len(cards) == 1 else f"{cards[0]}-{cards[-1]}"
        lines = [_index_name(template), f"{len(members)} variables, {card_text} states"]
        if observed:
            lines.append(f"{len(observed)} observed")
        with graph.subgraph(name=f"cluster_{index}") as plate:
            plate.attr(label=_ranges(template, members), labeljust="r", labelloc="b", style="rounded")
            plate.node(node, dot_text(*lines), shape="box", **attrs)
    counts, hot_edges = {}, set()
    for u, v in model.edges:
        key = (owner[u], owner[v])
        if not directed and key[0] > key[1]:
            key = key[::-1]
        counts[key] = counts.get(key, 0) + 1
        if (u, v) in edges_hl:
            hot_edges.add(key)
    for (a, b), count in counts.items():
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if (a, b) in hot_edges else {}
        if a == b:
            attrs["label"] = f"{count} edges within"
        elif count > 1:
            attrs.update(label=f"{count} edges", penwidth=attrs.get("penwidth", "1.8"))
        graph.edge(a, b, **attrs)
    return graph
