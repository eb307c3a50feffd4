"""Learning: maximum-likelihood and Bayesian fits, EM with missing values, log-likelihood."""

from .em import EMResult, align_states, fit_em
from .fit import fit, log_likelihood
from .scores import score
from .structure import learn_structure

__all__ = ["EMResult", "align_states", "fit", "fit_em", "learn_structure", "log_likelihood", "score"]
