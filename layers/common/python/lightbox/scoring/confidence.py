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
#: `studio` (see `studio_signal`) gates without being averaged in: a clean
#: backdrop and a filled frame are what a main image needs, not a bonus.
GATES: tuple[str, ...] = ("segmentation", "studio")
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
    "studio": ("The studio image is not clean enough (score {value:.2f}): {detail}"),
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


#: Studio-image checks (`studio_signal`): the white border band at least this
#: pure (share of exactly-white pixels) scores 1, down to 0 at `PURITY_ZERO`.
PURITY_FULL = 0.995
PURITY_ZERO = 0.9
#: Share of the product's solid area in near-clipped specular highlights that
#: costs the whole score: lower for reflective categories (jewellery, glass,
#: chrome), whose highlights hide the surface and fool the cut-out.
SPECULAR_LIMIT = 0.25
SPECULAR_LIMIT_REFLECTIVE = 0.08


def studio_signal(
    background_purity: float,
    fill_ratio: float,
    fill_target: float,
    specular_fraction: float,
    reflective: bool,
) -> tuple[float, str]:
    """0..1 and what is wrong: the weakest of background purity, fill against
    the look's target and specular highlights (stricter when `reflective`)."""
    limit = SPECULAR_LIMIT_REFLECTIVE if reflective else SPECULAR_LIMIT
    parts = {
        "the background is not pure white at the edges": (background_purity - PURITY_ZERO)
        / (PURITY_FULL - PURITY_ZERO),
        "the product does not fill the frame": fill_ratio / max(0.9 * fill_target, 1e-6),
        "strong reflections hide the product's surface; diffuse the light": 1.0
        - specular_fraction / limit,
    }
    clipped = {k: min(1.0, max(0.0, v)) for k, v in parts.items()}
    worst = min(clipped, key=lambda k: clipped[k])
    return clipped[worst], worst


def score_listing(
    signals: Mapping[str, float],
    compliance: Sequence[ComplianceSummary],
    details: Mapping[str, str] | None = None,
) -> Score:
    """Combine named signals (0..1) into a confidence and seller-readable reasons.

    `GATES` absent from `signals` do not gate; `details` completes a gate's advice.
    """
    components = {name: min(1.0, max(0.0, float(signals.get(name, 0.0)))) for name in WEIGHTS}
    gates = {n: min(1.0, max(0.0, float(signals[n]))) for n in GATES if n in signals}
    total = sum(WEIGHTS.values())
    log_sum = sum(w * math.log(max(components[n], _FLOOR)) for n, w in WEIGHTS.items())
    blended = math.exp(log_sum / total)
    confidence = round(min(blended, *gates.values()), 4)
    components.update(gates)
    reasons = [
        _ADVICE[name].format(value=value, detail=(details or {}).get(name, ""))
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
