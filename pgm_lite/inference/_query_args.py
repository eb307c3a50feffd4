"""Validation of query arguments at the boundary: variable ids, evidence codes, order keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._states import state_index
from .._validate import as_evidence_dict, check_variable, format_choices
from ..elimination import get_heuristic
from ..exceptions import ArgumentTypeError, OptionError, PGMError, StructureError, ZeroEvidenceError
from ._coded import Compiled


def _var_id(c: Compiled, name: Any) -> int:
    try:
        i = c.index.get(name)
    except TypeError:  # unhashable: certainly not a variable
        i = None
    if i is None:
        return c.index[check_variable(name, c.index)]  # raises, listing the valid names
    return i


def variable_ids(c: Compiled, variables: Any, *, allow_empty: bool = False) -> tuple[int, ...]:
    """Validate query variables; return their ids (a lone string is one variable)."""
    if isinstance(variables, str):
        variables = (variables,)
    elif variables.__class__ is not list and variables.__class__ is not tuple:
        variables = list(_names_of(variables, "query variables"))
    get = c.index.get
    try:
        found = tuple([get(v) for v in variables])
    except TypeError:  # unhashable: certainly not a variable (the slow path says which)
        found = (None,)
    ids: tuple[int, ...] = tuple([_var_id(c, v) for v in variables]) if None in found else found  # type: ignore[assignment]
    if not ids and not allow_empty:
        raise PGMError("empty query: name at least one variable")
    if len(ids) > 1 and len(set(ids)) != len(ids):
        dupes = sorted({c.names[i] for i in ids if ids.count(i) > 1})
        raise PGMError(f"query names variable(s) {dupes} more than once")
    return ids


def state_code(c: Compiled, i: int, state: Any) -> int:
    """Code of ``state`` (a name or an index) of variable id ``i``."""
    code = c.codes[i].get(state) if isinstance(state, str) else None
    if code is not None:
        return code
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool) and 0 <= state < c.cards[i]:
        return int(state)
    return state_index(c.names[i], c.states[i], state)  # raises with the valid choices


def evidence_codes(c: Compiled, evidence: Mapping[str, Any] | None,
                   query_ids: tuple[int, ...] = ()) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validate evidence; return ``(ids, codes)`` sorted by id."""
    if evidence.__class__ is not dict:
        if evidence is None:
            return (), ()
        evidence = as_evidence_dict(evidence)
    if not evidence:
        return (), ()
    index = c.index
    by_id: dict[int, Any] = {}
    for v, s in evidence.items():
        i = index.get(v) if v.__class__ is str else None
        by_id[_var_id(c, v) if i is None else i] = s
    ids = tuple(sorted(by_id))  # (distinct keys of a dict name distinct variables)
    if query_ids and not by_id.keys().isdisjoint(query_ids):
        both = [c.names[i] for i in ids if i in query_ids]
        raise PGMError(f"variable(s) {both} are both queried and observed; drop them from one side")
    codes = []
    maps, code_maps = c.codes.maps, c.codes
    for i in ids:
        s = by_id[i]
        code = (maps[i] or code_maps[i]).get(s) if s.__class__ is str else None
        codes.append(state_code(c, i, s) if code is None else code)
    return ids, tuple(codes)


def elimination_key(c: Compiled, spec: Any) -> Any:
    """Normalise an elimination-order argument (heuristic name or list) to a hashable key."""
    if spec.__class__ is str:
        if spec != "auto":  # the default needs no look-up
            get_heuristic(spec)  # raises, listing the valid names
        return spec
    if isinstance(spec, str):
        get_heuristic(spec)
        return spec
    order = tuple(_var_id(c, v) for v in _names_of(spec, "elimination_order (a heuristic name or a list of variables)"))
    if len(set(order)) != len(order):
        dupes = sorted({c.names[i] for i in order if order.count(i) > 1})
        raise StructureError(f"elimination order lists {dupes} more than once")
    return order


def _names_of(values: Any, what: str) -> Any:
    """``values`` if it can be iterated over, else an ArgumentTypeError naming ``what``."""
    try:
        iter(values)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a name or a list of names, got {values!r}") from None
    return values


def check_max_memory(max_memory: Any) -> None:
    """Refuse a ``max_memory`` that is not a positive number of bytes."""
    if max_memory.__class__ is int and max_memory > 0:
        return
    if isinstance(max_memory, bool) or not isinstance(max_memory, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"max_memory must be a number of bytes (e.g. 2**31), got {max_memory!r}")
    if not max_memory > 0:
        raise OptionError(f"max_memory must be a positive number of bytes, got {max_memory!r}")


def zero_evidence(c: Compiled, ids: Sequence[int], codes: Sequence[int]) -> ZeroEvidenceError:
    shown = {c.names[i]: c.states[i][k] for i, k in zip(ids, codes)}
    return ZeroEvidenceError(f"the evidence {shown} has probability zero under the model")


def zero_partition() -> ZeroEvidenceError:
    """Build the error for a Markov network whose tables give every assignment weight zero (Z = 0)."""
    return ZeroEvidenceError("the partition function is 0: every assignment has weight zero, so the "
                             "Markov network defines no distribution; check its factor tables")


def check_order_covers(c: Compiled, order: Sequence[int], hidden: set[int]) -> None:
    missing = [c.names[v] for v in sorted(hidden) if v not in set(order)]
    if missing:
        raise StructureError(
            f"elimination order misses variable(s) {format_choices(missing)} that must be summed out"
        )


