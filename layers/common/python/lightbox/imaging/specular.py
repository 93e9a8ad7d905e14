"""Specular highlights on a product: where the light source itself is mirrored.

On metal, glass and gloss the brightest pixels are not the product's colour
but reflections of the lamp: small, near-clipped, nearly colourless spots and
streaks. Treated like the rest of the product they do harm three ways: they
dominate the "brightest product pixels" that white balance and levels read
(a chrome ring is then never brightened, a blue-tinted reflection cools the
whole product), levels push them into a flat clipped blob, and sharpening
rings them with dark halos. `imaging.compose` uses this module's map to keep
them out of the statistics, tone them separately and leave them unsharpened.

A pixel belongs to a highlight's core when it is
  * near-clipped (luma >= SPECULAR_MIN_LUMA) and near-neutral
    ((max - min) / max <= SPECULAR_MAX_CHROMA: a reflection of a white lamp;
    a gold ring's reflections are paler than its body), and
  * part of a bright spot with a clear local peak: a pixel at least
    SPECULAR_CORE_LUMA and SPECULAR_PEAK above the mean of the product
    around it, within one neighbourhood radius (a spot wider than the
    neighbourhood has a flat centre, so it is found by its rim and claimed
    whole), and
  * in a neighbourhood that is mostly *not* bright and neutral: a large
    white area is a white product part (a mug's body, a label), not a
    highlight, and must be left to the normal correction.
Around each core, its lobe (the falloff, still above the product around it)
is added, following a streak's tapering ends. `fraction` counts cores only.

Known limit: a white surface that clips to 255 right next to grey parts (a
white leather sneaker's toe by its laces) has all the marks of a highlight
and is counted as one (~1.4% on the demo sneaker, against 3-5% on a ring).
Harmless for the look (a white part then keeps its own tones), but scoring
should treat `fraction` as a hint, not a verdict.

Work happens at <= DETECT_SIDE px, and only around near-clipped pixels; the
map is scaled back up, softly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from lightbox.imaging.morphology import dilate

SPECULAR_MIN_LUMA = 235
SPECULAR_MAX_CHROMA = 0.22
#: A highlight's peak: at least this bright (lamps clip or nearly), and this
#: much above the mean of the product around it.
SPECULAR_CORE_LUMA = 250
SPECULAR_PEAK = 30.0
#: A highlight's lobe: pixels next to a highlight this much above the local mean.
SPECULAR_LOBE = 6.0
#: Growth steps (one neighbourhood radius each) the lobe may take from a core.
LOBE_STEPS = 4
#: Above this share of bright, neutral pixels around it, a bright spot is a
#: white product part, not a reflection.
SPECULAR_MAX_SHARE = 0.35
#: Neighbourhood radius as a share of the product's longer side.
NEIGHBOURHOOD = 0.02
DETECT_SIDE = 1024


@dataclass(frozen=True)
class Speculars:
    """The specular map of a product image.

    weight: 'L', same size as the product image; 255 on highlights and their
        falloff, fading to 0 over a few pixels around them.
    fraction: share of the solid product that is a highlight's near-clipped
        core (0..1); a measure of how reflective the product is, for scoring.
    """

    weight: Image.Image
    fraction: float

    @property
    def found(self) -> bool:
        return self.fraction > 0.0


def find_speculars(product: Image.Image, alpha: Image.Image) -> Speculars:
    """Locate specular highlights in `product` (RGB) where `alpha` (L) is solid."""
    size = product.size
    empty = Speculars(Image.new("L", size, 0), 0.0)
    scale = min(1.0, DETECT_SIDE / max(size))
    if scale < 1.0:
        small = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
        # Reduce before looking: a box reduction keeps a highlight's energy
        # (it dims a tiny spot a little instead of dropping it, as nearest would).
        product = product.resize(small, Image.Resampling.BOX)
        alpha = alpha.resize(small, Image.Resampling.BOX)
    solid_l = alpha.point(lambda v: 255 if v >= 250 else 0)
    product_box = solid_l.getbbox()
    luma_l = product.convert("L")
    # Cheap first look (Pillow, C speed): most products have no near-clipped
    # pixel at all, and the rest have them in a few places; the numpy work
    # below runs only around those.
    candidates = ImageChops.darker(
        luma_l.point(lambda v: 255 if v >= SPECULAR_MIN_LUMA else 0), solid_l
    )
    bright_box = candidates.getbbox()
    if product_box is None or bright_box is None:
        return empty
    extent = max(product_box[2] - product_box[0], product_box[3] - product_box[1])
    r = max(2, round(NEIGHBOURHOOD * extent))
    reach = (LOBE_STEPS + 4) * r  # how far growth and the share window can look
    box = (
        max(0, bright_box[0] - reach),
        max(0, bright_box[1] - reach),
        min(product.width, bright_box[2] + reach),
        min(product.height, bright_box[3] + reach),
    )
    channels = product.crop(box).split()
    top = np.asarray(ImageChops.lighter(ImageChops.lighter(*channels[:2]), channels[2]))
    bottom = np.asarray(ImageChops.darker(ImageChops.darker(*channels[:2]), channels[2]))
    solid = np.asarray(solid_l.crop(box)) > 0
    luma = np.asarray(luma_l.crop(box))
    # (top - bottom) / top <= C, without a division per pixel.
    neutral = (top - bottom).astype(np.float32) <= SPECULAR_MAX_CHROMA * top
    bright = (np.asarray(candidates.crop(box)) > 0) & neutral
    if not bright.any():
        return empty

    solid_box_l = solid_l.crop(box)
    # Mean luma of the *product* around each pixel: outside the mask the
    # product image is black, which would make every bright edge a "peak".
    local_mean = (
        255.0
        * _box_mean(np.where(solid, luma, 0).astype(np.uint8), r)
        / np.maximum(_box_mean(solid_box_l, r), 1.0)
    )
    lift = luma.astype(np.float32) - local_mean
    share = _box_mean(bright.astype(np.uint8) * 255, 3 * r) / np.maximum(
        _box_mean(solid_box_l, 3 * r), 1.0
    )
    # One growth step: a wide spot is found by its rim and then claimed whole.
    seeds = bright & (lift >= SPECULAR_PEAK) & (luma >= SPECULAR_CORE_LUMA)
    spots = bright & dilate(seeds, r) & (share <= SPECULAR_MAX_SHARE)
    n = int(spots.sum())
    if n == 0:
        return empty
    # The highlight's falloff (its lobe) belongs to it too: still above the
    # product around it, next to a core, whatever its colour (on gold the
    # falloff is a mix of the white lamp and the yellow metal). Statistics
    # that kept the lobe would still see the lamp. Grown in steps of r within
    # "above its surroundings", so a streak's long tapering ends are
    # followed, but a lobe never jumps to unrelated bumps.
    above = solid & (lift >= SPECULAR_LOBE)
    region = spots
    for _ in range(LOBE_STEPS):
        grown = region | (dilate(region, r) & above)
        if np.array_equal(grown, region):
            break
        region = grown
    # 1-2 px more at detection scale, then softened so blending by this
    # weight leaves no seam.
    region = dilate(region, 1 if scale < 0.75 else 2)
    weight = Image.new("L", product.size, 0)
    weight.paste(Image.fromarray(region.astype(np.uint8) * 255, "L"), box[:2])
    weight = weight.filter(ImageFilter.BoxBlur(1))
    if weight.size != size:
        weight = weight.resize(size, Image.Resampling.BILINEAR)
    count = int(np.count_nonzero(np.asarray(solid_l)))
    return Speculars(weight, n / count)


def _box_mean(values: np.ndarray | Image.Image, r: int) -> np.ndarray:
    """Mean of an 8-bit map over the (2r+1)^2 square around each pixel, as float32.

    Pillow's box blur: C speed, any radius at the same cost. Its 8-bit result
    is precise enough for local means and shares; it is not used for sparse
    masks (a lone pixel averages to 0 there), which `dilate` handles instead.
    """
    img = values if isinstance(values, Image.Image) else Image.fromarray(values, "L")
    return np.asarray(img.filter(ImageFilter.BoxBlur(r)), np.float32)
