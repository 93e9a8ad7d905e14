"""Foreground (product) segmentation: the u2netp model's own decision, checked.

Why this shape (docs/architecture.md, "Images"): measured against ground truth
(`make eval-segmentation`: photographed objects with exact masks on sweeps,
textured tables, clutter, white-on-white, dark-on-dark, frame-cut), the
u2netp model alone beats every combination with the classical backdrop method
tried: letting the classical method or colour evidence overrule the model
replaced products with background texture (a dark avocado on moss), cut
glass out of a light bulb and arms off a wooden toy. So the model decides
which pixels are product, and nothing overrules it:

1. the model runs on a `WORK_SIDE` px copy (it sees 320 px either way);
2. its probability, resized to the photo (bicubic, as its own
   post-processing does), is the soft alpha; 0.5 is the edge. Refinements
   were measured and none paid within the stage's time budget (model time
   + 0.15 s): see `_model_alpha`;
3. the classical method, run on a 320 px copy, is a cross-check for the
   confidence (`mask_quality`) and the fallback when the model file is
   missing or fails (then `refine.matte` places its edge on the photo).

A seller's own cut-out (a real alpha channel) is trusted as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from lightbox.imaging import classical, mask_quality, u2net
from lightbox.imaging.morphology import label, touch_fraction
from lightbox.imaging.refine import matte

__all__ = ["SIGNAL_NAMES", "SegmentResult", "cutout", "label", "segment_foreground"]

logger = logging.getLogger(__name__)

#: Long side of the copy the model and the classical fallback see: the
#: model squashes it to 320 px anyway, and downscaling a 24 MP photo to 640
#: first is far cheaper than resampling it to 320 in one Lanczos pass.
WORK_SIDE = 640

#: Below this many pixels on a side there is no photo to segment (validation
#: rejects such files long before; this only keeps the maths defined).
MIN_SIDE = 16

#: Alpha values count as "product" from here on (bbox, coverage).
ALPHA_ON = 128

#: The model's raw output peaks near 1 on anything salient; a map whose peak
#: stays below this found nothing (an empty backdrop measured 0.002), and the
#: min-max stretch would only magnify its noise.
MODEL_MIN_PEAK = 0.3

#: Steepness of the soft edge around the model's 0.5 contour (see `_model_alpha`).
ALPHA_GAIN = 3.0

#: Keys of `SegmentResult.signals` (both methods; classical-only results carry
#: 0 for the model's).
SIGNAL_NAMES = (
    "model_used",
    "model_peak",
    "unsure_share",
    "fragmentation",
    "agreement_iou",
    "backdrop_busy",
    "see_through",
    "boundary_contrast",
    "threshold",
    "border_noise",
    "contrast_ratio",
    "edge_ratio",
    "stability",
    "solidity",
    "coverage",
    "edge_touch",
    "coverage_factor",
    "touch_factor",
)


@dataclass(frozen=True)
class SegmentResult:
    """The product mask and how much to trust it.

    mask: 'L', same size as the input, 255 = product, soft edges.
    confidence: 0..1, see `mask_quality` (photos) or `_from_alpha` (cut-outs).
    coverage: fraction of the frame that is product (mask >= 128).
    bbox: (left, top, right, bottom), right/bottom exclusive, or None if empty.
    method: "alpha" (input carried a real alpha channel), "u2netp+classical"
        (the model's mask, checked by the classical method) or "classical" (the model was
        unavailable or failed: `signals["model_used"] == 0`, and a warning
        naming the reason was logged).
    signals: the measured inputs of `confidence`, for audit and tuning.
    """

    mask: Image.Image
    confidence: float
    coverage: float
    bbox: tuple[int, int, int, int] | None
    method: str
    signals: dict[str, float] = field(default_factory=dict)


def segment_foreground(img: Image.Image) -> SegmentResult:
    """Separate the product from its backdrop.

    Uses the image's own alpha channel when it has a real one (a seller's
    cut-out); otherwise the model decides and the classical method checks
    (module docstring). Never raises for a missing or broken model: it falls back to the
    classical method and says so in `method` and `signals`. The input is not
    modified and may be any Pillow mode.
    """
    alpha = _real_alpha(img)
    if alpha is not None:
        return _from_alpha(alpha)
    rgb = _to_rgb(img)
    if min(rgb.size) < MIN_SIDE:
        return _nothing(rgb.size, "classical", dict.fromkeys(SIGNAL_NAMES, 0.0))
    small = _downscale(rgb, WORK_SIDE, Image.Resampling.BILINEAR)
    try:
        prob, peak = u2net.predict(small)
    except u2net.SegmentationModelError as exc:
        logger.warning("segmentation model unavailable, using the classical method: %s", exc)
        return _classical_result(rgb, small)
    return _model_result(rgb, small, prob, peak)


# ------------------------------------------------------------------------ model


def _model_result(
    rgb: Image.Image, small: Image.Image, prob: np.ndarray, peak: float
) -> SegmentResult:
    """The model's decision (its map cut at 0.5), edge placed on the photo."""
    method = "u2netp+classical"
    if peak < MODEL_MIN_PEAK or not (prob >= 0.5).any():
        signals = dict.fromkeys(SIGNAL_NAMES, 0.0)
        signals.update(model_used=1.0, model_peak=peak, touch_factor=1.0)
        return _nothing(rgb.size, method, signals)
    signals = {"model_peak": peak, **mask_quality.model_signals(prob, small)}
    return _finish(_model_alpha(prob, rgb.size), signals, method)


def _model_alpha(prob: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """The model's map at full size as a soft alpha: 0.5 lands on 128.

    Bicubic from the model's 320 px, as its own post-processing does; the
    ramp is steepened (`ALPHA_GAIN`) so the edge is soft over a few pixels,
    not a 320 px haze. Refining it further was measured (guided-filter edge
    placement: +0.003 IoU for 0.2-0.5 s a photo; colour-based hole cutting:
    worse on 23 of 76 photos) and does not pay.
    """
    big = Image.fromarray(prob, "F").resize(size, Image.Resampling.BICUBIC)
    alpha = (np.asarray(big, np.float32) - 0.5) * ALPHA_GAIN + 0.5
    return Image.fromarray(np.round(np.clip(alpha, 0.0, 1.0) * 255).astype(np.uint8), "L")


# -------------------------------------------------------------------- classical


def _classical_result(rgb: Image.Image, small: Image.Image) -> SegmentResult:
    scene = classical.measure(small)
    cls = classical.foreground(scene)
    if not cls.any():
        noise = float(np.median(scene.border_d))
        signals = _filled({"threshold": scene.thr, "border_noise": noise})
        return _nothing(rgb.size, "classical", signals)
    signals = {
        "model_used": 0.0,
        **classical.mask_signals(cls, scene),
        "stability": classical.stability(scene),
    }
    # The classical outline already sits on the colour edge's ridge: no snap.
    return _finish(matte(rgb, small, cls, cls), signals, "classical")


# ------------------------------------------------------------------------ shared


def _filled(signals: dict[str, float]) -> dict[str, float]:
    """Every key of `SIGNAL_NAMES` (0 where not measured), factors derived."""
    out = dict.fromkeys(SIGNAL_NAMES, 0.0)
    out.update(signals)
    out["coverage_factor"] = mask_quality.coverage_factor(out["coverage"])
    out["touch_factor"] = mask_quality.touch_factor(out["edge_touch"])
    return out


def _finish(mask: Image.Image, signals: dict[str, float], method: str) -> SegmentResult:
    signals = _filled(signals)
    return SegmentResult(
        mask=mask,
        confidence=round(mask_quality.confidence(signals), 4),
        coverage=_coverage(mask),
        bbox=_bbox(mask),
        method=method,
        signals={name: float(signals[name]) for name in SIGNAL_NAMES},
    )


def _nothing(size: tuple[int, int], method: str, signals: dict[str, float]) -> SegmentResult:
    return SegmentResult(
        mask=Image.new("L", size, 0),
        confidence=0.0,
        coverage=0.0,
        bbox=None,
        method=method,
        signals={name: float(signals.get(name, 0.0)) for name in SIGNAL_NAMES},
    )


# --------------------------------------------------------------------- cut-outs


def _real_alpha(img: Image.Image) -> Image.Image | None:
    """The alpha band if it actually cuts something out, else None.

    Many files carry an all-opaque alpha channel (exported PNGs); treating that
    as a mask would call the whole frame "product".
    """
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode not in ("RGBA", "LA", "PA", "RGBa", "La"):
        return None
    alpha = img.getchannel("A")
    lo = alpha.getextrema()[0]
    assert not isinstance(lo, tuple), "a single band's extrema are (min, max)"
    if lo >= 250:
        return None
    hist = alpha.histogram()
    transparent = sum(hist[:ALPHA_ON]) / (img.width * img.height)
    # A few transparent pixels (rounded corners, a stray eraser stroke) do not
    # make a cut-out.
    return alpha if transparent >= 0.005 else None


def _from_alpha(alpha: Image.Image) -> SegmentResult:
    """A seller-provided cut-out: trust it, except for coverage/cut-off sanity."""
    small = _downscale(alpha, WORK_SIDE, Image.Resampling.BOX)
    binary = np.asarray(small) >= ALPHA_ON
    coverage = float(binary.mean())
    touch = touch_fraction(binary)
    signals = {
        "coverage": coverage,
        "edge_touch": touch,
        "coverage_factor": mask_quality.coverage_factor(coverage),
        "touch_factor": mask_quality.touch_factor(touch),
    }
    confidence = 0.97 * signals["coverage_factor"] * signals["touch_factor"]
    return SegmentResult(
        mask=alpha.copy(),
        confidence=round(float(confidence), 4),
        coverage=coverage,
        bbox=_bbox(alpha),
        method="alpha",
        signals=signals,
    )


# ------------------------------------------------------------------------ helpers


def cutout(img: Image.Image, mask: Image.Image) -> Image.Image:
    """The photo as RGBA with `mask` as its alpha: the transparent cut-out.

    Same size and orientation as `img` (the working image, already upright);
    a mask of another size is resized to it.
    """
    rgba = _to_rgb(img).convert("RGBA")
    alpha = mask if mask.size == rgba.size else mask.resize(rgba.size, Image.Resampling.BILINEAR)
    rgba.putalpha(alpha.convert("L"))
    return rgba


def _coverage(mask: Image.Image) -> float:
    """Share of product pixels, from the histogram (no 24 MB array copy)."""
    return sum(mask.histogram()[ALPHA_ON:]) / (mask.width * mask.height)


def _bbox(mask: Image.Image) -> tuple[int, int, int, int] | None:
    box = mask.point(lambda v: 255 if v >= ALPHA_ON else 0).getbbox()
    return tuple(box) if box else None  # type: ignore[return-value]


def _downscale(img: Image.Image, side: int, method: Image.Resampling) -> Image.Image:
    scale = side / max(img.size)
    if scale >= 1.0:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, method, reducing_gap=2.0)


def _to_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB from any mode; 16-bit/float greyscale is rescaled, not clipped."""
    if img.mode == "RGB":
        return img
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        arr = np.asarray(img.convert("F"), np.float32)
        top = 65535.0 if arr.max() > 255 else 255.0
        grey = Image.fromarray(np.clip(arr / top * 255 + 0.5, 0, 255).astype(np.uint8), "L")
        return grey.convert("RGB")
    return img.convert("RGB")
