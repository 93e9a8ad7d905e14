"""Place a work-scale mask's edge on the full-size photo's own edges (soft alpha).

Why: the decision (which pixels are product) is made at work scale (~640 px),
and the model sees only 320 px, but the studio image is composed at up to
3000 px. Upscaling the decision draws a staircase or a blurred rim; instead a
guided filter (He, Sun & Tang 2013) fits, in every small window, alpha as a
linear function of the colour, so where the photo has an edge the alpha
follows it at full resolution ("fast guided filter": coefficients at work
scale, applied to full-size pixels). Where the photo has no edge (white on
white) it degrades gracefully to a smooth version of the decision.

First the decision itself is snapped onto the photo's edges at work scale
(`snap`, at most `SNAP_RANGE` px), then the full-size result is clamped
between that decision eroded and dilated by `BAND` work pixels: the filter
may place the edge, never invent product far from it (a shadow next to the
base stays background even when its colour fits the window's linear model).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from lightbox.imaging.morphology import box_mean, dilate, erode

#: Guided-filter window radius, work pixels (a 7 x 7 window: wide enough to
#: see both sides of an edge the decision misplaced by a pixel or two).
RADIUS = 3
#: Regularisation, in (0..1 intensity)²: colour steps well above ~0.015 (about
#: 4 levels of 255) steer the alpha; sensor grain (~0.006) does not.
EPS = 2e-4
#: How far (work pixels) `snap` may move the decision's edge onto a colour edge.
SNAP_RANGE = 2
#: Guided-filter passes in `snap` (measured: a 1.5-2 px offset converges to
#: sub-pixel in 3).
SNAP_PASSES = 3
#: Summed colour variance of a window (0..1 units²) below which it has no edge
#: to snap to: a grey step of ~9 levels across the window gives 3/4 * 0.035².
SNAP_MIN_VARIANCE = 5 * EPS
#: How far (work pixels) the full-size alpha may deviate from the snapped edge.
BAND = 1
#: Filter output below this is backdrop and above 1 - this product; the ramp
#: between is stretched to 0..1.
TAIL = 0.15
#: Blur of the full-size guide, in work pixels (see `matte`).
GUIDE_BLUR = 0.4
#: Full-size rows processed at a time: bounds memory on a 27 MP photo.
STRIP_ROWS = 256


def matte(
    full: Image.Image,
    small: Image.Image,
    decision: np.ndarray,
    support: np.ndarray | None = None,
) -> Image.Image:
    """Full-size 'L' alpha for `full` from the work-scale boolean `decision`.

    `small` is `full` downscaled to `decision`'s shape (RGB). Inside the
    decision (beyond `BAND`) alpha is 255, outside 0; in between it follows
    the photo. `support` (work scale, boolean) is a second opinion: `snap`
    moves a pixel only to the side `support` puts it on; None lets the photo's
    edges alone decide.
    """
    near = dilate(decision, 1) & ~erode(decision, 1)
    if not near.any():
        return _upscaled(decision, full.size)
    # Only the outline's neighbourhood matters: filter a crop around it (the
    # margin covers the snap range and two filter windows).
    margin = SNAP_RANGE + BAND + 2 * RADIUS + 2
    rows, cols = np.nonzero(near.any(axis=1))[0], np.nonzero(near.any(axis=0))[0]
    h, w = decision.shape
    wy0, wy1 = max(0, rows[0] - margin), min(h, rows[-1] + margin + 1)
    wx0, wx1 = max(0, cols[0] - margin), min(w, cols[-1] + margin + 1)
    guide = np.asarray(small.convert("RGB"), np.float64)[wy0:wy1, wx0:wx1] / 255.0
    fit = _GuidedFilter(guide)

    decision = decision.copy()
    crop = (slice(wy0, wy1), slice(wx0, wx1))
    second = None if support is None else support[crop]
    decision[crop] = snapped = fit.snap(decision[crop], second)
    out = _upscaled(erode(decision, BAND), full.size)
    mean_a, mean_b = fit.coefficients(snapped)
    lo = erode(snapped, BAND).astype(np.float32)
    hi = dilate(snapped, BAND).astype(np.float32)
    planes = [Image.fromarray(mean_a[..., c].astype(np.float32), "F") for c in range(3)]
    planes += [Image.fromarray(p.astype(np.float32), "F") for p in (mean_b, lo, hi)]

    sx, sy = full.width / w, full.height / h
    # Full-size box of the band (plus a work pixel, which bilinear reaches);
    # outside it `lo == hi` and the upscaled `out` is already exact.
    band_rows = np.nonzero((lo != hi).any(axis=1))[0] + wy0
    band_cols = np.nonzero((lo != hi).any(axis=0))[0] + wx0
    x0 = max(0, int((band_cols[0] - 1) * sx))
    x1 = min(full.width, int(np.ceil((band_cols[-1] + 2) * sx)))
    y0 = max(0, int((band_rows[0] - 1) * sy))
    y1 = min(full.height, int(np.ceil((band_rows[-1] + 2) * sy)))

    rgb = full if full.mode == "RGB" else full.convert("RGB")
    # The coefficients were fitted on the downscaled photo, whose grain is
    # averaged away; applied to raw full-size pixels they would turn sensor
    # noise into a ragged edge. A blur of about half a work pixel matches the
    # noise level they were fitted at and still keeps the edge within ~1 px.
    sigma = GUIDE_BLUR * max(sx, sy)
    pad = int(np.ceil(3 * sigma)) if sigma >= 0.3 else 0
    for top in range(y0, y1, STRIP_ROWS):
        bottom = min(y1, top + STRIP_ROWS)
        size = (x1 - x0, bottom - top)
        src_box = (x0 / sx - wx0, top / sy - wy0, x1 / sx - wx0, bottom / sy - wy0)
        a_r, a_g, a_b, b, lo_up, hi_up = (
            np.asarray(p.resize(size, Image.Resampling.BILINEAR, box=src_box), np.float32)
            for p in planes
        )
        pix = np.asarray(_guide_strip(rgb, (x0, top, x1, bottom), sigma, pad), np.float32)
        pix *= 1.0 / 255.0
        q = a_r * pix[..., 0] + a_g * pix[..., 1] + a_b * pix[..., 2] + b
        # The linear fit leaves faint tails (a few %) a couple of pixels into
        # the backdrop and the product: cut them, keep the ramp between.
        q = (q - TAIL) * (1.0 / (1.0 - 2.0 * TAIL))
        alpha = np.clip(np.clip(q, lo_up, hi_up), 0.0, 1.0)
        strip = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
        out.paste(strip, (x0, top))
    return out


def _upscaled(mask: np.ndarray, size: tuple[int, int]) -> Image.Image:
    small = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return small if small.size == size else small.resize(size, Image.Resampling.BILINEAR)


def _guide_strip(
    rgb: Image.Image, box: tuple[int, int, int, int], sigma: float, pad: int
) -> Image.Image:
    """The full-size guide for one strip, lightly blurred (with context rows/columns)."""
    if pad == 0:
        return rgb.crop(box)
    x0, y0, x1, y1 = box
    outer = (
        max(0, x0 - pad),
        max(0, y0 - pad),
        min(rgb.width, x1 + pad),
        min(rgb.height, y1 + pad),
    )
    blurred = rgb.crop(outer).filter(ImageFilter.GaussianBlur(sigma))
    return blurred.crop((x0 - outer[0], y0 - outer[1], x1 - outer[0], y1 - outer[1]))


class _GuidedFilter:
    """Colour-guided filter (He et al.) with the guide's statistics computed once.

    Per window, a = (Σ + εI)⁻¹ cov(I, p) and b = mean(p) - a·mean(I); averaging
    a and b over the windows covering a pixel gives the filter output a·I + b
    there. Σ and its inverse depend on the guide only, so `snap`'s passes
    reuse them. The 3 x 3 inverse is written out (symmetric cofactors) so it
    vectorises over the whole crop.
    """

    def __init__(self, guide: np.ndarray) -> None:
        r = RADIUS
        self.guide = guide
        self.mean_i = np.stack([box_mean(guide[..., c], r) for c in range(3)], axis=-1)

        def var(i: int, j: int) -> np.ndarray:
            v: np.ndarray = (
                box_mean(guide[..., i] * guide[..., j], r)
                - self.mean_i[..., i] * self.mean_i[..., j]
            )
            return v

        rr, rg, rb = var(0, 0), var(0, 1), var(0, 2)
        gg, gb, bb = var(1, 1), var(1, 2), var(2, 2)
        # Windows with no colour contrast have no edge to snap to.
        self.contrast = rr + gg + bb > SNAP_MIN_VARIANCE
        rr, gg, bb = rr + EPS, gg + EPS, bb + EPS
        inv = (
            gg * bb - gb * gb,  # rr
            gb * rb - rg * bb,  # rg
            rg * gb - gg * rb,  # rb
            rr * bb - rb * rb,  # gg
            rb * rg - rr * gb,  # gb
            rr * gg - rg * rg,  # bb
        )
        det = rr * inv[0] + rg * inv[1] + rb * inv[2]
        self.inv = tuple(v / det for v in inv)

    def coefficients(self, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Window-averaged (a: h x w x 3, b: h x w) for a boolean or float prior."""
        r = RADIUS
        p = prior.astype(np.float64)
        mean_p = box_mean(p, r)
        c0, c1, c2 = (
            box_mean(self.guide[..., c] * p, r) - self.mean_i[..., c] * mean_p for c in range(3)
        )
        i_rr, i_rg, i_rb, i_gg, i_gb, i_bb = self.inv
        a = (
            i_rr * c0 + i_rg * c1 + i_rb * c2,
            i_rg * c0 + i_gg * c1 + i_gb * c2,
            i_rb * c0 + i_gb * c1 + i_bb * c2,
        )
        b = mean_p - sum(a[c] * self.mean_i[..., c] for c in range(3))
        return np.stack([box_mean(v, r) for v in a], axis=-1), box_mean(b, r)

    def snap(self, decision: np.ndarray, support: np.ndarray | None = None) -> np.ndarray:
        """Move a work-scale decision's edge onto the photo's colour edge.

        One filter pass only pulls an edge that is a pixel or more off part of
        the way (the linear fit splits the difference, leaving a long soft
        ramp); re-thresholding its output at 0.5 and filtering again converges
        in a few passes. Moves stay within `SNAP_RANGE` px of the original
        edge, and only where the window has colour contrast: in a flat window
        the filter just blurs, and repeated blur-and-threshold would round
        corners off and thin a white shoelace on a white sweep away.

        With `support`, a pixel only moves to the side the second opinion
        puts it on: the nearest strong edge is not always the outline (the
        dark rim at a jar's base, right above its contact shadow), and
        snapping there would notch the base.
        """
        lo, hi = erode(decision, SNAP_RANGE), dilate(decision, SNAP_RANGE)
        movable = self.contrast
        if support is not None:
            movable = movable & (support != decision)
        current = decision
        for _ in range(SNAP_PASSES):
            mean_a, mean_b = self.coefficients(current)
            q = (mean_a * self.guide).sum(axis=-1) + mean_b
            current = (np.where(movable, q >= 0.5, decision) & hi) | lo
        return current
