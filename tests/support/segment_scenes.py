"""Synthetic product photos with known ground truth, for segmentation tests.

Each scene returns the photo and a boolean ground-truth mask (True = product).
They model what makes segmentation hard: a gradient sweep with a vignette,
contact shadows, a white product with a highlight on a white sweep, a dark
product on dark cloth.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return x, y


def sweep(h: int, w: int, top: float, bottom: float, seed: int = 0) -> np.ndarray:
    """A studio paper sweep: vertical gradient, vignette, warm cast, sensor noise."""
    x, y = _grid(h, w)
    v = top + (bottom - top) * y / h
    v -= 14 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2) / 2
    img = np.repeat(v[..., None], 3, axis=2) + np.array([3, 0, -4], np.float32)
    return img + np.random.default_rng(seed).normal(0, 1.5, img.shape)


def _shaded(mask: np.ndarray, colour: tuple[int, int, int], x: np.ndarray) -> np.ndarray:
    """Cylinder shading across the mask's width: lit left, darker right edge."""
    xs = x[mask]
    t = np.clip((x - xs.min()) / max(xs.max() - xs.min(), 1), 0, 1)
    nx = 2 * t - 1
    shade = 0.62 + 0.40 * np.clip(-0.45 * nx + 0.89 * np.sqrt(np.clip(1 - nx**2, 0, 1)), 0, 1)
    return np.array(colour, np.float32) * shade[..., None]


def to_image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def bottle_scene(w: int = 1200, h: int = 900, cx: float = 600) -> tuple[Image.Image, np.ndarray]:
    """An amber bottle with a contact shadow on a light gradient sweep."""
    x, y = _grid(h, w)
    img = sweep(h, w, 228, 246)
    base_y = 0.85 * h
    shadow = np.clip(1 - (((x - cx) / (0.17 * w)) ** 2 + ((y - base_y) / (0.025 * h)) ** 2), 0, 1)
    img *= (1 - 0.28 * shadow**1.5)[..., None]
    body = (np.abs(x - cx) <= 0.11 * w) & (y >= 0.40 * h) & (y <= base_y)
    shoulder = ((x - cx) / (0.11 * w)) ** 2 + ((y - 0.40 * h) / (0.12 * h)) ** 2 <= 1
    neck = (np.abs(x - cx) <= 0.035 * w) & (y >= 0.12 * h) & (y <= 0.40 * h)
    gt = body | shoulder | neck
    colour = _shaded(gt, (170, 85, 25), x)
    img = np.where(gt[..., None], colour, img)
    return to_image(img), gt


def white_mug_scene(w: int = 1200, h: int = 900) -> tuple[Image.Image, np.ndarray, np.ndarray]:
    """A white mug with a specular highlight and a handle, on a bright sweep.

    Returns the photo, the ground-truth mask (handle hole excluded) and the
    highlight's pixels.
    """
    x, y = _grid(h, w)
    img = sweep(h, w, 248, 254)
    x0, x1, y0, y1 = 0.33 * w, 0.62 * w, 0.28 * h, 0.78 * h
    body = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    hx, hy = x1, 0.52 * h
    outer = ((x - hx) / (0.11 * w)) ** 2 + ((y - hy) / (0.15 * h)) ** 2 <= 1
    inner = ((x - hx) / (0.065 * w)) ** 2 + ((y - hy) / (0.095 * h)) ** 2 <= 1
    handle = outer & ~inner & (x > x1 - 2)
    gt = body | handle
    colour = _shaded(body, (232, 232, 228), x)
    colour = np.where(handle[..., None], np.array([200, 200, 196], np.float32), colour)
    highlight = body & (np.abs(x - (x0 + 0.3 * (x1 - x0))) <= 0.012 * w) & (y > y0 + 0.05 * h)
    highlight &= y < y1 - 0.05 * h
    colour = np.where(highlight[..., None], 255.0, colour)
    img = np.where(gt[..., None], colour, img)
    return to_image(img), gt, highlight


def dark_on_dark_scene(w: int = 960, h: int = 720) -> tuple[Image.Image, np.ndarray]:
    """A black notebook on a dark blue woven cloth: the low-contrast failure case."""
    rng = np.random.default_rng(2)
    x, y = _grid(h, w)
    weave = np.sin(x * 0.9)[..., None] * np.sin(y * 0.9)[..., None]
    cloth = np.array([28, 30, 44], np.float32) + 6 * weave + rng.normal(0, 5, (h, w, 3))
    cloth += 8 * np.sin(y / 70)[..., None]
    gt = (x > 0.32 * w) & (x < 0.68 * w) & (y > 0.25 * h) & (y < 0.78 * h)
    book = np.array([26, 27, 33], np.float32) + rng.normal(0, 4, (h, w, 3))
    return to_image(np.where(gt[..., None], book, cloth)), gt


def product_on_cloth_scene(w: int = 1200, h: int = 900) -> tuple[Image.Image, np.ndarray]:
    """A yellow tin on a blue cloth with a soft fold shading: not a white sweep."""
    rng = np.random.default_rng(3)
    x, y = _grid(h, w)
    cloth = np.array([40, 70, 150], np.float32) + 10 * np.sin(y / 150)[..., None]
    cloth = cloth + rng.normal(0, 4, (h, w, 3))
    gt = ((x - 0.5 * w) / (0.16 * w)) ** 2 + ((y - 0.5 * h) / (0.3 * h)) ** 4 <= 1
    colour = _shaded(gt, (235, 200, 60), x)
    return to_image(np.where(gt[..., None], colour, cloth)), gt


def iou(mask: Image.Image, gt: np.ndarray) -> float:
    m = np.asarray(mask) >= 128
    return float((m & gt).sum() / (m | gt).sum())
