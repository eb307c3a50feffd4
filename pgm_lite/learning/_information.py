"""Contingency tables, (conditional) mutual information and the G / chi-square independence tests.

``N(z, x, y)`` comes from one ``np.bincount`` of the combined codes. ``information(N)`` is
``sum N log(N N_z / (N_xz N_yz))``, which is ``n * I(X; Y | Z)`` in nats and half the G statistic.
The chi-square tail probability is the regularised upper incomplete gamma function, computed
here (series / continued fraction, Numerical Recipes 6.2) so the core needs no scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["chi2_sf", "contingency", "information", "independence_test"]

_EPS = 1e-15
_MAX_TERMS = 10_000


def contingency(codes: np.ndarray, card: np.ndarray, x: int, y: int, given: Sequence[int] = ()) -> np.ndarray:
    """Count ``N[z, x, y]`` of variables ``x``, ``y`` per configuration ``z`` of ``given``."""
    rx, ry = int(card[x]), int(card[y])
    index = np.zeros(codes.shape[1], dtype=np.int64)
    q = 1
    for z in given:
        index *= card[z]
        index += codes[z]
        q *= int(card[z])
    index *= rx
    index += codes[x]
    index *= ry
    index += codes[y]
    return np.bincount(index, minlength=q * rx * ry).reshape(q, rx, ry).astype(float)


def information(counts: np.ndarray) -> float:
    """``sum N log(N N_z / (N_xz N_yz))`` of a ``(q, rx, ry)`` table: ``n * I(X; Y | Z)``."""
    nz = counts.sum(axis=(1, 2), keepdims=True)
    nxz = counts.sum(axis=2, keepdims=True)
    nyz = counts.sum(axis=1, keepdims=True)
    seen = counts > 0
    ratio = (counts * nz) / (nxz * nyz + ~seen)
    return float(np.sum(counts[seen] * np.log(ratio[seen])))


def _degrees_of_freedom(counts: np.ndarray) -> int:
    """``sum_z (rx_z - 1)(ry_z - 1)`` over observed strata, with empty rows/columns left out."""
    rows = (counts.sum(axis=2) > 0).sum(axis=1)
    cols = (counts.sum(axis=1) > 0).sum(axis=1)
    return int(np.sum(np.maximum(rows - 1, 0) * np.maximum(cols - 1, 0)))


def chi2_sf(statistic: float, dof: float) -> float:
    """``P(chi2_dof >= statistic)``.

    Examples
    --------
    >>> round(chi2_sf(3.841458820694124, 1), 6)
    0.05
    """
    if statistic <= 0:
        return 1.0
    a, x = dof / 2.0, statistic / 2.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # series for the lower function P
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_TERMS):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    b = x + 1 - a  # Lentz's continued fraction for Q
    c, d = 1.0 / 1e-300, 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return min(1.0, math.exp(log_front) * h)


def independence_test(counts: np.ndarray, test: str) -> tuple[float, int, float]:
    """``(statistic, dof, p-value)`` of the G test (``"g_sq"``) or Pearson's chi-square."""
    dof = _degrees_of_freedom(counts)
    if test == "g_sq":
        statistic = 2.0 * information(counts)
    else:
        nz = counts.sum(axis=(1, 2), keepdims=True)
        expected = counts.sum(axis=2, keepdims=True) * counts.sum(axis=1, keepdims=True)
        expected = np.divide(expected, nz, out=np.zeros_like(expected), where=nz > 0)
        seen = expected > 0
        statistic = float(np.sum((counts[seen] - expected[seen]) ** 2 / expected[seen]))
    if dof <= 0:
        return statistic, dof, 1.0
    return statistic, dof, chi2_sf(statistic, dof)
