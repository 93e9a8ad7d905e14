"""Foreground (product) segmentation for product photos, Pillow + numpy only.

Why a classical method: it needs no model file, runs in about 0.1 s in a
Lambda layer and, later, doubles as an independent opinion next to a learned
model (agreement between methods is a confidence signal, DESIGN.md §4). The
public API (`segment_foreground` -> `SegmentResult`) is what a learned model
will sit behind too.

How it works, on a copy downscaled to `WORK_SIDE` px:

1. Convert to CIE Lab (via LittleCMS) so distances roughly follow what a person
   sees as "different from the backdrop".
2. Model the backdrop from a band along the image border: a robust quadratic
   surface per Lab channel, so a gradient sweep or a vignette is backdrop too.
   The spread of the border around that surface sets the colour threshold.
3. Find the product's outline: Canny-style hysteresis on the colour gradient,
   thresholds scaled to the backdrop's own texture.
4. Flood from the frame edge over backdrop-coloured pixels, never across the
   outline. Only what the flood reaches is background, so near-white parts
   inside the product (a white mug's highlight) stay product; enclosed pockets
   whose mean colour matches the backdrop (the hole in a mug handle) are
   punched out. Cast shadows under the product are handed back to the
   background by geometry (`_shadows`).
5. Clean up (binary morphology, largest component(s)), estimate a soft alpha
   along the edge from how far each edge pixel is from the backdrop, and
   upscale the mask with a ~2 px edge.

Confidence is computed from measured signals, see `_confidence`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter

#: Long side of the working copy. At 640 px a 2 MP photo segments in ~0.1 s and a
#: 27 MP one in ~0.2 s on one core (most of it resampling the full-size image
#: and mask), while the upscaled edge lands within about a pixel of the true
#: edge on a 2000 px canvas.
WORK_SIDE = 640

#: Below this many pixels on a side there is no photo to segment (validation
#: rejects such files long before; this only keeps the maths defined).
MIN_SIDE = 16

#: Fraction of the short side used as the border band that models the backdrop.
BORDER_BAND = 0.04

#: Lightness counts less than hue/chroma: soft shadows and the falloff of a
#: sweep are lightness changes we want to treat as backdrop.
L_WEIGHT = 0.6

#: Colour-distance threshold bounds (Lab units, weighted). The floor stops
#: JPEG noise on a perfectly clean backdrop from becoming "product"; the ceiling
#: stops a busy backdrop from swallowing a low-contrast product entirely.
MIN_THRESHOLD = 6.0
MAX_THRESHOLD = 30.0

#: A contact/floor shadow starts at most this fraction of the product's height
#: above its base, and is only removed when at least this fraction of the
#: silhouette is unmistakably product-coloured (see `_shadows`).
SHADOW_MAX_HEIGHT = 0.10
SHADOW_MIN_EVIDENCE = 0.5
#: L* rise over two pixels that marks where a product starts above its shadow.
SHADOW_STEP = 2.0

#: A pocket enclosed by the product is backdrop (a handle's hole) when its mean
#: colour is within this weighted Lab distance of the backdrop model. About one
#: just-noticeable difference: a highlight differs by more, a hole by less.
HOLE_MATCH = 1.5

#: Keys of `SegmentResult.signals` for the classical method.
SIGNAL_NAMES = (
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

#: Alpha values count as "product" from here on (bbox, coverage).
ALPHA_ON = 128


@dataclass(frozen=True)
class SegmentResult:
    """The product mask and how much to trust it.

    mask: 'L', same size as the input, 255 = product, soft edges.
    confidence: 0..1, see `_confidence` (classical) or `_from_alpha`.
    coverage: fraction of the frame that is product (mask >= 128).
    bbox: (left, top, right, bottom), right/bottom exclusive, or None if empty.
    method: "alpha" (input carried a real alpha channel) or "classical".
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
    cut-out); otherwise models the backdrop from the border. The input is not
    modified and may be any Pillow mode.
    """
    alpha = _real_alpha(img)
    if alpha is not None:
        return _from_alpha(alpha)
    return _classical(_to_rgb(img))


# --------------------------------------------------------------------------- alpha


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
    lo, _hi = alpha.getextrema()
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
    touch = _touch_fraction(binary)
    signals = {
        "coverage": coverage,
        "edge_touch": touch,
        "coverage_factor": _coverage_factor(coverage),
        "touch_factor": _touch_factor(touch),
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


# ----------------------------------------------------------------------- classical


@dataclass(frozen=True)
class _Scene:
    """Work-scale measurements shared by the mask and the confidence."""

    dist: np.ndarray  # weighted Lab distance to the backdrop model
    thr: float  # colour threshold from the border's spread
    diff: np.ndarray  # Lab minus backdrop model, L weighted
    barrier: np.ndarray  # strong colour edges (flood stops here)
    shadow: np.ndarray  # darker-but-same-hue-as-backdrop pixels
    lightness: np.ndarray  # L* (0..100), lightly smoothed
    border_d: np.ndarray  # border inliers' distance to the model


def _classical(rgb: Image.Image) -> SegmentResult:
    if min(rgb.size) < MIN_SIDE:
        return _nothing(rgb.size, dict.fromkeys(SIGNAL_NAMES, 0.0))
    small = _downscale(rgb, WORK_SIDE, Image.Resampling.BILINEAR)
    scene = _measure(_to_lab(small))
    fg = _foreground(scene, scene.thr)
    if not fg.any():
        return _nothing(rgb.size, _no_product_signals(scene))
    mask = _upscale_mask(_soft_alpha(fg, scene), rgb.size)
    signals = _signals(fg, scene)
    return SegmentResult(
        mask=mask,
        confidence=round(_confidence(signals), 4),
        coverage=_coverage(mask),
        bbox=_bbox(mask),
        method="classical",
        signals=signals,
    )


def _nothing(size: tuple[int, int], signals: dict[str, float]) -> SegmentResult:
    return SegmentResult(
        mask=Image.new("L", size, 0),
        confidence=0.0,
        coverage=0.0,
        bbox=None,
        method="classical",
        signals=signals,
    )


def _measure(lab: np.ndarray) -> _Scene:
    model, border_d = _fit_backdrop(lab)
    diff = lab - model
    dist = _distance(lab, model)
    thr = float(np.clip(3.0 * np.percentile(border_d, 95), MIN_THRESHOLD, MAX_THRESHOLD))
    # A cast shadow darkens the backdrop but keeps its hue; darker than ~-35 L*
    # is more likely a dark product than a shadow.
    chroma = np.hypot(diff[..., 1], diff[..., 2])
    shadow = (diff[..., 0] < 0) & (diff[..., 0] > -35) & (chroma <= 3.0 + 0.15 * -diff[..., 0])
    return _Scene(
        dist=dist,
        thr=thr,
        diff=diff * np.array([L_WEIGHT, 1.0, 1.0], np.float32),
        barrier=_edge_barrier(lab),
        shadow=shadow,
        lightness=_box3(lab[..., 0]),
        border_d=border_d,
    )


def _foreground(scene: _Scene, thr: float) -> np.ndarray:
    """Binary product mask at work scale (module docstring, steps 3-5)."""
    bg = _background(scene, thr)
    fg = _close(~bg, 2)
    return _keep_main_components(fg)


def _background(scene: _Scene, thr: float, *, shadows: bool = True) -> np.ndarray:
    """Backdrop pixels: what a flood from the frame edge reaches.

    The flood walks over pixels close to the backdrop model but never across a
    strong colour edge: the crisp outline is what keeps the lit side of a white
    mug on a white sweep from being flooded. 4-connected so it cannot slip
    through a diagonal gap. Then cast shadows are handed back (`_shadows`).
    """
    near = ~_open(scene.dist > thr, 1)
    labels, n = label(near & ~scene.barrier, eight=False)
    if n == 0:
        return np.zeros(near.shape, bool)
    is_bg = np.zeros(n + 1, bool)
    is_bg[_edge_ids(labels)] = True
    is_bg |= _backdrop_pockets(labels, n, scene.diff)
    is_bg[0] = False
    bg = is_bg[labels]
    below = scene.dist <= thr
    if shadows:
        shadow = _shadows(scene, thr, bg)
        bg |= shadow
        below |= shadow
    # The barrier is ~3 px wide and straddles the outline: hand its
    # backdrop-coloured half back to the background.
    for _ in range(2):
        bg |= _dilate(bg, 1) & below
    return bg


def _backdrop_pockets(labels: np.ndarray, n: int, diff: np.ndarray) -> np.ndarray:
    """Which enclosed components are backdrop seen through the product.

    Judged on the pocket's *mean* colour offset from the model: averaging
    cancels the noise, so a handle's hole comes out within `HOLE_MATCH` while a
    highlight, even one only slightly brighter or cooler than the sweep, does
    not. Tiny pockets are never punched (noise).
    """
    flat = labels.ravel()
    area = np.maximum(np.bincount(flat, minlength=n + 1), 1)
    sums = [np.bincount(flat, weights=diff[..., c].ravel(), minlength=n + 1) for c in range(3)]
    offset = np.linalg.norm(np.stack(sums, axis=1), axis=1) / area
    return (area >= 0.001 * labels.size) & (offset <= HOLE_MATCH)


def _shadows(scene: _Scene, thr: float, bg: np.ndarray) -> np.ndarray:
    """Cast-shadow pixels under the product, to give back to the backdrop.

    A shadow is darker than the backdrop with the same hue, but so is the grey
    side of a white mug, so colour alone cannot decide; geometry does, two ways:

    * Coloured product: the product is the convex hull of pixels that are
      unmistakably product (far from the backdrop colour, not shadow-like). A
      shadow-like pixel outside that hull near the base is shadow. Skipped when
      such evidence is under half the silhouette (a white or grey product).
    * Any product: walking up each column from the bottom of the silhouette, a
      shadow is shadow-like pixels up to the step where the product starts,
      which is brighter than the shadow it stands on. A column whose walk runs
      past `SHADOW_MAX_HEIGHT` of the product without such a step is left
      alone (a grey product darker than any shadow).

    Either way the result must connect to the backdrop.
    """
    fg = ~bg
    rows = np.nonzero(fg.any(axis=1))[0]
    if rows.size == 0:
        return np.zeros(bg.shape, bool)
    max_run = max(2, round(SHADOW_MAX_HEIGHT * (rows[-1] - rows[0] + 1)))
    near_base = np.zeros(bg.shape[0], bool)
    near_base[max(0, rows[-1] - max_run) :] = True

    removable = np.zeros(bg.shape, bool)
    evidence = fg & (scene.dist > thr) & ~scene.shadow
    if evidence.sum() >= SHADOW_MIN_EVIDENCE * fg.sum():
        removable |= scene.shadow & fg & near_base[:, None] & ~_hull_mask(evidence)

    # Column walk, bottom-up (arrays flipped so "up" is increasing index).
    light = scene.lightness[::-1]
    step_up = np.zeros(light.shape, bool)  # the pixel two rows higher is much brighter
    step_up[:-2] = light[2:] - light[:-2] > SHADOW_STEP
    up_fg = fg[::-1]
    started = np.maximum.accumulate(up_fg, axis=0)
    walkable = (scene.shadow[::-1] & up_fg) | ~started
    # The walk includes the pixel where the step starts, then stops.
    stop = np.zeros(light.shape, bool)
    stop[1:] = step_up[:-1] & started[:-1]
    run = (np.cumprod(walkable & ~stop, axis=0) > 0) & started
    length = run.sum(axis=0)
    top = np.minimum(np.argmax(up_fg, axis=0) + length, bg.shape[0] - 1)
    ended_on_step = (
        stop[top, np.arange(bg.shape[1])] | step_up[np.maximum(top - 1, 0), np.arange(bg.shape[1])]
    )
    ok = (length > 0) & (length <= max_run) & ended_on_step
    # Only at the base: the underside of a grey handle half-way up is product.
    removable |= (run & ok[None, :])[::-1] & near_base[:, None]

    if not removable.any():
        return removable
    labels, _ = label(bg | removable, eight=False)
    reached = np.zeros(labels.max() + 1, bool)
    reached[_edge_ids(labels)] = True
    return reached[labels] & removable


def _edge_barrier(lab: np.ndarray) -> np.ndarray:
    """The product's outline: thin, closed lines on clear colour edges.

    Canny-style: gradient of a lightly smoothed Lab image, thinned to its
    ridge (non-maximum suppression) so the outline sits on the real edge
    rather than a few pixels outside it, then hysteresis (strong edges seed,
    weaker ones connected to them continue the line). Thresholds adapt to the
    border band's gradient: a woven cloth has many small edges, a paper sweep
    almost none. Full lightness weight: an outline that differs only in
    lightness is still an outline, and soft shadows have low gradients anyway.
    """
    gy, gx = np.gradient(_box3(lab), axis=(0, 1))
    grad = np.sqrt((gx * gx + gy * gy).sum(axis=2))
    g_thr = max(1.0, 1.5 * float(np.percentile(_band_values(grad), 99)))
    # Edge direction of a colour image (Di Zenzo): the principal direction of
    # the channels' summed structure tensor; per-channel directions can cancel.
    gxx, gyy, gxy = (gx * gx).sum(axis=2), (gy * gy).sum(axis=2), (gx * gy).sum(axis=2)
    theta = 0.5 * np.arctan2(2.0 * gxy, gxx - gyy)
    ridge = _non_max_suppression(grad, np.cos(theta), np.sin(theta))
    weak = ridge & (grad > 0.5 * g_thr)
    labels, n = label(weak, eight=True)
    strong = np.zeros(n + 1, bool)
    strong[np.unique(labels[weak & (grad > g_thr)])] = True
    strong[0] = False
    # Closing bridges what hysteresis missed (gaps up to ~4 px): a flood needs
    # only one hole in the outline to leak into a white product.
    return _close(strong[labels], 2)


def _non_max_suppression(grad: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Pixels whose gradient is a maximum across the edge (4 directions)."""
    angle = (np.degrees(np.arctan2(dy, dx)) + 180.0) % 180.0
    sector = ((angle + 22.5) // 45).astype(np.int8) % 4  # 0: -, 1: /, 2: |, 3: \
    p = np.pad(grad, 1, mode="edge")
    h, w = grad.shape
    c = p[1:-1, 1:-1]
    neighbours = {
        0: (p[1:-1, :-2], p[1:-1, 2:]),  # gradient along x: compare left/right
        1: (p[:-2, :-2], p[2:, 2:]),
        2: (p[:-2, 1:-1], p[2:, 1:-1]),
        3: (p[:-2, 2:], p[2:, :-2]),
    }
    keep = np.zeros((h, w), bool)
    for k, (a, b) in neighbours.items():
        keep |= (sector == k) & (c >= a) & (c >= b)
    return keep


def _box3(arr: np.ndarray) -> np.ndarray:
    """3x3 box mean (edge-replicated) over the first two axes."""
    out = arr.astype(np.float32, copy=True)
    for axis in (0, 1):
        padded = np.concatenate(
            [np.take(out, [0], axis=axis), out, np.take(out, [-1], axis=axis)], axis=axis
        )
        n = out.shape[axis]
        out = (
            np.take(padded, range(0, n), axis=axis)
            + np.take(padded, range(1, n + 1), axis=axis)
            + np.take(padded, range(2, n + 2), axis=axis)
        ) / 3.0
    return out


def _keep_main_components(fg: np.ndarray) -> np.ndarray:
    """Keep the largest component plus any other that is a real part.

    A pair of earrings is two components of similar size; a speck of dust or
    the corner of a table leg is much smaller or hugs the frame edge.
    """
    labels, n = label(fg, eight=True)
    if n <= 1:
        return fg
    area = np.bincount(labels.ravel(), minlength=n + 1)
    area[0] = 0
    largest = int(area.max())
    keep = area >= max(0.2 * largest, 0.002 * fg.size)
    touching = np.zeros(n + 1, bool)
    touching[_edge_ids(labels)] = True
    keep &= ~touching | (area >= 0.5 * largest)
    keep[0] = False
    return keep[labels]


def _soft_alpha(fg: np.ndarray, scene: _Scene) -> np.ndarray:
    """Float alpha 0..1 at work scale: binary inside, estimated coverage at the edge.

    An edge pixel mixes backdrop and product, and its distance from the
    backdrop model grows roughly linearly with the product's share, so
    dist / (distance of the product just inside) estimates alpha and puts the
    outline where the pixel is half product, with sub-pixel precision. It is
    only used where the product differs enough from the backdrop for the ratio
    to mean something; elsewhere the binary decision stands. Shadow pixels
    outside the product get 0.
    """
    band = _dilate(fg, 1) & ~_erode(fg, 2)
    inside = np.where(_erode(fg, 2), scene.dist, 0.0)
    local = _max_filter(inside, 3)
    estimate = np.clip(scene.dist / np.maximum(local, 1e-3), 0.0, 1.0)
    usable = local >= max(0.6 * scene.thr, 3.0)
    # A product pixel that is not backdrop-coloured stays at least half
    # product: a highlight or a label reaching the outline is closer to the
    # backdrop than the product's body is, but it is not backdrop.
    keep = fg & (scene.dist > scene.thr)
    estimate = np.where(keep, np.maximum(estimate, 0.5), estimate)
    alpha = fg.astype(np.float32)
    pick = band & usable
    alpha[pick] = estimate[pick]
    alpha[band & ~fg & scene.shadow] = 0.0
    return alpha


def _max_filter(arr: np.ndarray, r: int) -> np.ndarray:
    """Grey-level dilation by a (2r+1)² square (separable numpy shifts)."""
    out = arr.copy()
    for axis in (0, 1):
        src = out.copy()
        for k in range(1, r + 1):
            if axis == 0:
                np.maximum(out[k:], src[:-k], out=out[k:])
                np.maximum(out[:-k], src[k:], out=out[:-k])
            else:
                np.maximum(out[:, k:], src[:, :-k], out=out[:, k:])
                np.maximum(out[:, :-k], src[:, k:], out=out[:, :-k])
    return out


def _upscale_mask(alpha: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Upscale the work-scale alpha to full size with a clean ~2 px edge.

    A light blur first turns the work-scale pixel staircase into a smooth
    ramp; bilinear upscaling then spreads it over ~2x the scale factor, and a
    linear stretch around 50% brings it back to ~2 px without moving it.
    """
    small = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
    small = small.filter(ImageFilter.GaussianBlur(0.7))
    if small.size == size:
        return small
    scale = size[0] / small.width
    big = small.resize(size, Image.Resampling.BILINEAR)
    gain = max(1.0, 0.8 * scale)
    lut = [int(np.clip((v - 127.5) * gain + 127.5, 0, 255) + 0.5) for v in range(256)]
    return big.point(lut)


# ---------------------------------------------------------------------- backdrop


def _fit_backdrop(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust quadratic surface per Lab channel fitted to the border band.

    Returns the modelled backdrop for every pixel and the weighted distance of
    the (inlier) border pixels to it, i.e. how noisy the backdrop is. Trimmed
    least squares: a product touching the frame edge can be a large part of
    the band and must not drag the fit.
    """
    h, w, _ = lab.shape
    b = max(3, round(BORDER_BAND * min(h, w)))
    band = np.zeros((h, w), bool)
    band[:b] = band[-b:] = True
    band[:, :b] = band[:, -b:] = True
    # Every third band pixel is plenty for six coefficients and 3x cheaper.
    ys, xs = (v[::3] for v in np.nonzero(band))
    design = _design(xs, ys, w, h)
    values = lab[ys, xs]
    # Start from the band's median colour and let the model grow (constant ->
    # plane -> quadratic) while trimming the worst-fitting pixels each round: a
    # quadratic fitted to everything first would bend towards the product.
    d = _distance(values, np.median(values, axis=0))
    for terms, quantile in ((3, 0.6), (6, 0.7), (6, 0.8)):
        keep = d <= np.quantile(d, quantile)
        coef, *_ = np.linalg.lstsq(design[keep, :terms], values[keep], rcond=None)
        d = _distance(values, design[:, :terms] @ coef)
    inliers = d <= 3.0 * np.median(d) + 1.0
    yy, xx = np.mgrid[0:h, 0:w]
    model = (_design(xx.ravel(), yy.ravel(), w, h) @ coef).reshape(h, w, 3)
    return model.astype(np.float32), d[inliers]


def _design(xs: np.ndarray, ys: np.ndarray, w: int, h: int) -> np.ndarray:
    x = xs.astype(np.float32) / max(w - 1, 1) * 2 - 1
    y = ys.astype(np.float32) / max(h - 1, 1) * 2 - 1
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    diff = a - b
    return np.sqrt((L_WEIGHT * diff[..., 0]) ** 2 + diff[..., 1] ** 2 + diff[..., 2] ** 2).astype(
        np.float32
    )


# -------------------------------------------------------------------- confidence


def _signals(fg: np.ndarray, scene: _Scene) -> dict[str, float]:
    """Measure what the confidence is made of (all at work scale)."""
    dist, thr = scene.dist, scene.thr
    inner = _erode(fg, 2)
    core = inner if inner.sum() >= 50 else fg
    contrast_ratio = float(np.median(dist[core])) / thr

    # Edge agreement: the mask outline should sit on a real colour edge, i.e. the
    # distance map should change fast there compared with the backdrop's noise.
    gy, gx = np.gradient(dist)
    grad = np.hypot(gx, gy)
    edge = fg & ~_erode(fg, 1)
    far_bg = ~_dilate(fg, 4)
    noise_grad = float(np.percentile(grad[far_bg], 90)) if far_bg.any() else 1.0
    edge_ratio = float(np.median(grad[edge])) / max(noise_grad, 0.5) if edge.any() else 0.0

    # Stability: does the outline move when the threshold moves? A product that
    # stands out keeps (almost) the same mask at 0.7x and 1.5x the threshold.
    lo = ~_background(scene, 0.7 * thr, shadows=False)
    hi = ~_background(scene, 1.5 * thr, shadows=False)
    union = np.logical_or(lo, hi).sum()
    stability = float(np.logical_and(lo, hi).sum() / union) if union else 0.0

    coverage = float(fg.mean())
    touch = _touch_fraction(fg)
    return {
        "threshold": thr,
        "border_noise": float(np.median(scene.border_d)),
        "contrast_ratio": contrast_ratio,
        "edge_ratio": edge_ratio,
        "stability": stability,
        "solidity": _solidity(fg),
        "coverage": coverage,
        "edge_touch": touch,
        "coverage_factor": _coverage_factor(coverage),
        "touch_factor": _touch_factor(touch),
    }


def _no_product_signals(scene: _Scene) -> dict[str, float]:
    """Same keys as `_signals`, for a frame where nothing stands out."""
    signals = dict.fromkeys(SIGNAL_NAMES, 0.0)
    signals["threshold"] = scene.thr
    signals["border_noise"] = float(np.median(scene.border_d))
    signals["touch_factor"] = 1.0
    return signals


def _confidence(s: dict[str, float]) -> float:
    """Combine the signals into one 0..1 score.

    Each quality signal is mapped to 0..1 and the quality is their weighted
    geometric mean, so one bad signal pulls the score down (an average would
    let a crisp outline hide a product that barely differs from its backdrop):

        contrast  = clip((contrast_ratio - 1) / 2)     median product distance
                                                        vs threshold; 3x -> 1
        edge      = clip((edge_ratio - 1) / 5)          outline gradient vs the
                                                        backdrop's noise gradient
        stability = clip((stability - 0.6) / 0.35)     IoU of the masks at 0.7x
                                                        and 1.5x the threshold
        solidity  = clip((solidity - 0.4) / 0.45)      area / convex-hull area
        quality   = contrast^0.30 * edge^0.30 * stability^0.25 * solidity^0.15
        confidence = quality * coverage_factor * touch_factor

    coverage_factor is 1 for 3%-80% of the frame and falls linearly to 0 at
    0.3% and 98% (a speck or "everything" is not a product shot); touch_factor
    = clip(1 - 4 * share of the frame's border pixels covered by the mask), so a
    product cut off along a whole side scores 0. Each signal is floored at 0.02
    so the product stays informative. Measured on synthetic scenes: saturated
    products on a sweep 1.0, a white mug on a white sweep ~0.5, a black
    notebook on dark cloth ~0.1.
    """

    def unit(v: float) -> float:
        return float(np.clip(v, 0.02, 1.0))

    contrast = unit((s["contrast_ratio"] - 1.0) / 2.0)
    edge = unit((s["edge_ratio"] - 1.0) / 5.0)
    stability = unit((s["stability"] - 0.6) / 0.35)
    solidity = unit((s["solidity"] - 0.4) / 0.45)
    quality = contrast**0.30 * edge**0.30 * stability**0.25 * solidity**0.15
    return float(np.clip(quality * s["coverage_factor"] * s["touch_factor"], 0.0, 1.0))


def _coverage_factor(coverage: float) -> float:
    if coverage <= 0.003 or coverage >= 0.98:
        return 0.0
    if coverage < 0.03:
        return (coverage - 0.003) / (0.03 - 0.003)
    if coverage > 0.80:
        return (0.98 - coverage) / (0.98 - 0.80)
    return 1.0


def _touch_factor(touch: float) -> float:
    """1 when the product is clear of the frame edge; 0 when it covers a quarter
    of the border (a whole side)."""
    return float(np.clip(1.0 - 4.0 * touch, 0.0, 1.0))


def _touch_fraction(fg: np.ndarray) -> float:
    ring = np.concatenate([fg[0], fg[-1], fg[1:-1, 0], fg[1:-1, -1]])
    return float(ring.mean()) if ring.size else 0.0


def _solidity(fg: np.ndarray) -> float:
    """Mask area / convex hull area. Products are mostly convex blobs; a mask
    that is a spiderweb of noise is not."""
    hull = _hull_points(fg)
    if hull is None or len(hull) < 3:
        return 0.0
    x, y = hull[:, 0], hull[:, 1]
    hull_area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    return float(fg.sum() / hull_area) if hull_area > 0 else 0.0


def _hull_mask(mask: np.ndarray) -> np.ndarray:
    """The filled convex hull of a boolean mask."""
    hull = _hull_points(mask)
    out = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    if hull is not None and len(hull) >= 3:
        # Hull vertices are pixel corners; ImageDraw addresses pixel centres.
        ImageDraw.Draw(out).polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in hull], fill=255)
    return np.asarray(out) > 0


def _hull_points(mask: np.ndarray) -> np.ndarray | None:
    """Convex hull (pixel-corner coordinates) of a boolean mask, or None."""
    rows = np.nonzero(mask.any(axis=1))[0]
    if rows.size == 0:
        return None
    sub = mask[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
    # Only the row extremes can be hull vertices: at most 4 points per row.
    pts = np.concatenate(
        [
            np.stack([left, rows], 1),
            np.stack([left, rows + 1], 1),
            np.stack([right + 1, rows], 1),
            np.stack([right + 1, rows + 1], 1),
        ]
    ).astype(np.float64)
    return _convex_hull(pts)


def _convex_hull(pts: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; `pts` is at most 4 points per mask row."""
    pts = np.unique(pts, axis=0)
    if len(pts) < 3:
        return pts

    def half(points: np.ndarray) -> list[np.ndarray]:
        chain: list[np.ndarray] = []
        for p in points:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


# ----------------------------------------------------------------- connectivity


def label(mask: np.ndarray, *, eight: bool) -> tuple[np.ndarray, int]:
    """Connected-component labelling of a boolean mask (no scipy in the layer).

    Run-length based: horizontal runs are found with numpy, runs that overlap in
    consecutive rows are joined with a vectorised union-find. Returns int32
    labels (0 = not in mask, 1..n) and n.
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    n = rows.size
    if n == 0:
        return np.zeros((h, w), np.int32), 0

    stride = w + 2
    start_key = rows.astype(np.int64) * stride + starts
    end_key = rows.astype(np.int64) * stride + ends
    ext = 1 if eight else 0
    nxt = (rows.astype(np.int64) + 1) * stride
    lo = np.searchsorted(end_key, nxt + starts - ext, side="right")
    hi = np.searchsorted(start_key, nxt + ends + ext, side="left")
    counts = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(n), counts)
    offsets = np.arange(a.size) - np.repeat(np.cumsum(counts) - counts, counts)
    b = np.repeat(lo, counts) + offsets

    parent = np.arange(n)
    while a.size:
        pa, pb = parent[a], parent[b]
        diff = pa != pb
        if not diff.any():
            break
        pa, pb = pa[diff], pb[diff]
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    roots, run_label = np.unique(parent, return_inverse=True)
    run_label = run_label.astype(np.int32) + 1

    paint = np.zeros((h, w + 1), np.int32)
    paint[rows, starts] = run_label
    paint[rows, ends] -= run_label
    return np.cumsum(paint, axis=1)[:, :w].astype(np.int32), int(roots.size)


# ------------------------------------------------------------------------ helpers


def _band_values(arr: np.ndarray) -> np.ndarray:
    """Values of the border band (the backdrop sample), flattened."""
    h, w = arr.shape[:2]
    b = max(3, round(BORDER_BAND * min(h, w)))
    band = np.zeros((h, w), bool)
    band[:b] = band[-b:] = True
    band[:, :b] = band[:, -b:] = True
    return arr[band]


def _edge_ids(labels: np.ndarray) -> np.ndarray:
    """Labels (> 0) of the components that touch the frame edge."""
    ids = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ids[ids > 0]


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by a (2r+1)² square, separable numpy shifts.

    Same result as Pillow's MaxFilter(2r+1) on a 0/255 image but ~20x faster:
    Pillow's rank filter sorts every window, and the masks here are binary.
    """
    out = mask.copy()
    for axis in (0, 1):
        src = out.copy()
        for k in range(1, r + 1):
            if axis == 0:
                out[k:] |= src[:-k]
                out[:-k] |= src[k:]
            else:
                out[:, k:] |= src[:, :-k]
                out[:, :-k] |= src[:, k:]
    return out


def _erode(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary erosion by a (2r+1)² square; pixels beyond the frame count as set,
    like Pillow's MinFilter (edge replication)."""
    return ~_dilate(~mask, r)


def _open(mask: np.ndarray, r: int) -> np.ndarray:
    return _dilate(_erode(mask, r), r)


def _close(mask: np.ndarray, r: int) -> np.ndarray:
    return _erode(_dilate(mask, r), r)


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


@cache
def _lab_transform() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def _to_lab(rgb: Image.Image) -> np.ndarray:
    """float32 Lab: L in 0..100, a/b signed (Pillow stores them as int8 bytes)."""
    raw = np.asarray(ImageCms.applyTransform(rgb, _lab_transform()))
    lab = np.empty(raw.shape, np.float32)
    lab[..., 0] = raw[..., 0] * (100.0 / 255.0)
    lab[..., 1:] = raw[..., 1:].view(np.int8)
    return lab
