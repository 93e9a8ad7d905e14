"""Confidence from measured quality signals.

A weighted geometric mean: one weak signal (a blurry photo, a mask the
segmenter is unsure of) pulls the whole score down, which is what a seller
wants — a confident publish needs every part to be good. Some signals gate
as well (`GATES`): the confidence never exceeds them, so a weak cut-out
cannot be rescued by a sharp, well-exposed, well-framed photo (measured: with
segmentation weighing 0.35 of a plain weighted mean, a cut-out the segmenter
gave 0.53 could still reach an auto-publish level of 0.8). Compliance
failures are not averaged in: they block auto-publish outright (see
`compliant`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WEIGHTS: Mapping[str, float] = {
    "segmentation": 0.35,
    "sharpness": 0.25,
    "exposure": 0.20,
    "framing": 0.20,
}
#: Signals the confidence is capped by: a cut-out is the product shot itself,
#: so the listing is never more certain than the segmentation behind it.
GATES: tuple[str, ...] = ("segmentation",)
_FLOOR = 0.01  # log(0) guard: a zero signal still leaves a comparable score
_WEAK = 0.6

_ADVICE: Mapping[str, str] = {
    "segmentation": (
        "The product could not be separated cleanly from the background "
        "(confidence {value:.2f}): shoot it on a plain background that contrasts with it."
    ),
    "sharpness": (
        "The photo is not fully sharp (sharpness {value:.2f}): focus on the product and hold "
        "the camera steady."
    ),
    "exposure": (
        "The exposure is off (score {value:.2f}): add light or avoid blown-out highlights."
    ),
    "framing": (
        "The product fills too little of the photo or is cut off at the edge (framing "
        "{value:.2f}): move closer and keep the whole product in frame."
    ),
}


@dataclass(frozen=True)
class ComplianceSummary:
    marketplace: str
    ok: bool
    failures: Sequence[str] = ()


@dataclass(frozen=True)
class Score:
    confidence: float
    compliant: bool
    components: dict[str, float]
    reasons: list[str] = field(default_factory=list)


def framing_signal(coverage: float, touches_edge: bool) -> float:
    """How usable the framing is: 1 for a product that fills 15–85% of the frame."""
    if coverage <= 0:
        return 0.0
    if coverage < 0.15:
        value = coverage / 0.15
    elif coverage > 0.85:
        value = max(0.0, 1 - (coverage - 0.85) / 0.15)
    else:
        value = 1.0
    return value * (0.5 if touches_edge else 1.0)


def score_listing(signals: Mapping[str, float], compliance: Sequence[ComplianceSummary]) -> Score:
    """Combine named signals (0..1) into a confidence and seller-readable reasons."""
    components = {name: min(1.0, max(0.0, float(signals.get(name, 0.0)))) for name in WEIGHTS}
    total = sum(WEIGHTS.values())
    log_sum = sum(w * math.log(max(components[n], _FLOOR)) for n, w in WEIGHTS.items())
    blended = math.exp(log_sum / total)
    confidence = round(min(blended, *(components[name] for name in GATES)), 4)
    reasons = [
        _ADVICE[name].format(value=value)
        for name, value in sorted(components.items(), key=lambda kv: kv[1])
        if value < _WEAK
    ]
    failures = [f for report in compliance if not report.ok for f in report.failures]
    reasons.extend(failures)
    components["compliance"] = (
        sum(1 for r in compliance if r.ok) / len(compliance) if compliance else 0.0
    )
    return Score(
        confidence=confidence,
        compliant=bool(compliance) and not failures,
        components=components,
        reasons=reasons,
    )
