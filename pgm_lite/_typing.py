"""Type aliases shared by the public signatures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

__all__ = ["Edges", "RNGLike", "StatesSpec"]

if TYPE_CHECKING:
    #: What every ``rng=`` argument takes: a seed, a generator, or None (fresh entropy).
    RNGLike = int | np.random.Generator | np.random.SeedSequence | None
else:
    def __getattr__(name: str) -> Any:
        """Build ``RNGLike`` on first use: ``numpy.random`` costs ~8 ms, too much for ``import pgm_lite``."""
        if name == "RNGLike":
            return int | np.random.Generator | np.random.SeedSequence | None
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: Edges given to a model constructor: pairs of variable names.
Edges = Iterable[tuple[str, str]]
#: A ``states=`` argument: one count for every variable, or ``{variable: count | names}``.
StatesSpec = int | Mapping[str, Any] | None
