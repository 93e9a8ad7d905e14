"""Render marketplace files from one studio image (decode once, cascade).

The studio image (square, pure white background) is the single working image;
each marketplace gets it resized to its canvas, padded with white to the
canvas aspect, and encoded under the marketplace's byte cap with an embedded
sRGB profile. Everything a marketplace demands comes from `specs.SPECS`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import Image, ImageCms

from lightbox.marketplaces.specs import MarketplaceSpec, get_spec

WHITE = (255, 255, 255)
QUALITY_STEP = 4
#: If even the lowest quality does not fit, shrink by this factor (never below
#: the marketplace's minimum size).
SHRINK_STEP = 0.9

_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class Rendered:
    """One encoded marketplace file, ready to upload."""

    marketplace: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def render_for_marketplace(studio: Image.Image, marketplace: str) -> Rendered:
    """Encode `studio` for one marketplace."""
    spec = get_spec(marketplace)
    return _encode(spec, _fit_canvas(_as_rgb(studio), spec.canvas))


def render_all(studio: Image.Image, marketplaces: Iterable[str]) -> list[Rendered]:
    """Render several marketplaces from one working image, in the order asked.

    Cascade: the RGB conversion happens once; targets are made largest first
    and each downscale starts from the smallest image already made that is
    still at least as large (with a 6000 px studio image, eBay's 1600 px comes
    from Amazon's 2000 px, not from the original), so the work shrinks with
    every step. Upscales (a 2000 px studio image for Etsy's 2250 px height)
    always start from the working image, never from another resample. Equal
    sizes are resized once, duplicate names rendered once.
    """
    names = list(dict.fromkeys(marketplaces))
    specs = [get_spec(name) for name in names]
    base = _as_rgb(studio)
    base_side = max(base.size)
    sources: dict[int, Image.Image] = {base_side: base}  # side -> downscaled copies
    made: dict[int, Image.Image] = {}
    results: dict[str, Rendered] = {}
    for spec in sorted(specs, key=lambda s: -_content_side(base, s.canvas)):
        side = _content_side(base, spec.canvas)
        if side not in made:
            source = sources[min(s for s in sources if s >= side)] if side <= base_side else base
            # Sizes come from the base image, not the cached source, so rounding
            # never drifts along the cascade (eBay 1600x1067, not 1066).
            made[side] = _resize_to(source, _target_size(base, side))
            if side <= base_side:
                sources[side] = made[side]
        results[spec.name] = _encode(spec, _pad(made[side], spec.canvas))
    return [results[name] for name in names]


# ------------------------------------------------------------------------ layout


def _as_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB; transparency (if any) is flattened onto white, not black."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _content_side(img: Image.Image, canvas: tuple[int, int]) -> int:
    """Side of the square content inside `canvas` (the studio image is square;
    a non-square input is fitted by its long side)."""
    scale = min(canvas[0] / img.width, canvas[1] / img.height)
    return max(1, round(max(img.size) * scale))


def _target_size(img: Image.Image, side: int) -> tuple[int, int]:
    scale = side / max(img.size)
    return (max(1, round(img.width * scale)), max(1, round(img.height * scale)))


def _resize_to(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Lanczos to `size`; reducing_gap makes big drops cheap."""
    if size == img.size:
        return img
    gap = 3.0 if size[0] < img.width else None
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=gap)


def _resize_square(img: Image.Image, side: int) -> Image.Image:
    """Fit the long side to `side`."""
    return _resize_to(img, _target_size(img, side))


def _pad(img: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    """Centre on a white canvas of the marketplace's size (Etsy's 4:3)."""
    if img.size == canvas:
        return img
    out = Image.new("RGB", canvas, WHITE)
    out.paste(img, ((canvas[0] - img.width) // 2, (canvas[1] - img.height) // 2))
    return out


def _fit_canvas(img: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    return _pad(_resize_square(img, _content_side(img, canvas)), canvas)


# ---------------------------------------------------------------------- encoding


@cache
def srgb_icc() -> bytes:
    """The sRGB ICC profile embedded in every file (marketplaces require sRGB;
    tagging it makes browsers and the marketplaces' converters agree)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _encode(spec: MarketplaceSpec, img: Image.Image) -> Rendered:
    """Encode under `spec.max_bytes`: step JPEG quality down, then shrink.

    Raises ValueError if the file cannot fit without going below the
    marketplace's minimum size (it never silently ships an oversize file).
    """
    fmt = spec.output_format
    while True:
        for quality in _qualities(spec):
            data = _save(img, fmt, quality)
            if len(data) <= spec.max_bytes:
                return Rendered(
                    marketplace=spec.name,
                    data=data,
                    content_type=_CONTENT_TYPES[fmt],
                    extension=_EXTENSIONS[fmt],
                    width=img.width,
                    height=img.height,
                )
        smaller = (round(img.width * SHRINK_STEP), round(img.height * SHRINK_STEP))
        if max(smaller) < spec.min_long_side:
            raise ValueError(
                f"{spec.label}: cannot encode under {spec.max_bytes / 1e6:.0f} MB "
                f"without going below {spec.min_long_side} px"
            )
        img = img.resize(smaller, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _qualities(spec: MarketplaceSpec) -> list[int]:
    if spec.output_format not in ("JPEG", "WEBP"):
        return [100]  # lossless: one attempt
    return list(range(spec.jpeg_quality, spec.min_jpeg_quality - 1, -QUALITY_STEP))


def jpeg_options(quality: int) -> dict[str, Any]:
    """Pillow save options of every JPEG rendered here, at `quality`.

    The one definition of the output settings (the benchmark encodes its
    references with exactly these and checks the files it gets back).
    4:4:4 at high quality keeps saturated product edges crisp. Baseline with
    optimised Huffman tables: progressive took 2.5x the encode time (make
    bench) for files only ~2% smaller, and marketplaces re-encode anyway.
    """
    return {
        "quality": quality,
        "subsampling": 0 if quality >= 90 else 2,
        "progressive": False,
        "optimize": True,
        "icc_profile": srgb_icc(),
    }


def _save(img: Image.Image, fmt: str, quality: int) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        options = jpeg_options(quality)
        try:
            img.save(buf, "JPEG", **options)
        except OSError:
            # Pillow sizes the buffer that optimised encoding needs at 1 byte per
            # pixel; noise-like detail can exceed it. Plain baseline always works.
            buf = io.BytesIO()
            img.save(buf, "JPEG", **(options | {"optimize": False}))
    elif fmt == "WEBP":
        img.save(buf, "WEBP", quality=quality, method=4, icc_profile=srgb_icc())
    else:
        img.save(buf, fmt, optimize=True, icc_profile=srgb_icc())
    return buf.getvalue()
