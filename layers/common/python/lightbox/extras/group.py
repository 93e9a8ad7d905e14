"""Group shot: several products on one white canvas, as if shot together.

Bundles and collections ("the set of three mugs", "serum + cream") need one
image with every product in it. Pasting cut-outs side by side gives away that
they were shot apart: different scales, products floating at different
heights, one warm and one cool, shadows falling every which way. This lays
them out so they read as one photograph:

* **Scale**: with real-world `heights` the products keep their true relative
  size; without, they get the same visual height (a seller's set of variants).
* **Baseline**: every product stands on the same floor line.
* **Exposure and white balance**: measured per product and pulled towards the
  group's median (clamped), so one photo shot under a warmer lamp does not
  stand out. Measured on the products' highlights, not their average colour:
  a red and a blue product are supposed to differ.
* **Shadows**: one light for all — every product gets a contact shadow and a
  cast shadow falling the same way, from the same `_common.floor_shadow`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from lightbox.extras._common import (
    ALPHA_ON,
    F32,
    as_rgba,
    crop_to_alpha,
    downscale,
    resize_rgba,
    to_image,
)
from lightbox.imaging.colour import luma
from lightbox.imaging.shadow import darken, floor_shadow

#: The products' bounding block fills at most this share of the canvas width
#: and height (the rest is margin and room for shadows).
MAX_BLOCK_WIDTH = 0.88
MAX_BLOCK_HEIGHT = 0.70
#: Exposure and white-balance corrections are clamped: a product whose
#: highlights are genuinely darker (a black bottle) must not be lifted to grey.
MAX_EXPOSURE_GAIN = (0.85, 1.18)
MAX_WB_GAIN = 0.06
#: The one light, coming from the upper left, slightly in front.
LIGHT = (-0.6, 0.3)


def group_shot(
    cutouts: Sequence[Image.Image],
    heights: Sequence[float] | None = None,
    canvas: int = 2000,
    gap: float = 0.04,
    *,
    equalise: bool = True,
    light: tuple[float, float] = LIGHT,
) -> Image.Image:
    """Arrange RGBA cut-outs left to right on a `canvas`-px white square.

    heights: real-world relative heights (any unit), one per cut-out; default
        equal visual height.
    gap: space between products as a fraction of the canvas side.
    equalise: match exposure and white balance across products.
    light: the direction light comes from (x: -1 left .. 1 right, y: -1
        behind .. 1 camera side); every shadow follows it.
    """
    if not cutouts:
        raise ValueError("a group shot needs at least one product cut-out")
    if heights is not None and len(heights) != len(cutouts):
        raise ValueError(f"got {len(heights)} heights for {len(cutouts)} cut-outs")
    if heights is not None and min(heights) <= 0:
        raise ValueError("heights must be positive (they are the products' real sizes)")
    if canvas < 64:
        raise ValueError(f"canvas must be at least 64 px, got {canvas}")

    items = [crop_to_alpha(as_rgba(c)) for c in cutouts]
    rel = [1.0] * len(items) if heights is None else [float(h) / max(heights) for h in heights]

    # Target heights in px: the tallest product gets `unit`; widths follow.
    gap_px = gap * canvas
    widths_per_unit = sum(r * it.width / it.height for r, it in zip(rel, items, strict=True))
    unit = min(
        MAX_BLOCK_HEIGHT * canvas,
        (MAX_BLOCK_WIDTH * canvas - gap_px * (len(items) - 1)) / max(widths_per_unit, 1e-6),
    )
    if unit < 8:
        raise ValueError("too many products for this canvas: use a larger canvas or a smaller gap")
    sized = []
    for r, it in zip(rel, items, strict=True):
        h = max(1, round(unit * r))
        w = max(1, round(it.width * h / it.height))
        sized.append(resize_rgba(it, (w, h)))

    if equalise and len(sized) > 1:
        sized = _equalise(sized)

    block_w = sum(s.width for s in sized) + gap_px * (len(sized) - 1)
    block_h = max(s.height for s in sized)
    baseline = round((canvas + block_h) / 2 + 0.02 * canvas)
    x = (canvas - block_w) / 2

    out = np.ones((canvas, canvas, 3), F32)
    placements = []
    for s in sized:
        left, top = round(x), baseline - s.height
        placements.append((s, (left, top)))
        x += s.width + gap_px
    # Shadows first, all of them, so a product's shadow never darkens its neighbour.
    for s, (left, top) in placements:
        alpha = np.asarray(s.getchannel("A"), F32) / 255.0
        darkness, (dx, dy) = floor_shadow(alpha, light=light)
        darken(out, darkness, (left + dx, top + dy))
    img = to_image(out)
    for s, pos in placements:
        img.paste(s.convert("RGB"), pos, s.getchannel("A"))
    return img


def _equalise(items: list[Image.Image]) -> list[Image.Image]:
    """Pull each product's exposure and white balance towards the group median.

    Exposure: the 98th-percentile luma (the highlights the light makes) — a
    product's *average* brightness is its colour, not the exposure.
    White balance: the mean colour of its near-neutral highlights, if it has
    enough of them (a white label, a steel cap, a specular glint); a product
    without neutral parts is left alone rather than guessed at.
    """
    stats = [_light_stats(it) for it in items]
    levels = np.array([s[0] for s in stats], F32)
    target_level = float(np.median(levels))
    casts = [s[1] for s in stats if s[1] is not None]
    target_cast = np.median(np.stack(casts), axis=0) if casts else None
    out = []
    for it, (level, cast) in zip(items, stats, strict=True):
        gain = np.full(3, np.clip(target_level / max(level, 1e-3), *MAX_EXPOSURE_GAIN), F32)
        if cast is not None and target_cast is not None:
            gain *= np.clip(target_cast / cast, 1 - MAX_WB_GAIN, 1 + MAX_WB_GAIN)
        if np.allclose(gain, 1.0, atol=0.004):
            out.append(it)
            continue
        lut: list[int] = []
        for g in gain:
            lut.extend(np.clip(np.round(np.arange(256) * g), 0, 255).astype(int).tolist())
        rgb = it.convert("RGB").point(lut)
        rgb.putalpha(it.getchannel("A"))
        out.append(rgb)
    return out


def _light_stats(item: Image.Image) -> tuple[float, np.ndarray | None]:
    """(highlight level, normalised colour of neutral highlights or None)."""
    arr = np.asarray(downscale(item, 400), F32) / 255.0
    px = arr[..., :3][arr[..., 3] >= ALPHA_ON / 255.0]
    if px.shape[0] < 16:
        return 1.0, None
    y = luma(px)
    level = float(np.percentile(y, 98))
    chroma = px.max(axis=1) - px.min(axis=1)
    neutral = px[(chroma < 0.12) & (y >= np.percentile(y, 70))]
    if neutral.shape[0] < max(16, 0.01 * px.shape[0]):
        return level, None
    cast = neutral.mean(axis=0)
    return level, cast / max(float(cast.mean()), 1e-3)
