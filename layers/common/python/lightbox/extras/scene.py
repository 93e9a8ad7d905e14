"""Lifestyle shots: a product cut-out placed into a scene photo.

A cut-out pasted onto a photo looks pasted for four reasons, each handled here
from measurements of the scene itself:

* **Light colour and level** — the product was lit by a neutral studio light;
  the scene around the placement is warmer or darker. The product gets part
  of the local colour cast and exposure (clamped: the product's colour is
  what the buyer buys, so it moves only a little).
* **Shadow** — nothing stands on a table without one. The light's horizontal
  direction comes from the scene's luminance gradient (a plane fitted to it:
  the brighter side is where the window is), and the product casts a contact
  shadow plus a soft cast shadow away from it (`_common.floor_shadow`).
* **Edges** — a studio cut-out is sharper than a scene photo's depth of field;
  its alpha is softened slightly, and the blurred scene "wraps" a little light
  around its edge (light wrap), as a real lens does.
* **Backdrop** — with no scene, `default_scene` renders a plausible one: a
  softly lit wall over a wooden table-top, wood grain from value noise in
  perspective, so the product has something to stand on.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from lightbox.extras._common import (
    F32,
    alpha_array,
    as_rgb,
    as_rgba,
    crop_to_alpha,
    downscale,
    fit_plane,
    resize_rgba,
    rgb_array,
    to_image,
)
from lightbox.imaging.colour import luma
from lightbox.imaging.shadow import darken, floor_shadow

#: How much of the scene's local colour cast / exposure the product takes.
TEMPERATURE_WEIGHT = 0.3
MAX_TEMPERATURE_GAIN = 0.08
EXPOSURE_RANGE = (0.72, 1.04)
#: Light wrap strength at the very edge of the product.
LIGHT_WRAP = 0.3
#: Where the table's back edge (the wall line) sits in `default_scene`.
HORIZON = 0.56


def place_in_scene(
    cutout: Image.Image,
    scene: Image.Image,
    *,
    position: tuple[float, float] = (0.5, 0.8),
    scale: float = 0.45,
    shadow: bool = True,
) -> Image.Image:
    """Composite an RGBA product cut-out into `scene` and return the RGB result.

    position: where the product's base centre stands, as fractions of the
        scene's width and height.
    scale: the product's height as a fraction of the scene's height (reduced
        if the product would not fit the frame).
    """
    if not 0.02 <= scale <= 1.0:
        raise ValueError(f"scale must be between 0.02 and 1, got {scale}")
    base = as_rgb(scene)
    sw, sh = base.size
    item = crop_to_alpha(as_rgba(cutout))
    h = scale * sh
    w = item.width * h / item.height
    shrink = min(1.0, 0.9 * sw / w, 0.95 * sh / h)
    size = (max(1, round(w * shrink)), max(1, round(h * shrink)))
    item = resize_rgba(item, size)
    cx, base_y = position[0] * sw, position[1] * sh
    left = int(np.clip(round(cx - size[0] / 2), 0, sw - size[0]))
    top = int(np.clip(round(base_y - size[1]), 0, sh - size[1]))

    canvas = rgb_array(base)
    small = rgb_array(downscale(base, 96))
    light = _light_direction(small)
    gains = _local_light(canvas, (left, top, left + size[0], top + size[1]), small)

    product = rgb_array(item) * gains
    alpha = alpha_array(item)
    if shadow:
        darkness, (dx, dy) = floor_shadow(alpha, light=light, contact=0.5, cast=0.3)
        darken(canvas, darkness, (left + dx, top + dy))

    # Edge softening and light wrap, on the product's box only.
    region = canvas[top : top + size[1], left : left + size[0]]
    soft = _soften(alpha, size)
    wrap = _light_wrap(region, soft, size)
    product = product * (1.0 - wrap[..., None]) + _blurred(region, size) * wrap[..., None]
    a = soft[..., None]
    canvas[top : top + size[1], left : left + size[0]] = region * (1.0 - a) + product * a
    return to_image(canvas)


# ------------------------------------------------------------------ measurement


def _light_direction(small: np.ndarray) -> tuple[float, float]:
    """Where the light comes from, from the scene's horizontal luminance slope.

    The vertical slope is not used: a wall above a table differs in colour
    (albedo), not only in light. The light is assumed slightly in front of
    the scene, so shadows fall back and to the side away from the bright side.
    """
    c, gx, _gy = fit_plane(luma(small))
    slope = gx / max(c, 0.05)
    return float(np.clip(4.0 * slope, -1.0, 1.0)), 0.35


def _local_light(
    canvas: np.ndarray, box: tuple[int, int, int, int], small: np.ndarray
) -> np.ndarray:
    """Per-channel gains for the product from the scene around its placement.

    Colour: the local mean colour's cast (relative to its own grey level),
    partly. Exposure: the local brightness relative to the scene's bright
    parts, square-rooted and clamped — a product in the darker corner of a
    room is a little darker, not black.
    """
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) // 2, (y1 - y0) // 4
    patch = canvas[max(0, y0 - my) : min(h, y1 + my), max(0, x0 - mx) : min(w, x1 + mx)]
    patch = patch[:: max(1, patch.shape[0] // 200), :: max(1, patch.shape[1] // 200)]
    mean = patch.reshape(-1, 3).mean(axis=0)
    cast = mean / max(float(mean.mean()), 1e-3)
    temperature = np.clip(
        1.0 + TEMPERATURE_WEIGHT * (cast - 1.0), 1 - MAX_TEMPERATURE_GAIN, 1 + MAX_TEMPERATURE_GAIN
    )
    local = float(luma(mean))
    bright = float(np.percentile(luma(small), 95))
    exposure = float(np.clip(np.sqrt(local / max(bright, 1e-3)) * 1.04, *EXPOSURE_RANGE))
    return (temperature * exposure).astype(F32)


# --------------------------------------------------------------------- edges


def _soften(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A slightly softer alpha: a studio cut-out's edge is crisper than the
    scene's optics would draw it."""
    radius = max(0.5, 0.0012 * max(size))
    img = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
    return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), F32) / 255.0


def _blurred(region: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    img = to_image(region).filter(ImageFilter.GaussianBlur(max(2.0, 0.02 * max(size))))
    return np.asarray(img, F32) / 255.0


def _light_wrap(
    region: npt.NDArray[np.float32], alpha: npt.NDArray[np.float32], size: tuple[int, int]
) -> npt.NDArray[np.float32]:
    """How much blurred background light spills over the product's edge (0..1).

    Strongest right at the edge inside the product, fading over ~1% of its
    size; only where the background is brighter than a dim edge would be.
    """
    radius = max(1.5, 0.01 * max(size))
    img = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
    inner = np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), F32) / 255.0
    edge: npt.NDArray[np.float32] = np.clip(alpha * (1.0 - inner) * 2.0, 0.0, 1.0)
    return LIGHT_WRAP * edge


# ------------------------------------------------------------------ backdrop


def default_scene(size: int = 2000, seed: int = 0) -> Image.Image:
    """A lifestyle backdrop: a softly lit plaster wall over a wooden table-top.

    Deterministic for a given (size, seed). The table is rendered in
    perspective (planks narrowing towards the wall line, grain along them)
    with depth-of-field blur growing towards the back, so a product placed
    near the bottom reads as standing on the table in front of the wall.
    """
    if size < 64:
        raise ValueError(f"size must be at least 64 px, got {size}")
    rng = np.random.default_rng(seed)
    horizon = round(HORIZON * size)
    wall = _wall(size, horizon, rng)
    table = _table(size, size - horizon, rng)
    img = np.concatenate([wall, table], axis=0)

    # The wall line: contact occlusion above it, a thin lit edge below it.
    ys = np.arange(size, dtype=F32)[:, None]
    above = np.clip((ys - (horizon - 0.05 * size)) / (0.05 * size), 0, 1) * (ys < horizon)
    img *= 1.0 - (0.18 * above**2)[..., None]
    lip = np.exp(-(((ys - horizon - 1.5) / 1.2) ** 2))
    img += (0.10 * lip)[..., None]

    # Light falling from the upper left, vignette, sensor grain.
    y, x = np.mgrid[0:size, 0:size].astype(F32) / size
    light = 0.90 + 0.16 * np.exp(-((x - 0.15) ** 2 + (y - 0.05) ** 2) / 0.35) - 0.08 * (x - 0.5)
    vignette = 1.0 - 0.22 * (((x - 0.5) / 0.75) ** 2 + ((y - 0.5) / 0.75) ** 2)
    img *= (light * vignette)[..., None]
    img += rng.normal(0.0, 0.006, (size, size, 1)).astype(F32)
    return to_image(img)


def _value_noise(
    shape: tuple[int, int], cells: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """Smooth noise in 0..1: a random grid upscaled bicubically (cheap in C)."""
    grid = rng.random((cells[1] + 3, cells[0] + 3)).astype(F32)
    img = Image.fromarray(grid, "F").resize(
        (shape[1], shape[0]), Image.Resampling.BICUBIC, box=(1, 1, cells[0] + 1, cells[1] + 1)
    )
    return np.asarray(img, F32)


def _wall(size: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Warm off-white plaster, out of focus: only low-frequency mottling."""
    base = np.array([0.89, 0.86, 0.81], F32)
    mottle = _value_noise((height, size), (6, 4), rng) - 0.5
    mottle += 0.5 * (_value_noise((height, size), (17, 9), rng) - 0.5)
    return base * (1.0 + 0.035 * mottle)[..., None] * np.ones((height, size, 1), F32)


def _table(size: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Oak planks seen in perspective, lit from the upper left.

    Screen row v (0 at the wall line, 1 at the frame bottom) maps to depth
    Z = 1 / (v + v0) and a screen column x to the table's X = x * Z: planks
    run left-right, so plank seams are rows of constant Z (closer together
    towards the wall) and the grain runs along X, bent by low-frequency noise.
    """
    v0 = 0.28
    v = (np.arange(height, dtype=F32) + 0.5) / height
    z = 1.0 / (v + v0)  # depth, 0.78 (front) .. 3.6 (back)
    xs = (np.arange(size, dtype=F32) / size - 0.5)[None, :]
    plank_w = 0.2
    plank = np.floor(z / plank_w).astype(np.int32)
    across = (z / plank_w) % 1.0  # 0..1 across each plank
    n_planks = int(plank.max()) + 2
    phase = rng.random(n_planks).astype(F32) * 10
    tint = 1.0 + rng.normal(0, 0.045, (n_planks, 1, 1)).astype(F32) * np.array(
        [1.0, 1.05, 1.12], F32
    )

    # Growth lines: thin dark late-wood lines across each plank, bent along it
    # by smooth noise (computed at quarter size: it is smooth) into the arcs
    # of flat-sawn oak. Fibres: noise stretched along the plank. Both are
    # sampled in table coordinates so their scale follows the perspective.
    q = (max(1, size // 4), max(1, height // 4))
    qx = (np.arange(q[0], dtype=F32) / q[0] - 0.5)[None, :] * (1.0 / (v[::4][: q[1], None] + v0))
    qz = 1.0 / (v[::4][: q[1], None] + v0)
    bend_small = (
        _noise_at(qx * 2.5, qz * 9.0, rng) * 1.6 + _noise_at(qx * 7.0, qz * 20.0, rng) * 0.35
    )
    bend = np.asarray(
        Image.fromarray(bend_small, "F").resize((size, height), Image.Resampling.BICUBIC), F32
    )
    g = (across[:, None] * 2.5 + bend + phase[plank][:, None]) % 1.0
    lines = np.exp(-(((g - 0.5) / 0.09) ** 2)) + 0.5 * np.exp(-(((g - 0.5) / 0.22) ** 2))
    # Fibres vary slowly along the plank: sampled on a quarter-width grid.
    fx = (np.arange(q[0], dtype=F32) / q[0] - 0.5)[None, :] * z[:, None]
    fibres_small = _noise_at(fx * 6.0, z[:, None] * 260.0, rng)
    fibres = np.asarray(
        Image.fromarray(fibres_small, "F").resize((size, height), Image.Resampling.BILINEAR), F32
    )
    grain = np.clip(0.55 * lines + 0.45 * fibres**2, 0.0, 1.0)
    light_oak = np.array([0.76, 0.57, 0.39], F32)
    dark_oak = np.array([0.50, 0.33, 0.20], F32)
    wood = light_oak + (dark_oak - light_oak) * grain[..., None]
    wood *= tint[plank]
    # Seams between planks: a thin dark line whose width shrinks with depth.
    gap_px = np.minimum(across, 1.0 - across) * plank_w / np.gradient(z).__abs__() / 1.5
    seam = np.clip(1.0 - gap_px, 0.0, 1.0)[:, None]
    wood *= (1.0 - 0.5 * seam)[..., None]
    # A broad sheen from the window, and darker towards the back edge.
    sheen = 0.1 * np.exp(-(((xs + 0.25) * 2.0) ** 2) - ((v[:, None] - 0.35) * 3.0) ** 2)
    wood = wood * (0.92 + 0.12 * v[:, None, None]) + sheen[..., None]
    img = to_image(np.clip(wood, 0, 1))
    # Depth of field: the back of the table is softer than the front.
    blurred = np.asarray(img.filter(ImageFilter.GaussianBlur(max(1.0, 0.0035 * size))), F32) / 255.0
    sharp = np.asarray(img, F32) / 255.0
    k = np.clip(1.0 - v / 0.6, 0.0, 1.0)[:, None, None]
    return sharp * (1 - k) + blurred * k


def _noise_at(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator, cells: int = 64
) -> np.ndarray:
    """Value noise (0..1, smooth) sampled at arbitrary coordinates.

    A random lattice, wrapped, with smoothstep interpolation: used for the
    table so that the grain's scale follows the perspective.
    """
    lattice = rng.random((cells, cells)).astype(F32)
    x = np.broadcast_to(x, np.broadcast_shapes(x.shape, y.shape))
    y = np.broadcast_to(y, x.shape)
    xi, yi = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    tx, ty = x - xi, y - yi
    tx, ty = tx * tx * (3 - 2 * tx), ty * ty * (3 - 2 * ty)
    x0, y0 = xi % cells, yi % cells
    x1, y1 = (x0 + 1) % cells, (y0 + 1) % cells
    top = lattice[y0, x0] * (1 - tx) + lattice[y0, x1] * tx
    bottom = lattice[y1, x0] * (1 - tx) + lattice[y1, x1] * tx
    return (top * (1 - ty) + bottom * ty).astype(F32)
