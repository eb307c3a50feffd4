"""HTML pieces of the pictures: Graphviz HTML-like labels (bars, CPTs) and Jupyter factor tables.

State and variable names are always escaped, so states like ``<5`` or ``>=7.5`` show as written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from ._common import BAR, HEADER_FILL, HIGHLIGHT

__all__ = ["escape", "marginal_label", "marginal_size", "cpd_label", "factor_label", "factor_html"]

BAR_WIDTH = 60   # points, the width of a 100% bar


def escape(text: object) -> str:
    """Escape text for Graphviz HTML-like labels and for HTML.

    Examples
    --------
    >>> escape("<5 & >=7.5")
    '&lt;5 &amp; &gt;=7.5'
    """
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _fmt(p: float, digits: int = 3) -> str:
    return f"{p:.{digits}g}"


def _bar(p: float) -> str:
    """Return a left-aligned bar of ``p * BAR_WIDTH`` points inside a fixed-width cell."""
    filled = round(max(0.0, min(1.0, p)) * BAR_WIDTH)
    if filled < 1:
        cells = f'<TD WIDTH="{BAR_WIDTH}" HEIGHT="9" FIXEDSIZE="TRUE"></TD>'
    elif filled >= BAR_WIDTH:
        cells = f'<TD WIDTH="{BAR_WIDTH}" HEIGHT="9" FIXEDSIZE="TRUE" BGCOLOR="{BAR}"></TD>'
    else:
        cells = (f'<TD WIDTH="{filled}" HEIGHT="9" FIXEDSIZE="TRUE" BGCOLOR="{BAR}"></TD>'
                 f'<TD WIDTH="{BAR_WIDTH - filled}" HEIGHT="9" FIXEDSIZE="TRUE"></TD>')
    return f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{cells}</TR></TABLE>'


def marginal_size(name: object, states: Sequence[object]) -> tuple[float, float]:
    """Estimated (width, height) in inches of a :func:`marginal_label` node (14 pt Helvetica)."""
    name_pt = 8.5 * len(str(name)) + 40
    row_pt = 7.5 * max((len(str(s)) for s in states), default=1) + BAR_WIDTH + 58
    return (max(name_pt, row_pt) + 12) / 72, (17 * (len(states) + 1) + 10) / 72


def marginal_label(name: object, states: Sequence[object], probabilities: Iterable[float],
                   observed: object = None, highlighted: bool = False,
                   link_index: int | None = None) -> str:
    """HTML-like label: the variable name over one bar per state with its probability.

    ``observed`` (a state name) adds ``= state`` to the title. With ``link_index`` (the
    variable's index) every cell of state ``j``'s row gets ``ID="pgm-s-{link_index}-{j}-{cell}"``
    and a link, which SVG output keeps as ``<g id="a_pgm-s-...">`` around the row's drawing.
    """
    title = f"<B>{escape(name)}</B>"
    if observed is not None:
        title += f" = {escape(observed)}"
    if highlighted:
        title = f'<FONT COLOR="{HIGHLIGHT}">{title}</FONT>'
    rows = [f'<TR><TD COLSPAN="3">{title}</TD></TR>']
    for j, (state, p) in enumerate(zip(states, probabilities)):
        cells = [(' ALIGN="LEFT"', f"{escape(state)}&#160;"), ("", _bar(float(p))),
                 (' ALIGN="LEFT" WIDTH="50"', f"&#160;{100 * float(p):.1f}%")]   # &#160;: a gap
        if link_index is not None:
            tip = escape(f"{name} = {state}: click to observe (again to clear)")
            cells = [(f'{attrs} ID="pgm-s-{link_index}-{j}-{c}" HREF="#" TITLE="{tip}"', text)
                     for c, (attrs, text) in enumerate(cells)]
        rows.append("<TR>" + "".join(f"<TD{attrs}>{text}</TD>" for attrs, text in cells) + "</TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


def _table(header: Sequence[str], body: Iterable[Sequence[str]], more: int, n_columns: int,
           n_labels: int) -> str:
    """Assemble an HTML-like table: header rows (already <TR>s), body rows, a "more rows" line.

    The first ``n_labels`` cells of a body row are state names (left-aligned), the rest numbers.
    """
    rows = list(header)
    for r in body:
        cells = [f'<TD ALIGN="{"LEFT" if i < n_labels else "RIGHT"}">{c}</TD>' for i, c in enumerate(r)]
        rows.append("<TR>" + "".join(cells) + "</TR>")
    if more:
        rows.append(f'<TR><TD COLSPAN="{n_columns}"><I>... {more} more rows</I></TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _head(text: str, **span: object) -> str:
    extra = "".join(f' {k.upper()}="{v}"' for k, v in span.items())
    return f'<TD BGCOLOR="{HEADER_FILL}"{extra}>{text}</TD>'


def cpd_label(cpd: Any, max_rows: int = 16, digits: int = 3) -> str:
    """HTML-like label of a CPT: one row per parent configuration, one column per child state.

    Two header rows: the parents (spanning both) and the child's name over its states.
    """
    child, k = cpd.variable, cpd.cardinality
    top = [_head(f"<I>{escape(p)}</I>", rowspan=2) for p in cpd.parents]
    top.append(_head(f"<B>{escape(child)}</B>", colspan=k))
    states = [_head(escape(s)) for s in cpd.states[child]]
    header = ["<TR>" + "".join(top) + "</TR>", "<TR>" + "".join(states) + "</TR>"]
    rows = cpd.table.reshape(-1, k)
    combos = itertools.product(*(cpd.states[p] for p in cpd.parents))
    body = [[*(escape(s) for s in combo), *(_fmt(p, digits) for p in row)]
            for combo, row in itertools.islice(zip(combos, rows), max_rows)]
    return _table(header, body, max(0, len(rows) - max_rows), len(cpd.parents) + k, len(cpd.parents))


def factor_label(factor: Any, max_rows: int = 32, digits: int = 4, title: str | None = None) -> str:
    """HTML-like label of a factor: one row per assignment (last variable fastest), then the value."""
    names = [_head(f"<I>{escape(v)}</I>") for v in factor.variables]
    names.append(_head(escape(title or f"φ({', '.join(map(str, factor.variables))})")))
    body = [[*(escape(s) for s in combo), _fmt(value, digits)]
            for combo, value in itertools.islice(factor.rows(), max_rows)]
    n = len(factor.variables)
    return _table(["<TR>" + "".join(names) + "</TR>"], body, max(0, factor.size - max_rows), n + 1, n)


def factor_html(factor: Any, max_rows: int = 64, digits: int = 4) -> str:
    """Return an HTML table of ``factor`` with state names (what Jupyter shows for a factor).

    Examples
    --------
    >>> phi = pl.DiscreteFactor(["x"], [0.25, 0.75], {"x": ["<5", ">=5"]})
    >>> print(factor_html(phi))   # doctest: +ELLIPSIS
    <table class="pgm-lite-factor">...<td>&lt;5</td><td>0.25</td>...</table>
    """
    head = "".join(f"<th>{escape(v)}</th>" for v in factor.variables)
    head += f"<th>φ({escape(', '.join(map(str, factor.variables)))})</th>"
    rows = []
    for combo, value in itertools.islice(factor.rows(), max_rows):
        cells = "".join(f"<td>{escape(s)}</td>" for s in combo)
        rows.append(f"<tr>{cells}<td>{_fmt(value, digits)}</td></tr>")
    more = factor.size - max_rows
    if more > 0:
        span = len(factor.variables) + 1
        rows.append(f'<tr><td colspan="{span}"><i>... {more} more rows</i></td></tr>')
    return (f'<table class="pgm-lite-factor"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
