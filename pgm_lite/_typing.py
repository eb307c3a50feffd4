"""Type aliases shared by the public signatures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["Edges", "RNGLike", "StatesSpec"]

#: What every ``rng=`` argument takes: a seed, a generator, or None (fresh entropy).
RNGLike = int | np.random.Generator | np.random.SeedSequence | None
#: Edges given to a model constructor: pairs of variable names.
Edges = Iterable[tuple[str, str]]
#: A ``states=`` argument: one count for every variable, or ``{variable: count | names}``.
StatesSpec = int | Mapping[str, Any] | None
