"""How much to trust a product mask: measured signals and the confidence built on them.

Why these signals (docs/architecture.md, "Images"): measured against ground
truth (`make eval-segmentation`), the mask's error is tracked best by the
model's own hesitation — the share of the frame it leaves between "surely
background" and "surely product" relative to what it calls product — then by
fragmentation (a second object beside the product: the model is a salient-
object detector and happily cuts out a mug standing next to a syringe), and
by agreement with an independent cue (the classical backdrop method, which
knows nothing of the model). Colour contrast and edge strength were measured
too and track the error weakly; they are kept as signals for audit and the
learning loop, not in the confidence. So is `boundary_contrast`, an
independent cue for the outline (does the image change where the mask ends,
or does the outline run through uniform texture?): on the evaluation set it
ranks the calibration split's errors (AUROC 0.74 alone) but adds nothing on
the held-out split, whose misses are mostly whole regions wrongly included
(a neighbouring object touching the product, a filled ring) with crisp
outlines. Measured and rejected on the same grounds: the model's probability
slope across the outline, gradient alignment with the outline, compactness,
fragmentation after erosion (touching objects), and a flipped second model
pass (test-time augmentation: it costs a second model run, ~1.3 s against
the stage's 0.15 s budget, and lifted held-out AUROC only to ~0.86).

The classical cross-check is made hole-aware first (`see_through`): its
flood from the frame edge cannot reach the inside of a ring or a handle, and
when the product shades its own hole the pocket is too dark for its pocket
test, so it filled such holes just as the model does and confirmed a filled
ring (the demo's dark ring: IoU 0.50, agreement 0.97, confidence 0.94).
Pockets inside a mask that show the backdrop's chromaticity at its own
brightness or a shadow's, away from the mask's rim and unlike the product's
rim colour, are cut out of the classical mask before the agreement is
measured; a model mask that fills them then disagrees with it (on a plain
backdrop the gate below sends it to review), and one that leaves the hole
open is confirmed. The share of the model's own mask in such pockets is
recorded as `see_through`. The pockets are never cut out of the model's
mask: glass (a light bulb) and neutral parts of a product on a neutral
backdrop pass the same test (on the evaluation set cutting would cost the
light bulb 0.04 IoU), so they only weaken the classical method's vote.

The confidence is a logistic model of "IoU ≥ 0.9" on those three signals,
fitted on the calibration split of the evaluation set
(`bench/eval_segmentation/calibrate.py` prints the constants below) and
judged on the held-out split. Three gates then cap it, each for a failure
the logistic model sees too rarely to weigh (constants read off the
calibration split only):

* pieces: a mask in several separate pieces is more likely the product plus
  something beside it than a product in parts — capped at
  `1 - FRAGMENT_CAP_SLOPE * fragmentation`;
* a plain backdrop that disagrees: where the backdrop is plain (the
  classical method's colour threshold at its floor), the classical mask is
  reliable, and a model mask it contradicts is capped, from 0 at
  `PLAIN_AGREEMENT_LO` to 1 at `PLAIN_AGREEMENT_HI` agreement. On a
  textured backdrop the classical method fails on its own, so its
  disagreement there is no evidence.
* a busy backdrop without confirmation: on texture or clutter
  (`backdrop_busy`, the share of the backdrop crossed by strong colour
  edges) the model's crisp but wrong masks happen — a neighbouring object
  taken in, a part of the product left out, the outline dragged into
  bricks — and nothing in the model's own map shows it (the misses were
  decisive: few undecided pixels). There the mask has only one independent
  witness, the classical method; the less it confirms the mask, the lower
  the ceiling: `1 - busy * (1 - confirmed)`, where busy is
  `backdrop_busy / BUSY_GATE.full` and confirmed is the agreement mapped
  from `BUSY_GATE.agreement_lo` (0) to full agreement (1), both clipped to
  0..1. A plain backdrop (busy 0) is not capped by it; a fully busy one
  whose mask the classical method does not confirm at all is capped at 0.
  `BUSY_GATE` is the most cautious pair that, on the calibration split,
  lets no photo below IoU 0.9 auto-publish and sends no more than 5% of the
  good ones (IoU ≥ 0.97) to review beyond those already sent
  (`calibrate.py`).

Finally the coverage sanity factor: a speck or a frame-filling "product" is
not a product shot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from lightbox.imaging import classical
from lightbox.imaging.morphology import box_mean, dilate, erode, label, outline, touch_fraction

#: Long side (px) of the copy the classical cross-check runs on: the model's
#: own resolution, where it costs ~0.04 s.
CHECK_SIDE = 320

#: The model's probability counts as undecided strictly between these.
UNSURE_LO, UNSURE_HI = 0.1, 0.9
#: Added to the undecided share before its log (a perfectly decisive map
#: would otherwise dominate).
UNSURE_FLOOR = 0.02

#: Logistic model of P(IoU ≥ 0.9) fitted on the calibration split:
#: z = BIAS + W_UNSURE * log(unsure + floor) + W_FRAGMENTS * fragmentation
#:     + W_AGREEMENT * agreement_iou
BIAS = -1.671
W_UNSURE = -1.716
W_FRAGMENTS = -0.387
W_AGREEMENT = 0.140

#: Half-width (px at `CHECK_SIDE`) of the windows either side of the outline
#: that `boundary_contrast` compares.
BOUNDARY_RADIUS = 4
#: Added to the windows' spread (8-bit RGB) so a flat backdrop's sensor noise
#: does not turn a faint change into a large contrast.
BOUNDARY_NOISE = 6.0
#: Windows with less than this share of one side are not an outline sample.
BOUNDARY_MIN_SIDE = 0.1

#: Gate constants (module docstring).
FRAGMENT_CAP_SLOPE = 2.0
PLAIN_THRESHOLD = 7.0
PLAIN_AGREEMENT_LO = 0.65
PLAIN_AGREEMENT_HI = 0.85

#: `backdrop_busy` counts backdrop pixels at least `BUSY_MARGIN` px (at
#: `CHECK_SIDE`) from the mask, so the product's own outline is not counted,
#: whose colour gradient (CIE Lab units per px, `classical.Scene.grad`)
#: exceeds `BUSY_EDGE`: weave, bricks, stone and the edges of other objects
#: do; a paper sweep, a cloth's faint pattern and sensor noise do not.
BUSY_MARGIN = 6
BUSY_EDGE = 5.0


#: `see_through` (backdrop seen through a hole the mask covers): a pocket is
#: looked for at least `POCKET_RIM` px (at `CHECK_SIDE`) inside the mask's
#: outline, among pixels whose chromaticity (r, g over r + g + b, after a 3x3
#: mean) is within `POCKET_CHROMA` of the backdrop's and whose brightness is
#: `POCKET_SHADE` times the backdrop's: a shadow multiplies the light, so it
#: keeps the chromaticity of what it falls on and only lowers the brightness.
POCKET_RIM = 3
POCKET_CHROMA = 0.02
POCKET_SHADE = (0.2, 1.05)
#: A pocket is at least this share of the mask (smaller: noise, a glint).
POCKET_MIN_AREA = 0.01
#: A pocket's mean colour (8-bit RGB) must be at least this much farther from
#: the product's own colour (the median of the mask's rim) than twice its
#: distance from the shaded backdrop: a part of the product that merely
#: resembles the backdrop, as the product's rim does, is not a hole.
POCKET_PRODUCT_GAP = 10.0


@dataclass(frozen=True)
class BusyGate:
    """Constants of the busy-backdrop gate (module docstring)."""

    #: `backdrop_busy` from which the backdrop counts as fully busy.
    full: float
    #: Agreement with the classical mask that confirms nothing.
    agreement_lo: float


#: Fitted on the calibration split by `bench/eval_segmentation/calibrate.py`.
BUSY_GATE = BusyGate(full=0.45, agreement_lo=0.70)

#: Classical-only confidence is scaled by this (see `classical_confidence`).
FALLBACK_FACTOR = 0.8


def model_signals(prob: np.ndarray, small: Image.Image) -> dict[str, float]:
    """Signals of the model's decision `prob >= 0.5` (`prob` at any scale).

    unsure_share: pixels with probability in (0.1, 0.9) per product pixel.
    fragmentation: share of the product area outside its largest component.
    agreement_iou: IoU with the classical method's mask on a `CHECK_SIDE` copy,
        the backdrop it sees through holes (`see_through`) cut out of it.
    see_through: share of the mask that `see_through` finds to be backdrop
        seen through a hole in the product (0 = none).
    backdrop_busy: `backdrop_busy` of that copy around the mask.
    boundary_contrast: `boundary_contrast` of the mask on that copy.
    contrast_ratio, edge_ratio, solidity, coverage, edge_touch, threshold,
    border_noise: the classical measures of that mask (`classical.mask_signals`).
    """
    decided = prob >= 0.5
    area = max(int(decided.sum()), 1)
    unsure = float(((prob > UNSURE_LO) & (prob < UNSURE_HI)).sum()) / area
    labels, n = label(decided, eight=True)
    if n > 1:
        sizes = np.bincount(labels.ravel())[1:]
        fragmentation = 1.0 - float(sizes.max()) / float(sizes.sum())
    else:
        fragmentation = 0.0
    check = _downscale(small, CHECK_SIDE)
    scene = classical.measure(check)
    rgb = np.asarray(check.convert("RGB"))
    mask = _resize_mask(decided, check.size)
    # The classical flood cannot reach a hole the product encloses, and a
    # shadowed one is too dark for its pocket test: left in, the cross-check
    # would confirm a model mask that fills the hole.
    cls = classical.foreground(scene)
    cls &= ~see_through(rgb, cls)
    union = int((mask | cls).sum())
    agreement = int((mask & cls).sum()) / union if union else 0.0
    return {
        "model_used": 1.0,
        "unsure_share": unsure,
        "fragmentation": fragmentation,
        "agreement_iou": agreement,
        "see_through": float(see_through(rgb, mask).sum()) / max(int(mask.sum()), 1),
        "backdrop_busy": backdrop_busy(scene.grad, mask),
        "boundary_contrast": boundary_contrast(rgb, mask),
        **classical.mask_signals(mask, scene),
        "stability": 0.0,  # a classical-only measure
        "coverage": float(decided.mean()),
        "edge_touch": touch_fraction(decided),
    }


def backdrop_busy(grad: np.ndarray, mask: np.ndarray) -> float:
    """Share of the backdrop crossed by strong colour edges (0 = plain).

    `grad`: the colour gradient (Lab units per px) of the image the mask was
    drawn on, `mask`: the product, same size. Counts the backdrop at least
    `BUSY_MARGIN` px from the mask whose gradient exceeds `BUSY_EDGE`; 0 when
    the mask leaves no such backdrop.
    """
    backdrop = ~dilate(mask, BUSY_MARGIN)
    if not backdrop.any():
        return 0.0
    return float((grad[backdrop] > BUSY_EDGE).mean())


def see_through(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The backdrop seen through holes in the product that `mask` covers.

    `rgb`: H x W x 3 (8-bit), `mask`: H x W bool, same size. Returns the
    pockets, H x W bool: connected regions inside the mask, not reaching
    its rim (`POCKET_RIM`), of at least `POCKET_MIN_AREA` of it, whose
    pixels have the backdrop's chromaticity at its brightness or a shadow's
    (`POCKET_CHROMA`, `POCKET_SHADE`; the backdrop is the median of the
    border band outside the mask) and whose mean colour is far from the
    product's own (`POCKET_PRODUCT_GAP`). The inside of a ring, a hoop or a
    handle on a plain or shaded backdrop is such a pocket; a product-coloured
    centre is not, nor is a part of the product darker than the backdrop but
    of another hue. A neutral (grey) part inside a product on a neutral
    backdrop can look like one: the pockets are evidence for the confidence,
    never cut out of the mask.
    """
    none = np.zeros(mask.shape, bool)
    band = _border_band(*mask.shape) & ~mask
    if not band.any() or not mask.any():
        return none
    smooth = np.stack([box_mean(rgb[..., c], 1) for c in range(3)], axis=-1)
    total = smooth.sum(axis=-1) + 1e-3
    backdrop = np.median(smooth[band], axis=0)
    backdrop_total = float(backdrop.sum()) + 1e-3
    chroma_gap = np.hypot(
        smooth[..., 0] / total - backdrop[0] / backdrop_total,
        smooth[..., 1] / total - backdrop[1] / backdrop_total,
    )
    shade = total / backdrop_total
    rim = mask & ~erode(mask, POCKET_RIM)
    lo, hi = POCKET_SHADE
    candidate = mask & ~rim & (chroma_gap <= POCKET_CHROMA) & (shade >= lo) & (shade <= hi)
    labels, n = label(candidate, eight=True)
    if n == 0:
        return none
    flat = labels.ravel()
    area = np.bincount(flat, minlength=n + 1)
    enclosed = np.ones(n + 1, bool)
    enclosed[np.unique(labels[dilate(rim, 1)])] = False
    mean = (
        np.stack(
            [np.bincount(flat, weights=smooth[..., c].ravel(), minlength=n + 1) for c in range(3)],
            axis=1,
        )
        / np.maximum(area, 1)[:, None]
    )
    product = np.median(smooth[rim], axis=0)
    to_product = np.linalg.norm(mean - product, axis=1)
    shaded_backdrop = (mean.sum(axis=1) / backdrop_total)[:, None] * backdrop
    to_backdrop = np.linalg.norm(mean - shaded_backdrop, axis=1)
    pocket = (
        enclosed
        & (area >= POCKET_MIN_AREA * int(mask.sum()))
        & (to_product > 2.0 * to_backdrop + POCKET_PRODUCT_GAP)
    )
    pocket[0] = False
    return np.asarray(pocket[labels])


def boundary_contrast(rgb: np.ndarray, mask: np.ndarray) -> float:
    """How sharply the image changes across the mask's outline (0 = not at all).

    At every outline pixel, the mean colour of the product pixels in the
    (2 `BOUNDARY_RADIUS` + 1)² window is compared with the mean colour of the backdrop
    pixels there, in units of the two sides' spread (plus
    `BOUNDARY_NOISE`): a correct outline separates two different regions;
    one running through a textured table or inside the product separates
    two samples of the same texture. Returns the 20th percentile over the
    outline (a mask is as good as its worst stretches), 0 for an empty mask.
    `rgb`: H x W x 3, `mask`: H x W bool, same size.
    """
    edge = outline(mask)
    if not edge.any() or mask.all():
        return 0.0
    r = BOUNDARY_RADIUS
    ys, xs = np.nonzero(edge)
    # Only the outline's neighbourhood matters: crop to it (same windows).
    top, left = max(int(ys.min()) - r, 0), max(int(xs.min()) - r, 0)
    mask = mask[top : int(ys.max()) + r + 1, left : int(xs.max()) + r + 1]
    rgb = rgb[top : int(ys.max()) + r + 1, left : int(xs.max()) + r + 1]
    ys, xs = ys - top, xs - left
    h, w = mask.shape
    # Window sums at the outline pixels only, from summed-area tables.
    y0, y1 = np.maximum(ys - r, 0), np.minimum(ys + r + 1, h)
    x0, x1 = np.maximum(xs - r, 0), np.minimum(xs + r + 1, w)

    def window_sums(arr: np.ndarray) -> np.ndarray:
        table = np.zeros((h + 1, w + 1))
        table[1:, 1:] = arr.cumsum(0).cumsum(1)
        return np.asarray(table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0])

    inside = mask.astype(np.float64)
    count = ((y1 - y0) * (x1 - x0)).astype(np.float64)
    n_in = window_sums(inside)
    n_out = count - n_in
    sample = (n_in >= BOUNDARY_MIN_SIDE * count) & (n_out >= BOUNDARY_MIN_SIDE * count)
    if not sample.any():
        return 0.0
    n_in, n_out = n_in[sample], n_out[sample]
    shift = np.zeros(len(n_in))
    spread_in = np.zeros_like(shift)
    spread_out = np.zeros_like(shift)
    for c in range(3):
        ch = rgb[..., c].astype(np.float64)
        s_all, q_all = window_sums(ch)[sample], window_sums(ch * ch)[sample]
        s_in, q_in = window_sums(ch * inside)[sample], window_sums(ch * ch * inside)[sample]
        mean_in, mean_out = s_in / n_in, (s_all - s_in) / n_out
        shift += (mean_in - mean_out) ** 2
        spread_in += np.clip(q_in / n_in - mean_in**2, 0.0, None)
        spread_out += np.clip((q_all - q_in) / n_out - mean_out**2, 0.0, None)
    contrast = np.sqrt(shift) / (np.sqrt(spread_in) + np.sqrt(spread_out) + BOUNDARY_NOISE)
    return float(np.percentile(contrast, 20))


def model_quality(s: dict[str, float], busy: BusyGate = BUSY_GATE) -> float:
    """P(IoU ≥ 0.9) from the model path's signals (module docstring)."""
    z = (
        BIAS
        + W_UNSURE * math.log(s["unsure_share"] + UNSURE_FLOOR)
        + W_FRAGMENTS * s["fragmentation"]
        + W_AGREEMENT * s["agreement_iou"]
    )
    fitted = 1.0 / (1.0 + math.exp(-z))
    return min(fitted, *gates(s, busy).values())


def gates(s: dict[str, float], busy: BusyGate = BUSY_GATE) -> dict[str, float]:
    """The caps on the model path's quality (module docstring), each 0..1."""
    pieces = 1.0 - FRAGMENT_CAP_SLOPE * s["fragmentation"]
    plain = 1.0
    if 0.0 < s["threshold"] <= PLAIN_THRESHOLD:
        span = PLAIN_AGREEMENT_HI - PLAIN_AGREEMENT_LO
        plain = (s["agreement_iou"] - PLAIN_AGREEMENT_LO) / span
    return {
        "pieces": float(np.clip(pieces, 0.0, 1.0)),
        "plain_backdrop": float(np.clip(plain, 0.0, 1.0)),
        "busy_backdrop": busy_cap(s["backdrop_busy"], s["agreement_iou"], busy),
    }


def busy_cap(backdrop_busy: float, agreement: float, busy: BusyGate = BUSY_GATE) -> float:
    """The busy-backdrop gate (module docstring): 1 - busy * (1 - confirmed)."""
    weight = float(np.clip(backdrop_busy / busy.full, 0.0, 1.0))
    span = 1.0 - busy.agreement_lo
    confirmed = float(np.clip((agreement - busy.agreement_lo) / span, 0.0, 1.0))
    return 1.0 - weight * (1.0 - confirmed)


def classical_quality(s: dict[str, float]) -> float:
    """The fallback's quality when the model is unavailable.

    contrast = clip((contrast_ratio - 1) / 2), edge = clip((edge_ratio - 1) / 5),
    stability = clip((stability - 0.6) / 0.35) (IoU of the masks at 0.7x and
    1.5x the colour threshold), solidity = clip((solidity - 0.4) / 0.45), and

        quality = 0.8 * contrast^0.30 * edge^0.30 * stability^0.25 * solidity^0.15

    (`FALLBACK_FACTOR` 0.8: with no second opinion, the classical method's
    own mistakes, a filled handle or a shadow left on, go unnoticed, so it
    never claims near-certainty.)
    """

    def unit(v: float) -> float:
        return float(np.clip(v, 0.02, 1.0))

    contrast = unit((s["contrast_ratio"] - 1.0) / 2.0)
    edge = unit((s["edge_ratio"] - 1.0) / 5.0)
    stability = unit((s["stability"] - 0.6) / 0.35)
    solidity = unit((s["solidity"] - 0.4) / 0.45)
    # float ** float is typed Any (it may be complex); these bases are positive.
    return float(FALLBACK_FACTOR * (contrast**0.30 * edge**0.30 * stability**0.25 * solidity**0.15))


def confidence(s: dict[str, float], busy: BusyGate = BUSY_GATE) -> float:
    """0..1: the path's quality times the coverage sanity factor.

    `busy`: the busy-backdrop gate's constants (only calibration passes others).
    """
    quality = model_quality(s, busy) if s["model_used"] else classical_quality(s)
    return float(np.clip(quality * coverage_factor(s["coverage"]), 0.0, 1.0))


def coverage_factor(coverage: float) -> float:
    """1 for 3%-80% of the frame, falling linearly to 0 at 0.3% and 98%."""
    if coverage <= 0.003 or coverage >= 0.98:
        return 0.0
    if coverage < 0.03:
        return (coverage - 0.003) / (0.03 - 0.003)
    if coverage > 0.80:
        return (0.98 - coverage) / (0.98 - 0.80)
    return 1.0


def touch_factor(touch: float) -> float:
    """1 when the product is clear of the frame edge; 0 when it covers a quarter
    of the border (a whole side). Reported, and used for seller cut-outs."""
    return float(np.clip(1.0 - 4.0 * touch, 0.0, 1.0))


def _border_band(h: int, w: int) -> np.ndarray:
    """The frame's border band, as the classical method models the backdrop on."""
    band = classical.band_values(np.arange(h * w).reshape(h, w))
    out = np.zeros(h * w, bool)
    out[band] = True
    return out.reshape(h, w)


def _downscale(img: Image.Image, side: int) -> Image.Image:
    scale = side / max(img.size)
    if scale >= 1.0:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (mask.shape[1], mask.shape[0]) == size:
        return mask
    img = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return np.asarray(img.resize(size, Image.Resampling.BILINEAR)) >= 128
