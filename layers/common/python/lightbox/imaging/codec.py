"""Encoding helpers for intermediate images kept in S3 between stages."""

from __future__ import annotations

import io

from PIL import Image


def encode_png(img: Image.Image) -> bytes:
    # compress_level 1: intermediates are read once or twice; speed beats size.
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def encode_intermediate(img: Image.Image) -> tuple[bytes, str, str]:
    """(bytes, content type, extension) for an image handed to a later stage.

    RGB goes as JPEG q95 4:4:4 — visually lossless, a flat white background
    stays exactly 255, and ~5x faster to write than PNG (make bench measured
    0.9 s per photo in PNG hand-offs). Alpha and masks stay lossless PNG.
    """
    if img.mode == "RGB":
        buffer = io.BytesIO()
        img.save(buffer, format="JPEG", quality=95, subsampling=0)
        return buffer.getvalue(), "image/jpeg", "jpg"
    return encode_png(img), "image/png", "png"


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img
