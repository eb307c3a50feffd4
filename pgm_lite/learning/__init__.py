"""Learning: maximum-likelihood and Bayesian fits, EM with missing values, log-likelihood."""

from .em import EMResult, fit_em
from .fit import fit, log_likelihood

__all__ = ["EMResult", "fit", "fit_em", "log_likelihood"]
