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

What makes it fast on small files, where fixed costs dominate: no token list (one ``findall``
over the text yields every block, one per block of rows yields its rows; the usual row orders,
C and bnlearn's first-parent-fastest, are recognised by comparing the keys with two cached
tuples), the numbers converted and checked with a few builtin calls per group of tables whose
child has the same number of states (``min``, ``max``, row sums by ``map(sum, zip(...))``), one
read-only array that every table is a view of, and the network assembled by the trusted
constructors (:meth:`TabularCPD.from_validated`, :meth:`BayesianNetwork.from_validated`), so
nothing is validated twice.
"""

from __future__ import annotations

import itertools
import math
import operator
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
_BLOCK = re.compile(  # one block per match: (block, name, k, states, child, parents, table, rows)
    rf"(\s*(?:network(?:\s+{_NAME})*\s*\{{\s*\}}"
    rf"|variable\s+({_NAME})\s*\{{\s*type\s+discrete\s*\[\s*([0-9]+)\s*\]\s*\{{({_NAMES})\}}\s*;\s*\}}"
    rf"|probability\s*\(\s*({_NAME})\s*(?:\|({_NAMES}))?\)\s*\{{"
    rf"(?:\s*table\s+([^;{{}}]*);|((?:\s*\([^()]*\)[^;(){{}}]*;)+))\s*\}}))"
)
_FIRST = operator.itemgetter(0)
_ROW = re.compile(r"\s*\(([^()]*)\)([^;()]*);")


#: Rounding allowance of the row-sum check: this path sums a row in another order than
#: BifParser (Python's ``sum`` against numpy's ``sum(axis=1)``); two float sums of the same k numbers
#: (each at most 1 + atol) differ by less than 2 * k * (1 + atol) * 2**-53, so a row is accepted
#: here only if it sums to one within ``atol`` minus (4 * k + 4) * (1 + atol) * 2**-52 (four times
#: that bound, plus the rounding of ``1 -+ tolerance``), and the rare rows in between go to
#: BifParser, which decides.
_ULP = 2.0**-52

#: A probability block as found: (child, parents, table entry, rows), "" for what it does not have.
Raw = tuple[str, str, str, str]
#: Where a table lies among the numbers of its group: (parents, shape, offset of the first one).
Layout = tuple[tuple[str, ...], tuple[int, ...], int]
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
    states, raw = found
    tables = _tables(states, raw)
    if tables is None:
        return None
    return _network(states, *tables, atol)


def _declarations(text: str) -> tuple[dict[str, tuple[str, ...]], list[Raw]] | None:
    """Return the declared states and the raw ``(child, parents, table, rows)`` of every probability
    block (as written; "" for what the block does not have).
    """
    found = _BLOCK.findall(text)
    # the matches never overlap, so they tile the text (but its trailing blanks) iff their lengths add up
    if not found or sum(map(len, map(_FIRST, found))) != len(text.rstrip()):
        return None
    states: dict[str, tuple[str, ...]] = {}
    raw: list[Raw] = []
    for _, name, count, names, child, parents, numbers, rows in found:
        if name:
            declared = tuple(map(str.strip, names.split(",")))
            k = len(declared)
            if name in states or len(set(declared)) != k or (count != str(k) and parse_count(count) != k):
                return None
            states[name] = declared
        elif child:
            raw.append((child, parents, numbers, rows))
    return (states, raw) if states else None


def _tables(states: dict[str, tuple[str, ...]], raw: list[Raw]
            ) -> tuple[dict[str, Layout], dict[int, list[str]]] | None:
    """Return ``{child: layout}`` for every variable and the numbers of the tables grouped by the
    child's number of states k: ``{k: strings}`` whose ``",".join`` lists the numbers of every
    table of the group, each table in C order; or None.
    """
    layouts: dict[str, Layout] = {}
    groups: dict[int, list[str]] = {}
    counts: dict[int, int] = {}
    orders: Orders = {}
    for child, listed, table, rows in raw:
        own = states.get(child)
        if own is None or child in layouts:
            return None
        if not listed:
            parents: tuple[str, ...] = ()
            spaces: tuple[tuple[str, ...], ...] = ()
        else:
            parents = tuple(map(str.strip, listed.split(",")))
            spaces = tuple(map(states.get, parents))  # type: ignore[arg-type]  # None: checked next
            if None in spaces or child in parents or len(set(parents)) != len(parents):
                return None
        k = len(own)
        shape = (*map(len, spaces), k) if spaces else (k,)
        found = _numbers(table, rows, shape, spaces, orders)
        if found is None:
            return None
        if k in groups:
            groups[k] += found
        else:
            groups[k], counts[k] = list(found), 0
        layouts[child] = (parents, shape, counts[k])
        counts[k] += math.prod(shape)
    return (layouts, groups) if len(layouts) == len(states) else None


def _numbers(table: str, rows: str, shape: tuple[int, ...], spaces: tuple[tuple[str, ...], ...],
             orders: Orders) -> Sequence[str] | None:
    """Return strings whose ``",".join`` lists the numbers of a block (its ``table`` entry or its
    ``rows``) in C order over ``(*parents, child)`` (the table's ``shape``), or None.
    """
    k, n_rows = shape[-1], math.prod(shape[:-1])
    if not rows:  # a table entry, child-major: every parent configuration for the first state, ...
        if table.count(",") != k * n_rows - 1:
            return None
        if n_rows == 1:
            return (table,)
        tokens = table.split(",")
        return [tokens[j * n_rows + r] for r in range(n_rows) for j in range(k)]
    found = _ROW.findall(rows)
    if len(found) != n_rows:
        return None
    keys, values = zip(*found)
    if list(map(str.count, values, itertools.repeat(","))).count(k - 1) != n_rows:
        return None
    if len(spaces) < 2:  # no parent (a "()" row) or one: its states are the keys, in order
        in_order = spaces[0] if spaces else ("",)
        if keys == in_order:
            return values
        return _shuffled(keys, values, in_order)
    in_order, fortran, position = orders.get(spaces) or _orders(spaces, orders)
    if keys == in_order:  # every row in C order (as pgm_lite writes them), keys written "s1, s2"
        return values
    if keys == fortran:  # the first parent varying fastest (bnlearn's files)
        return [values[i] for i in position]
    return _shuffled(keys, values, in_order)


def _orders(spaces: tuple[tuple[str, ...], ...], cache: Orders) -> tuple[tuple[str, ...], tuple[str, ...], list[int]]:
    """Return (and cache) the row keys ``"s1, s2"`` of two parents or more in C order, in Fortran
    order (the first parent varying fastest: bnlearn's files), and for each C position the
    Fortran one.
    """
    keys = tuple(map(", ".join, itertools.product(*spaces)))
    fortran = tuple([", ".join(c[::-1]) for c in itertools.product(*spaces[::-1])])
    found = cache[spaces] = (keys, fortran, list(map(dict(zip(fortran, range(len(keys)))).__getitem__, keys)))
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
             atol: float) -> BayesianNetwork | None:
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
        if not (min(numbers) >= 0 and max(numbers) <= 1 + atol and min(sums) >= 1 - tolerance
                and max(sums) <= 1 + tolerance and math.isfinite(sum(sums))):  # NaN: a NaN row sum
            return None
        start[k] = len(values)
        values += numbers
    flat = np.array(values)
    flat.flags.writeable = False  # the tables are views of it
    cpds = []
    for v in states:
        parents, shape, offset = layouts[v]
        offset += start[shape[-1]]
        table = flat[offset:offset + math.prod(shape)]
        cpds.append(TabularCPD.from_validated(v, table.reshape(shape) if parents else table, parents, states))
    try:
        return BayesianNetwork.from_validated(states, cpds)
    except StructureError:  # a cycle: BifParser locates it
        return None
