"""Sampling: forward (ancestral), rejection, likelihood weighting and Gibbs, plus approximate queries."""

from .forward import approximate_query, sample
from .gibbs import gibbs_sample

__all__ = ["approximate_query", "gibbs_sample", "sample"]
