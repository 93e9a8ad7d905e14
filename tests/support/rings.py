"""A synthetic metal ring on a light backdrop, with real specular highlights.

Used by the studio-look tests and the preset previews. The ring is a tube bent
into an ellipse (a band seen from slightly above): across the band the
surface normal turns from one side of the tube to the other, and Blinn-Phong
shading with a high exponent puts small, clipped, near-white highlights where
the key light is mirrored, on a body whose diffuse tone is much darker. That
is what makes jewellery hard: the brightest pixels are the lamp, not the metal.
Deterministic; the exact coverage mask comes back with the photo.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

F32 = np.float32

SILVER = (172.0, 174.0, 178.0)
GOLD = (196.0, 150.0, 62.0)


def metal_ring(
    metal: tuple[float, float, float] = SILVER,
    *,
    size: tuple[int, int] = (1200, 1000),
    backdrop: tuple[float, float, float] = (232.0, 231.0, 228.0),
    highlights: bool = True,
    highlight_tint: tuple[float, float, float] = (1.0, 1.0, 1.0),
    highlight_gain: float = 1.0,
    exposure: float = 0.85,
) -> tuple[Image.Image, Image.Image]:
    """Photo (RGB) and exact soft mask (L) of a ring on a plain light backdrop.

    highlights: False renders the same ring without specular highlights (the
        diffuse shading only), to compare what the highlights change.
    highlight_tint: multiplies the highlight colour (a tinted reflection of
        the room, e.g. (0.9, 0.95, 1.0) for a cool window).
    highlight_gain: scales the highlights; 1 clips their cores (as most
        photos of metal do), ~0.45 keeps them just below clipping, so their
        tint survives in the pixels.
    exposure: scales the metal's diffuse light (< 1: an under-exposed shot
        that levels should brighten).
    """
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(F32) + 0.5
    cx, cy = 0.5 * w, 0.5 * h
    rx, ry = 0.36 * w, 0.22 * h  # the band's centre line: an ellipse
    tube = 0.045 * w  # half-width of the band in the image

    # Distance across the band, normalised to -1..1, via the ellipse's polar
    # radius (good enough for a gently flattened ellipse).
    dx, dy = (xs - cx) / rx, (ys - cy) / ry
    rho = np.hypot(dx, dy)
    theta = np.arctan2(dy, dx)
    radial_px = (rho - 1.0) * np.hypot(rx * np.cos(theta), ry * np.sin(theta))
    u = radial_px / tube
    cover = np.clip((1.0 - np.abs(u)) * tube / 1.2, 0.0, 1.0)  # ~1 px soft edge

    # Surface normal of the tube: tilts outwards with u, and the ellipse's
    # direction gives it a horizontal component.
    uc = np.clip(u, -1.0, 1.0)
    nz = np.sqrt(np.clip(1.0 - uc * uc, 0.0, 1.0))
    nx = uc * np.cos(theta)
    ny = uc * np.sin(theta)
    light = np.array([-0.35, -0.55, 0.76], F32)
    light /= np.linalg.norm(light)
    half = light + np.array([0.0, 0.0, 1.0], F32)
    half /= np.linalg.norm(half)
    diffuse = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0.0, 1.0)
    spec_dot = np.clip(nx * half[0] + ny * half[1] + nz * half[2], 0.0, 1.0)
    # Metal: dim diffuse, bright narrow reflections; a second, weaker lamp
    # from the right gives a few more sparkles.
    light2 = np.array([0.6, -0.3, 0.74], F32)
    light2 /= np.linalg.norm(light2)
    half2 = light2 + np.array([0.0, 0.0, 1.0], F32)
    half2 /= np.linalg.norm(half2)
    spec2 = np.clip(nx * half2[0] + ny * half2[1] + nz * half2[2], 0.0, 1.0)
    shine = (spec_dot**180 * 2.2 + spec2**260 * 1.6) * highlight_gain

    body = np.array(metal, F32) * (0.35 + 0.65 * diffuse[..., None]) * exposure
    colour = body
    if highlights:
        colour = body + shine[..., None] * 255.0 * np.array(highlight_tint, F32)
    colour = np.clip(colour, 0.0, 255.0)

    back = np.broadcast_to(np.array(backdrop, F32), (h, w, 3))
    img = cover[..., None] * colour + (1.0 - cover[..., None]) * back
    rng = np.random.default_rng(7)
    img = img + rng.normal(0.0, 1.2, (h, w, 1)).astype(F32)  # sensor grain
    photo = Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")
    mask = Image.fromarray(np.round(cover * 255).astype(np.uint8), "L")
    return photo, mask
