"""Reviewer feedback as routing by v1 (auto 0.8, review 0.5) would have produced it."""

from __future__ import annotations

import math
import random

from lightbox.models.feedback import FeedbackRecord

#: A fixed confidence for these records (the production scorer changes on its own
#: schedule; calibration must not depend on its weights).
WEIGHTS = {"segmentation": 0.35, "sharpness": 0.25, "exposure": 0.2, "framing": 0.2}


def confidence(components):
    return round(math.prod(components[k] ** w for k, w in WEIGHTS.items()), 4)


def lenient_reviewer(components):
    """Approves everything whose product was cut out at least passably."""
    return components["segmentation"] > 0.45


def records(n, approve, *, category="fashion", seed=1, corrections=None, spot_rate=0.02):
    """Photos routed by v1; `approve(components)` is the hidden reviewer."""
    rng = random.Random(seed)
    out = []
    i = 0
    while len(out) < n:
        i += 1
        comps = {
            "segmentation": rng.uniform(0.4, 1.0),
            "sharpness": rng.uniform(0.5, 1.0),
            "exposure": rng.uniform(0.6, 1.0),
            "framing": rng.choice([1.0, 1.0, 0.8]),
        }
        conf = confidence(comps)
        if conf < 0.5:
            continue  # rejected without review: no feedback
        spot = conf >= 0.8
        if spot and rng.random() > spot_rate:
            continue  # auto-published, not sampled
        out.append(
            FeedbackRecord(
                task_id=f"t{i}",
                execution_name=f"e{i}",
                decided_at=f"2026-01-01T00:00:{i:06d}",
                reviewer="ana",
                decision="approved" if approve(comps) else "rejected",
                corrections=(corrections or {}) if rng.random() < 0.5 else {},
                category=category,
                config_version="v1",
                confidence=conf,
                components={**comps, "compliance": 1.0},
                spot_check=spot,
                spot_check_rate=spot_rate if spot else 0.0,
            )
        )
    return out


def _lenient(comps):
    return comps["segmentation"] > 0.45
