"""One renderer per hard good: each returns a lit ``Canvas`` before the camera.

Ceramics, glass and cosmetics jars on the studio sweep, a gold ring on a
table, a notebook flat lay, a thumbnail-sized charger, and the artwork that
goes on labels and prints.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lightbox_samples.lathe import (
    Glass,
    Label,
    bottle_profile,
    bulb_profile,
    cylinder,
    lathe,
    mug_profile,
    tube_arc,
    vase_profile,
)
from lightbox_samples.padded import blurred, padded, polygon_mask, texture_noise
from lightbox_samples.shading import (
    F32,
    RGB,
    WHITE_SWEEP,
    Canvas,
    Material,
    smoothstep,
    soft_shadow,
    studio_sweep,
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: present everywhere, so renders are identical everywhere."""
    return ImageFont.load_default(size=size)


def render_mug(rng: np.random.Generator, size: int = 2000, colour: RGB = (176, 22, 30)) -> Canvas:
    """A glossy ceramic mug with a handle, on a white studio sweep."""
    canvas = studio_sweep(size, size, **WHITE_SWEEP)
    tilt = 0.13
    cx, r = size * 0.47, size * 0.2
    top, base = size * 0.33, size * 0.74
    soft_shadow(
        canvas,
        [
            (cx + r * 0.05, base + tilt * r * 0.55, r * 1.02, tilt * r * 1.05, 0.6, r * 0.05),
            (cx + r * 0.55, base - tilt * r * 0.2, r * 1.45, r * 0.32, 0.25, r * 0.3),
        ],
    )
    glaze = Material(colour, ambient=0.22, diffuse=0.8, gloss=0.8, specular=0.5, shininess=150)
    tube_arc(
        canvas,
        cx=cx + r * 0.97,
        cy=top + (base - top) * 0.45,
        a=r * 0.42,
        b=(base - top) * 0.29,
        thickness=r * 0.17,
        material=glaze,
        keep=lambda ys, xs: (xs > cx + r * 0.6).astype(F32),
    )
    lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=mug_profile(r),
        material=glaze,
        cap="open",
        wall=r * 0.07,
        tilt=tilt,
    )
    return canvas


def _label_art(
    size: tuple[int, int],
    paper: RGB,
    ink: RGB,
    brand: str,
    lines: list[str],
    accent: RGB | None = None,
) -> Image.Image:
    """Flat label artwork: brand name, a rule, small print."""
    w, h = size
    art = Image.new("RGB", size, tuple(int(c) for c in paper))
    draw = ImageDraw.Draw(art)
    ink_i = tuple(int(c) for c in ink)
    if accent is not None:
        draw.rectangle((0, int(h * 0.08), w, int(h * 0.14)), fill=tuple(int(c) for c in accent))
    big = _font(int(h * 0.2))
    draw.text((w / 2, h * 0.38), brand, font=big, fill=ink_i, anchor="mm")
    draw.line((w * 0.3, h * 0.55, w * 0.7, h * 0.55), fill=ink_i, width=max(2, h // 120))
    small = _font(int(h * 0.075))
    for i, line in enumerate(lines):
        draw.text((w / 2, h * (0.66 + 0.11 * i)), line, font=small, fill=ink_i, anchor="mm")
    return art


def render_bottle(rng: np.random.Generator, width: int = 1800, height: int = 2400) -> Canvas:
    """A blue glass bottle with a brushed steel cap and a paper label."""
    canvas = studio_sweep(
        width, height, wall=(216, 217, 220), floor=(236, 236, 235), near=(248, 248, 247)
    )
    cx, body = width * 0.5, width * 0.16
    top, base = height * 0.2, height * 0.83
    tilt = 0.11
    soft_shadow(
        canvas,
        [
            (cx, base + tilt * body * 0.5, body * 1.02, tilt * body * 1.1, 0.45, body * 0.06),
            (cx + body * 0.6, base - tilt * body * 0.3, body * 1.6, body * 0.35, 0.18, body * 0.35),
        ],
    )
    art = _label_art(
        (1200, 520), (241, 236, 224), (24, 46, 92), "NORDVAND", ["still spring water", "750 ml"]
    )
    lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=bottle_profile(body, body * 0.36, (0.12, 0.34), body * 0.05),
        material=Material((30, 70, 150)),
        glass=Glass(absorb=(2.3, 1.25, 0.32), wall=0.55),
        tilt=tilt,
        label=Label(0.5, 0.78, art),
    )
    cap_r = body * 0.36 + body * 0.07
    lathe(
        canvas,
        cx=cx,
        top=top - (base - top) * 0.075,
        base=top + (base - top) * 0.012,
        profile=cylinder(cap_r),
        material=Material((222, 224, 228), metal=True, specular=0.3, shininess=60),
        tilt=tilt,
        cap="closed",
        knurl=70,
    )
    return canvas


def render_jar(rng: np.random.Generator, size: int = 2000) -> Canvas:
    """A frosted pink cosmetics jar with a gold lid, on a warm off-white sweep."""
    canvas = studio_sweep(
        size, size, wall=(222, 214, 210), floor=(240, 235, 231), near=(249, 246, 243)
    )
    cx, r = size * 0.5, size * 0.25
    tilt = 0.2
    top, base = size * 0.5, size * 0.74
    soft_shadow(
        canvas,
        [
            (cx, base + tilt * r * 0.55, r * 1.03, tilt * r * 1.05, 0.55, r * 0.05),
            (cx + r * 0.5, base - tilt * r * 0.3, r * 1.45, r * 0.4, 0.22, r * 0.3),
        ],
    )
    frosted = Material((236, 178, 186), ambient=0.42, diffuse=0.62, gloss=0.25, specular=0.15)
    lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=lambda t: r * (1.0 - 0.06 * smoothstep(0.9, 1.0, t)),
        material=frosted,
        tilt=tilt,
    )
    gold = Material((236, 188, 110), metal=True, ambient=0.9, specular=0.4, shininess=80)
    lid_h = (base - top) * 0.55
    lathe(
        canvas,
        cx=cx,
        top=top - lid_h,
        base=top + 2,
        profile=lambda t: r * (1.02 - 0.03 * (1 - smoothstep(0.0, 0.08, t))),
        material=gold,
        tilt=tilt,
        cap="closed",
        knurl=0,
    )
    return canvas


def render_serum(rng: np.random.Generator, size: int = 1600) -> Canvas:
    """An amber glass dropper bottle with a black bulb and a white label."""
    canvas = studio_sweep(size, size, **WHITE_SWEEP)
    cx, body = size * 0.5, size * 0.13
    tilt = 0.12
    top, base = size * 0.36, size * 0.8
    soft_shadow(
        canvas,
        [
            (cx, base + tilt * body * 0.5, body * 1.02, tilt * body * 1.1, 0.5, body * 0.06),
            (cx + body * 0.6, base - tilt * body * 0.3, body * 1.6, body * 0.4, 0.2, body * 0.35),
        ],
    )
    art = _label_art(
        (900, 520),
        (246, 244, 240),
        (40, 36, 34),
        "LUMEA",
        ["vitamin C serum", "30 ml  1.0 fl oz"],
        accent=(196, 120, 40),
    )
    lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=bottle_profile(body, body * 0.45, (0.05, 0.22), body * 0.04),
        material=Material((150, 80, 20)),
        glass=Glass(absorb=(0.35, 1.05, 2.6), wall=0.6),
        tilt=tilt,
        label=Label(0.38, 0.82, art),
    )
    black = Material((28, 28, 30), ambient=0.5, diffuse=0.6, gloss=0.45, specular=0.35)
    collar_top = top - (base - top) * 0.1
    lathe(
        canvas,
        cx=cx,
        top=collar_top,
        base=top + (base - top) * 0.03,
        profile=cylinder(body * 0.55),
        material=black,
        tilt=tilt,
        cap="closed",
        knurl=48,
    )
    rubber = Material((22, 22, 24), ambient=0.45, diffuse=0.55, gloss=0.3, specular=0.2)
    lathe(
        canvas,
        cx=cx,
        top=collar_top - (base - top) * 0.25,
        base=collar_top + 2,
        profile=bulb_profile(body * 0.36),
        material=rubber,
        tilt=tilt,
    )
    return canvas


def render_vase(rng: np.random.Generator, width: int = 2400, height: int = 1800) -> Canvas:
    """A small teal vase placed off-centre (the photographer framed it badly)."""
    canvas = studio_sweep(
        width, height, wall=(205, 203, 200), floor=(226, 223, 219), near=(238, 236, 233)
    )
    cx, vw = width * 0.72, width * 0.085
    top, base = height * 0.43, height * 0.79
    tilt = 0.12
    soft_shadow(
        canvas,
        [
            (cx, base + tilt * vw * 0.3, vw * 0.75, tilt * vw * 0.8, 0.5, vw * 0.06),
            (cx + vw * 0.5, base - tilt * vw * 0.3, vw * 1.3, vw * 0.35, 0.2, vw * 0.3),
        ],
    )
    glaze = Material((38, 128, 128), ambient=0.28, diffuse=0.78, gloss=0.35, specular=0.25)
    profile = vase_profile(vw * 2)
    lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=profile,
        material=glaze,
        tilt=tilt,
        cap="open",
        wall=float(profile(np.zeros(1, F32))[0]) * 0.25,
    )
    return canvas


def render_ring(rng: np.random.Generator, size: int = 2000) -> Canvas:
    """A gold ring on a dark wooden table in a dim room."""
    h = w = size
    ys = (np.arange(h, dtype=F32) / h)[:, None]
    grainline = texture_noise(rng, (h // 8, w // 2), 1.5, 1.0)
    streaks = np.asarray(
        Image.fromarray(np.clip(grainline * 30 + 128, 0, 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BILINEAR
        ),
        dtype=F32,
    )
    wood = np.asarray((112, 74, 48), dtype=F32) * (0.75 + 0.25 * ys)[..., None]
    canvas = Canvas(wood * (0.85 + 0.15 * (streaks[..., None] - 128) / 30 * 0.6 + 0.15))
    gold = Material((240, 190, 100), metal=True, ambient=1.0, specular=0.6, shininess=60)
    cx, cy = size * 0.5, size * 0.55
    soft_shadow(canvas, [(cx + 40, cy + 70, size * 0.27, size * 0.11, 0.5, 60)])
    tube_arc(
        canvas, cx=cx, cy=cy, a=size * 0.24, b=size * 0.1, thickness=size * 0.05, material=gold
    )
    return canvas


def render_notebook(rng: np.random.Generator, width: int = 2000, height: int = 1500) -> Canvas:
    """Flat lay: a navy notebook with an elastic band on a dark blue cloth."""
    ys = (np.arange(height, dtype=F32) + 0.5)[:, None]
    xs = (np.arange(width, dtype=F32) + 0.5)[None, :]
    folds = (
        0.08 * np.sin(xs / width * 5.1 + ys / height * 2.3)
        + 0.05 * np.sin(xs / width * 11.7 - ys / height * 7.9 + 1.3)
        + 0.04 * np.sin(ys / height * 13.0 + 0.4)
    )
    weave = 0.035 * np.sin(xs * (2 * np.pi / 6)) * np.sin(ys * (2 * np.pi / 6))
    fibre = texture_noise(rng, (height, width), 1.0, 0.04)
    cloth = np.asarray((52, 70, 132), F32) * (1.0 + folds + weave + fibre)[..., None]
    canvas = Canvas(cloth.astype(F32))
    cx, cy = width * 0.5, height * 0.5
    nw, nh = width * 0.33, height * 0.66
    angle = np.deg2rad(5.0)

    def rotated(
        points: list[tuple[float, float]], dx: float = 0, dy: float = 0
    ) -> list[tuple[float, float]]:
        out = []
        for px, py in points:
            rx = px * np.cos(angle) - py * np.sin(angle)
            ry = px * np.sin(angle) + py * np.cos(angle)
            out.append((cx + rx + dx - x0, cy + ry + dy - y0))
        return out

    x0, y0 = int(cx - nh * 0.7), int(cy - nh * 0.7)
    box = (int(nh * 1.4), int(nh * 1.4))
    rect = [(-nw / 2, -nh / 2), (nw / 2, -nh / 2), (nw / 2, nh / 2), (-nw / 2, nh / 2)]
    shadow = polygon_mask(box, [rotated(rect, 14, 18)], round_px=14)
    canvas.darken((x0, y0), blurred(shadow, 22) * 0.5)
    pages = polygon_mask(box, [rotated(rect, 7, 6)], round_px=12)
    paper = Material((214, 204, 182), ambient=0.5, diffuse=0.5)
    padded(canvas, (x0, y0), pages, paper, puff=4)
    cover = polygon_mask(box, [rotated(rect)], round_px=12)
    grain = texture_noise(rng, box[::-1], 1.4, 0.35)
    navy = Material((40, 50, 88), ambient=0.45, diffuse=0.6, gloss=0.06, specular=0.05)
    padded(canvas, (x0, y0), cover, navy, puff=18, grain=grain)
    band_x = nw / 2 - nw * 0.12
    band = [
        (band_x - 14, -nh / 2 - 8),
        (band_x + 14, -nh / 2 - 8),
        (band_x + 14, nh / 2 + 8),
        (band_x - 14, nh / 2 + 8),
    ]
    band_cover = polygon_mask(box, [rotated(band)], round_px=3)
    canvas.darken((x0 + 4, y0 + 3), blurred(band_cover, 4) * 0.35)
    elastic = Material((20, 20, 26), ambient=0.5, diffuse=0.5, gloss=0.1)
    padded(canvas, (x0, y0), band_cover, elastic, puff=6)
    return canvas


def render_charger(rng: np.random.Generator, size: int = 600) -> Canvas:
    """A small white USB-C wall charger (only ever shipped as a thumbnail)."""
    canvas = studio_sweep(size, size, **WHITE_SWEEP)
    cx, cy, half = size * 0.5, size * 0.52, size * 0.22
    soft_shadow(canvas, [(cx + 10, cy + half + 8, half * 1.1, 14, 0.5, 8)])
    x0, y0 = int(cx - half - 20), int(cy - half - 40)
    box = (int(2 * half + 40), int(2 * half + 60))
    front: list[tuple[float, float]] = [
        (20, 40),
        (20 + 2 * half, 40),
        (20 + 2 * half, 40 + 2 * half),
        (20, 40 + 2 * half),
    ]
    top: list[tuple[float, float]] = [(20, 40), (20 + 2 * half, 40), (2 * half + 4, 18), (36, 18)]
    plastic = Material((244, 244, 242), ambient=0.5, diffuse=0.5, gloss=0.3, specular=0.2)
    padded(canvas, (x0, y0), polygon_mask(box, [top], round_px=6), plastic, puff=6)
    padded(canvas, (x0, y0), polygon_mask(box, [front], round_px=14), plastic, puff=20)
    port = [
        (half - 6, 40 + half * 1.4),
        (half + 46, 40 + half * 1.4),
        (half + 46, 40 + half * 1.4 + 16),
        (half - 6, 40 + half * 1.4 + 16),
    ]
    canvas.darken((x0, y0), polygon_mask(box, [port], round_px=6) * 0.8)
    return canvas


def nord_badge() -> Image.Image:
    """The seller's print: a two-colour badge with text, transparent around it."""
    size = 900
    logo = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((40, 40, size - 40, size - 40), fill=(238, 170, 40, 255))
    draw.ellipse((120, 120, size - 120, size - 120), fill=(250, 246, 236, 255))
    draw.polygon([(450, 210), (640, 600), (260, 600)], fill=(196, 64, 40, 255))
    draw.text((450, 700), "NORD", fill=(30, 52, 96, 255), anchor="mm", font=_font(150))
    return logo


def tinted(image: Image.Image, gains: tuple[float, float, float], gamma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=F32) / 255.0
    pixels = np.power(np.clip(pixels * np.asarray(gains, dtype=F32), 0, 1), gamma)
    return Image.fromarray((pixels * 255 + 0.5).astype(np.uint8))
