"""Recognise Dask collections without importing Dask (core layer).

The engines call :func:`is_dask` at their entry points and hand Dask inputs to the implementation
that :mod:`pgm_lite.distributed` registered with ``register_engine`` under :func:`dask_engine_name`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["dask_engine_name", "is_dask"]


def is_dask(obj: Any) -> bool:
    """Return True for a Dask collection (DataFrame, Series, Array, Bag, Delayed).

    Dask collections implement the ``__dask_graph__`` protocol; checking for it never imports Dask.

    Examples
    --------
    >>> is_dask(np.zeros(3)), is_dask([1, 2])
    (False, False)
    """
    return callable(getattr(type(obj), "__dask_graph__", None))


def dask_engine_name(function: str) -> str:
    """Registry key of the Dask implementation of the public function ``function``.

    Examples
    --------
    >>> dask_engine_name("fit")
    'dask:fit'
    """
    return f"dask:{function}"
