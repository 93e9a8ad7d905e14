"""Put a seller's graphic (logo, print) onto an item photo, following its shape.

Print-on-demand sellers have one blank item photo and hundreds of designs. A
design pasted flat looks like a sticker on the photo; a printed one follows the
fabric. Three things make the difference, all read from the item photo itself:

1. **Displacement**: the print is shifted by the item's (smoothed, normalised)
   luminance — the classic displacement-map trick — so its lines bend over
   folds instead of running straight across them.
2. **Shading**: the print is multiplied by the light falling on the item —
   its brightness relative to its best-lit part — so folds and shadows darken
   the print exactly as they darken the fabric (and a dark shirt does not
   blacken the print: the shading is relative, not absolute). Highlights
   above that level lift it a little (screen).
3. **Clipping**: the print exists only where the item is (its mask), with the
   mask's soft edge.

Only the print's box (plus the warp margin) is processed, so the cost depends
on the print's size, not the photo's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from lightbox.extras._common import (
    F32,
    alpha_array,
    as_rgb,
    as_rgba,
    product_mask,
    resize_rgba,
    rgb_array,
    solid_bbox,
    to_image,
)
from lightbox.imaging.colour import luma
from lightbox.imaging.filters import gaussian

#: Default print size: at most this fraction of the item's bbox width/height.
DEFAULT_COVERAGE = 0.42
#: Largest displacement, as a fraction of the print's longer side.
DEFAULT_WARP = 0.012
#: Shading is clamped so a deep shadow cannot erase the print nor a specular
#: highlight bleach it.
SHADE_RANGE = (0.3, 1.2)
#: Luminance spread (0..1) below which the item counts as flat (no displacement).
FLAT_STD = 0.02


def apply_graphic(
    item: Image.Image,
    graphic: Image.Image,
    mask: Image.Image | None = None,
    box: tuple[int, int, int, int] | None = None,
    opacity: float = 0.95,
    *,
    coverage: float = DEFAULT_COVERAGE,
    warp: float = DEFAULT_WARP,
) -> Image.Image:
    """Print `graphic` onto `item` and return the RGB mock-up.

    mask: 'L' item mask (255 = item); segmented when None. The print is clipped to it.
    box: (left, top, right, bottom) the graphic is fitted into (aspect kept,
        centred); default: `coverage` of the mask's bbox, centred in it.
    opacity: ink opacity; < 1 lets a little fabric texture through, as real
        prints do.
    warp: largest displacement as a fraction of the print's longer side
        (0 disables it).
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be between 0 and 1, got {opacity}")
    rgb = as_rgb(item)
    m = product_mask(item, mask)
    item_box = solid_bbox(m)
    if item_box is None:
        raise ValueError("the item photo has no item in it (empty mask): nothing to print on")
    g = as_rgba(graphic)
    if box is None:
        box = _default_box(item_box, g.size, coverage)
    place = _fit(box, g.size)
    pw, ph = place[2] - place[0], place[3] - place[1]
    if pw < 2 or ph < 2:
        raise ValueError(f"the print box {box} is too small to print into")
    art = np.asarray(resize_rgba(g, (pw, ph)), F32) / 255.0
    art[..., :3] *= art[..., 3:]  # premultiplied for sampling

    amp = warp * max(pw, ph)
    margin = int(np.ceil(amp)) + 2
    x0, y0 = max(0, place[0] - margin), max(0, place[1] - margin)
    x1, y1 = min(rgb.width, place[2] + margin), min(rgb.height, place[3] + margin)
    if x1 <= x0 or y1 <= y0:
        return rgb.copy()
    base = rgb_array(rgb.crop((x0, y0, x1, y1)))
    y = luma(base)

    # Sample the print at p + offset(p): the region's pixel grid in print coords.
    gy, gx = np.mgrid[y0:y1, x0:x1].astype(F32)
    gx -= place[0]
    gy -= place[1]
    if amp > 0:
        disp = gaussian(y, max(1.0, 0.006 * max(pw, ph)))
        # Normalised so folds use the full range; a spread under FLAT_STD is
        # not folds but noise and must not be amplified into a wobble.
        disp = np.clip((disp - disp.mean()) / max(float(disp.std()), FLAT_STD), -2.5, 2.5) / 2.5
        gx += amp * disp
        gy += amp * disp
    printed = _bilinear(art, gx, gy)
    a = printed[..., 3]
    colour = printed[..., :3] / np.maximum(a, 1e-4)[..., None]

    inside = alpha_array(m.crop((x0, y0, x1, y1)))
    shade = np.clip(y / _lit_level(y, inside), *SHADE_RANGE)[..., None]
    dark = np.minimum(shade, 1.0)
    light = np.maximum(shade - 1.0, 0.0)
    colour = colour * dark
    colour = colour + (1.0 - colour) * light * 0.6

    a = a * opacity * inside
    out = base * (1.0 - a[..., None]) + colour * a[..., None]
    result = rgb.copy()
    result.paste(to_image(out), (x0, y0))
    return result


def _lit_level(y: np.ndarray, inside: np.ndarray) -> float:
    """The item's fully lit brightness around the print (its 95th percentile).

    Fabric brightness = its colour x the light falling on it. Dividing by the
    best-lit level leaves the light alone (1 where lit, < 1 in folds and
    shadows), which is what the ink receives too. A local blur would not do:
    it would follow the folds and cancel the very shading we want.
    """
    values = y[inside >= 0.5]
    if values.size < 16:
        values = y.ravel()
    return max(float(np.percentile(values, 95)), 1e-3)


def _default_box(
    item_box: tuple[int, int, int, int], size: tuple[int, int], coverage: float
) -> tuple[int, int, int, int]:
    """`coverage` of the item's bbox, centred in it (the fit keeps the aspect)."""
    bx0, by0, bx1, by1 = item_box
    bw, bh = (bx1 - bx0) * coverage, (by1 - by0) * coverage
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    return (round(cx - bw / 2), round(cy - bh / 2), round(cx + bw / 2), round(cy + bh / 2))


def _fit(box: tuple[int, int, int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest rectangle of the graphic's aspect centred inside `box`."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if bw <= 0 or bh <= 0:
        raise ValueError(f"box {box} is empty: give (left, top, right, bottom) with right > left")
    s = min(bw / size[0], bh / size[1])
    w, h = max(1, round(size[0] * s)), max(1, round(size[1] * s))
    left, top = x0 + (bw - w) // 2, y0 + (bh - h) // 2
    return left, top, left + w, top + h


def _bilinear(
    img: npt.NDArray[np.float32], xs: npt.NDArray[np.float32], ys: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Sample `img` (H x W x C) at float pixel coordinates; outside is 0 (transparent)."""
    h, w = img.shape[:2]
    padded = np.zeros((h + 2, w + 2, img.shape[2]), F32)
    padded[1:-1, 1:-1] = img
    # Pixel centres sit at integer coordinates + 0.5 in the print's frame.
    fx = np.clip(xs - 0.5 + 1.0, 0.0, w + 1.0 - 1e-3)
    fy = np.clip(ys - 0.5 + 1.0, 0.0, h + 1.0 - 1e-3)
    ix, iy = fx.astype(np.int32), fy.astype(np.int32)
    tx, ty = (fx - ix)[..., None], (fy - iy)[..., None]
    ix1, iy1 = np.minimum(ix + 1, w + 1), np.minimum(iy + 1, h + 1)
    top = padded[iy, ix] * (1 - tx) + padded[iy, ix1] * tx
    bottom = padded[iy1, ix] * (1 - tx) + padded[iy1, ix1] * tx
    sampled: npt.NDArray[np.float32] = top * (1 - ty) + bottom * ty
    return sampled
