"""Checks shared by the file readers: declared names, acyclicity and table rows, with located errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from .. import tuning
from .._validate import format_choices
from ..bayesian_network import BayesianNetwork
from ..cpd import TabularCPD
from ..exceptions import ArgumentTypeError, ParseError, StructureError
from ..markov_network import MarkovNetwork

__all__ = ["ATOL", "assemble_network", "check_structure", "check_rows", "check_table_bytes", "table_bytes", "describe", "build_network",
           "make_cpd", "require_bayesian", "require_model"]

#: The one tolerance rule of every reader: a table row may sum to one within ``ATOL`` (numbers
#: are kept as written; inference normalises rows). 0.01 is pgmpy's ``check_model`` tolerance, so
#: what pgmpy and pyAgrum load is read (aGrUM's Water.bif has rows 0.333333 x 3, insurance a row
#: summing to 1.000035); a table transposed by mistake (rows summing to 0.5 or 2) is still caught.
#: Every reader takes ``atol=`` to be stricter.
ATOL = 1e-2

Where = Any
ErrorAt = Callable[[Any, str], ParseError]


#: Bytes a reader needs per table entry (the entries as read, the CPD's own copy, the row checks'
#: temporaries), per row (which rows were given and where) and per state name (a short str).
_ENTRY_BYTES, _ROW_BYTES, _STATE_BYTES = 18, 17, 64


def table_bytes(entries: int, rows: int, n_states: int) -> int:
    """Return about how many bytes reading a table of ``entries`` entries, ``rows`` rows and
    ``n_states`` state names needs (compare with ``pgm_lite.tuning.READ_MAX_TABLE_BYTES``).
    """
    return _ENTRY_BYTES * entries + _ROW_BYTES * rows + _STATE_BYTES * n_states


def check_table_bytes(what: str, entries: int, rows: int, n_states: int, error: ErrorAt, where: Where) -> None:
    """Refuse, before allocating, a table whose reading needs more than ``tuning.READ_MAX_TABLE_BYTES``.

    ``entries`` is the number of table entries, ``rows`` of parent configurations and
    ``n_states`` of state names the table brings; ``error(where, message)`` locates the refusal.

    Examples
    --------
    >>> def error(where, message):
    ...     return pl.ParseError(message, file="f.bif", line=where)
    >>> check_table_bytes("'C'", 2**27, 2**26, 54, error, 3)
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: f.bif:3: found a table of 134217728 entries for 'C', expected at most 59,652,323 entries: reading it needs about 3.3 GiB, more than pgm_lite.tuning.READ_MAX_TABLE_BYTES = 1,073,741,824 bytes (raise it to read this file)
    """
    limit = tuning.READ_MAX_TABLE_BYTES
    need = table_bytes(entries, rows, n_states)
    if need > limit:
        raise error(where, f"found a table of {entries} entries for {what}, expected at most "
                           f"{limit // _ENTRY_BYTES:,} entries: reading it needs about {need / 2**30:.1f} GiB, "
                           f"more than pgm_lite.tuning.READ_MAX_TABLE_BYTES = {limit:,} bytes "
                           "(raise it to read this file)")


def require_bayesian(model: object, fmt: str, writer: str) -> BayesianNetwork:
    """Return ``model`` if it is a fully specified BayesianNetwork, else refuse it clearly.

    Examples
    --------
    >>> require_bayesian(pl.MarkovNetwork([("A", "B")]), "Hugin NET", "write_net")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ArgumentTypeError: write_net needs a BayesianNetwork, got MarkovNetwork; Hugin NET cannot express Markov networks, use write_uai or write_fg
    """
    if not isinstance(model, BayesianNetwork):
        raise ArgumentTypeError(
            f"{writer} needs a BayesianNetwork, got {type(model).__name__}; "
            f"{fmt} cannot express Markov networks, use write_uai or write_fg"
        )
    model.check()
    return model


def require_model(model: object, writer: str) -> BayesianNetwork | MarkovNetwork:
    """Return ``model`` if it is a (fully specified) Bayesian or Markov network, else refuse it."""
    if isinstance(model, BayesianNetwork):
        model.check()
        return model
    if isinstance(model, MarkovNetwork):
        return model
    raise ArgumentTypeError(f"{writer} needs a BayesianNetwork or MarkovNetwork, got {type(model).__name__}")


def check_structure(variables: Mapping[str, tuple[Sequence[str], Where]],
                    blocks: Mapping[str, tuple[Sequence[str], Sequence[Where], Where, Any]],
                    error: ErrorAt, block: str = "table", *, acyclic: bool = True) -> None:
    """Check that tables and declarations match and (with ``acyclic``) the graph is acyclic.

    Parameters
    ----------
    variables : dict
        ``{name: (state names, where)}`` in declaration order.
    blocks : dict
        ``{child: (parents, parent wheres, where, payload)}``.
    error : callable
        ``error(where, message) -> ParseError`` locating ``where`` in the file.
    block : str
        What the file calls a table, for the messages.
    acyclic : bool
        Whether to look for a cycle too (:func:`build_network` leaves that to the model and
        locates a cycle only when the model refuses one).
    """
    for child, (parents, parent_at, at, _) in blocks.items():
        if child not in variables:
            raise error(at, f"found {block} for undeclared variable {child!r}, "
                            f"expected one of {format_choices(variables)}")
        for p, spot in zip(parents, parent_at):
            if p not in variables:
                raise error(spot, f"found unknown parent {p!r} of {child!r}, "
                                  f"expected one of {format_choices(variables)}")
            if p == child or parents.count(p) > 1:
                raise error(spot, f"found parent {p!r} of {child!r} twice or as its own parent, "
                                  "expected distinct parents")
    for v, (_, at) in variables.items():
        if v not in blocks:
            raise error(at, f"found variable {v!r} without a {block}, expected one")
    if not acyclic:
        return
    graph = nx.DiGraph()
    graph.add_nodes_from(variables)
    graph.add_edges_from((p, c) for c, b in blocks.items() for p in b[0])
    if not nx.is_directed_acyclic_graph(graph):
        cycle = [u for u, _ in nx.find_cycle(graph)]
        raise error(blocks[cycle[-1]][2],
                    f"found the cycle {' -> '.join(map(str, cycle + cycle[:1]))}, expected an acyclic graph")


def assemble_network(variables: Mapping[str, tuple[Sequence[str], Where]],
                     blocks: Mapping[str, tuple[Sequence[str], Sequence[Where], Where, Sequence[float]]],
                     error: ErrorAt, *, block: str = "table", atol: float = ATOL,
                     positions: Mapping[str, tuple[float, float]] | None = None) -> BayesianNetwork:
    """Build a BayesianNetwork from flat tables after :func:`check_structure` and row checks.

    ``blocks`` maps each child to ``(parents, parent wheres, where, flat table)``, the table's
    entries in C order over ``(*parents, child)``; ``positions`` are stored on the network.
    """
    check_structure(variables, blocks, error, block, acyclic=False)
    states = {v: tuple(s) for v, (s, _) in variables.items()}
    cpds = []
    for child in variables:
        parents, _, at, flat = blocks[child]
        cards = [len(states[p]) for p in parents]
        k = len(states[child])
        expected = k * int(np.prod(cards, dtype=np.int64))
        if len(flat) != expected:
            raise error(at, f"found {len(flat)} probabilities in the {block} of {child!r}, expected "
                            f"{expected} ({k} states x {expected // k} parent configurations)")
        table = np.asarray(flat, dtype=float).reshape(*cards, k)
        check_rows(child, parents, states, table, _constant(at), error, atol=atol)
        cpds.append(make_cpd(child, parents, states, table, atol))
    bn = build_network(cpds, variables, blocks, error, block)
    if positions:
        bn.set_positions(positions)
    return bn


def build_network(cpds: Sequence[TabularCPD], variables: Mapping[str, tuple[Sequence[str], Where]],
                  blocks: Mapping[str, tuple[Sequence[str], Sequence[Where], Where, Any]], error: ErrorAt,
                  block: str) -> BayesianNetwork:
    """Return the network of checked CPDs (one per variable, in declaration order, built over
    the declared states); a cycle, which the network refuses, is reported at its place in the file.

    The caller has run :func:`check_structure` (``acyclic=False``) and checked every table, so
    the network is assembled by the trusted :meth:`BayesianNetwork.from_validated`.
    """
    try:
        return BayesianNetwork.from_validated({c.variable: c.states[c.variable] for c in cpds}, cpds)
    except StructureError as err:
        check_structure(variables, blocks, error, block)
        raise error(blocks[next(iter(blocks))][2], str(err)) from err  # pragma: no cover - a cycle is found


def _constant(where: Where) -> Callable[[int], Where]:
    """Return a function that locates every row of a table at ``where``."""
    return lambda row: where


def make_cpd(child: str, parents: Sequence[str], states: Mapping[str, Sequence[str]],
             table: np.ndarray, atol: float = ATOL) -> TabularCPD:
    """Return the TabularCPD of checked parts."""
    return TabularCPD(child, table, list(parents), {v: tuple(states[v]) for v in (*parents, child)}, atol=atol)


def check_rows(child: str, parents: Sequence[str], states: Mapping[str, Sequence[str]], table: np.ndarray,
               where_of_row: Callable[[int], Where], error: ErrorAt, *, atol: float = ATOL) -> None:
    """Raise ``error`` at the first row with negative entries or not summing to one within atol."""
    flat = table.reshape(-1, table.shape[-1])
    sums = flat.sum(axis=1)
    good = (np.abs(sums - 1.0) <= atol) & (flat >= 0).all(axis=1) & (flat <= 1 + atol).all(axis=1)
    if not good.all():
        r = int(np.flatnonzero(~good)[0])
        what = f"P({child} | {describe(parents, states, r)})" if parents else f"P({child})"
        raise error(where_of_row(r), f"found probabilities {flat[r].tolist()} for {what} summing to "
                                     f"{float(sums[r])!r}, expected non-negative numbers summing to 1")


def describe(parents: Sequence[str], states: Mapping[str, Sequence[str]], code: int) -> str:
    """Return ``"A=a1, B=b0"`` for row ``code`` of a table over ``parents``."""
    codes = np.unravel_index(code, [len(states[p]) for p in parents])
    return ", ".join(f"{p}={states[p][int(c)]}" for p, c in zip(parents, codes))
