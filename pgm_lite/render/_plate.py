"""Plate drawing of big models, in textbook style (Bishop, daft): variables that differ only in
their numbers (``X1 .. X784``, ``pixel_0_0 .. pixel_27_27``) become one node ``X_i`` inside a
box labelled ``i = 1..784``; regular edges inside a group (a chain ``X_{i-1} -> X_i``, grid
neighbours) are drawn from a dashed copy of the node at the shifted index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import StructureError
from ._common import (
    EVIDENCE_FILL,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    AnyGraph,
    dot_text,
    new_graph,
)
from ._html import escape

__all__ = ["group_variables", "collapsed_view"]

_NUMBER = re.compile(r"\d+")
_INDEX_LETTERS = "ijklmn"
MAX_SHIFTS = 4   # more distinct index shifts inside a plate than this: say "n edges within"


def group_variables(names: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """Group variables whose names differ only in their numbers, in first-seen order.

    Returns a list of ``(template, members)``; ``template`` is the name with each number
    replaced by ``{}`` (``None`` for a variable that stands alone).

    Examples
    --------
    >>> group_variables(["X1", "X2", "Y", "X3", "Z7"])
    [('X{}', ['X1', 'X2', 'X3']), (None, ['Y']), (None, ['Z7'])]
    """
    groups: dict[Any, list[str]] = {}
    for name in names:
        text = str(name)
        key: Any = _NUMBER.sub("{}", text) if _NUMBER.search(text) else ("alone", text)
        groups.setdefault(key, []).append(name)
    result: list[tuple[str | None, list[str]]] = []
    for key, members in groups.items():
        if isinstance(key, str) and len(members) > 1:
            result.append((key, members))
        else:
            result.extend((None, [m]) for m in members)
    return result


def _index_name(template: str) -> str:
    """``'X{}'`` -> ``'X_i'``, ``'pixel_{}_{}'`` -> ``'pixel_i_j'``."""
    parts = template.split("{}")
    out = parts[0]
    for letter, rest in zip(_INDEX_LETTERS, parts[1:]):
        out += ("" if not out or out.endswith("_") else "_") + letter + rest
    return out


def _subscripted(template: str, shift: Sequence[int] = ()) -> str:
    """HTML label text ``X<SUB>i</SUB>`` (``X<SUB>i-1</SUB>`` for ``shift=(1,)``)."""
    stem = escape(_NUMBER.sub("", template.split("{}")[0]).rstrip("_[( ") or template.split("{}")[0])
    letters = _INDEX_LETTERS[:template.count("{}")]
    shift = list(shift) or [0] * len(letters)
    subs = [f"{letter}{'' if d == 0 else f'{-d:+d}'}" for letter, d in zip(letters, shift)]
    return f"{stem}<SUB>{','.join(subs)}</SUB>"


def _indices(name: str) -> tuple[int, ...]:
    return tuple(map(int, _NUMBER.findall(str(name))))


def _ranges(template: str, members: Sequence[str]) -> str:
    """``'i = 1..784'`` (or the list of values) for each index of the template."""
    columns = list(zip(*(_indices(m) for m in members)))
    texts = []
    for letter, values in zip(_INDEX_LETTERS, columns):
        distinct = sorted(set(values))
        if distinct[-1] - distinct[0] + 1 == len(distinct):  # consecutive (no range over the numbers)
            texts.append(f"{letter} = {distinct[0]}..{distinct[-1]}")
        elif len(distinct) <= 5:
            texts.append(f"{letter} ∈ {{{', '.join(map(str, distinct))}}}")
        else:
            texts.append(f"{letter}: {len(distinct)} values in {distinct[0]}..{distinct[-1]}")
    return ", ".join(texts)


def _too_many(model: Any, max_nodes: int, n_groups: int) -> StructureError:
    return StructureError(
        f"the model has {len(model.variables)} variables, more than max_nodes={max_nodes}, and "
        f"grouping numbered names (X1..Xn) still leaves {n_groups} nodes; pass a larger "
        "max_nodes (max_nodes=None, or --max-nodes 0 on the command line, draws every variable) "
        "or draw a sub-network"
    )


def _shifts(edges: Sequence[tuple[str, str]], directed: bool) -> list[tuple[int, ...]] | None:
    """Distinct index shifts ``v - u`` of the edges inside one group (None if irregular)."""
    shifts: dict[tuple[int, ...], None] = {}
    for u, v in edges:
        d = tuple(b - a for a, b in zip(_indices(u), _indices(v)))
        if not directed and d < tuple(0 for _ in d):
            d = tuple(-x for x in d)
        shifts[d] = None
        if len(shifts) > MAX_SHIFTS:
            return None
    return list(shifts)


def _group_attrs(members: Sequence[str], evidence: Mapping[str, str], nodes_hl: set[str]) -> dict[str, str]:
    observed = [m for m in members if m in evidence]
    hot = any(m in nodes_hl for m in members)
    attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if hot else {}
    if observed and len(observed) == len(members):
        attrs.update(style="filled", fillcolor=EVIDENCE_FILL)
    elif hot:
        attrs.update(style="filled", fillcolor=HIGHLIGHT_FILL)
    return attrs


def collapsed_view(model: Any, directed: bool, evidence: Mapping[str, str], nodes_hl: set[str],
                   edges_hl: set[tuple[str, str]], layout: str, max_nodes: int) -> AnyGraph:
    """Draw ``model`` with one plate per group of numbered variables.

    Raises
    ------
    StructureError
        If even the collapsed drawing has more than ``max_nodes`` nodes.
    """
    groups = group_variables(model.variables)
    if len(groups) > max_nodes:
        raise _too_many(model, max_nodes, len(groups))
    owner = {m: f"g{index}" for index, (_, members) in enumerate(groups) for m in members}
    inside: dict[str, list[tuple[str, str]]] = {}
    between: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for u, v in model.edges:
        key = (owner[u], owner[v])
        if key[0] == key[1]:
            inside.setdefault(key[0], []).append((u, v))
            continue
        if not directed and key[0] > key[1]:
            key = (key[1], key[0])
        between.setdefault(key, []).append((u, v))
    graph = new_graph(directed, "model", layout)
    sizes = {}
    for index, (template, members) in enumerate(groups):
        node = f"g{index}"
        sizes[node] = len(members)
        attrs = _group_attrs(members, evidence, nodes_hl)
        if template is None:
            name = members[0]
            label = dot_text(name, f"= {evidence[name]}") if name in evidence else dot_text(name)
            graph.node(node, label, **attrs)
            continue
        _plate(graph, index, template, members, evidence, attrs, inside.get(node, []), directed,
               any(e in edges_hl for e in inside.get(node, [])), model)
    for (a, b), edges in between.items():
        attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if any(e in edges_hl for e in edges) else {}
        if len(edges) > 1 and len(edges) not in (sizes[a], sizes[b]):
            attrs["label"] = f"{len(edges)} edges"
        graph.edge(a, b, **attrs)
    return graph


def _plate(graph: AnyGraph, index: int, template: str, members: Sequence[str],
           evidence: Mapping[str, str], attrs: dict[str, str], edges: Sequence[tuple[str, str]],
           directed: bool, hot: bool, model: Any) -> None:
    """One plate: the box labelled with the index ranges, the node, its within-group edges."""
    node = f"g{index}"
    cards = sorted({len(model.states(m)) for m in members})
    card_text = f"{cards[0]}" if len(cards) == 1 else f"{cards[0]}-{cards[-1]}"
    notes = [f"{len(members)} variables, {card_text} states"]
    observed = sum(m in evidence for m in members)
    if observed:
        notes.append(f"{observed} observed")
    shifts = _shifts(edges, directed) if edges else []
    box = _ranges(template, members)
    if shifts is None:
        box += f"  ({len(edges)} edges within)"
    small = "".join(f'<BR/><FONT POINT-SIZE="9">{escape(n)}</FONT>' for n in notes)
    with graph.subgraph(name=f"cluster_{index}") as plate:
        plate.attr(label=box, labeljust="r", labelloc="b", style="rounded", margin="12")
        plate.node(node, f"<{_subscripted(template)}{small}>", tooltip=_index_name(template), **attrs)
        edge_attrs = {"color": HIGHLIGHT, "penwidth": "2.5"} if hot else {}
        for k, shift in enumerate(shifts or []):
            ghost = f"g{index}_shift{k}"
            plate.node(ghost, f"<{_subscripted(template, shift)}>", style="dashed", color="grey45",
                       fontcolor="grey35")
            plate.edge(ghost, node, **edge_attrs)
