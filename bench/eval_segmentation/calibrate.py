"""Fit the segmentation confidence's constants on the calibration split.

Runs `segment_foreground` on the evaluation set's ``calibration`` half only,
fits a logistic model of "IoU ≥ 0.9" on the signals `mask_quality` combines
(log undecided share, fragmentation, agreement with the classical method;
L2-regularised, plain gradient descent, deterministic), then chooses the
busy-backdrop gate (`mask_quality.BusyGate`) by grid search: among the
pairs that let no calibration photo below IoU 0.9 auto-publish (listing
score at its category's built-in level, as `run.py` routes) and send at
most `REVIEW_BUDGET` of the good ones (IoU ≥ 0.97) to review beyond those
the confidence without that gate already sends, the most cautious: lowest
mean confidence of the photos below IoU 0.9, then highest of the rest. It
prints the constants to paste into `lightbox/imaging/mask_quality.py`. The
held-out half is never looked at here: `run.py` judges the result on it.

    python bench/eval_segmentation/calibrate.py
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.eval_segmentation import dataset, fetch  # noqa: E402
from bench.eval_segmentation.metrics import iou  # noqa: E402
from bench.eval_segmentation.run import BAD_IOU, GOOD_IOU, _truth_at, listing_route  # noqa: E402
from lightbox.imaging import mask_quality  # noqa: E402
from lightbox.imaging.segment import ALPHA_ON, SegmentResult, segment_foreground  # noqa: E402
from lightbox.validation.photo import PhotoCheck, inspect_photo  # noqa: E402

#: L2 penalty (per sample) and steps: enough to converge, small enough that a
#: handful of failures cannot drive a weight to infinity.
L2 = 1.0
STEPS = 20000
RATE = 0.05

#: Share of the good photos the busy-backdrop gate may newly send to review.
REVIEW_BUDGET = 0.05
#: The busy-backdrop gate's search grid: `BusyGate.full` and `.agreement_lo`.
BUSY_FULL_GRID = [round(0.05 + 0.01 * i, 2) for i in range(46)]  # 0.05 .. 0.50
AGREEMENT_LO_GRID = [round(0.05 * i, 2) for i in range(20)]  # 0.00 .. 0.95


@dataclass
class Measured:
    case: dataset.Case
    check: PhotoCheck
    working: Image.Image
    result: SegmentResult
    iou: float

    def auto(self, busy: mask_quality.BusyGate | None) -> tuple[float, bool]:
        """(segmentation confidence, auto-publishes?) with the gate `busy`
        (None: without that gate)."""
        gate = busy or mask_quality.BusyGate(full=math.inf, agreement_lo=0.0)
        seg = round(mask_quality.confidence(self.result.signals, gate), 4)
        _score, auto = listing_route(self.case, self.check, self.working, self.result, seg)
        return seg, auto


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


def choose_busy_gate(measured: list[Measured]) -> mask_quality.BusyGate | None:
    """The most cautious busy-backdrop gate within the review budget (module
    docstring), or None if no pair on the grid meets the constraints."""
    good = [m for m in measured if m.iou >= GOOD_IOU]
    already = {m.case.name for m in good if not m.auto(None)[1]}
    allowed = REVIEW_BUDGET * len(good)
    best: tuple[tuple[float, float], mask_quality.BusyGate] | None = None
    for full in BUSY_FULL_GRID:
        for lo in AGREEMENT_LO_GRID:
            gate = mask_quality.BusyGate(full=full, agreement_lo=lo)
            routed = [(m, *m.auto(gate)) for m in measured]
            if any(auto and m.iou < BAD_IOU for m, _seg, auto in routed):
                continue
            needless = {m.case.name for m, _s, auto in routed if m.iou >= GOOD_IOU and not auto}
            if len(needless - already) > allowed:
                continue
            bad = [seg for m, seg, _a in routed if m.iou < BAD_IOU]
            fine = [seg for m, seg, _a in routed if m.iou >= BAD_IOU]
            key = (float(np.mean(bad)) if bad else 0.0, -float(np.mean(fine)))
            if best is None or key < best[0]:
                best = (key, gate)
    return best[1] if best else None


def main() -> int:
    cases = [c for c in dataset.build(fetch.fetch()) if c.split == "calibration"]
    xs, good = [], []
    measured = []
    for case in cases:
        check, working = inspect_photo(case.jpeg(), f"{case.name}.jpg")
        assert working is not None
        working = working.convert("RGB")
        result = segment_foreground(working)
        score = iou(np.asarray(result.mask) >= ALPHA_ON, _truth_at(case.truth, working.size))
        measured.append(Measured(case, check, working, result, score))
        if not result.signals.get("model_used"):
            continue
        xs.append(features(result.signals))
        good.append(score >= BAD_IOU)
        print(f"{case.name:40s} IoU {score:.3f} {features(result.signals)}", flush=True)
    b, w = fit(np.array(xs), np.array(good, float))
    print(f"\n{len(xs)} calibration photos, {len(xs) - sum(good)} below IoU {BAD_IOU}")
    names = ("BIAS", "W_UNSURE", "W_FRAGMENTS", "W_AGREEMENT")
    for name, value in zip(names, (b, *w), strict=True):
        print(f"{name} = {value:.3f}")
    # The gate search routes with the constants in mask_quality: paste the
    # logistic ones first if they changed, then run again.
    gate = choose_busy_gate(measured)
    if gate is None:
        print("no busy-backdrop gate on the grid meets the constraints")
        return 1
    print(f"BUSY_GATE = BusyGate(full={gate.full:.2f}, agreement_lo={gate.agreement_lo:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
