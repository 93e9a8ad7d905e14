"""Ghost mannequin: a front shot and an inner shot become one hollow garment.

Apparel sellers shoot a garment on a mannequin, remove the mannequin, and are
left with a hole at the neck where the backdrop shows through. A second shot
of the inside back (collar, neck label) is then fitted *behind* the front so
the garment looks worn by an invisible body. Done by hand this is ~10 minutes
of masking per garment; here:

1. Find the neck opening: the part of the front's convex hull that is not
   garment, near the top centre (a scooped neckline is a notch in the outline,
   a closed collar an enclosed hole — both lie inside the hull).
2. Measure the neckline width of both shots (the opening's widest row in the
   front; in the inner shot its own neck notch, or the width of its top edge
   if it is a cropped collar piece) and scale the inner piece so they agree.
3. Place it behind the front with the necklines' centres and tops aligned,
   visible only through the opening.
4. Shade it as an interior: less light overall, darker the deeper it goes,
   and an occlusion shadow from the front collar in front of it.

Edge colours of both shots are decontaminated from their backdrop first, so
the front collar's edge shows no light fringe against the darker interior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from lightbox.extras._common import (
    F32,
    alpha_array,
    backdrop_colour,
    decontaminate,
    downscale,
    hull_fill,
    product_mask,
    refine_alpha,
    resize_rgba,
    rgb_array,
)
from lightbox.imaging.filters import gaussian
from lightbox.imaging.morphology import dilate, erode
from lightbox.imaging.segment import label

#: Long side of the copy the opening is searched on.
WORK_SIDE = 640
#: The opening's centre must lie within this fraction of the garment's width
#: from the garment's centre, and its top within this fraction of its height
#: from the garment's top: a gap under a sleeve is not a neck.
MAX_CENTRE_OFFSET = 0.15
MAX_TOP_OFFSET = 0.25
#: An opening smaller than this share of the garment's bbox is noise.
MIN_OPENING_AREA = 0.002
#: Overall light reaching the inside of the garment, and how much darker the
#: bottom of the opening is than its top (it is deeper inside).
INTERIOR_LIGHT = 0.8
DEPTH_FALLOFF = 0.28
#: Strength of the shadow the front collar throws on the inside back.
COLLAR_OCCLUSION = 0.45


@dataclass(frozen=True)
class _Neckline:
    """A neckline in full-size pixels: where it starts and how wide it is."""

    centre_x: float
    top: float
    width: float
    opening: np.ndarray | None  # work-scale boolean mask of the opening (front only)
    work_scale: float


def ghost_mannequin(
    front: Image.Image,
    inner: Image.Image,
    front_mask: Image.Image | None = None,
    inner_mask: Image.Image | None = None,
    *,
    interior_light: float = INTERIOR_LIGHT,
) -> Image.Image:
    """Combine a front shot and an inner-back shot into one RGBA ghost garment.

    front: the garment from the front, mannequin removed (the neck opening
        shows the backdrop).
    inner: the inside of the back (collar, label), any size: it is scaled to
        the front's neckline.
    front_mask / inner_mask: 'L' masks (255 = garment); segmented when None
        (an RGBA cut-out's own alpha is used).
    interior_light: how much light the inside gets relative to the outside.

    Returns an RGBA cut-out the size of `front`. Raises ValueError when the
    front shot shows no neck opening, saying what to reshoot.
    """
    fmask = product_mask(front, front_mask)
    imask = product_mask(inner, inner_mask)
    fa = alpha_array(fmask)
    ia = alpha_array(imask)
    if fa.max() < 0.5:
        raise ValueError("the front shot has no garment in it: check the photo or its mask")
    if ia.max() < 0.5:
        raise ValueError("the inner shot has no garment in it: check the photo or its mask")

    neck = _front_neckline(fmask)
    inner_neck = _inner_neckline(imask)
    region = _opening_region(neck, fmask.size)
    x0, y0, x1, y1 = region.getbbox() or (0, 0, 0, 0)

    # Both outlines are re-matted from colour before decontamination: a mask
    # edge one pixel off leaves a light seam against the dark interior (and a
    # halo on any page background).
    front_rgb = rgb_array(front)
    backdrop = backdrop_colour(front_rgb, fa)
    fa = refine_alpha(front_rgb, fa, backdrop)
    front_rgb = decontaminate(front_rgb, fa, backdrop)
    inner_rgb = rgb_array(inner)
    inner_backdrop = backdrop_colour(inner_rgb, ia)
    ia = refine_alpha(inner_rgb, ia, inner_backdrop)
    inner_rgb = decontaminate(inner_rgb, ia, inner_backdrop)
    scale = neck.width / inner_neck.width

    # Where the inner piece's (0, 0) lands in the front's frame.
    ox = neck.centre_x - inner_neck.centre_x * scale
    oy = neck.top - inner_neck.top * scale

    out_rgb = front_rgb.copy()
    out_a = fa.copy()
    if x1 > x0 and y1 > y0:
        layer = _inner_layer(inner_rgb, ia, scale, (ox, oy), (x0, y0, x1, y1))
        lay = np.asarray(layer, F32) / 255.0
        inner_col, inner_a = lay[..., :3], lay[..., 3] * alpha_array(region.crop((x0, y0, x1, y1)))
        shade = _interior_shade(fa[y0:y1, x0:x1], neck, (x0, y0), interior_light)
        inner_col = inner_col * shade[..., None]
        f_a = fa[y0:y1, x0:x1]
        behind = inner_a * (1.0 - f_a)
        a = f_a + behind
        premult = front_rgb[y0:y1, x0:x1] * f_a[..., None] + inner_col * behind[..., None]
        out_rgb[y0:y1, x0:x1] = premult / np.maximum(a, 1e-4)[..., None]
        out_a[y0:y1, x0:x1] = a
    out = np.dstack([np.clip(out_rgb, 0, 1), out_a])
    return Image.fromarray(np.round(out * 255).astype(np.uint8), "RGBA")


def _inner_layer(
    rgb: np.ndarray,
    alpha: np.ndarray,
    scale: float,
    origin: tuple[float, float],
    region: tuple[int, int, int, int],
) -> Image.Image:
    """The scaled inner piece as an RGBA layer covering `region` of the front.

    Only the part of the inner shot that can show through the opening is
    resized: a 4000 px inner shot scaled up 1.5x would otherwise cost a
    6000 px RGBA resize for a few hundred visible pixels.
    """
    x0, y0, x1, y1 = region
    h, w = alpha.shape
    ix0 = max(0, int(np.floor((x0 - origin[0]) / scale)) - 1)
    iy0 = max(0, int(np.floor((y0 - origin[1]) / scale)) - 1)
    ix1 = min(w, int(np.ceil((x1 - origin[0]) / scale)) + 1)
    iy1 = min(h, int(np.ceil((y1 - origin[1]) / scale)) + 1)
    layer = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
    if ix1 <= ix0 or iy1 <= iy0:
        return layer
    sub = np.dstack([rgb[iy0:iy1, ix0:ix1], alpha[iy0:iy1, ix0:ix1]])
    piece = Image.fromarray(np.round(sub * 255).astype(np.uint8), "RGBA")
    size = (max(1, round((ix1 - ix0) * scale)), max(1, round((iy1 - iy0) * scale)))
    piece = resize_rgba(piece, size)
    layer.paste(piece, (round(origin[0] + ix0 * scale) - x0, round(origin[1] + iy0 * scale) - y0))
    return layer


# --------------------------------------------------------------------- necklines


def _solid_small(mask: Image.Image) -> tuple[np.ndarray, float]:
    small = downscale(mask, WORK_SIDE, Image.Resampling.BILINEAR)
    return np.asarray(small) >= 128, small.width / mask.width


def _find_opening(solid: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_] | None:
    """The neck opening at work scale: hull minus garment, top-centre component."""
    rows = np.nonzero(solid.any(axis=1))[0]
    cols = np.nonzero(solid.any(axis=0))[0]
    if rows.size == 0:
        return None
    top, height = rows[0], rows[-1] - rows[0] + 1
    left, width = cols[0], cols[-1] - cols[0] + 1
    centre = left + width / 2
    gaps = hull_fill(solid) & ~solid
    # Thin slivers between the hull and a straight edge (a shoulder line)
    # would join the opening to the gaps under the sleeves: cut them first.
    labels, n = label(erode(gaps, 2), eight=False)
    best, best_key = None, None
    min_area = MIN_OPENING_AREA * width * height
    for i in range(1, n + 1):
        ys, xs = np.nonzero(labels == i)
        if ys.size < min_area:
            continue
        if abs(xs.mean() - centre) > MAX_CENTRE_OFFSET * width:
            continue
        if ys.min() - top > MAX_TOP_OFFSET * height:
            continue
        key = (ys.min(), -ys.size)  # highest first, then largest
        if best_key is None or key < best_key:
            best, best_key = i, key
    if best is None:
        return None
    return dilate(labels == best, 2) & gaps


def _row_extent(region: np.ndarray) -> tuple[float, float, int]:
    """Centre x and width of the widest row of `region`, and the top row."""
    rows = np.nonzero(region.any(axis=1))[0]
    sub = region[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - sub[:, ::-1].argmax(axis=1)
    widths = right - left
    i = int(np.argmax(widths))
    return (left[i] + right[i]) / 2, float(widths[i]), int(rows[0])


def _front_neckline(mask: Image.Image) -> _Neckline:
    solid, k = _solid_small(mask)
    opening = _find_opening(solid)
    if opening is None:
        raise ValueError(
            "no neck opening found in the front shot: photograph the garment on an "
            "invisible (removable) mannequin so the neck opening shows the backdrop"
        )
    cx, width, top = _row_extent(opening)
    return _Neckline(cx / k, top / k, width / k, opening, k)


def _inner_neckline(mask: Image.Image) -> _Neckline:
    """The inner piece's neckline: its own neck notch if it has one, else its top edge.

    A full inside-back shot has shoulders and a shallow back neckline (a notch
    at the top); a cropped collar insert does not, and its whole top edge is
    the neckline.
    """
    solid, k = _solid_small(mask)
    rows = np.nonzero(solid.any(axis=1))[0]
    top = int(rows[0])
    opening = _find_opening(solid)
    if opening is not None:
        cx, width, _ = _row_extent(opening)
    else:
        band = solid[top : top + max(2, round(0.04 * (rows[-1] - top + 1)))]
        cols = np.nonzero(band.any(axis=0))[0]
        cx, width = (cols[0] + cols[-1] + 1) / 2, float(cols[-1] - cols[0] + 1)
    return _Neckline(cx / k, top / k, max(width, 1.0) / k, None, k)


def _opening_region(neck: _Neckline, size: tuple[int, int]) -> Image.Image:
    """Full-size soft 'L' mask of where the inner piece may show.

    The opening grown by a couple of work pixels: under the front's soft edge
    the inner piece must be present (else the edge shows the transparent
    background as a light seam); elsewhere the front covers it anyway.
    """
    assert neck.opening is not None
    grown = dilate(neck.opening, 2)
    small = Image.fromarray(grown.astype(np.uint8) * 255, "L")
    big = small.resize(size, Image.Resampling.BILINEAR)
    return big.filter(ImageFilter.GaussianBlur(max(1.0, 0.6 / neck.work_scale)))


def _interior_shade(
    front_alpha: np.ndarray, neck: _Neckline, origin: tuple[int, int], light: float
) -> np.ndarray:
    """Multiplicative light on the inside back, per pixel of the region.

    Deeper (lower in the opening) is darker; near the front collar the front
    occludes the light (a blurred copy of the front's alpha is that shadow).
    """
    if neck.opening is None:
        raise ValueError("the interior is shaded from the front's neckline, which has an opening")
    h, w = front_alpha.shape
    ys = np.arange(h, dtype=F32) + origin[1]
    opening_rows = np.nonzero(neck.opening.any(axis=1))[0]
    depth = max(1.0, (opening_rows[-1] - opening_rows[0] + 1) / neck.work_scale)
    t = np.clip((ys - neck.top) / depth, 0.0, 1.0)
    shade = light * (1.0 - DEPTH_FALLOFF * t)[:, None] * np.ones((1, w), F32)
    occlusion = gaussian(front_alpha, max(1.0, 0.06 * neck.width))
    lit: npt.NDArray[np.float32] = shade * (1.0 - COLLAR_OCCLUSION * occlusion)
    return lit.astype(F32)
