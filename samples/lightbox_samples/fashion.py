"""Soft goods: a leather handbag, a sneaker in side view, a cotton tee."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lightbox_samples.lathe import tube_arc
from lightbox_samples.padded import blurred, padded, polygon_mask, stroke, texture_noise
from lightbox_samples.shading import (
    F32,
    WHITE_SWEEP,
    Canvas,
    Material,
    soft_shadow,
    studio_sweep,
)


def render_handbag(rng: np.random.Generator, width: int = 3000, height: int = 2250) -> Canvas:
    """A beige leather handbag with a flap, stitching, a gold clasp and a handle."""
    canvas = studio_sweep(
        width, height, wall=(217, 215, 212), floor=(237, 235, 232), near=(248, 247, 245)
    )
    cx = width * 0.5
    top, bottom = height * 0.42, height * 0.8
    half_top, half_bottom = width * 0.185, width * 0.225
    leather = Material((204, 166, 120), ambient=0.3, diffuse=0.78, gloss=0.1, specular=0.1)
    dark_leather = Material((170, 134, 94), ambient=0.4, diffuse=0.66, gloss=0.15, specular=0.15)
    soft_shadow(
        canvas,
        [
            (cx, bottom + 6, half_bottom * 1.02, height * 0.018, 0.55, 14),
            (
                cx + width * 0.05,
                bottom - height * 0.02,
                half_bottom * 1.25,
                height * 0.06,
                0.25,
                90,
            ),
        ],
    )
    # Handle: a leather tube rising from the top; the body hides its ends.
    tube_arc(
        canvas,
        cx=cx,
        cy=top + 10,
        a=half_top * 0.62,
        b=(bottom - top) * 0.5,
        thickness=width * 0.021,
        material=dark_leather,
        keep=lambda ys, xs: (ys < top + 30).astype(F32),
    )
    # Body.
    x0, y0 = int(cx - half_bottom - 60), int(top - 60)
    box_w, box_h = int(2 * half_bottom + 120), int(bottom - top + 120)

    def local(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x - x0, y - y0) for x, y in points]

    body = local(
        [
            (cx - half_top, top),
            (cx + half_top, top),
            (cx + half_bottom, bottom),
            (cx - half_bottom, bottom),
        ]
    )
    body_cover = polygon_mask((box_w, box_h), [body], round_px=26)
    grain = texture_noise(rng, (box_h, box_w), 1.6, 0.5)
    tint = 1.0 + 0.03 * texture_noise(rng, (box_h, box_w), 6.0, 1.0)
    padded(
        canvas,
        (x0, y0),
        body_cover,
        leather,
        puff=width * 0.04,
        bulge=width * 0.1,
        grain=grain,
        tint=tint,
    )
    # Flap: follows the body's sides, curves down in the middle.
    flap_side_y = top + (bottom - top) * 0.42
    flap_mid_y = top + (bottom - top) * 0.6

    def side_x(y: float, sign: float) -> float:
        frac = (y - top) / (bottom - top)
        return cx + sign * (half_top + (half_bottom - half_top) * frac + 3)

    curve: list[tuple[float, float]] = [
        (
            side_x(flap_side_y, 1) + (cx - side_x(flap_side_y, 1)) * k,
            flap_side_y + (flap_mid_y - flap_side_y) * np.sin(np.pi * k / 2.0) ** 1.4,
        )
        for k in np.linspace(0.0, 1.0, 16)
    ]
    curve = curve + [(2 * cx - x, y) for x, y in reversed(curve[:-1])]
    flap = local([(cx - half_top - 3, top - 4), (cx + half_top + 3, top - 4), *curve])
    flap_cover = polygon_mask((box_w, box_h), [flap], round_px=16)
    # The flap's edge casts a soft shadow on the body below it.
    shifted = np.zeros_like(flap_cover)
    shifted[14:] = flap_cover[:-14]
    shade_img = Image.fromarray((np.clip(shifted - flap_cover, 0, 1) * 255).astype(np.uint8))
    shade = np.asarray(shade_img.filter(ImageFilter.GaussianBlur(9)), dtype=F32) / 255.0
    canvas.darken((x0, y0), shade * 0.45 * body_cover)
    padded(
        canvas,
        (x0, y0),
        flap_cover,
        leather,
        puff=width * 0.022,
        bulge=width * 0.05,
        grain=grain,
        tint=tint,
    )
    # Stitching along the flap edge, a few millimetres in.
    inset = [(x, y - 26) for x, y in local(curve)]
    stitches = stroke((box_w, box_h), inset, 4, dash=(16, 10))
    thread = np.broadcast_to(np.asarray((226, 208, 178), F32), (*stitches.shape, 3))
    canvas.darken((x0 + 1, y0 + 2), stitches * 0.25)
    canvas.paint(canvas.clip_box(x0, y0, x0 + box_w, y0 + box_h), thread, stitches * 0.9)
    # Gold turn-lock clasp at the tip of the flap.
    gold = Material((238, 192, 112), metal=True, specular=0.5, shininess=70, ambient=0.4)
    clasp_y = flap_mid_y - 26
    soft_shadow(canvas, [(cx + 8, clasp_y + 12, 70, 54, 0.35, 12)])
    tube_arc(canvas, cx=cx, cy=clasp_y, a=58, b=44, thickness=22, material=gold)
    tube_arc(canvas, cx=cx, cy=clasp_y, a=16, b=28, thickness=15, material=gold)
    return canvas


def _shoe_points(
    points: list[tuple[float, float]], toe_x: float, ground: float, length: float
) -> list[tuple[float, float]]:
    """Shoe coordinates (u along the sole from the toe, v up, both in shoe lengths)."""
    return [(toe_x + u * length, ground - v * length) for u, v in points]


def render_sneaker(rng: np.random.Generator, width: int = 2400, height: int = 1600) -> Canvas:
    """A white leather sneaker in side view on a light grey sweep."""
    canvas = studio_sweep(
        width, height, wall=(204, 206, 209), floor=(222, 223, 225), near=(233, 234, 236)
    )
    length = width * 0.7
    toe_x, ground = width * 0.15, height * 0.74
    soft_shadow(
        canvas,
        [
            (toe_x + length * 0.5, ground + 4, length * 0.5, height * 0.014, 0.6, 12),
            (toe_x + length * 0.56, ground - 10, length * 0.55, height * 0.05, 0.25, 70),
        ],
    )
    x0, y0 = int(toe_x - 40), int(ground - length * 0.46)
    box = (int(length + 100), int(length * 0.46 + 40))

    def shape(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x - x0, y - y0) for x, y in _shoe_points(points, toe_x, ground, length)]

    white = Material((243, 242, 238), ambient=0.45, diffuse=0.6, gloss=0.1, specular=0.1)
    panel = Material((226, 226, 223), ambient=0.45, diffuse=0.6, gloss=0.05)
    sole_m = Material((238, 236, 230), ambient=0.5, diffuse=0.55, gloss=0.05)
    grain = texture_noise(rng, (box[1], box[0]), 1.2, 0.25)
    upper = shape(
        [
            (0.005, 0.07),
            (0.0, 0.1),
            (0.012, 0.135),
            (0.045, 0.17),
            (0.11, 0.2),
            (0.22, 0.22),
            (0.33, 0.245),
            (0.42, 0.285),
            (0.5, 0.335),
            (0.56, 0.38),
            (0.6, 0.405),
            (0.635, 0.39),
            (0.665, 0.35),
            (0.75, 0.33),
            (0.84, 0.345),
            (0.93, 0.375),
            (0.975, 0.385),
            (0.997, 0.33),
            (1.003, 0.22),
            (0.997, 0.12),
            (0.99, 0.07),
        ]
    )
    upper_cover = polygon_mask(box, [upper], round_px=10)
    padded(
        canvas, (x0, y0), upper_cover, white, puff=length * 0.035, bulge=length * 0.08, grain=grain
    )
    lining = shape(
        [
            (0.66, 0.352),
            (0.75, 0.334),
            (0.84, 0.348),
            (0.93, 0.377),
            (0.9, 0.352),
            (0.8, 0.332),
            (0.7, 0.335),
        ]
    )
    lining_cover = polygon_mask(box, [lining], round_px=4)
    dark = Material((74, 76, 82), ambient=0.5, diffuse=0.5)
    padded(canvas, (x0, y0), lining_cover, dark, puff=10)
    overlays = [
        # toe cap, heel counter, side panel
        [
            (0.005, 0.07),
            (0.0, 0.1),
            (0.012, 0.135),
            (0.045, 0.17),
            (0.11, 0.2),
            (0.2, 0.215),
            (0.235, 0.165),
            (0.225, 0.11),
            (0.2, 0.075),
        ],
        [
            (0.8, 0.075),
            (0.8, 0.19),
            (0.85, 0.29),
            (0.92, 0.35),
            (0.972, 0.365),
            (0.995, 0.3),
            (1.0, 0.2),
            (0.99, 0.075),
        ],
        [
            (0.32, 0.075),
            (0.36, 0.17),
            (0.44, 0.25),
            (0.55, 0.33),
            (0.62, 0.3),
            (0.7, 0.2),
            (0.74, 0.075),
        ],
    ]
    for points in overlays:
        outline = shape(points)
        cover = polygon_mask(box, [outline], round_px=8) * upper_cover
        canvas.darken((x0 + 3, y0 + 5), blurred(cover, 6) * 0.12 * upper_cover)
        padded(canvas, (x0, y0), cover, panel, puff=length * 0.012, grain=grain)
        stitch = stroke(box, [(x, y) for x, y in outline] + [outline[0]], 3, dash=(10, 8))
        canvas.darken((x0, y0), stitch * cover * 0.3)
    # Perforations on the toe cap.
    perf = Image.new("L", box, 0)
    draw = ImageDraw.Draw(perf)
    for i in range(5):
        for j in range(3):
            px, py = _shoe_points(
                [(0.07 + 0.028 * i + 0.014 * j, 0.14 - 0.022 * j)], toe_x, ground, length
            )[0]
            draw.ellipse((px - x0 - 4, py - y0 - 4, px - x0 + 4, py - y0 + 4), fill=255)
    canvas.darken((x0, y0), np.asarray(perf, F32) / 255.0 * 0.45)
    # Laces across the throat, with eyelets.
    lace_cover = Image.new("L", box, 0)
    ldraw = ImageDraw.Draw(lace_cover)
    eyelets = Image.new("L", box, 0)
    edraw = ImageDraw.Draw(eyelets)
    for k in range(6):
        f = k / 5.0
        u, v = 0.36 + 0.22 * f, 0.255 + 0.13 * f
        ax, ay = _shoe_points([(u - 0.012, v - 0.035)], toe_x, ground, length)[0]
        bx, by = _shoe_points([(u + 0.022, v + 0.028)], toe_x, ground, length)[0]
        ldraw.line((ax - x0, ay - y0, bx - x0, by - y0), fill=255, width=int(length * 0.016))
        ex, ey = _shoe_points([(u - 0.014, v - 0.04)], toe_x, ground, length)[0]
        edraw.ellipse((ex - x0 - 9, ey - y0 - 9, ex - x0 + 9, ey - y0 + 9), fill=255)
    lace = np.asarray(lace_cover.filter(ImageFilter.GaussianBlur(1.2)), F32) / 255.0
    canvas.darken(
        (x0, y0), np.asarray(eyelets.filter(ImageFilter.GaussianBlur(1)), F32) / 255 * 0.55
    )
    canvas.darken((x0 + 4, y0 + 7), blurred(lace, 5) * 0.22)
    padded(canvas, (x0, y0), lace, white, puff=8)
    # Sole: midsole and a grey outsole strip.
    sole = shape(
        [
            (0.0, 0.085),
            (-0.004, 0.05),
            (0.02, 0.02),
            (0.07, 0.004),
            (0.15, 0.0),
            (0.92, 0.0),
            (0.975, 0.008),
            (1.0, 0.03),
            (1.008, 0.085),
        ]
    )
    sole_cover = polygon_mask(box, [sole], round_px=6)
    padded(canvas, (x0, y0), sole_cover, sole_m, puff=length * 0.01)
    ys = np.arange(box[1], dtype=F32)[:, None] + y0
    strip = (ys > ground - length * 0.012).astype(F32) * sole_cover
    canvas.darken((x0, y0), blurred(strip, 1.5) * 0.28)
    seam = stroke(box, [(x - x0, ground - length * 0.052 - y0) for x in (toe_x, toe_x + length)], 3)
    canvas.darken((x0, y0), seam * sole_cover * 0.18)
    # A coloured heel tab: the one accent a designer would add.
    tab = shape([(0.955, 0.39), (0.985, 0.395), (1.0, 0.3), (0.985, 0.29)])
    tab_cover = polygon_mask(box, [tab], round_px=4)
    green = Material((92, 130, 108), ambient=0.45, diffuse=0.6, gloss=0.05)
    padded(canvas, (x0, y0), tab_cover, green, puff=8)
    return canvas


def tee_points(neck_depth: float = 0.08, neck_half: float = 0.08) -> list[tuple[float, float]]:
    """A T-shirt silhouette (0..1 frame coordinates) whose neckline dips ``neck_depth``."""
    left = [(0.5 - neck_half, 0.12), (0.24, 0.17), (0.10, 0.34), (0.19, 0.42), (0.28, 0.33)]
    left.append((0.28, 0.88))
    right = [(0.72, 0.88), (0.72, 0.33), (0.81, 0.42), (0.90, 0.34), (0.76, 0.17)]
    right.append((0.5 + neck_half, 0.12))
    t = np.linspace(0.0, np.pi, 24)
    neck = [(0.5 + neck_half * np.cos(a), 0.12 + neck_depth * np.sin(a)) for a in t]
    return left + right + neck[1:-1]


def render_tee(
    rng: np.random.Generator, *, inner: bool = False, width: int = 1800, height: int = 2000
) -> Canvas:
    """A cotton tee shot flat-on against the sweep (mannequin removed: a hollow neck),
    or its inside back with a white neck label for the ghost-mannequin composite."""
    canvas = studio_sweep(width, height, **WHITE_SWEEP)
    box = (int(width * 0.05), int(height * 0.04), int(width * 0.95), int(height * 0.96))
    bw, bh = box[2] - box[0], box[3] - box[1]
    points = tee_points(neck_depth=0.02 if inner else 0.08)
    soft_shadow(canvas, [(width * 0.52, box[1] + bh * 0.9, bw * 0.3, bh * 0.03, 0.45, bw * 0.03)])
    ss = 3
    big = Image.new("L", (bw * ss, bh * ss), 0)
    ImageDraw.Draw(big).polygon([(x * bw * ss, y * bh * ss) for x, y in points], fill=255)
    cover = np.asarray(big.resize((bw, bh), Image.Resampling.BOX), dtype=F32) / 255.0
    ys, xs = np.mgrid[0:bh, 0:bw].astype(F32)
    folds = 0.07 * np.sin((xs * 0.8 + ys) / bw * 19.0) + 0.05 * np.sin((xs - 0.6 * ys) / bw * 31.0)
    side = -0.12 * ((xs / bw - 0.5) * 2) ** 2 + 0.06 * (1 - ys / bh)
    weave = texture_noise(rng, (bh, bw), blur=0.6, amp=0.02)
    base = np.array((30, 52, 96) if not inner else (24, 42, 80), dtype=F32)
    colour = base[None, None, :] * (1.0 + folds + side + weave)[..., None]
    if inner:
        lx0, ly0, lx1, ly1 = int(0.46 * bw), int(0.15 * bh), int(0.54 * bw), int(0.2 * bh)
        colour[ly0:ly1, lx0:lx1] = (236, 234, 228)
    canvas.paint(box, colour, cover)
    return canvas
