"""Blurs on float fields (masks, gain and darkness maps).

Pillow's own blurs take 8-bit images only; these take float32 arrays.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

F32 = np.float32


def box_blur(arr: np.ndarray, radius: int, axes: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """Edge-replicated box mean of width 2r+1 along `axes` (cumulative sums, O(n)).

    Pillow's blurs refuse float images; masks and gain fields need more than
    8 bits, so they are blurred here.
    """
    if radius < 1:
        return arr.astype(F32, copy=False)
    out = arr.astype(F32, copy=False)
    width = 2 * radius + 1
    for axis in axes:
        n = out.shape[axis]
        pad = [(0, 0)] * out.ndim
        pad[axis] = (radius + 1, radius)
        # float32 sums are exact enough here: values are 0..1 and rows are
        # at most a few thousand pixels long.
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=F32)
        hi = [slice(None)] * out.ndim
        lo = [slice(None)] * out.ndim
        hi[axis] = slice(width, width + n)
        lo[axis] = slice(0, n)
        out = (c[tuple(hi)] - c[tuple(lo)]) * (1.0 / width)
    return out


def gaussian(arr: np.ndarray, sigma: float) -> np.ndarray:
    """Approximate Gaussian blur: three box passes with the matching variance."""
    r = round(float(np.sqrt(4.0 * sigma * sigma + 1.0) - 1.0) / 2.0)
    out = arr
    for _ in range(3):
        out = box_blur(out, r)
    return out.astype(F32, copy=False)


def blur_l(arr: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of a 0..1 field through an 8-bit 'L' image.

    Large radii run on a downscaled copy: the result is smooth anyway, and
    Pillow's blur cost grows with the image, not the radius.
    """
    img = Image.fromarray(np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8), "L")
    factor = max(1, int(radius // 6))
    if factor > 1:
        small = img.resize(
            (max(1, img.width // factor), max(1, img.height // factor)), Image.Resampling.BOX
        )
        small = small.filter(ImageFilter.GaussianBlur(radius / factor))
        img = small.resize(img.size, Image.Resampling.BILINEAR)
    else:
        img = img.filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(img, F32) / 255.0
