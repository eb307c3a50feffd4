"""Sampling: forward (ancestral), rejection, likelihood weighting and Gibbs, plus approximate queries."""

# The inference package first: its __init__ imports sampling.gibbs (for approximate marginals), and
# sampling._forward imports inference._coded, so either entry point (pl.sample or pl.query first)
# must find inference loaded before this package's submodules run.
from .. import inference as _inference  # noqa: F401
from .forward import approximate_query, sample
from .gibbs import gibbs_sample

__all__ = ["approximate_query", "gibbs_sample", "sample"]
