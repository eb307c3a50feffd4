"""Validation helpers shared by the models: unknown names get messages that list the choices."""

from __future__ import annotations

import difflib

from .exceptions import ShapeError, StructureError, VariableNotFoundError
from .factor import _state_tuple, default_state_names

__all__ = ["format_choices", "check_variable", "check_variables"]


def format_choices(choices, limit=20):
    """Render a list of valid choices, shortened for big networks.

    Examples
    --------
    >>> format_choices(["a", "b"])
    "['a', 'b']"
    >>> format_choices([f"x{i}" for i in range(30)], limit=3)
    "['x0', 'x1', 'x2', ... (27 more)]"
    """
    choices = list(choices)
    if len(choices) <= limit:
        return repr(choices)
    shown = ", ".join(repr(c) for c in choices[:limit])
    return f"[{shown}, ... ({len(choices) - limit} more)]"


def check_variable(name, valid, what="variable"):
    """Raise VariableNotFoundError unless ``name`` is in ``valid`` (a dict or set); suggest near misses."""
    if name in valid:
        return name
    hint = ""
    if isinstance(name, str):
        close = difflib.get_close_matches(name, [str(v) for v in valid], n=3)
        if close:
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?"
    raise VariableNotFoundError(
        f"unknown {what} {name!r}{hint} valid {what}s: {format_choices(valid)}"
        if hint
        else f"unknown {what} {name!r}; choose from {format_choices(valid)}"
    )


def check_variables(names, valid, what="variable"):
    """Check every name of an iterable (a lone string is one name); return them as a tuple."""
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        check_variable(name, valid, what)
    return names


def _reject_duplicates(names):
    seen = set()
    for v in names:
        if v in seen:
            raise StructureError(f"variable {v!r} is declared twice")
        seen.add(v)


def _split_states(states):
    """Return (default spec, per-variable specs) from an int, a dict or None."""
    if states is None:
        return 2, {}
    if isinstance(states, dict):
        return 2, dict(states)
    return states, {}


def _is_default(names):
    return names == default_state_names(len(names))


def _merge_states(variable, sources, default):
    """Reconcile the state names of ``variable`` offered by several sources.

    Default names ``"0".."k-1"`` (a CPD built without names) yield to explicit ones; two explicit
    namings, or two cardinalities, must agree.
    """
    chosen, chosen_from = None, None
    for where, spec in sources:
        names = _state_tuple(variable, spec)
        if chosen is None:
            chosen, chosen_from = names, where
            continue
        if len(names) != len(chosen):
            raise ShapeError(
                f"variable {variable!r} has {len(chosen)} states in {chosen_from} "
                f"but {len(names)} in {where}"
            )
        if names != chosen and not _is_default(names):
            if _is_default(chosen):
                chosen, chosen_from = names, where
            else:
                raise ShapeError(
                    f"variable {variable!r} has states {list(chosen)} in {chosen_from} "
                    f"but {list(names)} in {where}"
                )
    return chosen if chosen is not None else _state_tuple(variable, default)
