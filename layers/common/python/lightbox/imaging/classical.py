"""Classical foreground segmentation: backdrop model + outline + flood, Pillow/numpy only.

Why it exists next to the learned model: it needs no model file (the fallback
when the model is missing or fails), and it is an independent opinion whose
agreement with the model is a confidence signal (docs/architecture.md,
"Images"). Its backdrop
model also measures what the confidence needs: how far the product's colours
are from the backdrop and how sharp the outline is.

How it works, on a copy downscaled to `segment.WORK_SIDE` px:

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
   punched out. Cast shadows are handed back to the background by geometry
   (`_shadows`).
5. Clean up (binary morphology, largest component(s)).

The edge of the final mask is placed by `refine.matte`, shared with the
model path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageCms

from lightbox.imaging.morphology import (
    box3,
    closing,
    dilate,
    edge_ids,
    erode,
    hull_mask,
    keep_main_components,
    label,
    opening,
    outline,
    solidity,
    touch_fraction,
)

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
#: Deepest darkening (L*) the classical method takes for a cast shadow rather
#: than a dark product. Deeper, the shaded side of a jar or a mug starts to
#: qualify, and with only geometry to go by it would be cut away.
SHADOW_MAX_DARKENING = 55.0
#: The same, for `Scene.deep_shadow`: used only where the model, too, says
#: background. The core of a contact shadow under a bag on a light grey sweep
#: measured L* 26 on a backdrop of 93 (-67); a black product is darker still.
DEEP_SHADOW_DARKENING = 72.0
#: L* rise over two pixels that marks where a product starts above its shadow.
SHADOW_STEP = 2.0

#: A pocket enclosed by the product is backdrop (a handle's hole) when its mean
#: colour is within this weighted Lab distance of the backdrop model. About one
#: just-noticeable difference: a highlight differs by more, a hole by less.
HOLE_MATCH = 1.5


@dataclass(frozen=True)
class Scene:
    """Work-scale measurements shared by the masks and the confidence."""

    dist: np.ndarray  # weighted Lab distance to the backdrop model
    thr: float  # colour threshold from the border's spread
    diff: np.ndarray  # Lab minus backdrop model, L weighted
    grad: np.ndarray  # colour gradient magnitude (Lab, lightly smoothed)
    barrier: np.ndarray  # strong colour edges (flood stops here)
    shadow: np.ndarray  # darker-but-same-hue-as-backdrop pixels
    deep_shadow: np.ndarray  # the same, down to `DEEP_SHADOW_DARKENING`
    lightness: np.ndarray  # L* (0..100), lightly smoothed
    border_d: np.ndarray  # border inliers' distance to the model


def measure(small: Image.Image) -> Scene:
    """Backdrop model, outline and shadow candidates of a work-scale RGB image."""
    lab = to_lab(small)
    model, border_d = _fit_backdrop(lab)
    diff = lab - model
    dist = _distance(lab, model)
    thr = float(np.clip(3.0 * np.percentile(border_d, 95), MIN_THRESHOLD, MAX_THRESHOLD))
    # A cast shadow darkens the backdrop but keeps its hue; much darker than
    # `SHADOW_MAX_DARKENING` is more likely a dark product than a shadow.
    chroma = np.hypot(diff[..., 1], diff[..., 2])
    same_hue = (diff[..., 0] < 0) & (chroma <= 3.0 + 0.15 * -diff[..., 0])
    shadow = same_hue & (diff[..., 0] > -SHADOW_MAX_DARKENING)
    deep_shadow = same_hue & (diff[..., 0] > -DEEP_SHADOW_DARKENING)
    grad, barrier = _edge_barrier(lab)
    return Scene(
        dist=dist,
        thr=thr,
        diff=diff * np.array([L_WEIGHT, 1.0, 1.0], np.float32),
        grad=grad,
        barrier=barrier,
        shadow=shadow,
        deep_shadow=deep_shadow,
        lightness=box3(lab[..., 0]),
        border_d=border_d,
    )


def foreground(scene: Scene, thr: float | None = None) -> np.ndarray:
    """Binary product mask at work scale (module docstring, steps 3-5)."""
    bg = background(scene, scene.thr if thr is None else thr)
    return keep_main_components(closing(~bg, 2))


def background(scene: Scene, thr: float, *, shadows: bool = True) -> np.ndarray:
    """Backdrop pixels: what a flood from the frame edge reaches.

    The flood walks over pixels close to the backdrop model but never across a
    strong colour edge: the crisp outline is what keeps the lit side of a white
    mug on a white sweep from being flooded. 4-connected so it cannot slip
    through a diagonal gap. Then cast shadows are handed back (`_shadows`).
    """
    near = ~opening(scene.dist > thr, 1)
    labels, n = label(near & ~scene.barrier, eight=False)
    if n == 0:
        return np.zeros(near.shape, bool)
    is_bg = np.zeros(n + 1, bool)
    is_bg[edge_ids(labels)] = True
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
        bg |= dilate(bg, 1) & below
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


def _shadows(scene: Scene, thr: float, bg: np.ndarray) -> np.ndarray:
    """Cast-shadow pixels next to the product, to give back to the backdrop.

    A shadow is darker than the backdrop with the same hue, but so is the grey
    side of a white mug, so colour alone cannot decide; geometry does, two ways:

    * Coloured product: pixels that are unmistakably product (far from the
      backdrop colour, not shadow-like) are the evidence. A shadow-like pixel
      near the base is shadow when it lies outside the evidence's convex hull,
      or below the lowest evidence in its own column: the hull of a mug
      includes its handle, and the shadow cast under the handle lies inside
      that hull but under nothing but air. Skipped when such evidence is under
      half the silhouette (a white or grey product).
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
        outside = ~hull_mask(evidence) & near_base[:, None]
        # Below the lowest evidence pixel of its column, at any height in a
        # column that has evidence (under a handle), near the base otherwise.
        has = evidence.any(axis=0)
        lowest = np.where(has, evidence.shape[0] - 1 - np.argmax(evidence[::-1], axis=0), -1)
        under = np.arange(bg.shape[0])[:, None] > lowest[None, :]
        under &= has[None, :] | near_base[:, None]
        removable |= scene.shadow & fg & (outside | under)

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
    cols = np.arange(bg.shape[1])
    ended_on_step = stop[top, cols] | step_up[np.maximum(top - 1, 0), cols]
    ok = (length > 0) & (length <= max_run) & ended_on_step
    # Only at the base: the underside of a grey handle half-way up is product.
    removable |= (run & ok[None, :])[::-1] & near_base[:, None]

    if not removable.any():
        return removable
    labels, _ = label(bg | removable, eight=False)
    reached = np.zeros(labels.max() + 1, bool)
    reached[edge_ids(labels)] = True
    return reached[labels] & removable


def _edge_barrier(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The colour gradient and the product's outline: thin, closed lines on clear edges.

    Canny-style: gradient of a lightly smoothed Lab image, thinned to its
    ridge (non-maximum suppression) so the outline sits on the real edge
    rather than a few pixels outside it, then hysteresis (strong edges seed,
    weaker ones connected to them continue the line). Thresholds adapt to the
    border band's gradient: a woven cloth has many small edges, a paper sweep
    almost none. Full lightness weight: an outline that differs only in
    lightness is still an outline, and soft shadows have low gradients anyway.
    """
    gy, gx = np.gradient(box3(lab), axis=(0, 1))
    grad = np.sqrt((gx * gx + gy * gy).sum(axis=2))
    g_thr = max(1.0, 1.5 * float(np.percentile(band_values(grad), 99)))
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
    return grad.astype(np.float32), closing(strong[labels], 2)


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


# ---------------------------------------------------------------------- backdrop


def _fit_backdrop(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust quadratic surface per Lab channel fitted to the border band.

    Returns the modelled backdrop for every pixel and the weighted distance of
    the (inlier) border pixels to it, i.e. how noisy the backdrop is. Trimmed
    least squares: a product touching the frame edge can be a large part of
    the band and must not drag the fit.
    """
    h, w, _ = lab.shape
    band = _band(h, w)
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
    design: np.ndarray = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    return design


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    diff = a - b
    d: np.ndarray = np.sqrt((L_WEIGHT * diff[..., 0]) ** 2 + diff[..., 1] ** 2 + diff[..., 2] ** 2)
    return d.astype(np.float32)


def _band(h: int, w: int) -> np.ndarray:
    b = max(3, round(BORDER_BAND * min(h, w)))
    band = np.zeros((h, w), bool)
    band[:b] = band[-b:] = True
    band[:, :b] = band[:, -b:] = True
    return band


def band_values(arr: np.ndarray) -> np.ndarray:
    """Values of the border band (the backdrop sample), flattened."""
    values: np.ndarray = arr[_band(*arr.shape[:2])]
    return values


# ----------------------------------------------------------------------- signals


def mask_signals(fg: np.ndarray, scene: Scene) -> dict[str, float]:
    """How well a work-scale mask separates product from backdrop.

    contrast_ratio: median distance of the mask's core from the backdrop model
        over the threshold (a product that barely differs from its backdrop
        scores ~1 or less, whoever drew the mask).
    edge_ratio: median gradient of that distance along the mask's outline over
        the backdrop's own noise gradient: does the outline sit on a real edge?
    solidity, coverage, edge_touch: shape sanity.
    """
    dist, thr = scene.dist, scene.thr
    inner = erode(fg, 2)
    core = inner if inner.sum() >= 50 else fg
    contrast_ratio = float(np.median(dist[core])) / thr

    gy, gx = np.gradient(dist)
    grad = np.hypot(gx, gy)
    edge = outline(fg)
    far_bg = ~dilate(fg, 4)
    noise_grad = float(np.percentile(grad[far_bg], 90)) if far_bg.any() else 1.0
    edge_ratio = float(np.median(grad[edge])) / max(noise_grad, 0.5) if edge.any() else 0.0
    return {
        "threshold": thr,
        "border_noise": float(np.median(scene.border_d)),
        "contrast_ratio": contrast_ratio,
        "edge_ratio": edge_ratio,
        "solidity": solidity(fg),
        "coverage": float(fg.mean()),
        "edge_touch": touch_fraction(fg),
    }


def stability(scene: Scene) -> float:
    """Does the outline move when the threshold moves?

    IoU of the masks at 0.7x and 1.5x the threshold: a product that stands out
    keeps (almost) the same mask.
    """
    lo = ~background(scene, 0.7 * scene.thr, shadows=False)
    hi = ~background(scene, 1.5 * scene.thr, shadows=False)
    union = np.logical_or(lo, hi).sum()
    return float(np.logical_and(lo, hi).sum() / union) if union else 0.0


# ----------------------------------------------------------------------- colour


@cache
def _lab_transform() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def to_lab(rgb: Image.Image) -> np.ndarray:
    """float32 Lab: L in 0..100, a/b signed (Pillow stores them as int8 bytes)."""
    raw = np.asarray(ImageCms.applyTransform(rgb, _lab_transform()))
    lab = np.empty(raw.shape, np.float32)
    lab[..., 0] = raw[..., 0] * (100.0 / 255.0)
    lab[..., 1:] = raw[..., 1:].view(np.int8)
    return lab
