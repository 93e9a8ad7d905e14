"""Small deterministic product photos for tests (the demo has richer samples)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def product_photo(
    width: int = 1400,
    height: int = 1100,
    colour: tuple[int, int, int] = (190, 30, 40),
    seed: int = 1,
) -> Image.Image:
    """A shaded ellipse 'product' with a contact shadow on a light studio gradient."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    background = 232 - 18 * (y / height)  # sweep: lighter at the top
    img = np.repeat(background[..., None], 3, axis=2)
    cx, cy, rx, ry = width / 2, height / 2, width * 0.22, height * 0.3
    shadow = np.exp(-(((x - cx) / (rx * 1.1)) ** 2 + ((y - cy - ry * 0.95) / (ry * 0.18)) ** 2))
    img *= (1 - 0.35 * shadow)[..., None]
    inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    shade = np.clip(1.15 - 0.6 * ((x - cx + rx * 0.4) / (2 * rx)) ** 2, 0.5, 1.2)
    for channel, value in enumerate(colour):
        img[..., channel] = np.where(inside, value * shade, img[..., channel])
    img += rng.normal(0, 2.0, img.shape)
    photo = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    return photo.filter(ImageFilter.GaussianBlur(0.6))


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def good_jpeg(seed: int = 1) -> bytes:
    return jpeg_bytes(product_photo(seed=seed))
