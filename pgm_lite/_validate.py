"""Validation helpers shared by the models: unknown names get messages that list the choices."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .exceptions import ArgumentTypeError, OptionError, VariableNotFoundError

__all__ = ["check_int", "check_number", "check_option", "check_rng", "check_variable", "check_variables", "format_choices"]


def format_choices(choices: Iterable[Any], limit: int = 20) -> str:
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


def check_variable(name: Any, valid: Collection[Any], what: str = "variable") -> Any:
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


def check_variables(names: Any, valid: Collection[Any], what: str = "variable") -> tuple[Any, ...]:
    """Check every name of an iterable (a lone string is one name); return them as a tuple."""
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        check_variable(name, valid, what)
    return names


def check_option(name: str, value: Any, choices: Sequence[Any], *, what: str | None = None) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise OptionError listing them.

    Examples
    --------
    >>> check_option("method", "mle", ("mle", "bayes"))
    'mle'
    >>> check_option("method", "ml", ("mle", "bayes"))
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: unknown method 'ml'; choose from ['mle', 'bayes']
    """
    try:
        ok = value in choices
    except TypeError:  # unhashable values are never valid names
        ok = False
    if not ok or isinstance(value, bool):
        raise OptionError(f"unknown {what or name} {value!r}; choose from {format_choices(choices)}")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None,
              kind: str | None = None) -> int:
    """Return ``value`` as an int if it is an integer within ``[minimum, maximum]``.

    Raises
    ------
    ArgumentTypeError
        If ``value`` is not an integer (bools are not integers here); also a TypeError.
        ``kind`` (e.g. ``"an integer >= 1"``) words both messages when given.
    OptionError
        If it is out of range; also a ValueError.

    Examples
    --------
    >>> check_int("n_samples", 3, minimum=1)
    3
    >>> check_int("n_samples", 0, minimum=1)
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: n_samples must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{name} must be {kind or 'an int'}, got {value!r} ({type(value).__name__})"
                                if kind else f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        if kind is None:
            kind = "a positive integer" if minimum == 1 else "a non-negative integer" if minimum == 0 \
                else f"an integer >= {minimum}"
        raise OptionError(f"{name} must be {kind}, got {value}")
    if maximum is not None and value > maximum:
        raise OptionError(f"{name} must be at most {maximum}, got {value}")
    return value


def check_rng(rng: Any) -> np.random.Generator:
    """Return ``np.random.default_rng(rng)``; a bad seed raises OptionError naming ``rng``.

    Examples
    --------
    >>> check_rng(-1)
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: rng must be None, a non-negative int seed, a SeedSequence or a numpy Generator; got -1
    """
    if isinstance(rng, bool):
        rng = "bool"  # a bool is not a seed
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as err:
        raise OptionError(
            "rng must be None, a non-negative int seed, a SeedSequence or a numpy Generator; "
            f"got {rng!r}"
        ) from err


def check_number(name: str, value: Any, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number above ``minimum``.

    Examples
    --------
    >>> check_number("pseudo_count", -1.0, minimum=0.0)
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: pseudo_count must be >= 0.0, got -1.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise OptionError(f"{name} must be finite, got {value}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise OptionError(f"{name} must be {'>' if strict else '>='} {minimum}, got {value}")
    return value


def as_evidence_dict(evidence: Any) -> dict:
    """Evidence given as a mapping or a pandas Series (index = variables) as a plain dict."""
    if isinstance(evidence, Mapping):
        return dict(evidence)
    if hasattr(evidence, "index") and hasattr(evidence, "to_dict") and getattr(evidence, "ndim", 0) == 1:
        return {str(k): v for k, v in evidence.to_dict().items()}
    raise ArgumentTypeError(f"evidence must be a dict {{variable: state}} (or a pandas Series), "
                            f"got {type(evidence).__name__}")
