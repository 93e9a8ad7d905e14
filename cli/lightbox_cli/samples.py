"""A deterministic, synthetic set of seller uploads for the demo and the tests.

``generate_samples(out_dir)`` writes ``out_dir/<seller>/<sku>/<file>`` (plus a
``product.json`` where a seller would send one), exactly the layout sellers
upload under ``incoming/``, and returns what each file is expected to become:
``publish``, ``review``, ``reject`` or ``quarantine``.

The photos are rendered, not downloaded (nothing may be fetched at run time):
products are lit 3-D shapes — lathe-turned ceramics and glass, padded leather,
a tube handle — shaded with a key light, a softbox reflection, contact shadows,
a studio sweep, vignette and sensor grain, so that segmentation, colour and
quality code meet something close to a real product photo. Every random draw
comes from a fixed seed: two runs write byte-identical files.
"""

from __future__ import annotations

import io
import itertools
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageFont

Expected = Literal["publish", "review", "reject", "quarantine"]
RGB = tuple[float, float, float]
Array = np.ndarray

F32 = np.float32


@dataclass(frozen=True)
class SampleSpec:
    """One sample upload and the route the pipeline is expected to give it."""

    path: Path
    sku: str
    expected: Expected
    note: str


# --- small numeric helpers -------------------------------------------------------------


def _smoothstep(edge0: float, edge1: float, x: Array) -> Array:
    """Hermite step from 0 at edge0 to 1 at edge1 (edge0 > edge1 steps down)."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _unit(v: tuple[float, float, float]) -> Array:
    a = np.asarray(v, dtype=F32)
    return a / np.linalg.norm(a)


# Key light: a large softbox above, left and in front of the product (image y
# points down, so "above" is negative y; z points at the camera). _HALF is the
# Blinn half-vector between the light and the camera's view direction (0, 0, 1).
_LIGHT = _unit((-0.45, -0.55, 0.70))
_HALF = _unit((float(_LIGHT[0]), float(_LIGHT[1]), float(_LIGHT[2]) + 1.0))


def _grid(x0: int, y0: int, x1: int, y1: int) -> tuple[Array, Array]:
    """Pixel-centre coordinates of a box, as broadcastable column/row vectors."""
    ys = (np.arange(y0, y1, dtype=F32) + 0.5)[:, None]
    xs = (np.arange(x0, x1, dtype=F32) + 0.5)[None, :]
    return ys, xs


@dataclass
class _Canvas:
    """A float RGB frame (0..255) the scene is painted into."""

    pixels: Array

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    def clip_box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (
            max(0, int(x0)),
            max(0, int(y0)),
            min(self.width, int(np.ceil(x1))),
            min(self.height, int(np.ceil(y1))),
        )

    def paint(self, box: tuple[int, int, int, int], colour: Array, alpha: Array) -> None:
        """Alpha-composite ``colour`` (h, w, 3) with coverage ``alpha`` (h, w) at ``box``."""
        x0, y0, x1, y1 = box
        region = self.pixels[y0:y1, x0:x1]
        a = np.clip(alpha, 0.0, 1.0)[..., None]
        region *= 1.0 - a
        region += colour * a


# --- lighting ------------------------------------------------------------------------


def _studio_env(rx: Array, ry: Array, rz: Array, backdrop: float = 0.55) -> Array:
    """Brightness of the studio seen in a mirror direction (rx, ry, rz) (0..1).

    A tall softbox on the left-front, a fill card on the right, a bright ceiling
    strip and, behind the product, the lit paper sweep: glossy things show them
    as the soft highlight bands and light rims of a real white-background shot.
    """
    key = _smoothstep(-0.78, -0.66, rx) * (1 - _smoothstep(-0.38, -0.28, rx))
    key = key * _smoothstep(-0.85, -0.65, ry) * (1 - _smoothstep(0.15, 0.35, ry))
    fill = _smoothstep(0.42, 0.5, rx) * (1 - _smoothstep(0.62, 0.7, rx))
    fill = fill * _smoothstep(-0.6, -0.45, ry) * (1 - _smoothstep(0.2, 0.35, ry)) * 0.4
    ceiling = _smoothstep(-0.8, -0.95, ry) * 0.35
    behind = _smoothstep(0.05, -0.5, rz) * backdrop
    return np.maximum(np.maximum(key, fill), np.maximum(ceiling, behind))


@dataclass(frozen=True)
class _Material:
    """How a surface answers light: matte paint, glossy glaze, leather, metal."""

    colour: RGB
    ambient: float = 0.32
    diffuse: float = 0.72
    gloss: float = 0.0  # mirror reflection of the studio (glaze, lacquer)
    specular: float = 0.0  # small hard highlight of the key light
    shininess: float = 40.0
    metal: bool = False  # reflection tinted by the colour, no diffuse term


def _shade(nx: Array, ny: Array, nz: Array, m: _Material) -> Array:
    """Colour (h, w, 3) of surface points with unit normals (nx, ny, nz).

    Terms are only computed when the material uses them: this runs over
    millions of pixels per photo and dominates the time to render one.
    """
    base = np.asarray(m.colour, dtype=F32)
    if m.metal:
        # Metals reflect their surroundings, tinted; the dark studio walls give
        # the contrast, the softbox the bright bands, the floor a glow.
        ry = 2.0 * nz * ny
        env = _studio_env(2.0 * nz * nx, ry, 2.0 * nz * nz - 1.0, backdrop=0.55)
        level = m.ambient * 0.5 + 0.84 * np.maximum(env, _smoothstep(0.2, 0.8, ry) * 0.45)
        out = base * level[..., None]
    else:
        n_dot_l = nx * _LIGHT[0] + ny * _LIGHT[1] + nz * _LIGHT[2]
        lambert = m.ambient + m.diffuse * np.maximum(n_dot_l, 0.0)
        out = base * lambert[..., None]
        if m.gloss:
            # Dielectrics (glaze, lacquer) reflect the backdrop far less than metals.
            env = _studio_env(2.0 * nz * nx, 2.0 * nz * ny, 2.0 * nz * nz - 1.0, backdrop=0.22)
            reflect = (m.gloss * env)[..., None]
            out = out * (1.0 - reflect) + 250.0 * reflect
        # Grazing angles pick up a little of the bright surroundings (Fresnel).
        grazing = 1.0 - nz
        rim = (0.18 * grazing * grazing * grazing)[..., None]
        out = out * (1.0 - rim) + 235.0 * rim
    if m.specular:
        n_dot_h = np.maximum(nx * _HALF[0] + ny * _HALF[1] + nz * _HALF[2], 0.0)
        out += (255.0 * m.specular * n_dot_h**m.shininess)[..., None]
    return out


# --- backgrounds, shadows, finishing ---------------------------------------------------


def _studio_sweep(
    width: int,
    height: int,
    *,
    wall: RGB,
    floor: RGB,
    near: RGB,
    horizon: float = 0.42,
    light_x: float = 0.3,
) -> _Canvas:
    """A paper sweep: wall fading through a curved cove into a brighter floor."""
    ys = (np.arange(height, dtype=F32) + 0.5)[:, None] / height
    cove = _smoothstep(horizon - 0.14, horizon + 0.16, ys)
    towards_camera = _smoothstep(horizon, 1.05, ys)
    wall_c, floor_c, near_c = (np.asarray(c, dtype=F32)[None, :] for c in (wall, floor, near))
    rows = wall_c * (1 - cove) + floor_c * cove
    rows = rows * (1 - towards_camera) + near_c * towards_camera
    xs = (np.arange(width, dtype=F32) + 0.5) / width
    # The key light sits to one side: the sweep is a touch brighter there.
    falloff = 1.0 - 0.07 * ((xs - light_x) / 0.9) ** 2
    return _Canvas(rows[:, None, :] * falloff[None, :, None])


def _soft_shadow(
    canvas: _Canvas, blobs: list[tuple[float, float, float, float, float, float]]
) -> None:
    """Darken the background under a product: (cx, cy, rx, ry, strength, blur) ellipses.

    Drawn and blurred at quarter resolution (a shadow has no fine detail) and
    only over the blobs' bounding box, then scaled up and multiplied in.
    """
    q = 4
    margin = max(3 * blur + 8 for *_, blur in blobs)
    x0, y0, x1, y1 = canvas.clip_box(
        min(cx - rx for cx, _, rx, *_ in blobs) - margin,
        min(cy - ry for _, cy, _, ry, *_ in blobs) - margin,
        max(cx + rx for cx, _, rx, *_ in blobs) + margin,
        max(cy + ry for _, cy, _, ry, *_ in blobs) + margin,
    )
    sw, sh = (x1 - x0) // q + 1, (y1 - y0) // q + 1
    total = np.zeros((sh, sw), dtype=F32)
    for cx, cy, rx, ry, strength, blur in blobs:
        layer = Image.new("L", (sw, sh), 0)
        ellipse = ((cx - rx - x0) / q, (cy - ry - y0) / q, (cx + rx - x0) / q, (cy + ry - y0) / q)
        ImageDraw.Draw(layer).ellipse(ellipse, fill=255)
        layer = layer.filter(ImageFilter.GaussianBlur(max(blur / q, 0.5)))
        total += np.asarray(layer, dtype=F32) * (strength / 255.0)
    small = Image.fromarray(np.clip(total, 0.0, 0.95))
    big = np.asarray(small.resize((sw * q, sh * q), Image.Resampling.BILINEAR), dtype=F32)
    canvas.pixels[y0:y1, x0:x1] *= (1.0 - big[: y1 - y0, : x1 - x0])[..., None]


def _finish(
    canvas: _Canvas,
    rng: np.random.Generator,
    *,
    grain: float = 1.8,
    vignette: float = 0.10,
    gain: float = 1.0,
    gamma: float = 1.0,
    blur: float = 0.0,
    lift: float = 0.0,
) -> Image.Image:
    """Camera and lens: focus blur, exposure, contrast, vignette, sensor grain."""
    pixels = _develop(
        canvas, rng, grain=grain, vignette=vignette, gain=gain, gamma=gamma, blur=blur, lift=lift
    )
    pixels += 0.5  # round, not truncate
    return Image.fromarray(pixels.astype(np.uint8))


def _develop(
    canvas: _Canvas,
    rng: np.random.Generator,
    *,
    grain: float,
    vignette: float,
    gain: float,
    gamma: float,
    blur: float,
    lift: float,
) -> Array:
    """The float frame (0..255) behind ``_finish``; the 16-bit PNG is written from it."""
    pixels = canvas.pixels
    if blur > 0:
        pixels = _gaussian_blur(pixels, blur)
    h, w = pixels.shape[:2]
    ys = ((np.arange(h, dtype=F32) + 0.5) / h - 0.5)[:, None]
    xs = ((np.arange(w, dtype=F32) + 0.5) / w - 0.5)[None, :]
    falloff = (1.0 - vignette * 2.0 * (xs * xs + ys * ys)) * gain
    # In place from here on: these frames are tens of MB and fresh allocations
    # (page faults) cost more than the arithmetic.
    pixels *= falloff[..., None]
    if gamma != 1.0:
        np.clip(pixels, 0.0, 255.0, out=pixels)
        pixels *= 1.0 / 255.0
        np.power(pixels, gamma, out=pixels)
        pixels *= 255.0
    if lift:
        pixels *= 1.0 - lift / 255.0  # raised blacks: a flat, low-contrast look
        pixels += lift
    pixels += _grain(rng, h, w, grain)[..., None]
    np.clip(pixels, 0.0, 255.0, out=pixels)
    return pixels


def _grain(rng: np.random.Generator, height: int, width: int, sigma: float) -> Array:
    """Luminance sensor noise, tiled from a 1024 px patch (invisible, 4x cheaper)."""
    tile = rng.standard_normal((1024, 1024), dtype=F32) * sigma
    reps = (-(-height // 1024), -(-width // 1024))
    return np.tile(tile, reps)[:height, :width]


def _gaussian_blur(pixels: Array, radius: float) -> Array:
    """Blur a float frame; large radii run at reduced size (same look, ~10x faster)."""
    h, w = pixels.shape[:2]
    image = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
    factor = max(1, int(radius // 2))
    if factor > 1:
        small = image.resize((w // factor, h // factor), Image.Resampling.BOX)
        small = small.filter(ImageFilter.GaussianBlur(radius / factor))
        image = small.resize((w, h), Image.Resampling.BICUBIC)
    else:
        image = image.filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(image, dtype=F32)


# --- product geometry ---------------------------------------------------------------

#: A lathe profile: radius in pixels for t in 0..1, from the top of the object (0)
#: to its base (1).
Profile = Callable[[Array], Array]


@dataclass(frozen=True)
class _Glass:
    """Coloured glass: the background shows through, absorbed along the path."""

    absorb: RGB  # absorption per unit path length, per channel (red, green, blue)
    wall: float = 0.55
    gloss: float = 0.85


@dataclass(frozen=True)
class _Label:
    """A paper label wrapped round a lathe between heights t0 and t1."""

    t0: float
    t1: float
    texture: Image.Image  # the flat artwork; its width covers the visible half


def _ellipse_coverage(ys: Array, xs: Array, cx: float, cy: float, a: float, b: float) -> Array:
    """Anti-aliased coverage of an axis-aligned ellipse (distance-field estimate)."""
    u, v = (xs - cx) / a, (ys - cy) / b
    e = np.sqrt(u * u + v * v) + 1e-6
    grad = np.sqrt((u / a) ** 2 + (v / b) ** 2) / e + 1e-6
    return np.clip(0.5 - (e - 1.0) / grad, 0.0, 1.0)


def _lathe(
    canvas: _Canvas,
    *,
    cx: float,
    top: float,
    base: float,
    profile: Profile,
    material: _Material,
    glass: _Glass | None = None,
    tilt: float = 0.13,
    cap: Literal["none", "closed", "open"] = "none",
    wall: float = 0.0,
    label: _Label | None = None,
    knurl: int = 0,
) -> None:
    """Paint a solid of revolution (mug, bottle, jar, lid) seen slightly from above.

    ``tilt`` is the ellipse ratio of horizontal circles (sine of the camera's
    elevation). Each pixel is mapped back to the surface point in front of it
    (a short fixed-point iteration), which gives the normal for shading.
    """
    height = base - top
    rmax = float(profile(np.linspace(0.0, 1.0, 257, dtype=F32)).max())
    box = canvas.clip_box(
        cx - rmax - 2, top - tilt * rmax - 2, cx + rmax + 2, base + tilt * rmax + 3
    )
    x0, y0, x1, y1 = box
    ys, xs = _grid(*box)
    shape = (y1 - y0, x1 - x0)
    dx = np.broadcast_to(xs - cx, shape)
    t = np.broadcast_to((ys - top) / height, shape)
    for _ in range(3):
        r = np.maximum(profile(np.clip(t, 0.0, 1.0)), 0.5)
        nx = np.clip(dx / r, -1.0, 1.0)
        nz = np.sqrt(1.0 - nx * nx)
        t = (ys - tilt * r * nz - top) / height
    tc = np.clip(t, 0.0, 1.0)
    slope = (profile(np.clip(tc + 0.003, 0, 1)) - profile(np.clip(tc - 0.003, 0, 1))) / (
        0.006 * height
    )
    norm = np.sqrt(1.0 + slope * slope)
    snx, sny, snz = nx / norm, -slope / norm, nz / norm
    alpha = (
        np.clip(r - np.abs(dx) + 0.5, 0.0, 1.0)
        * np.clip((1.0 - t) * height + 0.5, 0.0, 1.0)
        * np.clip(t * height + 0.5, 0.0, 1.0)
    )
    if glass is None:
        colour = _shade(snx, sny, snz, material)
        if knurl:
            ridges = 0.5 + 0.5 * np.cos(np.arcsin(nx) * knurl)
            colour *= (0.82 + 0.18 * ridges)[..., None]
        # Ambient occlusion where the object meets the floor.
        colour *= (1.0 - 0.22 * _smoothstep(0.93, 1.0, tc))[..., None]
    else:
        colour = _glass_colour(canvas, box, dx, cx, snx, sny, nz, glass)
    if label is not None:
        colour, alpha = _apply_label(colour, alpha, label, nx, snx, sny, snz, tc, height, material)
    canvas.paint(box, colour, alpha)
    if cap == "closed":
        _paint_top(canvas, cx, top, float(profile(np.zeros(1, F32))[0]), tilt, material, knurl)
    elif cap == "open":
        _paint_opening(canvas, cx, top, float(profile(np.zeros(1, F32))[0]), tilt, wall, material)


def _glass_colour(
    canvas: _Canvas,
    box: tuple[int, int, int, int],
    dx: Array,
    cx: float,
    nx: Array,
    ny: Array,
    nz: Array,
    glass: _Glass,
) -> Array:
    _, y0, _, y1 = box
    # Refraction squeezes what is behind the bottle towards its axis.
    src_x = np.clip((cx + dx * 0.72).astype(np.int32), 0, canvas.width - 1)
    rows = np.arange(y0, y1)[:, None]
    behind = canvas.pixels[rows, src_x]
    path = glass.wall / np.maximum(nz, 0.12)
    absorb = np.asarray(glass.absorb, dtype=F32)
    colour = behind * np.exp(-path[..., None] * absorb) * 0.92
    env = _studio_env(2.0 * nz * nx, 2.0 * nz * ny, 2.0 * nz * nz - 1.0)
    reflect = (glass.gloss * env * 0.8)[..., None]
    colour = colour * (1.0 - reflect) + 252.0 * reflect
    n_dot_h = np.clip(nx * _HALF[0] + ny * _HALF[1] + nz * _HALF[2], 0.0, 1.0)
    return colour + (255.0 * 0.9 * n_dot_h**90)[..., None]


def _apply_label(
    colour: Array,
    alpha: Array,
    label: _Label,
    nx: Array,
    snx: Array,
    sny: Array,
    snz: Array,
    tc: Array,
    height: float,
    material: _Material,
) -> tuple[Array, Array]:
    tex = np.asarray(label.texture, dtype=F32)
    th, tw = tex.shape[:2]
    u = np.arcsin(nx) / np.pi + 0.5
    v = (tc - label.t0) / (label.t1 - label.t0)
    inside = np.clip(v * height * (label.t1 - label.t0) + 0.5, 0, 1) * np.clip(
        (1.0 - v) * height * (label.t1 - label.t0) + 0.5, 0, 1
    )
    ui = np.clip((u * (tw - 1)).astype(np.int32), 0, tw - 1)
    vi = np.clip((v * (th - 1)).astype(np.int32), 0, th - 1)
    paper = _Material(colour=(255, 255, 255), ambient=0.36, diffuse=0.70, gloss=0.08)
    lit = _shade(snx, sny, snz, paper) / 255.0
    printed = tex[vi, ui] * lit
    mix = inside[..., None]
    return colour * (1.0 - mix) + printed * mix, alpha


def _paint_top(
    canvas: _Canvas,
    cx: float,
    top: float,
    radius: float,
    tilt: float,
    material: _Material,
    knurl: int,
) -> None:
    """A closed, flat top (a lid): an ellipse facing up, lit from above."""
    b = tilt * radius
    box = canvas.clip_box(cx - radius - 2, top - b - 2, cx + radius + 2, top + b + 2)
    ys, xs = _grid(*box)
    cover = _ellipse_coverage(ys, xs, cx, top, radius, b)
    shape = cover.shape
    lean = np.broadcast_to((xs - cx) / radius, shape) * 0.25
    up = np.sqrt(max(1.0 - tilt * tilt, 0.0))
    nx = lean
    ny = np.full(shape, -up, dtype=F32)
    nz = np.full(shape, tilt, dtype=F32) + 0.15
    norm = np.sqrt(nx * nx + ny * ny + nz * nz)
    colour = _shade(nx / norm, ny / norm, nz / norm, material)
    if knurl:
        # A thin bevel round the edge of a metal lid catches the light.
        edge = 1.0 - _ellipse_coverage(ys, xs, cx, top, radius * 0.94, b * 0.9)
        colour = colour * (1.0 - 0.35 * edge[..., None]) + 240.0 * 0.35 * edge[..., None]
    canvas.paint(box, colour, cover)


def _paint_opening(
    canvas: _Canvas,
    cx: float,
    top: float,
    radius: float,
    tilt: float,
    wall: float,
    material: _Material,
) -> None:
    """The open top of a mug or vase: a lit rim around the shaded inside wall."""
    b = tilt * radius
    box = canvas.clip_box(cx - radius - 2, top - b - 2, cx + radius + 2, top + b + 2)
    ys, xs = _grid(*box)
    outer = _ellipse_coverage(ys, xs, cx, top, radius, b)
    inner_r = radius - wall
    inner = _ellipse_coverage(ys, xs, cx, top, inner_r, tilt * inner_r)
    shape = outer.shape
    up = np.sqrt(max(1.0 - tilt * tilt, 0.0))
    rim = _shade(
        np.zeros(shape, F32), np.full(shape, -up, F32), np.full(shape, tilt, F32), material
    )
    # Inside: the far wall faces the camera and is lit; the near wall's shadow
    # darkens the lower part of the opening, the left wall shades the left side.
    v = np.clip((ys - (top - tilt * inner_r)) / (2 * tilt * inner_r), 0.0, 1.0)
    u = np.clip((xs - cx) / inner_r, -1.0, 1.0)
    depth = (0.62 - 0.42 * _smoothstep(0.25, 1.0, v)) * (0.75 + 0.25 * _smoothstep(-1.0, 0.5, u))
    inside = np.asarray(material.colour, dtype=F32) * depth[..., None]
    colour = rim * (1.0 - inner[..., None]) + inside * inner[..., None]
    canvas.paint(box, colour, outer)


def _tube_arc(
    canvas: _Canvas,
    *,
    cx: float,
    cy: float,
    a: float,
    b: float,
    thickness: float,
    material: _Material,
    keep: Callable[[Array, Array], Array] | None = None,
) -> None:
    """A round tube following an ellipse (a mug handle, a bag handle, a ring)."""
    half = thickness / 2
    box = canvas.clip_box(
        cx - a - half - 2, cy - b - half - 2, cx + a + half + 2, cy + b + half + 2
    )
    ys, xs = _grid(*box)
    u, v = (xs - cx) / a, (ys - cy) / b
    rho = np.sqrt(u * u + v * v) + 1e-6
    gx, gy = u / (a * rho), v / (b * rho)
    gnorm = np.sqrt(gx * gx + gy * gy) + 1e-9
    dist = (rho - 1.0) / gnorm  # signed pixel distance from the tube's centre line
    s = np.clip(dist / half, -1.0, 1.0)
    nz = np.sqrt(np.maximum(1.0 - s * s, 0.0))
    nx, ny = s * gx / gnorm, s * gy / gnorm
    colour = _shade(nx, ny, nz, material)
    alpha = np.clip(half - np.abs(dist) + 0.5, 0.0, 1.0)
    if keep is not None:
        alpha = alpha * keep(ys, xs)
    canvas.paint(box, colour, alpha)


def _cylinder(radius: float) -> Profile:
    return lambda t: np.full_like(t, radius)


def _mug_profile(radius: float) -> Profile:
    # Very slightly tapered towards the foot, with a rounded foot ring.
    return lambda t: radius * (1.0 - 0.03 * t) - radius * 0.06 * _smoothstep(0.93, 1.0, t)


def _bottle_profile(body: float, neck: float, shoulder: tuple[float, float], lip: float) -> Profile:
    """Neck, a rounded (quarter-ellipse) shoulder, a straight body, a rounded heel."""
    s0, s1 = shoulder

    def profile(t: Array) -> Array:
        s = np.clip((t - s0) / (s1 - s0), 0.0, 1.0)
        r = neck + (body - neck) * np.sqrt(1.0 - (1.0 - s) ** 2)
        r = np.where(t < 0.025, neck + lip, r)  # the lip the cap screws onto
        return r - body * 0.05 * _smoothstep(0.955, 1.0, t)

    return profile


def _vase_profile(width_px: float) -> Profile:
    """A bud vase: flared lip, narrow neck, round belly, small foot."""

    def profile(t: Array) -> Array:
        lip = 0.34 + 0.12 * (1 - _smoothstep(0.0, 0.08, t))
        belly = 0.5 * np.exp(-(((t - 0.62) / 0.26) ** 2))
        neck = lip * (1 - _smoothstep(0.1, 0.35, t)) + 0.22 * _smoothstep(0.1, 0.35, t)
        r = np.maximum(neck, belly) - 0.07 * _smoothstep(0.9, 1.0, t)
        return width_px * r

    return profile


def _bulb_profile(radius: float) -> Profile:
    """A dropper's rubber bulb: a round top on a short cylinder."""

    def profile(t: Array) -> Array:
        dome = np.sqrt(np.clip(1.0 - ((0.5 - np.minimum(t, 0.5)) / 0.5) ** 2, 0.0, 1.0))
        return radius * np.maximum(dome, 0.02)

    return profile


# --- padded shapes (leather, fabric, plastic): polygons shaded by a height map --------


def _polygon_mask(
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
    return _smoothstep(0.5 - 0.18, 0.5 + 0.18, cover) if round_px else cover


def _padded(
    canvas: _Canvas,
    origin: tuple[int, int],
    cover: Array,
    material: _Material,
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
    height = np.sqrt(np.clip(_soft_blur(cover, puff), 0.0, 1.0)) * puff
    if bulge:
        height += _soft_blur(cover, min(h, w) * 0.3) * bulge
    gy, gx = np.gradient(height)
    if grain is not None:
        bumps_y, bumps_x = np.gradient(grain[cy0:cy1, cx0:cx1])
        gx, gy = gx + bumps_x, gy + bumps_y
    norm = np.sqrt(gx * gx + gy * gy + 1.0)
    colour = _shade(-gx / norm, -gy / norm, 1.0 / norm, material)
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


def _soft_blur(cover: Array, radius: float) -> Array:
    """Gaussian-like blur of a float field, in float (8-bit blurs band when differentiated).

    Three box passes at quarter resolution, then a bicubic upscale: smooth
    enough to take a gradient of, and cheap for a large shape.
    """
    h, w = cover.shape
    q = 4 if radius >= 8 else 1
    small = np.asarray(
        Image.fromarray(cover.astype(F32)).resize(
            (max(w // q, 1), max(h // q, 1)), Image.Resampling.BOX
        ),
        dtype=F32,
    )
    r = max(1, round(radius / q * 0.6))
    pad = 3 * r + 1
    field = np.pad(small, pad, mode="constant")
    for axis in (0, 1):
        for _ in range(3):
            c = np.cumsum(field, axis=axis, dtype=np.float64)
            c = np.concatenate([np.zeros_like(c.take([0], axis=axis)), c], axis=axis)
            n = field.shape[axis]
            lo = np.clip(np.arange(n) - r, 0, n)
            hi = np.clip(np.arange(n) + r + 1, 0, n)
            field = ((c.take(hi, axis=axis) - c.take(lo, axis=axis)) / (2 * r + 1)).astype(F32)
    field = field[pad:-pad, pad:-pad]
    if q == 1:
        return field
    return np.asarray(Image.fromarray(field).resize((w, h), Image.Resampling.BICUBIC), dtype=F32)


def _texture_noise(rng: np.random.Generator, shape: tuple[int, int], blur: float, amp: float):
    """A smooth random field (leather pebbling, paper, fabric irregularity)."""
    h, w = shape
    noise = rng.standard_normal((h, w), dtype=F32)
    image = Image.fromarray(np.clip(noise * 40 + 128, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(blur))
    return (np.asarray(image, dtype=F32) - 128.0) / 40.0 * amp


def _darken(canvas: _Canvas, origin: tuple[int, int], amount: Array) -> None:
    """Multiply the frame by (1 - amount) in a box: seams, stitch holes, creases."""
    x0, y0 = origin
    h, w = amount.shape
    box = canvas.clip_box(x0, y0, x0 + w, y0 + h)
    bx0, by0, bx1, by1 = box
    sub = amount[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]
    canvas.pixels[by0:by1, bx0:bx1] *= (1.0 - np.clip(sub, 0, 1))[..., None]


def _stroke(
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


# --- the products ----------------------------------------------------------------------

_WHITE_SWEEP = {"wall": (214, 214, 217), "floor": (235, 234, 232), "near": (247, 246, 244)}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: present everywhere, so renders are identical everywhere."""
    return ImageFont.load_default(size=size)


def _render_mug(rng: np.random.Generator, size: int = 2000, colour: RGB = (176, 22, 30)) -> _Canvas:
    """A glossy ceramic mug with a handle, on a white studio sweep."""
    canvas = _studio_sweep(size, size, **_WHITE_SWEEP)
    tilt = 0.13
    cx, r = size * 0.47, size * 0.2
    top, base = size * 0.33, size * 0.74
    _soft_shadow(
        canvas,
        [
            (cx + r * 0.05, base + tilt * r * 0.55, r * 1.02, tilt * r * 1.05, 0.6, r * 0.05),
            (cx + r * 0.55, base - tilt * r * 0.2, r * 1.45, r * 0.32, 0.25, r * 0.3),
        ],
    )
    glaze = _Material(colour, ambient=0.22, diffuse=0.8, gloss=0.8, specular=0.5, shininess=150)
    _tube_arc(
        canvas,
        cx=cx + r * 0.97,
        cy=top + (base - top) * 0.45,
        a=r * 0.42,
        b=(base - top) * 0.29,
        thickness=r * 0.17,
        material=glaze,
        keep=lambda ys, xs: (xs > cx + r * 0.6).astype(F32),
    )
    _lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=_mug_profile(r),
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


def _render_bottle(rng: np.random.Generator, width: int = 1800, height: int = 2400) -> _Canvas:
    """A blue glass bottle with a brushed steel cap and a paper label."""
    canvas = _studio_sweep(
        width, height, wall=(216, 217, 220), floor=(236, 236, 235), near=(248, 248, 247)
    )
    cx, body = width * 0.5, width * 0.16
    top, base = height * 0.2, height * 0.83
    tilt = 0.11
    _soft_shadow(
        canvas,
        [
            (cx, base + tilt * body * 0.5, body * 1.02, tilt * body * 1.1, 0.45, body * 0.06),
            (cx + body * 0.6, base - tilt * body * 0.3, body * 1.6, body * 0.35, 0.18, body * 0.35),
        ],
    )
    art = _label_art(
        (1200, 520), (241, 236, 224), (24, 46, 92), "NORDVAND", ["still spring water", "750 ml"]
    )
    _lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=_bottle_profile(body, body * 0.36, (0.12, 0.34), body * 0.05),
        material=_Material((30, 70, 150)),
        glass=_Glass(absorb=(2.3, 1.25, 0.32), wall=0.55),
        tilt=tilt,
        label=_Label(0.5, 0.78, art),
    )
    cap_r = body * 0.36 + body * 0.07
    _lathe(
        canvas,
        cx=cx,
        top=top - (base - top) * 0.075,
        base=top + (base - top) * 0.012,
        profile=_cylinder(cap_r),
        material=_Material((222, 224, 228), metal=True, specular=0.3, shininess=60),
        tilt=tilt,
        cap="closed",
        knurl=70,
    )
    return canvas


def _render_jar(rng: np.random.Generator, size: int = 2000) -> _Canvas:
    """A frosted pink cosmetics jar with a gold lid, on a warm off-white sweep."""
    canvas = _studio_sweep(
        size, size, wall=(222, 214, 210), floor=(240, 235, 231), near=(249, 246, 243)
    )
    cx, r = size * 0.5, size * 0.25
    tilt = 0.2
    top, base = size * 0.5, size * 0.74
    _soft_shadow(
        canvas,
        [
            (cx, base + tilt * r * 0.55, r * 1.03, tilt * r * 1.05, 0.55, r * 0.05),
            (cx + r * 0.5, base - tilt * r * 0.3, r * 1.45, r * 0.4, 0.22, r * 0.3),
        ],
    )
    frosted = _Material((236, 178, 186), ambient=0.42, diffuse=0.62, gloss=0.25, specular=0.15)
    _lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=lambda t: r * (1.0 - 0.06 * _smoothstep(0.9, 1.0, t)),
        material=frosted,
        tilt=tilt,
    )
    gold = _Material((236, 188, 110), metal=True, ambient=0.9, specular=0.4, shininess=80)
    lid_h = (base - top) * 0.55
    _lathe(
        canvas,
        cx=cx,
        top=top - lid_h,
        base=top + 2,
        profile=lambda t: r * (1.02 - 0.03 * (1 - _smoothstep(0.0, 0.08, t))),
        material=gold,
        tilt=tilt,
        cap="closed",
        knurl=0,
    )
    return canvas


def _render_serum(rng: np.random.Generator, size: int = 1600) -> _Canvas:
    """An amber glass dropper bottle with a black bulb and a white label."""
    canvas = _studio_sweep(size, size, **_WHITE_SWEEP)
    cx, body = size * 0.5, size * 0.13
    tilt = 0.12
    top, base = size * 0.36, size * 0.8
    _soft_shadow(
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
    _lathe(
        canvas,
        cx=cx,
        top=top,
        base=base,
        profile=_bottle_profile(body, body * 0.45, (0.05, 0.22), body * 0.04),
        material=_Material((150, 80, 20)),
        glass=_Glass(absorb=(0.35, 1.05, 2.6), wall=0.6),
        tilt=tilt,
        label=_Label(0.38, 0.82, art),
    )
    black = _Material((28, 28, 30), ambient=0.5, diffuse=0.6, gloss=0.45, specular=0.35)
    collar_top = top - (base - top) * 0.1
    _lathe(
        canvas,
        cx=cx,
        top=collar_top,
        base=top + (base - top) * 0.03,
        profile=_cylinder(body * 0.55),
        material=black,
        tilt=tilt,
        cap="closed",
        knurl=48,
    )
    rubber = _Material((22, 22, 24), ambient=0.45, diffuse=0.55, gloss=0.3, specular=0.2)
    _lathe(
        canvas,
        cx=cx,
        top=collar_top - (base - top) * 0.25,
        base=collar_top + 2,
        profile=_bulb_profile(body * 0.36),
        material=rubber,
        tilt=tilt,
    )
    return canvas


def _render_vase(rng: np.random.Generator, width: int = 2400, height: int = 1800) -> _Canvas:
    """A small teal vase placed off-centre (the photographer framed it badly)."""
    canvas = _studio_sweep(
        width, height, wall=(205, 203, 200), floor=(226, 223, 219), near=(238, 236, 233)
    )
    cx, vw = width * 0.72, width * 0.085
    top, base = height * 0.43, height * 0.79
    tilt = 0.12
    _soft_shadow(
        canvas,
        [
            (cx, base + tilt * vw * 0.3, vw * 0.75, tilt * vw * 0.8, 0.5, vw * 0.06),
            (cx + vw * 0.5, base - tilt * vw * 0.3, vw * 1.3, vw * 0.35, 0.2, vw * 0.3),
        ],
    )
    glaze = _Material((38, 128, 128), ambient=0.28, diffuse=0.78, gloss=0.35, specular=0.25)
    profile = _vase_profile(vw * 2)
    _lathe(
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


def _render_ring(rng: np.random.Generator, size: int = 2000) -> _Canvas:
    """A gold ring on a dark wooden table in a dim room."""
    h = w = size
    ys = (np.arange(h, dtype=F32) / h)[:, None]
    grainline = _texture_noise(rng, (h // 8, w // 2), 1.5, 1.0)
    streaks = np.asarray(
        Image.fromarray(np.clip(grainline * 30 + 128, 0, 255).astype(np.uint8)).resize(
            (w, h), Image.Resampling.BILINEAR
        ),
        dtype=F32,
    )
    wood = np.asarray((112, 74, 48), dtype=F32) * (0.75 + 0.25 * ys)[..., None]
    canvas = _Canvas(wood * (0.85 + 0.15 * (streaks[..., None] - 128) / 30 * 0.6 + 0.15))
    gold = _Material((240, 190, 100), metal=True, ambient=1.0, specular=0.6, shininess=60)
    cx, cy = size * 0.5, size * 0.55
    _soft_shadow(canvas, [(cx + 40, cy + 70, size * 0.27, size * 0.11, 0.5, 60)])
    _tube_arc(
        canvas, cx=cx, cy=cy, a=size * 0.24, b=size * 0.1, thickness=size * 0.05, material=gold
    )
    return canvas


def _render_handbag(rng: np.random.Generator, width: int = 3000, height: int = 2250) -> _Canvas:
    """A beige leather handbag with a flap, stitching, a gold clasp and a handle."""
    canvas = _studio_sweep(
        width, height, wall=(217, 215, 212), floor=(237, 235, 232), near=(248, 247, 245)
    )
    cx = width * 0.5
    top, bottom = height * 0.42, height * 0.8
    half_top, half_bottom = width * 0.185, width * 0.225
    leather = _Material((204, 166, 120), ambient=0.3, diffuse=0.78, gloss=0.1, specular=0.1)
    dark_leather = _Material((170, 134, 94), ambient=0.4, diffuse=0.66, gloss=0.15, specular=0.15)
    _soft_shadow(
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
    _tube_arc(
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
    body_cover = _polygon_mask((box_w, box_h), [body], round_px=26)
    grain = _texture_noise(rng, (box_h, box_w), 1.6, 0.5)
    tint = 1.0 + 0.03 * _texture_noise(rng, (box_h, box_w), 6.0, 1.0)
    _padded(
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

    curve = [
        (
            side_x(flap_side_y, 1) + (cx - side_x(flap_side_y, 1)) * k,
            flap_side_y + (flap_mid_y - flap_side_y) * np.sin(np.pi * k / 2.0) ** 1.4,
        )
        for k in np.linspace(0.0, 1.0, 16)
    ]
    curve = curve + [(2 * cx - x, y) for x, y in reversed(curve[:-1])]
    flap = local([(cx - half_top - 3, top - 4), (cx + half_top + 3, top - 4), *curve])
    flap_cover = _polygon_mask((box_w, box_h), [flap], round_px=16)
    # The flap's edge casts a soft shadow on the body below it.
    shifted = np.zeros_like(flap_cover)
    shifted[14:] = flap_cover[:-14]
    shade_img = Image.fromarray((np.clip(shifted - flap_cover, 0, 1) * 255).astype(np.uint8))
    shade = np.asarray(shade_img.filter(ImageFilter.GaussianBlur(9)), dtype=F32) / 255.0
    _darken(canvas, (x0, y0), shade * 0.45 * body_cover)
    _padded(
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
    stitches = _stroke((box_w, box_h), inset, 4, dash=(16, 10))
    thread = np.broadcast_to(np.asarray((226, 208, 178), F32), (*stitches.shape, 3))
    _darken(canvas, (x0 + 1, y0 + 2), stitches * 0.25)
    canvas.paint(canvas.clip_box(x0, y0, x0 + box_w, y0 + box_h), thread, stitches * 0.9)
    # Gold turn-lock clasp at the tip of the flap.
    gold = _Material((238, 192, 112), metal=True, specular=0.5, shininess=70, ambient=0.4)
    clasp_y = flap_mid_y - 26
    _soft_shadow(canvas, [(cx + 8, clasp_y + 12, 70, 54, 0.35, 12)])
    _tube_arc(canvas, cx=cx, cy=clasp_y, a=58, b=44, thickness=22, material=gold)
    _tube_arc(canvas, cx=cx, cy=clasp_y, a=16, b=28, thickness=15, material=gold)
    return canvas


def _shoe_points(
    points: list[tuple[float, float]], toe_x: float, ground: float, length: float
) -> list[tuple[float, float]]:
    """Shoe coordinates (u along the sole from the toe, v up, both in shoe lengths)."""
    return [(toe_x + u * length, ground - v * length) for u, v in points]


def _render_sneaker(rng: np.random.Generator, width: int = 2400, height: int = 1600) -> _Canvas:
    """A white leather sneaker in side view on a light grey sweep."""
    canvas = _studio_sweep(
        width, height, wall=(204, 206, 209), floor=(222, 223, 225), near=(233, 234, 236)
    )
    length = width * 0.7
    toe_x, ground = width * 0.15, height * 0.74
    _soft_shadow(
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

    white = _Material((243, 242, 238), ambient=0.45, diffuse=0.6, gloss=0.1, specular=0.1)
    panel = _Material((226, 226, 223), ambient=0.45, diffuse=0.6, gloss=0.05)
    sole_m = _Material((238, 236, 230), ambient=0.5, diffuse=0.55, gloss=0.05)
    grain = _texture_noise(rng, (box[1], box[0]), 1.2, 0.25)
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
    upper_cover = _polygon_mask(box, [upper], round_px=10)
    _padded(
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
    lining_cover = _polygon_mask(box, [lining], round_px=4)
    dark = _Material((74, 76, 82), ambient=0.5, diffuse=0.5)
    _padded(canvas, (x0, y0), lining_cover, dark, puff=10)
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
        cover = _polygon_mask(box, [outline], round_px=8) * upper_cover
        _darken(canvas, (x0 + 3, y0 + 5), _blurred(cover, 6) * 0.12 * upper_cover)
        _padded(canvas, (x0, y0), cover, panel, puff=length * 0.012, grain=grain)
        stitch = _stroke(box, [(x, y) for x, y in outline] + [outline[0]], 3, dash=(10, 8))
        _darken(canvas, (x0, y0), stitch * cover * 0.3)
    # Perforations on the toe cap.
    perf = Image.new("L", box, 0)
    draw = ImageDraw.Draw(perf)
    for i in range(5):
        for j in range(3):
            px, py = _shoe_points(
                [(0.07 + 0.028 * i + 0.014 * j, 0.14 - 0.022 * j)], toe_x, ground, length
            )[0]
            draw.ellipse((px - x0 - 4, py - y0 - 4, px - x0 + 4, py - y0 + 4), fill=255)
    _darken(canvas, (x0, y0), np.asarray(perf, F32) / 255.0 * 0.45)
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
    _darken(
        canvas, (x0, y0), np.asarray(eyelets.filter(ImageFilter.GaussianBlur(1)), F32) / 255 * 0.55
    )
    _darken(canvas, (x0 + 4, y0 + 7), _blurred(lace, 5) * 0.22)
    _padded(canvas, (x0, y0), lace, white, puff=8)
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
    sole_cover = _polygon_mask(box, [sole], round_px=6)
    _padded(canvas, (x0, y0), sole_cover, sole_m, puff=length * 0.01)
    ys = np.arange(box[1], dtype=F32)[:, None] + y0
    strip = (ys > ground - length * 0.012).astype(F32) * sole_cover
    _darken(canvas, (x0, y0), _blurred(strip, 1.5) * 0.28)
    seam = _stroke(
        box, [(x - x0, ground - length * 0.052 - y0) for x in (toe_x, toe_x + length)], 3
    )
    _darken(canvas, (x0, y0), seam * sole_cover * 0.18)
    # A coloured heel tab: the one accent a designer would add.
    tab = shape([(0.955, 0.39), (0.985, 0.395), (1.0, 0.3), (0.985, 0.29)])
    tab_cover = _polygon_mask(box, [tab], round_px=4)
    green = _Material((92, 130, 108), ambient=0.45, diffuse=0.6, gloss=0.05)
    _padded(canvas, (x0, y0), tab_cover, green, puff=8)
    return canvas


def _blurred(cover: Array, radius: float) -> Array:
    image = Image.fromarray((np.clip(cover, 0, 1) * 255).astype(np.uint8))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), F32) / 255.0


def _render_notebook(rng: np.random.Generator, width: int = 2000, height: int = 1500) -> _Canvas:
    """Flat lay: a navy notebook with an elastic band on a dark blue cloth."""
    ys = (np.arange(height, dtype=F32) + 0.5)[:, None]
    xs = (np.arange(width, dtype=F32) + 0.5)[None, :]
    folds = (
        0.08 * np.sin(xs / width * 5.1 + ys / height * 2.3)
        + 0.05 * np.sin(xs / width * 11.7 - ys / height * 7.9 + 1.3)
        + 0.04 * np.sin(ys / height * 13.0 + 0.4)
    )
    weave = 0.035 * np.sin(xs * (2 * np.pi / 6)) * np.sin(ys * (2 * np.pi / 6))
    fibre = _texture_noise(rng, (height, width), 1.0, 0.04)
    cloth = np.asarray((52, 70, 132), F32) * (1.0 + folds + weave + fibre)[..., None]
    canvas = _Canvas(cloth.astype(F32))
    cx, cy = width * 0.5, height * 0.5
    nw, nh = width * 0.33, height * 0.66
    angle = np.deg2rad(5.0)

    def rotated(points: list[tuple[float, float]], dx: float = 0, dy: float = 0):
        out = []
        for px, py in points:
            rx = px * np.cos(angle) - py * np.sin(angle)
            ry = px * np.sin(angle) + py * np.cos(angle)
            out.append((cx + rx + dx - x0, cy + ry + dy - y0))
        return out

    x0, y0 = int(cx - nh * 0.7), int(cy - nh * 0.7)
    box = (int(nh * 1.4), int(nh * 1.4))
    rect = [(-nw / 2, -nh / 2), (nw / 2, -nh / 2), (nw / 2, nh / 2), (-nw / 2, nh / 2)]
    shadow = _polygon_mask(box, [rotated(rect, 14, 18)], round_px=14)
    _darken(canvas, (x0, y0), _blurred(shadow, 22) * 0.5)
    pages = _polygon_mask(box, [rotated(rect, 7, 6)], round_px=12)
    paper = _Material((214, 204, 182), ambient=0.5, diffuse=0.5)
    _padded(canvas, (x0, y0), pages, paper, puff=4)
    cover = _polygon_mask(box, [rotated(rect)], round_px=12)
    grain = _texture_noise(rng, box[::-1], 1.4, 0.35)
    navy = _Material((40, 50, 88), ambient=0.45, diffuse=0.6, gloss=0.06, specular=0.05)
    _padded(canvas, (x0, y0), cover, navy, puff=18, grain=grain)
    band_x = nw / 2 - nw * 0.12
    band = [
        (band_x - 14, -nh / 2 - 8),
        (band_x + 14, -nh / 2 - 8),
        (band_x + 14, nh / 2 + 8),
        (band_x - 14, nh / 2 + 8),
    ]
    band_cover = _polygon_mask(box, [rotated(band)], round_px=3)
    _darken(canvas, (x0 + 4, y0 + 3), _blurred(band_cover, 4) * 0.35)
    elastic = _Material((20, 20, 26), ambient=0.5, diffuse=0.5, gloss=0.1)
    _padded(canvas, (x0, y0), band_cover, elastic, puff=6)
    return canvas


def _render_charger(rng: np.random.Generator, size: int = 600) -> _Canvas:
    """A small white USB-C wall charger (only ever shipped as a thumbnail)."""
    canvas = _studio_sweep(size, size, **_WHITE_SWEEP)
    cx, cy, half = size * 0.5, size * 0.52, size * 0.22
    _soft_shadow(canvas, [(cx + 10, cy + half + 8, half * 1.1, 14, 0.5, 8)])
    x0, y0 = int(cx - half - 20), int(cy - half - 40)
    box = (int(2 * half + 40), int(2 * half + 60))
    front = [(20, 40), (20 + 2 * half, 40), (20 + 2 * half, 40 + 2 * half), (20, 40 + 2 * half)]
    top = [(20, 40), (20 + 2 * half, 40), (2 * half + 4, 18), (36, 18)]
    plastic = _Material((244, 244, 242), ambient=0.5, diffuse=0.5, gloss=0.3, specular=0.2)
    _padded(canvas, (x0, y0), _polygon_mask(box, [top], round_px=6), plastic, puff=6)
    _padded(canvas, (x0, y0), _polygon_mask(box, [front], round_px=14), plastic, puff=20)
    port = [
        (half - 6, 40 + half * 1.4),
        (half + 46, 40 + half * 1.4),
        (half + 46, 40 + half * 1.4 + 16),
        (half - 6, 40 + half * 1.4 + 16),
    ]
    _darken(canvas, (x0, y0), _polygon_mask(box, [port], round_px=6) * 0.8)
    return canvas


# --- file writers ----------------------------------------------------------------------


def _save_jpeg(image: Image.Image, path: Path, **params: Any) -> bytes:
    """Write a JPEG the way a camera app or an editor export would (quality 90)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    data = buffer.getvalue()
    path.write_bytes(data)
    return data


def _srgb_profile() -> bytes:
    """An sRGB ICC profile with a fixed creation date.

    LittleCMS stamps profiles with the current time (header bytes 24-35);
    pinning it keeps the sample files byte-identical from run to run.
    """
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    return bytes(profile)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _write_png16(pixels: Array, path: Path) -> None:
    """Write float RGB (0..255) as a 48-bit (16 bits per channel) PNG.

    Pillow cannot write 16-bit RGB PNGs, and reads them back reduced to 8 bits:
    exactly the "export from an editor at 16 bits" upload the pipeline must
    normalise. Rows use the PNG "Up" filter, which suits smooth studio
    gradients and keeps zlib fast.
    """
    h, w = pixels.shape[:2]
    # 12 significant bits, as a camera's raw converter produces: realistic, and
    # the file compresses to ~6 MB instead of ~8.
    samples = (np.clip(pixels * 257.0 + 0.5, 0, 65535).astype(np.uint32) & 0xFFF0).astype(">u2")
    raw = samples.reshape(h, w * 3).view(np.uint8)
    filtered = raw.copy()
    filtered[1:] -= raw[:-1]  # "Up": difference from the row above, modulo 256
    rows = np.concatenate([np.full((h, 1), 2, np.uint8), filtered], axis=1)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    idat = zlib.compress(rows.tobytes(), 2)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _write_png_bomb(path: Path, side: int = 30000) -> None:
    """A complete, valid 1-bit PNG of ``side`` x ``side`` zero pixels in ~110 KB.

    Decoded it would take ``side``² bytes (900 MB for 30000 px) — the classic
    decompression bomb. The IDAT is a real zlib stream of every row: one chunk
    of rows is deflated once with a full flush (which makes it independent of
    what came before) and repeated, so building it costs milliseconds instead
    of deflating 112 MB.
    """
    row = bytes(1 + (side + 7) // 8)  # filter byte 0 + packed 1-bit pixels
    rows_per_block = 1000
    blocks, rest = divmod(side, rows_per_block)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(row * rows_per_block) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = (
        tail_deflate.compress(row * rest) + tail_deflate.flush(zlib.Z_FULL_FLUSH) if rest else b""
    )
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(row * rows_per_block, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    final_block = b"\x01\x00\x00\xff\xff"  # last, empty, stored block
    stream = b"\x78\xda" + block * blocks + tail + final_block + struct.pack(">I", checksum)
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", stream)
        + _png_chunk(b"IEND", b"")
    )


def _fake_heic() -> bytes:
    """The start of an iPhone HEIC file: an ISO-BMFF ``ftyp`` box, brand heic."""
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heicmiaf"
    meta = b"meta" + bytes(4) + b"\x00\x00\x00\x21hdlr" + bytes(8) + b"pict" + bytes(13)
    return struct.pack(">I", 8 + len(ftyp) - 4) + ftyp + struct.pack(">I", 4 + len(meta)) + meta


# --- the sample set ----------------------------------------------------------------


def _rng(sku: str) -> np.random.Generator:
    """One fixed seed per SKU: samples don't change when another one is edited."""
    return np.random.default_rng(zlib.crc32(sku.encode()))


def _product(
    title: str, category: str, attributes: dict[str, Any], marketplaces: list[str]
) -> dict[str, Any]:
    return {
        "title": title,
        "category": category,
        "attributes": attributes,
        "marketplaces": marketplaces,
    }


class _Writer:
    """Lays files out as ``<seller>/<sku>/<file>`` and records their specs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: list[SampleSpec] = []

    def folder(self, seller: str, sku: str, product: dict[str, Any] | str | None) -> Path:
        folder = self.root / seller / sku
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(product, dict):
            text = json.dumps(product, indent=2, ensure_ascii=False) + "\n"
            (folder / "product.json").write_text(text, encoding="utf-8")
        elif isinstance(product, str):
            (folder / "product.json").write_text(product, encoding="utf-8")
        return folder

    def add(self, path: Path, sku: str, expected: Expected, note: str) -> None:
        self.specs.append(SampleSpec(path=path, sku=sku, expected=expected, note=note))


def generate_samples(out_dir: Path) -> list[SampleSpec]:
    """Write the synthetic sample uploads under ``out_dir`` and describe them.

    Deterministic: fixed seeds, no clock, no network; two runs produce
    byte-identical files. Takes a few seconds on one core.
    """
    w = _Writer(Path(out_dir))
    good = _good_photos(w)
    _borderline_photos(w)
    _bad_photo(w)
    _broken_files(w, good)
    _studio_suite(w)
    return w.specs


def _good_photos(w: _Writer) -> dict[str, Image.Image]:
    """Photos that should publish: clean studio shots, some in awkward encodings.

    Returns the rendered mug and jar: the broken-file samples reuse them
    (rendering is the slow part of generating the set).
    """
    sku = "MUG-RED-001"
    folder = w.folder(
        "acme-home",
        sku,
        _product(
            "Glossy red ceramic mug, 350 ml",
            "home_decor",
            {"colour": "red", "material": "ceramic", "capacity_ml": 350},
            ["amazon", "etsy", "shopify"],
        ),
    )
    mug = _finish(_render_mug(_rng(sku)), _rng(sku + "/camera"))
    _save_jpeg(mug, folder / "mug-front.jpg")
    w.add(folder / "mug-front.jpg", sku, "publish", "Studio shot, 2000 × 2000, centred, sharp.")

    sku = "BTL-BLUE-750"
    folder = w.folder(
        "bluewave-drinks",
        sku,
        _product(
            "Nordvand still spring water, blue glass bottle 750 ml",
            "beverages",
            {"colour": "blue", "material": "glass", "volume_ml": 750},
            ["amazon", "shopify"],
        ),
    )
    bottle = _finish(_render_bottle(_rng(sku)), _rng(sku + "/camera"))
    _save_jpeg(bottle, folder / "bottle.jpg", icc_profile=_srgb_profile())
    w.add(
        folder / "bottle.jpg",
        sku,
        "publish",
        "Portrait 1800 × 2400 studio shot of a glass bottle with an embedded sRGB profile.",
    )

    sku = "BAG-BEIGE-TOTE"
    folder = w.folder(
        "atelier-nord",
        sku,
        _product(
            "Beige leather top-handle bag with flap",
            "fashion",
            {"colour": "beige", "material": "leather", "closure": "turn-lock"},
            ["amazon", "etsy", "shopify", "ebay"],
        ),
    )
    bag = _finish(_render_handbag(_rng(sku)), _rng(sku + "/camera"))
    _save_jpeg(bag, folder / "IMG_2231.jpg")
    w.add(
        folder / "IMG_2231.jpg",
        sku,
        "publish",
        "3000 × 2250 camera JPEG (Etsy's recommended size): decoded with draft scaling.",
    )

    sku = "SNK-WHITE-42"
    folder = w.folder(
        "atelier-nord",
        sku,
        _product(
            "White leather low-top sneaker",
            "fashion",
            {"colour": "white", "material": "leather", "size_eu": 42},
            ["amazon", "ebay"],
        ),
    )
    sneaker = _finish(_render_sneaker(_rng(sku)), _rng(sku + "/camera"))
    # Stored the way a phone held sideways saves it: pixels rotated, EXIF says 6
    # ("rotate 90° clockwise to display").
    exif = Image.Exif()
    exif[0x0112] = 6
    _save_jpeg(sneaker.transpose(Image.Transpose.ROTATE_90), folder / "sneaker-side.jpg", exif=exif)
    w.add(
        folder / "sneaker-side.jpg",
        sku,
        "review",
        "Stored 1600 × 2400 with EXIF orientation 6 (upright a 2400 × 1600 side view); white "
        "on a light sweep, so the cut-out is uncertain and a person should check it.",
    )

    sku = "JAR-ROSE-50"
    folder = w.folder(
        "glow-lab",
        sku,
        _product(
            "Rose glow day cream, 50 ml jar",
            "cosmetics",
            {"colour": "pink", "volume_ml": 50, "finish": "frosted glass"},
            ["amazon", "shopify"],
        ),
    )
    jar = _finish(_render_jar(_rng(sku)), _rng(sku + "/camera"))
    _save_jpeg(jar.convert("CMYK"), folder / "jar-cmyk.jpg")
    w.add(
        folder / "jar-cmyk.jpg",
        sku,
        "publish",
        "CMYK JPEG (a print-ready export): must be converted to sRGB, not quarantined.",
    )

    sku = "SERUM-AMBER-30"
    folder = w.folder(
        "glow-lab",
        sku,
        _product(
            "Lumea vitamin C serum, 30 ml amber dropper bottle",
            "cosmetics",
            {"volume_ml": 30, "material": "amber glass"},
            ["etsy", "shopify"],
        ),
    )
    rng = _rng(sku + "/camera")
    pixels = _develop(
        _render_serum(_rng(sku)),
        rng,
        grain=0.6,
        vignette=0.08,
        gain=1.0,
        gamma=1.0,
        blur=0.0,
        lift=0.0,
    )
    _write_png16(pixels, folder / "serum-16bit.png")
    w.add(
        folder / "serum-16bit.png",
        sku,
        "publish",
        "48-bit (16 bits per channel) PNG from an editor: must be reduced to 8 bits, not refused.",
    )
    return {"mug": mug, "jar": jar}


def _borderline_photos(w: _Writer) -> None:
    """Usable but not confidently publishable: a human should look."""
    sku = "VASE-TEAL-S"
    folder = w.folder(
        "acme-home",
        sku,
        _product(
            "Teal glazed bud vase, small",
            "home_decor",
            {"colour": "teal", "material": "stoneware", "height_cm": 14},
            ["etsy"],
        ),
    )
    vase = _finish(_render_vase(_rng(sku)), _rng(sku + "/camera"), blur=6.0)
    _save_jpeg(vase, folder / "vase.jpg")
    w.add(
        folder / "vase.jpg",
        sku,
        "review",
        "Mildly soft focus, product small (≈ 10% of the frame) and off-centre to the right.",
    )

    sku = "NB-NAVY-A5"
    folder = w.folder(
        "paper-and-co",
        sku,
        _product(
            "A5 hardcover notebook, navy, with elastic closure",
            "general",
            {"colour": "navy", "format": "A5", "pages": 192},
            ["amazon", "etsy", "ebay"],
        ),
    )
    notebook = _finish(
        _render_notebook(_rng(sku)), _rng(sku + "/camera"), gain=1.05, lift=18, grain=2.6
    )
    _save_jpeg(notebook, folder / "notebook.jpg")
    w.add(
        folder / "notebook.jpg",
        sku,
        "review",
        "Slightly under-exposed, low contrast: a navy notebook on a dark blue cloth "
        "(hard to separate from its background).",
    )


def _bad_photo(w: _Writer) -> None:
    """Decodes fine, but no buyer could see the product: a retake request."""
    sku = "RING-GOLD-7"
    folder = w.folder(
        "goldsmith-17",
        sku,
        _product(
            "18k gold band ring, size 7",
            "jewellery",
            {"colour": "gold", "material": "18k gold", "ring_size_us": 7},
            ["etsy", "ebay"],
        ),
    )
    ring = _finish(
        _render_ring(_rng(sku)), _rng(sku + "/camera"), blur=7, gain=0.62, gamma=1.1, grain=3.0
    )
    _save_jpeg(ring, folder / "ring.jpg")
    w.add(
        folder / "ring.jpg",
        sku,
        "reject",
        "Very blurry (camera shake / missed focus) and dark: the seller must retake it.",
    )


def _broken_files(w: _Writer, good: dict[str, Image.Image]) -> None:
    """Files that must be quarantined, each for a different reason."""
    sku = "MUG-RED-002"
    folder = w.folder(
        "acme-home",
        sku,
        _product(
            "Glossy red ceramic mug, 350 ml (left-handed view)",
            "home_decor",
            {"colour": "red", "material": "ceramic"},
            ["amazon"],
        ),
    )
    buffer = io.BytesIO()
    good["mug"].transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(buffer, "JPEG", quality=90)
    whole = buffer.getvalue()
    (folder / "mug-side.jpg").write_bytes(whole[: len(whole) * 55 // 100])
    w.add(
        folder / "mug-side.jpg",
        sku,
        "quarantine",
        "Truncated JPEG (upload cut off at 55%): header is fine, pixel data ends early.",
    )

    sku = "MUG-RED-003"
    folder = w.folder("acme-home", sku, None)
    (folder / "photo.jpg").write_text(
        "Red mug, 350 ml, dishwasher safe. Photo to follow - my camera app crashed.\n",
        encoding="utf-8",
    )
    w.add(folder / "photo.jpg", sku, "quarantine", "A text file named photo.jpg: not an image.")

    sku = "CHG-USBC-65W"
    folder = w.folder(
        "voltify",
        sku,
        _product(
            "65 W USB-C wall charger",
            "electronics",
            {"colour": "white", "power_w": 65, "ports": 1},
            ["amazon", "ebay"],
        ),
    )
    charger = _finish(_render_charger(_rng(sku)), _rng(sku + "/camera"), grain=1.2)
    _save_jpeg(charger.resize((300, 300), Image.Resampling.LANCZOS), folder / "charger.jpg")
    w.add(
        folder / "charger.jpg",
        sku,
        "quarantine",
        "300 × 300 thumbnail: below the 500 px minimum of every marketplace.",
    )

    sku = "BTL-BLUE-1L"
    folder = w.folder(
        "bluewave-drinks",
        sku,
        _product(
            "Nordvand still spring water, 1 l",
            "beverages",
            {"colour": "blue", "volume_ml": 1000},
            ["amazon"],
        ),
    )
    _write_png_bomb(folder / "bottle-hires.png")
    w.add(
        folder / "bottle-hires.png",
        sku,
        "quarantine",
        "Decompression bomb: a ~110 KB PNG declaring 30000 × 30000 px (900 MP).",
    )

    sku = "JAR-ROSE-100"
    folder = w.folder(
        "glow-lab",
        sku,
        _product(
            "Rose glow day cream, 100 ml jar",
            "cosmetics",
            {"colour": "pink", "volume_ml": 100},
            ["shopify"],
        ),
    )
    (folder / "IMG_4031.HEIC").write_bytes(_fake_heic())
    w.add(
        folder / "IMG_4031.HEIC",
        sku,
        "quarantine",
        "HEIC (iPhone default): recognised and refused with export instructions.",
    )

    sku = "CREAM-NIGHT-50"
    invalid = _product(
        "Rose glow night cream, 50 ml",
        "skincare",  # not one of the categories
        {"colour": "pink", "volume_ml": 50},
        ["amazon", "walmart"],  # not a marketplace we list on
    )
    folder = w.folder("glow-lab", sku, invalid)
    _save_jpeg(good["jar"].transpose(Image.Transpose.FLIP_LEFT_RIGHT), folder / "cream.jpg")
    w.add(
        folder / "cream.jpg",
        sku,
        "quarantine",
        "Good photo, but product.json violates the schema (category 'skincare', marketplace "
        "'walmart'): quarantined with a metadata reason.",
    )


# --- studio suite --------------------------------------------------------------------


def tee_points(neck_depth: float = 0.08, neck_half: float = 0.08) -> list[tuple[float, float]]:
    """A T-shirt silhouette (0..1 frame coordinates) whose neckline dips ``neck_depth``."""
    left = [(0.5 - neck_half, 0.12), (0.24, 0.17), (0.10, 0.34), (0.19, 0.42), (0.28, 0.33)]
    left.append((0.28, 0.88))
    right = [(0.72, 0.88), (0.72, 0.33), (0.81, 0.42), (0.90, 0.34), (0.76, 0.17)]
    right.append((0.5 + neck_half, 0.12))
    t = np.linspace(0.0, np.pi, 24)
    neck = [(0.5 + neck_half * np.cos(a), 0.12 + neck_depth * np.sin(a)) for a in t]
    return left + right + neck[1:-1]


def _render_tee(
    rng: np.random.Generator, *, inner: bool = False, width: int = 1800, height: int = 2000
) -> _Canvas:
    """A cotton tee shot flat-on against the sweep (mannequin removed: a hollow neck),
    or its inside back with a white neck label for the ghost-mannequin composite."""
    canvas = _studio_sweep(width, height, **_WHITE_SWEEP)
    box = (int(width * 0.05), int(height * 0.04), int(width * 0.95), int(height * 0.96))
    bw, bh = box[2] - box[0], box[3] - box[1]
    points = tee_points(neck_depth=0.02 if inner else 0.08)
    _soft_shadow(canvas, [(width * 0.52, box[1] + bh * 0.9, bw * 0.3, bh * 0.03, 0.45, bw * 0.03)])
    ss = 3
    big = Image.new("L", (bw * ss, bh * ss), 0)
    ImageDraw.Draw(big).polygon([(x * bw * ss, y * bh * ss) for x, y in points], fill=255)
    cover = np.asarray(big.resize((bw, bh), Image.Resampling.BOX), dtype=F32) / 255.0
    ys, xs = np.mgrid[0:bh, 0:bw].astype(F32)
    folds = 0.07 * np.sin((xs * 0.8 + ys) / bw * 19.0) + 0.05 * np.sin((xs - 0.6 * ys) / bw * 31.0)
    side = -0.12 * ((xs / bw - 0.5) * 2) ** 2 + 0.06 * (1 - ys / bh)
    weave = _texture_noise(rng, (bh, bw), blur=0.6, amp=0.02)
    base = np.array((30, 52, 96) if not inner else (24, 42, 80), dtype=F32)
    colour = base[None, None, :] * (1.0 + folds + side + weave)[..., None]
    if inner:
        lx0, ly0, lx1, ly1 = int(0.46 * bw), int(0.15 * bh), int(0.54 * bw), int(0.2 * bh)
        colour[ly0:ly1, lx0:lx1] = (236, 234, 228)
    canvas.paint(box, colour, cover)
    return canvas


def _logo() -> Image.Image:
    """The seller's print: a two-colour badge with text, transparent around it."""
    size = 900
    logo = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((40, 40, size - 40, size - 40), fill=(238, 170, 40, 255))
    draw.ellipse((120, 120, size - 120, size - 120), fill=(250, 246, 236, 255))
    draw.polygon([(450, 210), (640, 600), (260, 600)], fill=(196, 64, 40, 255))
    draw.text((450, 700), "NORD", fill=(30, 52, 96, 255), anchor="mm", font=_font(150))
    return logo


def _tinted(image: Image.Image, gains: tuple[float, float, float], gamma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=F32) / 255.0
    pixels = np.power(np.clip(pixels * np.asarray(gains, dtype=F32), 0, 1), gamma)
    return Image.fromarray((pixels * 255 + 0.5).astype(np.uint8))


def _studio_suite(w: _Writer) -> None:
    """Uploads that ask for every studio extra (assets sit in the SKU's assets/ folder)."""
    sku = "MUG-RED-001"
    folder = w.root / "acme-home" / sku
    product = json.loads((folder / "product.json").read_text(encoding="utf-8"))
    product["price"] = 18.5
    product["extras"] = {
        "lookalike": {"reference": "assets/brand-look.jpg"},
        "group_shot": {"photos": ["assets/mug-blue.jpg", "assets/mug-green.jpg"]},
        "scene": {},
        "ad_poster": {"headline": "The everyday mug, in glossy red", "price": "$18.50"},
        "asset_set": {"price": "$18.50"},
    }
    w.folder("acme-home", sku, product)
    assets = folder / "assets"
    assets.mkdir(exist_ok=True)
    for name, colour in (("mug-blue", (24, 70, 150)), ("mug-green", (40, 110, 64))):
        other = _finish(_render_mug(_rng(name), colour=colour), _rng(name + "/camera"))
        _save_jpeg(other, assets / f"{name}.jpg")
    # The seller's brand look: a warm, slightly low-key shoot of another product.
    look = _finish(_render_jar(_rng("brand-look")), _rng("brand-look/camera"), vignette=0.3)
    _save_jpeg(_tinted(look, (1.08, 0.98, 0.8), 1.15), assets / "brand-look.jpg")

    sku = "TEE-NAVY-M"
    folder = w.folder(
        "atelier-nord",
        sku,
        {
            **_product(
                "Organic cotton crew-neck tee, navy",
                "fashion",
                {"colour": "navy", "material": "organic cotton", "size": "M"},
                ["amazon", "shopify"],
            ),
            "price": 29.0,
            "extras": {
                "ghost_mannequin": {"inner": "assets/inner-back.jpg"},
                "mockup": {"graphic": "assets/nord-badge.png"},
                "ad_poster": {"headline": "Organic cotton tee", "price": "$29"},
            },
        },
    )
    tee = _finish(_render_tee(_rng(sku)), _rng(sku + "/camera"))
    _save_jpeg(tee, folder / "tee-front.jpg")
    assets = folder / "assets"
    assets.mkdir(exist_ok=True)
    inner = _finish(_render_tee(_rng(sku + "/inner"), inner=True), _rng(sku + "/inner/camera"))
    _save_jpeg(inner, assets / "inner-back.jpg")
    _logo().save(assets / "nord-badge.png", optimize=True)
    w.add(
        folder / "tee-front.jpg",
        sku,
        "publish",
        "Flat-on tee with a hollow neck; asks for a ghost mannequin, a print mockup and a poster.",
    )
