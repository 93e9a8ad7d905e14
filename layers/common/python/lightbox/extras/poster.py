"""Ad poster: the product, a headline and a price badge on a branded background.

Sellers need a social/ads image per product, and most of them have no
designer. This lays one out from the studio image alone:

* **Colours** come from the product's dominant colour (chroma-weighted, so
  a red mug gives red, not the grey of its highlights): a light tint of it as
  the background, a deep shade of the same hue for the text, the colour
  itself (darkened as far as needed) as the badge. Every text/background pair
  is checked against the WCAG contrast ratio (>= 4.5, "AA" for body text)
  and pushed darker until it passes; it never ships illegible text.
* **Text** wraps by words and auto-sizes: the largest size at which the
  headline fits its box in at most `MAX_LINES` lines. Words too long for the
  box at the smallest size are broken.
* **Product**: the studio image is multiplied onto the background (white
  becomes the tint, the contact shadow stays a shadow) and the product itself
  is pasted through its mask unchanged — a tint on the product would misstate
  its colour.

The font ships inside a PyPI package (`font-roboto`), never a system font: a
Lambda image has none, and a poster must render identically everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lightbox.extras._common import F32, alpha_array, as_rgb, downscale, product_mask, resize_rgba
from lightbox.imaging.colour import contrast_ratio, lab_to_srgb, srgb_to_lab

RGB = tuple[int, int, int]

#: The package and files the typeface comes from (pinned in the layer's
#: requirements). Roboto: open licence (Apache 2.0), wide language coverage.
FONT_PACKAGE = "font_roboto"
FONT_PIP_NAME = "font-roboto"
HEADLINE_FONT = "Roboto-Bold.ttf"
PRICE_FONT = "Roboto-Black.ttf"
#: WCAG AA contrast for normal text.
MIN_CONTRAST = 4.5
MAX_LINES = 3
#: How much white goes into the background tint (0.88 = a pale tint).
TINT = 0.86


class FontUnavailableError(RuntimeError):
    """The packaged typeface is not installed."""


@dataclass(frozen=True)
class Palette:
    """Poster colours; every text colour meets MIN_CONTRAST on its background."""

    background: RGB
    text: RGB
    accent: RGB
    accent_text: RGB


def ad_poster(
    studio: Image.Image,
    headline: str,
    price: str | None = None,
    *,
    size: tuple[int, int] = (1080, 1350),
    palette: tuple[RGB, RGB, RGB] | Palette | None = None,
    mask: Image.Image | None = None,
) -> Image.Image:
    """Render an RGB poster of `size` from a white-background studio image.

    palette: optional (background, text, accent) colours; text colours are
        still corrected if they would fall below the contrast minimum.
    mask: the product's 'L' mask in `studio`; segmented when None.
    """
    if not headline.strip():
        raise ValueError("the poster needs a headline (the product name or an offer)")
    w, h = size
    if min(size) < 200:
        raise ValueError(f"poster size {size} is too small; use at least 200 x 200 px")
    rgb = as_rgb(studio)
    m = product_mask(rgb, mask)
    pal = _resolve_palette(palette, rgb, m)

    layout = _layout(size)
    canvas = Image.new("RGB", size, pal.background)
    badge = layout.badge
    # The badge must not hide the product: try its corners, then shrink the
    # product until one corner is free.
    for shrink in (1.0, 0.9, 0.8, 0.7):
        footprint = _product_footprint(rgb, m, _shrunk(layout.product, shrink), size)
        spot = _free_badge_spot(footprint, layout) if price else layout.badge
        if spot is not None:
            badge = spot
            break
    _place_product(canvas, rgb, m, _shrunk(layout.product, shrink))
    draw = ImageDraw.Draw(canvas)
    _draw_headline(draw, headline, layout.headline, pal.text)
    # A short accent rule under the text ties the badge colour into the layout.
    hx0, _hy0, hx1, hy1 = layout.headline
    rule_w = 0.12 * w
    cx = (hx0 + hx1) / 2
    draw.rounded_rectangle(
        (cx - rule_w / 2, hy1 + 0.012 * h, cx + rule_w / 2, hy1 + 0.012 * h + max(3, 0.006 * h)),
        radius=3,
        fill=pal.accent,
    )
    if price:
        _draw_badge(canvas, price, badge, pal)
    return canvas


# ---------------------------------------------------------------------- fonts


def font_file(name: str = HEADLINE_FONT) -> Path:
    """Path of a typeface file shipped by the font package.

    Raises FontUnavailableError naming the package to install: a poster
    silently rendered in Pillow's bitmap fallback font would go out to
    buyers looking broken.
    """
    try:
        path = Path(str(resources.files(FONT_PACKAGE) / "files" / name))
    except ModuleNotFoundError:
        raise FontUnavailableError(
            f"the poster font is not installed: add '{FONT_PIP_NAME}' to the layer's "
            "requirements (layers/common/python/requirements.txt) and rebuild"
        ) from None
    if not path.is_file():
        raise FontUnavailableError(f"{FONT_PIP_NAME} is installed but has no {name} (at {path})")
    return path


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(name)), size)


# -------------------------------------------------------------------- colours


def _resolve_palette(
    palette: tuple[RGB, RGB, RGB] | Palette | None, rgb: Image.Image, mask: Image.Image
) -> Palette:
    if isinstance(palette, Palette):
        bg, text, accent = palette.background, palette.text, palette.accent
    elif palette is not None:
        if len(palette) != 3:
            raise ValueError("palette must be (background, text, accent) RGB tuples")
        # Colours may come as lists or numpy integers: int() normalises each
        # channel. cast: a tuple() has no fixed length; the channels are the
        # caller's RGB, unchecked here as before.
        bg, text, accent = (cast(RGB, tuple(int(c) for c in colour)) for colour in palette)
    else:
        dominant = dominant_colour(rgb, mask)
        bg = _mix(dominant, (255, 255, 255), TINT)
        text = _with_lightness(dominant, 18.0)
        accent = dominant
    text = _legible(text, bg)
    accent_text = max(((255, 255, 255), (17, 17, 17)), key=lambda c: contrast_ratio(c, accent))
    if contrast_ratio(accent_text, accent) < MIN_CONTRAST:
        accent_text = (255, 255, 255)
        accent = _legible(accent, accent_text)
    return Palette(bg, text, accent, accent_text)


def dominant_colour(rgb: Image.Image, mask: Image.Image) -> RGB:
    """The product's most characteristic colour.

    Product pixels are clustered (Pillow's median cut, 8 colours) and each
    cluster scored by size x (chroma + a little): a glossy red mug is mostly
    red with some white highlights and dark shadow, and the poster should be
    red. A neutral product (white sneaker) scores by size alone and gives a
    neutral palette.
    """
    small = downscale(rgb, 200)
    m = np.asarray(mask.convert("L").resize(small.size, Image.Resampling.BOX)) >= 200
    px = np.asarray(small)[m]
    if px.shape[0] < 16:
        return (120, 120, 120)
    strip = Image.fromarray(px.reshape(1, -1, 3), "RGB").quantize(
        8, method=Image.Quantize.MEDIANCUT
    )
    counts = np.bincount(np.asarray(strip).ravel(), minlength=8)
    palette = strip.getpalette()
    assert palette is not None, "quantize() returns a 'P' image, which has a palette"
    pal = np.array(palette[: 3 * 8], F32).reshape(-1, 3)
    lab = srgb_to_lab(pal / 255.0)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    # Very dark / very light clusters are shading and highlights, not colour.
    mid = np.clip(1.0 - np.abs(lab[:, 0] - 55.0) / 50.0, 0.15, 1.0)
    score = counts * (chroma + 8.0) * mid
    best = pal[int(np.argmax(score))]
    return tuple(round(float(c)) for c in best)  # type: ignore[return-value]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _with_lightness(colour: RGB, lightness: float) -> RGB:
    """Same hue, Lab lightness `lightness`, chroma reduced for dark shades."""
    lab = srgb_to_lab(np.array(colour, F32) / 255.0)
    k = min(1.0, lightness / max(float(lab[0]), 1.0))
    lab = np.array([lightness, lab[1] * max(k, 0.5), lab[2] * max(k, 0.5)], F32)
    return tuple(round(float(c) * 255) for c in lab_to_srgb(lab))  # type: ignore[return-value]


def _legible(colour: RGB, background: RGB) -> RGB:
    """`colour`, darkened or lightened in Lab until it reaches MIN_CONTRAST on
    `background` (keeps the hue; ends at black/white if it must)."""
    if contrast_ratio(colour, background) >= MIN_CONTRAST:
        return colour
    lab = srgb_to_lab(np.array(colour, F32) / 255.0)
    darker = contrast_ratio((0, 0, 0), background) >= contrast_ratio((255, 255, 255), background)
    for step in range(1, 51):
        light = float(lab[0]) + (-2.0 if darker else 2.0) * step
        candidate = _with_lightness(colour, float(np.clip(light, 0, 100)))
        if contrast_ratio(candidate, background) >= MIN_CONTRAST:
            return candidate
    return (0, 0, 0) if darker else (255, 255, 255)


# --------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Layout:
    product: tuple[int, int, int, int]
    headline: tuple[int, int, int, int]
    badge: tuple[int, int, int]  # centre x, centre y, radius


def _layout(size: tuple[int, int]) -> _Layout:
    """Stacked (portrait/square: product above text) or side by side (landscape)."""
    w, h = size
    if w / h > 1.2:
        product = (round(0.04 * w), round(0.08 * h), round(0.52 * w), round(0.92 * h))
        headline = (round(0.56 * w), round(0.25 * h), round(0.95 * w), round(0.70 * h))
        r = round(0.11 * h)
        badge = (round(0.48 * w), round(0.08 * h + r), r)
    else:
        product = (round(0.08 * w), round(0.05 * h), round(0.92 * w), round(0.66 * h))
        headline = (round(0.08 * w), round(0.71 * h), round(0.92 * w), round(0.88 * h))
        r = round(0.115 * min(w, h))
        badge = (round(0.95 * w - r), round(0.04 * h + r), r)
    return _Layout(product, headline, badge)


def _shrunk(box: tuple[int, int, int, int], k: float) -> tuple[int, int, int, int]:
    """`box` scaled by k about its bottom centre (the product stays on its floor)."""
    x0, y0, x1, y1 = box
    cx, w, h = (x0 + x1) / 2, (x1 - x0) * k, (y1 - y0) * k
    return round(cx - w / 2), round(y1 - h), round(cx + w / 2), y1


def _placement(
    rgb: Image.Image, mask: Image.Image, box: tuple[int, int, int, int]
) -> tuple[tuple[int, int, int, int], tuple[int, int], tuple[int, int]] | None:
    """(crop of the studio image, scaled size, position) for the product + shadow."""
    arr = np.asarray(rgb)
    ink = (arr < 248).any(axis=2) | (np.asarray(mask) >= 8)  # product + its shadow
    ys, xs = np.nonzero(ink)
    if ys.size == 0:
        return None
    crop = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    bw, bh = box[2] - box[0], box[3] - box[1]
    s = min(bw / (crop[2] - crop[0]), bh / (crop[3] - crop[1]))
    size = (max(1, round((crop[2] - crop[0]) * s)), max(1, round((crop[3] - crop[1]) * s)))
    pos = (box[0] + (bw - size[0]) // 2, box[1] + (bh - size[1]) // 2)
    return crop, size, pos


def _product_footprint(
    rgb: Image.Image, mask: Image.Image, box: tuple[int, int, int, int], size: tuple[int, int]
) -> np.ndarray:
    """Boolean canvas-size map of where the product would land."""
    out = Image.new("L", size, 0)
    placed = _placement(rgb, mask, box)
    if placed is not None:
        crop, scaled, pos = placed
        out.paste(mask.crop(crop).resize(scaled, Image.Resampling.BOX), pos)
    return np.asarray(out) >= 64


def _free_badge_spot(footprint: np.ndarray, layout: _Layout) -> tuple[int, int, int] | None:
    """The first badge position (preferred corner first) that covers < 2% product."""
    _, _, r = layout.badge
    h, w = footprint.shape
    x0, y0, x1, _ = layout.product
    margin = round(0.03 * min(w, h))
    candidates = [layout.badge, (x0 + r - margin, layout.badge[1], r)]
    if w / h <= 1.2:
        candidates.append((x1 - r + margin, y0 + r + round(0.1 * h), r))
    yy, xx = np.ogrid[0:h, 0:w]
    for cx, cy, rr in candidates:
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= (1.08 * rr) ** 2
        if (footprint & disc).sum() <= 0.02 * disc.sum():
            return cx, cy, rr
    return None


def _place_product(
    canvas: Image.Image, rgb: Image.Image, mask: Image.Image, box: tuple[int, int, int, int]
) -> None:
    """Multiply the studio image onto the tint; paste the product through its mask."""
    placed = _placement(rgb, mask, box)
    if placed is None:
        return
    crop, size, pos = placed
    piece = rgb.crop(crop).convert("RGBA")
    piece.putalpha(mask.crop(crop))
    piece = resize_rgba(piece, size)
    studio_scaled = rgb.crop(crop).resize(size, Image.Resampling.LANCZOS)
    region = canvas.crop((pos[0], pos[1], pos[0] + size[0], pos[1] + size[1]))
    multiplied = np.asarray(region, F32) * np.asarray(studio_scaled, F32) / 255.0
    a = alpha_array(piece)[..., None]
    out = multiplied * (1 - a) + np.asarray(piece.convert("RGB"), F32) * a
    canvas.paste(Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB"), pos)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken by characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while font.getlength(word) > width and len(word) > 1:
            # Break an over-long word at the last character that still fits.
            cut = max(
                1, next(i for i in range(len(word), 0, -1) if font.getlength(word[:i]) <= width)
            )
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fit_text(
    text: str,
    box: tuple[int, int, int, int],
    font_name: str = HEADLINE_FONT,
    max_lines: int = MAX_LINES,
) -> tuple[ImageFont.FreeTypeFont, list[str], float]:
    """Largest font size (and its lines, line height) at which `text` fits `box`."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    size = max(8, int(bh / 1.15))
    while True:
        font = _font(font_name, size)
        lines = _wrap(text, font, bw)
        line_h = 1.15 * size
        if (len(lines) <= max_lines and len(lines) * line_h <= bh) or size <= 8:
            return font, lines, line_h
        size = max(8, int(size * 0.94))


def _draw_headline(
    draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], colour: RGB
) -> None:
    font, lines, line_h = fit_text(" ".join(text.split()), box)
    cx = (box[0] + box[2]) / 2
    top = box[1] + (box[3] - box[1] - line_h * len(lines)) / 2
    for i, line in enumerate(lines):
        draw.text((cx, top + (i + 0.5) * line_h), line, font=font, fill=colour, anchor="mm")


def _draw_badge(canvas: Image.Image, price: str, badge: tuple[int, int, int], pal: Palette) -> None:
    """A round price badge, drawn at 4x and downsampled for a clean edge."""
    cx, cy, r = badge
    ss = 4
    big = Image.new("RGBA", (2 * r * ss, 2 * r * ss), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    d.ellipse((0, 0, 2 * r * ss - 1, 2 * r * ss - 1), fill=(*pal.accent, 255))
    inner = round(1.3 * r * ss)
    box = (r * ss - inner // 2, r * ss - inner // 3, r * ss + inner // 2, r * ss + inner // 3)
    font, lines, line_h = fit_text(price.strip(), box, PRICE_FONT, max_lines=2)
    top = r * ss - line_h * len(lines) / 2
    for i, line in enumerate(lines):
        d.text(
            (r * ss, top + (i + 0.5) * line_h),
            line,
            font=font,
            fill=(*pal.accent_text, 255),
            anchor="mm",
        )
    small = big.resize((2 * r, 2 * r), Image.Resampling.LANCZOS)
    canvas.paste(small, (cx - r, cy - r), small)
