"""State names and variable lists: the checks every model, factor and CPD applies on entry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .exceptions import ArgumentTypeError, ShapeError, StructureError, VariableNotFoundError

__all__ = [
    "as_variables",
    "check_names",
    "default_state_names",
    "is_default_names",
    "merge_states",
    "reject_duplicates",
    "split_states",
    "state_index",
    "state_tuple",
]


def default_state_names(cardinality: int) -> tuple[str, ...]:
    """Return the default state names ``("0", "1", ..., "k-1")``.

    Examples
    --------
    >>> default_state_names(3)
    ('0', '1', '2')
    """
    return tuple(str(i) for i in range(cardinality))


def as_table(values: Any, what: str) -> np.ndarray:
    """``values`` as a new float array, or a ShapeError naming ``what`` (ragged rows, text, None)."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ShapeError(f"{what} must be an array of numbers, got {type(values).__name__}: {err}") from None


def as_list(values: Any, what: str) -> list:
    """``values`` (any iterable; None for none) as a list, or an ArgumentTypeError naming ``what``."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)):
        raise ArgumentTypeError(f"{what} must be a list, got the string {values!r}")
    try:
        return list(values)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a list, got {type(values).__name__}") from None


def check_names(names: Iterable[Any]) -> None:
    """Raise ArgumentTypeError unless every variable name is a non-empty string.

    Examples
    --------
    >>> check_names(["A", None])
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ArgumentTypeError: variable names must be non-empty strings, got None (NoneType)
    """
    for name in names:
        if not isinstance(name, str) or not name:
            raise ArgumentTypeError(
                f"variable names must be non-empty strings, got {name!r} ({type(name).__name__})"
            )


def as_variables(variables: str | Iterable[str]) -> tuple[str, ...]:
    """Normalise a variable list: a lone string is one variable, not a sequence of letters."""
    if isinstance(variables, str):
        return (variables,)
    try:
        out = tuple(variables)
    except TypeError:
        raise ArgumentTypeError(
            f"expected a variable name or a sequence of them, got {variables!r}"
        ) from None
    check_names(out)
    return out


def state_tuple(variable: str, names: Any, cardinality: int | None = None) -> tuple[str, ...]:
    """Validate a sequence of state names for ``variable`` and return it as a tuple of str."""
    if isinstance(names, (int, np.integer)) and not isinstance(names, bool):
        if names < 1:
            raise ShapeError(f"variable {variable!r} needs at least one state, got {names}")
        names = default_state_names(int(names))
    elif isinstance(names, str):
        raise ShapeError(
            f"states of {variable!r} must be a sequence of names, got the single string {names!r}"
        )
    names = tuple(str(s) for s in names)
    if len(set(names)) != len(names):
        dupes = sorted({s for s in names if names.count(s) > 1})
        raise ShapeError(f"variable {variable!r} has duplicate state names {dupes}")
    if cardinality is not None and len(names) != cardinality:
        raise ShapeError(
            f"variable {variable!r} has {cardinality} states in its table "
            f"but {len(names)} state names {list(names)}"
        )
    return names


def state_index(variable: str, names: Sequence[str], state: Any) -> int:
    """Return the integer code of ``state`` (a name, or an index) among ``names``.

    Examples
    --------
    >>> state_index("smoke", ("yes", "no"), "no")
    1
    >>> state_index("smoke", ("yes", "no"), 0)
    0
    """
    if isinstance(state, str):
        try:
            return names.index(state)
        except ValueError:
            raise VariableNotFoundError(
                f"unknown state {state!r} of variable {variable!r}; choose from {list(names)}"
            ) from None
    if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
        if 0 <= state < len(names):
            return int(state)
        raise VariableNotFoundError(
            f"state index {state} of variable {variable!r} is out of range; "
            f"it has {len(names)} states {list(names)}"
        )
    raise VariableNotFoundError(
        f"state of variable {variable!r} must be a name or an index, got {state!r}; "
        f"choose from {list(names)}"
    )


def reject_duplicates(names: Iterable[str]) -> None:
    seen = set()
    for v in names:
        if v in seen:
            raise StructureError(f"variable {v!r} is declared twice")
        seen.add(v)


def split_states(states: Any) -> tuple[Any, dict[str, Any]]:
    """Return (default spec, per-variable specs) from an int, a dict or None."""
    if states is None:
        return 2, {}
    if isinstance(states, dict):
        return 2, dict(states)
    return states, {}


def is_default_names(names: tuple[str, ...]) -> bool:
    return names == default_state_names(len(names))


def merge_states(variable: str, sources: Iterable[tuple[str, Any]], default: Any) -> tuple[str, ...]:
    """Reconcile the state names of ``variable`` offered by several sources.

    Default names ``"0".."k-1"`` (a CPD built without names) yield to explicit ones; two explicit
    namings, or two cardinalities, must agree.
    """
    chosen, chosen_from = None, None
    for where, spec in sources:
        names = state_tuple(variable, spec)
        if chosen is None:
            chosen, chosen_from = names, where
            continue
        if len(names) != len(chosen):
            raise ShapeError(
                f"variable {variable!r} has {len(chosen)} states in {chosen_from} "
                f"but {len(names)} in {where}"
            )
        if names != chosen and not is_default_names(names):
            if is_default_names(chosen):
                chosen, chosen_from = names, where
            else:
                raise ShapeError(
                    f"variable {variable!r} has states {list(chosen)} in {chosen_from} "
                    f"but {list(names)} in {where}"
                )
    return chosen if chosen is not None else state_tuple(variable, default)
