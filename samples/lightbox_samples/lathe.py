"""Solids of revolution and tubes: mugs, bottles, jars, lids, handles, rings.

``lathe`` maps every pixel back to the surface point in front of it for a
radius profile, so the shading gets a true normal; ``Glass`` lets the
background show through, ``Label`` wraps flat artwork round the body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from lightbox_samples.shading import (
    F32,
    HALF,
    RGB,
    Array,
    Canvas,
    Material,
    grid,
    shade,
    smoothstep,
    studio_env,
)

# --- product geometry ---------------------------------------------------------------

#: A lathe profile: radius in pixels for t in 0..1, from the top of the object (0)
#: to its base (1).
Profile = Callable[[Array], Array]


@dataclass(frozen=True)
class Glass:
    """Coloured glass: the background shows through, absorbed along the path."""

    absorb: RGB  # absorption per unit path length, per channel (red, green, blue)
    wall: float = 0.55
    gloss: float = 0.85


@dataclass(frozen=True)
class Label:
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


def lathe(
    canvas: Canvas,
    *,
    cx: float,
    top: float,
    base: float,
    profile: Profile,
    material: Material,
    glass: Glass | None = None,
    tilt: float = 0.13,
    cap: Literal["none", "closed", "open"] = "none",
    wall: float = 0.0,
    label: Label | None = None,
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
    ys, xs = grid(*box)
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
        colour = shade(snx, sny, snz, material)
        if knurl:
            ridges = 0.5 + 0.5 * np.cos(np.arcsin(nx) * knurl)
            colour *= (0.82 + 0.18 * ridges)[..., None]
        # Ambient occlusion where the object meets the floor.
        colour *= (1.0 - 0.22 * smoothstep(0.93, 1.0, tc))[..., None]
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
    canvas: Canvas,
    box: tuple[int, int, int, int],
    dx: Array,
    cx: float,
    nx: Array,
    ny: Array,
    nz: Array,
    glass: Glass,
) -> Array:
    _, y0, _, y1 = box
    # Refraction squeezes what is behind the bottle towards its axis.
    src_x = np.clip((cx + dx * 0.72).astype(np.int32), 0, canvas.width - 1)
    rows = np.arange(y0, y1)[:, None]
    behind = canvas.pixels[rows, src_x]
    path = glass.wall / np.maximum(nz, 0.12)
    absorb = np.asarray(glass.absorb, dtype=F32)
    colour = behind * np.exp(-path[..., None] * absorb) * 0.92
    env = studio_env(2.0 * nz * nx, 2.0 * nz * ny, 2.0 * nz * nz - 1.0)
    reflect = (glass.gloss * env * 0.8)[..., None]
    colour = colour * (1.0 - reflect) + 252.0 * reflect
    n_dot_h = np.clip(nx * HALF[0] + ny * HALF[1] + nz * HALF[2], 0.0, 1.0)
    lit: Array = colour + (255.0 * 0.9 * n_dot_h**90)[..., None]
    return lit


def _apply_label(
    colour: Array,
    alpha: Array,
    label: Label,
    nx: Array,
    snx: Array,
    sny: Array,
    snz: Array,
    tc: Array,
    height: float,
    material: Material,
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
    paper = Material(colour=(255, 255, 255), ambient=0.36, diffuse=0.70, gloss=0.08)
    lit = shade(snx, sny, snz, paper) / 255.0
    printed = tex[vi, ui] * lit
    mix = inside[..., None]
    return colour * (1.0 - mix) + printed * mix, alpha


def _paint_top(
    canvas: Canvas,
    cx: float,
    top: float,
    radius: float,
    tilt: float,
    material: Material,
    knurl: int,
) -> None:
    """A closed, flat top (a lid): an ellipse facing up, lit from above."""
    b = tilt * radius
    box = canvas.clip_box(cx - radius - 2, top - b - 2, cx + radius + 2, top + b + 2)
    ys, xs = grid(*box)
    cover = _ellipse_coverage(ys, xs, cx, top, radius, b)
    shape = cover.shape
    lean = np.broadcast_to((xs - cx) / radius, shape) * 0.25
    up = np.sqrt(max(1.0 - tilt * tilt, 0.0))
    nx = lean
    ny = np.full(shape, -up, dtype=F32)
    nz = np.full(shape, tilt, dtype=F32) + 0.15
    norm = np.sqrt(nx * nx + ny * ny + nz * nz)
    colour = shade(nx / norm, ny / norm, nz / norm, material)
    if knurl:
        # A thin bevel round the edge of a metal lid catches the light.
        edge = 1.0 - _ellipse_coverage(ys, xs, cx, top, radius * 0.94, b * 0.9)
        colour = colour * (1.0 - 0.35 * edge[..., None]) + 240.0 * 0.35 * edge[..., None]
    canvas.paint(box, colour, cover)


def _paint_opening(
    canvas: Canvas,
    cx: float,
    top: float,
    radius: float,
    tilt: float,
    wall: float,
    material: Material,
) -> None:
    """The open top of a mug or vase: a lit rim around the shaded inside wall."""
    b = tilt * radius
    box = canvas.clip_box(cx - radius - 2, top - b - 2, cx + radius + 2, top + b + 2)
    ys, xs = grid(*box)
    outer = _ellipse_coverage(ys, xs, cx, top, radius, b)
    inner_r = radius - wall
    inner = _ellipse_coverage(ys, xs, cx, top, inner_r, tilt * inner_r)
    shape = outer.shape
    up = np.sqrt(max(1.0 - tilt * tilt, 0.0))
    rim = shade(np.zeros(shape, F32), np.full(shape, -up, F32), np.full(shape, tilt, F32), material)
    # Inside: the far wall faces the camera and is lit; the near wall's shadow
    # darkens the lower part of the opening, the left wall shades the left side.
    v = np.clip((ys - (top - tilt * inner_r)) / (2 * tilt * inner_r), 0.0, 1.0)
    u = np.clip((xs - cx) / inner_r, -1.0, 1.0)
    depth = (0.62 - 0.42 * smoothstep(0.25, 1.0, v)) * (0.75 + 0.25 * smoothstep(-1.0, 0.5, u))
    inside = np.asarray(material.colour, dtype=F32) * depth[..., None]
    colour = rim * (1.0 - inner[..., None]) + inside * inner[..., None]
    canvas.paint(box, colour, outer)


def tube_arc(
    canvas: Canvas,
    *,
    cx: float,
    cy: float,
    a: float,
    b: float,
    thickness: float,
    material: Material,
    keep: Callable[[Array, Array], Array] | None = None,
) -> None:
    """A round tube following an ellipse (a mug handle, a bag handle, a ring)."""
    half = thickness / 2
    box = canvas.clip_box(
        cx - a - half - 2, cy - b - half - 2, cx + a + half + 2, cy + b + half + 2
    )
    ys, xs = grid(*box)
    u, v = (xs - cx) / a, (ys - cy) / b
    rho = np.sqrt(u * u + v * v) + 1e-6
    gx, gy = u / (a * rho), v / (b * rho)
    gnorm = np.sqrt(gx * gx + gy * gy) + 1e-9
    dist = (rho - 1.0) / gnorm  # signed pixel distance from the tube's centre line
    s = np.clip(dist / half, -1.0, 1.0)
    nz = np.sqrt(np.maximum(1.0 - s * s, 0.0))
    nx, ny = s * gx / gnorm, s * gy / gnorm
    colour = shade(nx, ny, nz, material)
    alpha = np.clip(half - np.abs(dist) + 0.5, 0.0, 1.0)
    if keep is not None:
        alpha = alpha * keep(ys, xs)
    canvas.paint(box, colour, alpha)


def cylinder(radius: float) -> Profile:
    return lambda t: np.full_like(t, radius)


def mug_profile(radius: float) -> Profile:
    # Very slightly tapered towards the foot, with a rounded foot ring.
    return lambda t: radius * (1.0 - 0.03 * t) - radius * 0.06 * smoothstep(0.93, 1.0, t)


def bottle_profile(body: float, neck: float, shoulder: tuple[float, float], lip: float) -> Profile:
    """Neck, a rounded (quarter-ellipse) shoulder, a straight body, a rounded heel."""
    s0, s1 = shoulder

    def profile(t: Array) -> Array:
        s = np.clip((t - s0) / (s1 - s0), 0.0, 1.0)
        r = neck + (body - neck) * np.sqrt(1.0 - (1.0 - s) ** 2)
        r = np.where(t < 0.025, neck + lip, r)  # the lip the cap screws onto
        return r - body * 0.05 * smoothstep(0.955, 1.0, t)

    return profile


def vase_profile(width_px: float) -> Profile:
    """A bud vase: flared lip, narrow neck, round belly, small foot."""

    def profile(t: Array) -> Array:
        lip = 0.34 + 0.12 * (1 - smoothstep(0.0, 0.08, t))
        belly = 0.5 * np.exp(-(((t - 0.62) / 0.26) ** 2))
        neck = lip * (1 - smoothstep(0.1, 0.35, t)) + 0.22 * smoothstep(0.1, 0.35, t)
        r: Array = np.maximum(neck, belly) - 0.07 * smoothstep(0.9, 1.0, t)
        return width_px * r

    return profile


def bulb_profile(radius: float) -> Profile:
    """A dropper's rubber bulb: a round top on a short cylinder."""

    def profile(t: Array) -> Array:
        dome = np.sqrt(np.clip(1.0 - ((0.5 - np.minimum(t, 0.5)) / 0.5) ** 2, 0.0, 1.0))
        floored: Array = np.maximum(dome, 0.02)
        return radius * floored

    return profile
