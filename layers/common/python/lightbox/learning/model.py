"""Calibrated approval probability: logistic regression on the score components.

Each component enters through a small basis: its log (a weighted geometric
mean, which is what the confidence is, is linear in the logs) and hinges
`min(component − knot, 0)` at `KNOTS`, so the model can learn a floor ("a
reviewer rejects anything below 0.35 sharpness, whatever else is good") that
no reweighting of the confidence could express. Terms are standardised and
ridge-penalised. The component names come from the feedback records, so a
scorer that adds, drops or reweights signals needs no change here; a model
whose components are missing from a photo's scores is not used for it
(routing falls back to the confidence thresholds).

Fitting uses numpy (the Calibrate function has ImagingLayer); predicting is
pure Python, so the score stage needs nothing beyond the common layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

FLOOR = 0.01  # log(0) guard, the same floor the confidence uses
KNOTS = (0.3, 0.5, 0.7, 0.9)
_MIN_SIDE = 0.02  # a hinge needs this share of rows on each side of its knot
_L2 = 1.0
_MAX_ITERATIONS = 50


class LogisticModel(BaseModel):
    """p(approve) = σ(bias + Σ weight · (term − mean) / scale).

    A term is `name` (the log of that component) or `name<knot`
    (`min(component − knot, 0)`).
    """

    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...]  # the components the model reads
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, components: Mapping[str, float]) -> float | None:
        """None when a component the model needs is missing (a changed scorer)."""
        if any(name not in components for name in self.features):
            return None
        z = self.bias
        for term, w, m, s in zip(self.terms, self.weights, self.means, self.scales, strict=True):
            z += w * (_term(term, components) - m) / s
        return _sigmoid(z)


def _log(value: float) -> float:
    return math.log(max(float(value), FLOOR))


def _term(term: str, components: Mapping[str, float]) -> float:
    name, _, knot = term.partition("<")
    if not knot:
        return _log(components[name])
    return min(float(components[name]) - float(knot), 0.0)


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
        sorted(n for n in names if max(r[n] for r in rows) - min(r[n] for r in rows) > 1e-9)
    )


def _terms(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> tuple[str, ...]:
    terms: list[str] = []
    n = len(rows)
    for name in features:
        terms.append(name)
        values = [float(r[name]) for r in rows]
        for knot in KNOTS:
            below = sum(v < knot for v in values) / n
            if _MIN_SIDE <= below <= 1 - _MIN_SIDE:
                terms.append(f"{name}<{knot}")
    return tuple(terms)


def fit(
    rows: Sequence[Mapping[str, float]], labels: Sequence[int], features: Sequence[str]
) -> LogisticModel:
    """Ridge-penalised logistic regression by Newton's method (IRLS)."""
    import numpy as np

    if len(rows) != len(labels) or not rows:
        raise ValueError("need as many labels as rows, and at least one")
    terms = _terms(rows, features)
    raw = np.array([[_term(t, r) for t in terms] for r in rows], dtype=float).reshape(
        len(rows), len(terms)
    )
    means = raw.mean(axis=0)
    scales = np.maximum(raw.std(axis=0), 1e-6)
    x = np.hstack([np.ones((len(rows), 1)), (raw - means) / scales])
    y = np.asarray(labels, dtype=float)
    share = (y.sum() + 0.5) / (len(y) + 1.0)
    beta = np.zeros(x.shape[1])
    beta[0] = math.log(share / (1 - share))
    penalty = np.full(x.shape[1], _L2)
    penalty[0] = 1e-9  # the intercept is not penalised
    for _ in range(_MAX_ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -35, 35)))
        grad = x.T @ (y - p) - penalty * beta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-7:
            break
    return LogisticModel(
        features=tuple(features),
        terms=terms,
        weights=tuple(round(float(b), 6) for b in beta[1:]),
        bias=round(float(beta[0]), 6),
        means=tuple(round(float(m), 6) for m in means),
        scales=tuple(round(float(s), 6) for s in scales),
    )
