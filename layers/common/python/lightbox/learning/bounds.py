"""Confidence bounds on a proportion (an approval share measured from reviews).

Calibration moves a threshold only when the *lower* bound of the precision it
would get clears the target, so a handful of lucky approvals never moves it.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def _z(confidence: float) -> float:
    """One-sided normal quantile: 0.95 -> 1.645."""
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence must be in (0.5, 1), not {confidence}")
    return NormalDist().inv_cdf(confidence)


def wilson_lower(successes: float, n: float, confidence: float = 0.95) -> float:
    """One-sided Wilson score lower bound on the success probability.

    `successes` and `n` may be fractional (weighted or effective counts).
    0 when there is no evidence at all.
    """
    if n <= 0:
        return 0.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denom)


def wilson_upper(successes: float, n: float, confidence: float = 0.95) -> float:
    """One-sided Wilson score upper bound (1 with no evidence)."""
    if n <= 0:
        return 1.0
    return 1.0 - wilson_lower(n - successes, n, confidence)


def effective_n(weights: list[float]) -> float:
    """Kish's effective sample size of weighted observations: (Σw)² / Σw².

    Spot checks stand for 1/rate auto-published photos each; weighting them up
    keeps the precision estimate unbiased, and the effective n keeps its bound
    honest (a weighted sample says less than its total weight suggests).
    """
    total = sum(weights)
    squares = sum(w * w for w in weights)
    return total * total / squares if squares else 0.0


def weighted_lower_bound(
    labels: list[int], weights: list[float], confidence: float = 0.95
) -> tuple[float, float, float]:
    """(estimate, lower bound, effective n) of a weighted approval share."""
    total = sum(weights)
    if total <= 0:
        return 0.0, 0.0, 0.0
    estimate = sum(w * y for w, y in zip(weights, labels, strict=True)) / total
    n_eff = effective_n(weights)
    return estimate, wilson_lower(estimate * n_eff, n_eff, confidence), n_eff
