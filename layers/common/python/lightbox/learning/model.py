"""Calibrated approval probability: logistic regression on the score components.

Features are the logs of the components (a weighted geometric mean, which is
what the confidence is, is linear in them), standardised, with a small ridge
penalty. The component names come from the feedback records, so a scorer
that adds, drops or reweights signals needs no change here; a model whose
features are missing from a photo's components is not used for it (routing
falls back to the confidence thresholds). Pure Python: the Calibrate function
needs no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

FLOOR = 0.01  # log(0) guard, the same floor the confidence uses
_L2 = 1.0
_MAX_ITERATIONS = 50


class LogisticModel(BaseModel):
    """p(approve) = σ(bias + Σ weight · (log(component) − mean) / scale)."""

    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, components: Mapping[str, float]) -> float | None:
        """None when a feature the model needs is missing (a changed scorer)."""
        if any(name not in components for name in self.features):
            return None
        z = self.bias
        for name, w, m, s in zip(self.features, self.weights, self.means, self.scales, strict=True):
            z += w * (_log(components[name]) - m) / s
        return _sigmoid(z)


def _log(value: float) -> float:
    return math.log(max(float(value), FLOOR))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def usable_features(rows: Sequence[Mapping[str, float]]) -> tuple[str, ...]:
    """Component names present in every row and not constant across them."""
    if not rows:
        return ()
    names = set(rows[0])
    for row in rows[1:]:
        names &= set(row)
    return tuple(
        sorted(
            n for n in names if max(_log(r[n]) for r in rows) - min(_log(r[n]) for r in rows) > 1e-9
        )
    )


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and positive definite)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        div = m[col][col]
        if abs(div) < 1e-12:
            raise ArithmeticError("singular system")
        for r in range(col + 1, n):
            factor = m[r][col] / div
            if factor:
                for c in range(col, n + 1):
                    m[r][c] -= factor * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit(
    rows: Sequence[Mapping[str, float]], labels: Sequence[int], features: Sequence[str]
) -> LogisticModel:
    """Ridge-penalised logistic regression by Newton's method (IRLS)."""
    if len(rows) != len(labels) or not rows:
        raise ValueError("need as many labels as rows, and at least one")
    feats = tuple(features)
    raw = [[_log(r[f]) for f in feats] for r in rows]
    n, k = len(raw), len(feats)
    means = [sum(col) / n for col in zip(*raw, strict=True)] if k else []
    scales = [
        max(math.sqrt(sum((v - means[j]) ** 2 for v in (row[j] for row in raw)) / n), 1e-6)
        for j in range(k)
    ]
    x = [[1.0] + [(row[j] - means[j]) / scales[j] for j in range(k)] for row in raw]
    beta = [0.0] * (k + 1)
    share = (sum(labels) + 0.5) / (n + 1.0)
    beta[0] = math.log(share / (1 - share))
    for _ in range(_MAX_ITERATIONS):
        grad = [0.0] * (k + 1)
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        for xi, yi in zip(x, labels, strict=True):
            p = _sigmoid(sum(b * v for b, v in zip(beta, xi, strict=True)))
            wgt = p * (1 - p)
            for a in range(k + 1):
                grad[a] += (yi - p) * xi[a]
                for c in range(a, k + 1):
                    hess[a][c] += wgt * xi[a] * xi[c]
        for a in range(k + 1):
            for c in range(a):
                hess[a][c] = hess[c][a]
        for a in range(1, k + 1):  # the intercept is not penalised
            grad[a] -= _L2 * beta[a]
            hess[a][a] += _L2
        hess[0][0] += 1e-9
        step = _solve(hess, grad)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return LogisticModel(
        features=feats,
        weights=tuple(round(b, 6) for b in beta[1:]),
        bias=round(beta[0], 6),
        means=tuple(round(m, 6) for m in means),
        scales=tuple(round(s, 6) for s in scales),
    )
