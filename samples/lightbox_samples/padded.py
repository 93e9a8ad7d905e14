"""Padded shapes (leather, fabric, plastic): polygons shaded by a height map.

Flat outlines become rounded objects by blurring their coverage into a height
field and shading its gradient; ``darken`` and ``stroke`` add seams, stitching,
creases and cast shadows.
"""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lightbox.imaging.filters import blur_l, gaussian
from lightbox_samples.shading import F32, Array, Canvas, Material, shade, smoothstep

# --- padded shapes (leather, fabric, plastic): polygons shaded by a height map --------


def polygon_mask(
    size: tuple[int, int],
    polygons: list[list[tuple[float, float]]],
    *,
    round_px: float = 0.0,
) -> Array:
    """Anti-aliased coverage (0..1) of filled polygons in a box of ``size``.

    Drawn at half size and rounded by blur-and-threshold: the corners come out
    like stitched leather or moulded plastic instead of laser-cut.
    """
    w, h = size
    q = 2
    small = Image.new("L", (w // q + 1, h // q + 1), 0)
    draw = ImageDraw.Draw(small)
    for poly in polygons:
        draw.polygon([(x / q, y / q) for x, y in poly], fill=255)
    if round_px:
        small = small.filter(ImageFilter.GaussianBlur(round_px / q))
    big = np.asarray(small.resize((small.width * q, small.height * q), Image.Resampling.BILINEAR))
    cover = big[:h, :w].astype(F32) / 255.0
    # A steep ramp around 50% gives a ~1.5 px anti-aliased edge.
    return smoothstep(0.5 - 0.18, 0.5 + 0.18, cover) if round_px else cover


def padded(
    canvas: Canvas,
    origin: tuple[int, int],
    cover: Array,
    material: Material,
    *,
    puff: float,
    bulge: float = 0.0,
    grain: Array | None = None,
    tint: Array | None = None,
) -> None:
    """Shade a flat shape as if padded: its edges curve away from the camera.

    The height map is the shape's coverage blurred by ``puff`` pixels (rounded
    edges) plus, with ``bulge``, a broad dome over the whole shape (a stuffed
    bag, a toe box); its gradient gives the normals. ``grain`` (a small noise
    field) bumps the normals for leather or fabric texture.
    """
    crop = _nonzero_box(cover, margin=2)
    if crop is None:
        return
    cy0, cy1, cx0, cx1 = crop
    cover = cover[cy0:cy1, cx0:cx1]
    x0, y0 = origin[0] + cx0, origin[1] + cy0
    h, w = cover.shape
    # Blurred in float (an 8-bit blur bands once differentiated); a blur "by r
    # pixels" is a Gaussian of sigma 0.6 r.
    height = np.sqrt(np.clip(gaussian(cover, 0.6 * puff), 0.0, 1.0)) * puff
    if bulge:
        height += gaussian(cover, 0.6 * min(h, w) * 0.3) * bulge
    gy, gx = np.gradient(height)
    if grain is not None:
        bumps_y, bumps_x = np.gradient(grain[cy0:cy1, cx0:cx1])
        gx, gy = gx + bumps_x, gy + bumps_y
    norm = np.sqrt(gx * gx + gy * gy + 1.0)
    colour = shade(-gx / norm, -gy / norm, 1.0 / norm, material)
    if tint is not None:
        colour *= tint[cy0:cy1, cx0:cx1, None]
    box = canvas.clip_box(x0, y0, x0 + w, y0 + h)
    bx0, by0, bx1, by1 = box
    sub = (slice(by0 - y0, by1 - y0), slice(bx0 - x0, bx1 - x0))
    canvas.paint(box, colour[sub], cover[sub])


def _nonzero_box(cover: Array, margin: int) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(cover.max(axis=1) > 0.002)
    cols = np.flatnonzero(cover.max(axis=0) > 0.002)
    if rows.size == 0:
        return None
    h, w = cover.shape
    return (
        max(0, int(rows[0]) - margin),
        min(h, int(rows[-1]) + margin + 1),
        max(0, int(cols[0]) - margin),
        min(w, int(cols[-1]) + margin + 1),
    )


def texture_noise(
    rng: np.random.Generator, shape: tuple[int, int], blur: float, amp: float
) -> Array:
    """A smooth random field (leather pebbling, paper, fabric irregularity)."""
    h, w = shape
    noise = np.clip(rng.standard_normal((h, w), dtype=F32) * 40 + 128, 0, 255) / 255.0
    return (blur_l(noise, blur) * 255.0 - 128.0) / 40.0 * amp


def stroke(
    size: tuple[int, int],
    points: list[tuple[float, float]],
    width: float,
    *,
    dash: tuple[float, float] | None = None,
) -> Array:
    """Coverage of a polyline (optionally dashed, like stitching), slightly softened."""
    w, h = size
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    if dash is None:
        draw.line(points, fill=255, width=max(1, round(width)), joint="curve")
    else:
        on, off = dash
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            seg = float(np.hypot(bx - ax, by - ay))
            pos = 0.0
            while pos < seg:
                end = min(pos + on, seg)
                p0 = (ax + (bx - ax) * pos / seg, ay + (by - ay) * pos / seg)
                p1 = (ax + (bx - ax) * end / seg, ay + (by - ay) * end / seg)
                draw.line([p0, p1], fill=255, width=max(1, round(width)))
                pos += on + off
    layer = layer.filter(ImageFilter.GaussianBlur(0.7))
    return np.asarray(layer, dtype=F32) / 255.0


def blurred(cover: Array, radius: float) -> Array:
    """A coverage field (0..1) softened the way the studio suite softens masks."""
    return blur_l(cover, radius)
