"""Synthetic product images for the studio-suite tests (numpy + Pillow, deterministic).

Builders live here so tests can parametrise them; fixtures in
tests/unit/studio/conftest.py wrap the common cases.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from lightbox_samples import tee_points

F32 = np.float32


def polygon_alpha(
    size: tuple[int, int], points: list[tuple[float, float]], ss: int = 4
) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a polygon given in 0..1 frame coordinates."""
    w, h = size
    big = Image.new("L", (w * ss, h * ss), 0)
    ImageDraw.Draw(big).polygon([(x * w * ss, y * h * ss) for x, y in points], fill=255)
    return np.asarray(big.resize(size, Image.Resampling.BOX), F32) / 255.0


def shirt_points(neck_depth: float = 0.08, neck_half: float = 0.08) -> list[tuple[float, float]]:
    """A T-shirt silhouette whose neckline dips `neck_depth` below the neck points."""
    return tee_points(neck_depth, neck_half)


def _fabric(size: tuple[int, int], colour: tuple[int, int, int], seed: int) -> np.ndarray:
    """Cloth colour with soft diagonal folds and a little weave noise (0..1)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(F32)
    rng = np.random.default_rng(seed)
    folds = 0.07 * np.sin((x * 0.8 + y) / w * 19.0) + 0.05 * np.sin((x - 0.6 * y) / w * 31.0 + 1.3)
    side = -0.10 * ((x / w - 0.5) * 2) ** 2
    noise = rng.normal(0, 0.012, (h, w)).astype(F32)
    shade = 1.0 + folds + side + noise
    return np.clip(np.array(colour, F32)[None, None, :] / 255.0 * shade[..., None], 0, 1)


def shirt_front(size: tuple[int, int] = (800, 900), colour=(40, 90, 170), seed: int = 3):
    """Front shot of a T-shirt on white, mannequin removed: the neck is a hollow.

    Returns (RGB image, exact 'L' alpha).
    """
    alpha = polygon_alpha(size, shirt_points())
    cloth = _fabric(size, colour, seed)
    # a ribbed collar band, a little darker, just outside the front neckline
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(F32)
    r = np.hypot((x / w - 0.5) / 0.08, (y / h - 0.12) / 0.08)
    band = np.clip((1.25 - r) * 8, 0, 1) * (y / h > 0.115)
    cloth = cloth * (1.0 - 0.22 * band)[..., None]
    img = cloth * alpha[..., None] + (1.0 - alpha[..., None])
    return (
        Image.fromarray(np.round(img * 255).astype(np.uint8), "RGB"),
        Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L"),
    )


def shirt_inner(size: tuple[int, int] = (500, 560), colour=(40, 90, 170), seed: int = 4):
    """The inside back of the same shirt (shallow back neckline, a white neck label).

    Returns (RGB image on white, exact 'L' alpha, label box in pixels).
    """
    alpha = polygon_alpha(size, shirt_points(neck_depth=0.02))
    cloth = _fabric(size, tuple(int(c * 0.85) for c in colour), seed)
    w, h = size
    label = (int(0.46 * w), int(0.15 * h), int(0.54 * w), int(0.21 * h))
    cloth[label[1] : label[3], label[0] : label[2]] = 0.96
    img = cloth * alpha[..., None] + (1.0 - alpha[..., None])
    return (
        Image.fromarray(np.round(img * 255).astype(np.uint8), "RGB"),
        Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L"),
        label,
    )


def product_photo(
    size: tuple[int, int] = (600, 500),
    product: tuple[int, int, int] = (200, 40, 40),
    backdrop: tuple[int, int, int] = (200, 205, 215),
    box: tuple[float, float, float, float] = (0.35, 0.25, 0.65, 0.8),
    seed: int = 0,
) -> tuple[Image.Image, Image.Image]:
    """A shaded rectangular product on a plain, slightly noisy backdrop, and its mask."""
    w, h = size
    alpha = polygon_alpha(
        size, [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
    )
    x = np.linspace(0, 1, w, dtype=F32)[None, :]
    shade = 0.75 + 0.25 * np.sin(np.pi * np.clip((x - box[0]) / (box[2] - box[0]), 0, 1))
    colour = np.array(product, F32) / 255.0 * shade[..., None] * np.ones((h, 1, 1), F32)
    noise = np.random.default_rng(seed).normal(0, 0.01, (h, w, 1)).astype(F32)
    img = colour * alpha[..., None] + (np.array(backdrop, F32) / 255.0 + noise) * (
        1 - alpha[..., None]
    )
    return (
        Image.fromarray(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8), "RGB"),
        Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L"),
    )


def cutout(
    size: tuple[int, int] = (200, 400),
    colour: tuple[int, int, int] = (60, 120, 200),
    highlight: tuple[int, int, int] | None = None,
) -> Image.Image:
    """An RGBA product cut-out: a rounded bottle-like shape, optional neutral label."""
    w, h = size
    pts = [
        (0.15, 0.2),
        (0.35, 0.12),
        (0.35, 0.0),
        (0.65, 0.0),
        (0.65, 0.12),
        (0.85, 0.2),
        (0.85, 1.0),
        (0.15, 1.0),
    ]
    alpha = polygon_alpha(size, pts)
    x = np.linspace(0, 1, w, dtype=F32)[None, :]
    shade = 0.7 + 0.3 * np.sin(np.pi * x)
    rgb = np.array(colour, F32) / 255.0 * shade[..., None] * np.ones((h, 1, 1), F32)
    if highlight is not None:
        rgb[int(0.45 * h) : int(0.7 * h), int(0.2 * w) : int(0.8 * w)] = (
            np.array(highlight, F32) / 255.0
        )
    data = np.dstack([np.clip(rgb, 0, 1), alpha])
    return Image.fromarray(np.round(data * 255).astype(np.uint8), "RGBA")


def luma(arr: np.ndarray) -> np.ndarray:
    a = np.asarray(arr, F32)
    return a[..., 0] * 0.2126 + a[..., 1] * 0.7152 + a[..., 2] * 0.0722
