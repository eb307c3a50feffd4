"""The fast path of the BIF reader: a well-formed file read with a few regular expressions.

:func:`read_plain` recognises the shape nearly every BIF file has (bnlearn's and pgmpy's):
``network`` blocks without properties, ``variable NAME { type discrete [ k ] { s1, ..., sk }; }``
and ``probability ( child | p1, ..., pn ) { ... }`` blocks holding either one ``table ...;``
entry or one ``(s1, ..., sn) p1, ..., pk;`` row per parent configuration, in any order, with
unquoted names. It checks all that :class:`~pgm_lite.io._bif_parser.BifParser` checks —
declared, distinct names and states, counts, every parent configuration exactly once, numbers
that ``float`` reads, entries in ``[0, 1 + atol]``, rows summing to one within ``atol``, no
cycle — but where BifParser raises, :func:`read_plain` returns None, and so it does for
anything outside that shape (comments are blanked out before). The caller then runs BifParser,
which reads every form BIF allows and locates the error: errors come from one place, and a
network returned here is the one BifParser would build (``tests/test_parse_trusted.py``
compares both on the shipped networks and on mutated files).

What makes it fast on small files, where fixed costs dominate (and every distinct builtin or
object touched costs more than the work, the CPU caches being cold): no token list (one
``findall`` over the text yields every block and, through its last alternative, any other word,
so the matches tile the text; one per block of rows yields its rows, with the pattern of rows of
exactly k numbers), the usual row orders (C, and bnlearn's first parent varying fastest)
recognised by comparing the keys with two tuples built once per file by list comprehensions, the
numbers converted and checked with a few builtin calls per group of tables whose child has the
same number of states (``min``, ``max``, row sums by ``map(sum, zip(...))``), one read-only array
that every table is a view of, no cycle check when every block comes after its parents' (as in
most files), and the network assembled by the trusted constructors
(:meth:`TabularCPD.from_validated`, :meth:`BayesianNetwork.from_validated`), so nothing is
validated twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from ..bayesian_network import BayesianNetwork
from ..cpd import TabularCPD
from ..exceptions import StructureError
from ._source import parse_count

__all__ = ["read_plain"]

# A name is one BIF word token (BifParser's tokenizer: no blanks, punctuation or quotes).
_NAME = r'[^\s{}()\[\];,|"]+'
_NAMES = rf"\s*{_NAME}(?:\s*,\s*{_NAME})*\s*"
# One block per match: (name, k, states, child, parents, table, rows, other). The last
# alternative takes any other word, so the matches tile the text (but its trailing blanks)
# and a block of another shape shows as a match whose ``other`` is set.
_BLOCK = re.compile(
    rf"\s*(?:network(?:\s+{_NAME})*\s*\{{\s*\}}"
    rf"|variable\s+({_NAME})\s*\{{\s*type\s+discrete\s*\[\s*([0-9]+)\s*\]\s*\{{({_NAMES})\}}\s*;\s*\}}"
    rf"|probability\s*\(\s*({_NAME})\s*(?:\|({_NAMES}))?\)\s*\{{"
    rf"(?:\s*table\s+([^;{{}}]*);|((?:\s*\([^()]*\)[^;(){{}}]*;)+))\s*\}}"
    r"|(\S+))"
)


#: Rounding allowance of the row-sum check: this path sums a row in another order than
#: BifParser (Python's ``sum`` against numpy's ``sum(axis=1)``); two float sums of the same k numbers
#: (each at most 1 + atol) differ by less than 2 * k * (1 + atol) * 2**-53, so a row is accepted
#: here only if it sums to one within ``atol`` minus (4 * k + 4) * (1 + atol) * 2**-52 (four times
#: that bound, plus the rounding of ``1 -+ tolerance``), and the rare rows in between go to
#: BifParser, which decides.
_ULP = 2.0**-52

#: ``str(k)`` for the usual counts of states (a tuple lookup: no int-to-text conversion).
_DECIMAL = tuple(map(str, range(256)))
#: A block as found: (name, k, states, child, parents, table entry, rows, other), "" for what it
#: does not have.
Block = tuple[str, str, str, str, str, str, str, str]
#: Where a table lies among the numbers of its group: (parents, shape, offset of the first one, size).
Layout = tuple[tuple[str, ...], tuple[int, ...], int, int]
#: ``{parent state spaces: row keys in C and Fortran order, Fortran position of each C row}``,
#: built once per file and spaces of two parents or more (see :func:`_orders`).
Orders = dict[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], tuple[str, ...], list[int]]]


def read_plain(text: str, atol: float) -> BayesianNetwork | None:
    """Return the network of a well-formed BIF ``text`` (comments blanked out), or None.

    None means "read it with BifParser": the text has another shape than the one recognised
    here, or something in it is wrong (BifParser then says what and where).

    Examples
    --------
    >>> bn = read_plain('''variable rain { type discrete [ 2 ] { no, yes }; }
    ... probability ( rain ) { table 0.8, 0.2; }''', 0.01)
    >>> bn.states("rain"), bn.cpd("rain").table
    (('no', 'yes'), array([0.8, 0.2]))
    >>> read_plain("variable rain { type discrete [ 2 ] { no, yes }; }", 0.01) is None   # no table
    True
    """
    if '"' in text:
        return None
    found = _declarations(text)
    if found is None:
        return None
    states, blocks = found
    tables = _tables(states, blocks)
    if tables is None:
        return None
    return _network(states, *tables, atol)


def _declarations(text: str) -> tuple[dict[str, tuple[str, ...]], list[Block]] | None:
    """Return the declared states and the blocks found (see ``_BLOCK``), or None."""
    found: list[Block] = _BLOCK.findall(text)
    states: dict[str, tuple[str, ...]] = {}
    for name, count, names, _, _, _, _, other in found:
        if name:
            declared = tuple(names.replace(",", " ").split())  # names hold no blanks
            k = len(declared)
            written = _DECIMAL[k] if k < len(_DECIMAL) else str(k)
            if name in states or len(set(declared)) != k or (count != written and parse_count(count) != k):
                return None
            states[name] = declared
        elif other:
            return None
    return (states, found) if states else None


def _tables(states: dict[str, tuple[str, ...]], found: list[Block]
            ) -> tuple[dict[str, Layout], dict[int, list[str]], bool] | None:
    """Return ``{child: layout}`` for every variable, the numbers of the tables grouped by the
    child's number of states k (``{k: strings}`` whose ``",".join`` lists the numbers of every
    table of the group, each table in C order) and whether the blocks come parents first (then
    the graph is acyclic: no other check is needed); or None.
    """
    layouts: dict[str, Layout] = {}
    groups: dict[int, list[str]] = {}
    counts: dict[int, int] = {}
    orders: Orders = {}
    done: dict[str, tuple[str, ...]] = {}  # the states of the children read so far
    ordered = True
    for _, _, _, child, listed, table, rows, _ in found:
        if not child:
            continue
        own = states.get(child)
        if own is None or child in done:
            return None
        done[child] = own
        if not listed:
            parents: tuple[str, ...] = ()
            spaces: tuple[tuple[str, ...], ...] = ()
        else:
            parents = tuple(listed.replace(",", " ").split())
            spaces = tuple(map(done.get, parents))  # type: ignore[arg-type]  # None: checked next
            if None in spaces:  # a parent whose block comes later (or none: checked next)
                ordered = False
                spaces = tuple(map(states.get, parents))  # type: ignore[arg-type]
                if None in spaces:
                    return None
            if child in parents or len(set(parents)) != len(parents):
                return None
        k = len(own)
        shape = (*map(len, spaces), k) if spaces else (k,)
        size = math.prod(shape)
        numbers = _numbers(table, rows, k, size // k, spaces, orders)
        if numbers is None:
            return None
        if k in groups:
            groups[k] += numbers
        else:
            groups[k], counts[k] = list(numbers), 0
        layouts[child] = (parents, shape, counts[k], size)
        counts[k] += size
    return (layouts, groups, ordered) if len(layouts) == len(states) else None


def _numbers(table: str, rows: str, k: int, n_rows: int, spaces: tuple[tuple[str, ...], ...],
             orders: Orders) -> Sequence[str] | None:
    """Return strings whose ``",".join`` lists the numbers of a block (its ``table`` entry or its
    ``rows``: ``n_rows`` of ``k`` numbers) in C order over ``(*parents, child)``, or None.
    """
    if not rows:  # a table entry, child-major: every parent configuration for the first state, ...
        if table.count(",") != k * n_rows - 1:
            return None
        if n_rows == 1:
            return (table,)
        tokens = table.split(",")
        return [tokens[j * n_rows + r] for r in range(n_rows) for j in range(k)]
    found = (_ROWS.get(k) or _rows_of(k)).findall(rows)  # rows of k numbers each
    if len(found) != n_rows:
        return None
    keys, values = zip(*found)
    if len(spaces) < 2:  # no parent (a "()" row) or one: its states are the keys, in order
        in_order = spaces[0] if spaces else ("",)
        if keys == in_order:
            return values
        return _shuffled(keys, values, in_order)
    in_order, fortran, position = orders.get(spaces) or _orders(spaces, orders)
    if keys == fortran:  # the first parent varying fastest (bnlearn's files)
        return [values[i] for i in position]
    if keys == in_order:  # every row in C order (as pgm_lite writes them), keys written "s1, s2"
        return values
    return _shuffled(keys, values, in_order)


#: ``{k: the row pattern of k numbers}`` for the usual k, compiled on first use.
_ROWS: dict[int, re.Pattern[str]] = {}
_ROWS_KEPT = 64


def _rows_of(k: int) -> re.Pattern[str]:
    """Return the pattern of a row ``(keys) p1, ..., pk;`` (kept for k up to ``_ROWS_KEPT``):
    (keys, numbers) per match.

    A row with another count of numbers does not match, so ``findall`` then finds fewer rows
    than the block has (each match takes one ``( )`` pair and stops at its ``;``).
    """
    found = re.compile(r"\s*\(([^()]*)\)([^;(),]*" + (rf"(?:,[^;(),]*){{{k - 1}}}" if k > 1 else "") + ");")
    if k <= _ROWS_KEPT:
        _ROWS[k] = found
    return found


def _orders(spaces: tuple[tuple[str, ...], ...], cache: Orders) -> tuple[tuple[str, ...], tuple[str, ...], list[int]]:
    """Return (and cache) the row keys ``"s1, s2"`` of two parents or more in C order, in Fortran
    order (the first parent varying fastest: bnlearn's files), and for each C position the
    Fortran one.

    Built with list comprehensions, one parent at a time (string concatenation and integer
    arithmetic only: on the small tables of most files, fewer distinct builtins is faster).
    """
    first = spaces[0]
    keys = fortran = list(first)
    position = list(range(len(first)))
    stride = len(first)
    for names in spaces[1:]:
        keys = [f"{key}, {s}" for key in keys for s in names]
        fortran = [f"{key}, {s}" for s in names for key in fortran]
        position = [p + stride * j for p in position for j in range(len(names))]
        stride *= len(names)
    found = cache[spaces] = (tuple(keys), tuple(fortran), position)
    return found


def _shuffled(keys: tuple[str, ...], values: tuple[str, ...], in_order: tuple[str, ...]) -> list[str] | None:
    """Return the rows ``values`` in C order (``in_order`` lists the keys so), or None unless
    ``keys`` name every configuration once (blanks around the states are allowed).
    """
    lookup = dict(zip(in_order, range(len(in_order))))
    codes = list(map(lookup.get, keys))
    if None in codes:
        codes = [lookup.get(", ".join(map(str.strip, key.split(",")))) for key in keys]
        if None in codes:
            return None
    if len(set(codes)) != len(keys):
        return None
    ordered = list(values)
    for code, row in zip(codes, values):
        ordered[code] = row  # type: ignore[index]  # codes are ints: None was refused above
    return ordered


def _network(states: dict[str, tuple[str, ...]], layouts: dict[str, Layout], groups: dict[int, list[str]],
             ordered: bool, atol: float) -> BayesianNetwork | None:
    """Convert and check every number, then assemble the network with the trusted constructors.

    The checks run on Python lists, one group of tables with the same number of states at a
    time (``map(sum, zip(*[iter(p)] * k))`` sums the rows): on the small networks files hold,
    numpy's per-call overhead would cost more than the work.
    """
    values: list[float] = []
    start: dict[int, int] = {}
    for k, strings in groups.items():
        try:
            numbers = list(map(float, ",".join(strings).split(",")))
        except ValueError:
            return None
        sums = list(map(sum, zip(*[iter(numbers)] * k))) if k > 1 else numbers
        tolerance = atol - (4 * k + 4) * (1 + atol) * _ULP
        # entries >= 0 in rows summing to at most 1 + tolerance are at most 1 + atol
        if not (min(numbers) >= 0 and min(sums) >= 1 - tolerance and max(sums) <= 1 + tolerance
                and math.isfinite(sum(sums))):  # NaN: a NaN row sum
            return None
        start[k] = len(values)
        values += numbers
    flat = np.fromiter(values, np.float64, len(values))  # no dtype and shape discovery, unlike np.array
    flat.setflags(write=False)  # the tables are views of it
    cpds = []
    for v in states:
        parents, shape, offset, size = layouts[v]
        offset += start[shape[-1]]
        table = flat[offset:offset + size]
        cpds.append(TabularCPD.from_validated(v, table.reshape(shape) if parents else table, parents, states))
    try:
        return BayesianNetwork.from_validated(states, cpds, acyclic=ordered)
    except StructureError:  # a cycle: BifParser locates it
        return None
