"""Type aliases shared by the public signatures."""

from __future__ import annotations

from typing import Union

import numpy as np

__all__ = ["RNGLike"]

#: What every ``rng=`` argument takes: a seed, a generator, or None (fresh entropy).
RNGLike = Union[int, np.random.Generator, np.random.SeedSequence, None]
