"""Light, materials and the camera: what makes a painted shape look photographed.

A ``Canvas`` is a float RGB frame (0..255). ``shade`` answers a surface normal
with a colour for a ``Material`` (matte, glazed, metal) under the studio's key
light and softboxes; ``studio_sweep`` paints the paper backdrop,
``soft_shadow`` contact shadows, and ``finish``/``develop`` add what a camera
adds (focus blur, exposure, vignette, sensor grain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lightbox.imaging.filters import gaussian
from lightbox.imaging.shadow import darken

RGB = tuple[float, float, float]
Array = np.ndarray

F32 = np.float32


# --- small numeric helpers -------------------------------------------------------------


def smoothstep(edge0: float, edge1: float, x: Array) -> Array:
    """Hermite step from 0 at edge0 to 1 at edge1 (edge0 > edge1 steps down)."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _unit(v: tuple[float, float, float]) -> Array:
    a = np.asarray(v, dtype=F32)
    return a / np.linalg.norm(a)


# Key light: a large softbox above, left and in front of the product (image y
# points down, so "above" is negative y; z points at the camera). HALF is the
# Blinn half-vector between the light and the camera's view direction (0, 0, 1).
_LIGHT = _unit((-0.45, -0.55, 0.70))
HALF = _unit((float(_LIGHT[0]), float(_LIGHT[1]), float(_LIGHT[2]) + 1.0))


def grid(x0: int, y0: int, x1: int, y1: int) -> tuple[Array, Array]:
    """Pixel-centre coordinates of a box, as broadcastable column/row vectors."""
    ys = (np.arange(y0, y1, dtype=F32) + 0.5)[:, None]
    xs = (np.arange(x0, x1, dtype=F32) + 0.5)[None, :]
    return ys, xs


@dataclass
class Canvas:
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

    def darken(self, origin: tuple[int, int], amount: Array) -> None:
        """Multiply the frame by (1 - amount) placed at ``origin``: seams, creases, shadows."""
        darken(self.pixels, amount, origin)

    def paint(self, box: tuple[int, int, int, int], colour: Array, alpha: Array) -> None:
        """Alpha-composite ``colour`` (h, w, 3) with coverage ``alpha`` (h, w) at ``box``."""
        x0, y0, x1, y1 = box
        region = self.pixels[y0:y1, x0:x1]
        a = np.clip(alpha, 0.0, 1.0)[..., None]
        region *= 1.0 - a
        region += colour * a


# --- lighting ------------------------------------------------------------------------


def studio_env(rx: Array, ry: Array, rz: Array, backdrop: float = 0.55) -> Array:
    """Brightness of the studio seen in a mirror direction (rx, ry, rz) (0..1).

    A tall softbox on the left-front, a fill card on the right, a bright ceiling
    strip and, behind the product, the lit paper sweep: glossy things show them
    as the soft highlight bands and light rims of a real white-background shot.
    """
    key = smoothstep(-0.78, -0.66, rx) * (1 - smoothstep(-0.38, -0.28, rx))
    key = key * smoothstep(-0.85, -0.65, ry) * (1 - smoothstep(0.15, 0.35, ry))
    fill = smoothstep(0.42, 0.5, rx) * (1 - smoothstep(0.62, 0.7, rx))
    fill = fill * smoothstep(-0.6, -0.45, ry) * (1 - smoothstep(0.2, 0.35, ry)) * 0.4
    ceiling = smoothstep(-0.8, -0.95, ry) * 0.35
    behind = smoothstep(0.05, -0.5, rz) * backdrop
    env: Array = np.maximum(np.maximum(key, fill), np.maximum(ceiling, behind))
    return env


@dataclass(frozen=True)
class Material:
    """How a surface answers light: matte paint, glossy glaze, leather, metal."""

    colour: RGB
    ambient: float = 0.32
    diffuse: float = 0.72
    gloss: float = 0.0  # mirror reflection of the studio (glaze, lacquer)
    specular: float = 0.0  # small hard highlight of the key light
    shininess: float = 40.0
    metal: bool = False  # reflection tinted by the colour, no diffuse term


def shade(nx: Array, ny: Array, nz: Array, m: Material) -> Array:
    """Colour (h, w, 3) of surface points with unit normals (nx, ny, nz).

    Terms are only computed when the material uses them: this runs over
    millions of pixels per photo and dominates the time to render one.
    """
    base = np.asarray(m.colour, dtype=F32)
    out: Array
    if m.metal:
        # Metals reflect their surroundings, tinted; the dark studio walls give
        # the contrast, the softbox the bright bands, the floor a glow.
        ry = 2.0 * nz * ny
        env = studio_env(2.0 * nz * nx, ry, 2.0 * nz * nz - 1.0, backdrop=0.55)
        level = m.ambient * 0.5 + 0.84 * np.maximum(env, smoothstep(0.2, 0.8, ry) * 0.45)
        out = base * level[..., None]
    else:
        n_dot_l = nx * _LIGHT[0] + ny * _LIGHT[1] + nz * _LIGHT[2]
        lambert = m.ambient + m.diffuse * np.maximum(n_dot_l, 0.0)
        out = base * lambert[..., None]
        if m.gloss:
            # Dielectrics (glaze, lacquer) reflect the backdrop far less than metals.
            env = studio_env(2.0 * nz * nx, 2.0 * nz * ny, 2.0 * nz * nz - 1.0, backdrop=0.22)
            reflect = (m.gloss * env)[..., None]
            out = out * (1.0 - reflect) + 250.0 * reflect
        # Grazing angles pick up a little of the bright surroundings (Fresnel).
        grazing = 1.0 - nz
        rim = (0.18 * grazing * grazing * grazing)[..., None]
        out = out * (1.0 - rim) + 235.0 * rim
    if m.specular:
        n_dot_h = np.maximum(nx * HALF[0] + ny * HALF[1] + nz * HALF[2], 0.0)
        out += (255.0 * m.specular * n_dot_h**m.shininess)[..., None]
    return out


# --- backgrounds, shadows, finishing ---------------------------------------------------


def studio_sweep(
    width: int,
    height: int,
    *,
    wall: RGB,
    floor: RGB,
    near: RGB,
    horizon: float = 0.42,
    light_x: float = 0.3,
) -> Canvas:
    """A paper sweep: wall fading through a curved cove into a brighter floor."""
    ys = (np.arange(height, dtype=F32) + 0.5)[:, None] / height
    cove = smoothstep(horizon - 0.14, horizon + 0.16, ys)
    towards_camera = smoothstep(horizon, 1.05, ys)
    wall_c, floor_c, near_c = (np.asarray(c, dtype=F32)[None, :] for c in (wall, floor, near))
    rows = wall_c * (1 - cove) + floor_c * cove
    rows = rows * (1 - towards_camera) + near_c * towards_camera
    xs = (np.arange(width, dtype=F32) + 0.5) / width
    # The key light sits to one side: the sweep is a touch brighter there.
    falloff = 1.0 - 0.07 * ((xs - light_x) / 0.9) ** 2
    return Canvas(rows[:, None, :] * falloff[None, :, None])


def soft_shadow(
    canvas: Canvas, blobs: list[tuple[float, float, float, float, float, float]]
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


def finish(
    canvas: Canvas,
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
    pixels = develop(
        canvas, rng, grain=grain, vignette=vignette, gain=gain, gamma=gamma, blur=blur, lift=lift
    )
    pixels += 0.5  # round, not truncate
    return Image.fromarray(pixels.astype(np.uint8))


def develop(
    canvas: Canvas,
    rng: np.random.Generator,
    *,
    grain: float,
    vignette: float,
    gain: float,
    gamma: float,
    blur: float,
    lift: float,
) -> Array:
    """The float frame (0..255) behind ``finish``; the 16-bit PNG is written from it."""
    pixels = canvas.pixels
    if blur > 0:
        pixels = gaussian(pixels, blur)
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


class Sweep(TypedDict):
    """studio_sweep's colours, to pass as **keywords."""

    wall: RGB
    floor: RGB
    near: RGB


WHITE_SWEEP: Sweep = {"wall": (214, 214, 217), "floor": (235, 234, 232), "near": (247, 246, 244)}
