"""Fit the segmentation confidence's constants on the calibration split.

Runs `segment_foreground` on the evaluation set's ``calibration`` half only,
fits a logistic model of "IoU ≥ 0.9" on the signals `mask_quality` combines
(log undecided share, fragmentation, agreement with the classical method;
L2-regularised, plain gradient descent, deterministic) and prints the
constants to paste into `lightbox/imaging/mask_quality.py`. The held-out
half is never looked at here: `run.py` judges the result on it.

    python bench/eval_segmentation/calibrate.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.eval_segmentation import dataset, fetch  # noqa: E402
from bench.eval_segmentation.metrics import iou  # noqa: E402
from bench.eval_segmentation.run import BAD_IOU, _truth_at  # noqa: E402
from lightbox.imaging import mask_quality  # noqa: E402
from lightbox.imaging.segment import ALPHA_ON, segment_foreground  # noqa: E402
from lightbox.validation.photo import inspect_photo  # noqa: E402

#: L2 penalty (per sample) and steps: enough to converge, small enough that a
#: handful of failures cannot drive a weight to infinity.
L2 = 1.0
STEPS = 20000
RATE = 0.05


def features(signals: dict[str, float]) -> list[float]:
    return [
        math.log(signals["unsure_share"] + mask_quality.UNSURE_FLOOR),
        signals["fragmentation"],
        signals["agreement_iou"],
    ]


def fit(x: np.ndarray, good: np.ndarray) -> tuple[float, np.ndarray]:
    """Logistic regression (bias unpenalised): returns (bias, weights)."""
    w = np.zeros(x.shape[1])
    b = 0.0
    n = len(good)
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = p - good
        w -= RATE * (x.T @ g / n + L2 * w / n)
        b -= RATE * float(g.mean())
    return b, w


def main() -> int:
    cases = [c for c in dataset.build(fetch.fetch()) if c.split == "calibration"]
    xs, good = [], []
    for case in cases:
        _check, working = inspect_photo(case.jpeg(), f"{case.name}.jpg")
        assert working is not None
        working = working.convert("RGB")
        result = segment_foreground(working)
        if not result.signals.get("model_used"):
            continue
        score = iou(np.asarray(result.mask) >= ALPHA_ON, _truth_at(case.truth, working.size))
        xs.append(features(result.signals))
        good.append(score >= BAD_IOU)
        print(f"{case.name:40s} IoU {score:.3f} {features(result.signals)}", flush=True)
    b, w = fit(np.array(xs), np.array(good, float))
    print(f"\n{len(xs)} calibration photos, {len(xs) - sum(good)} below IoU {BAD_IOU}")
    names = ("BIAS", "W_UNSURE", "W_FRAGMENTS", "W_AGREEMENT")
    for name, value in zip(names, (b, *w), strict=True):
        print(f"{name} = {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
