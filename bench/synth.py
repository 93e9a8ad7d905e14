"""Deterministic benchmark inputs: a 24 MP product photo, the largest photos the
validator accepts in its lossless / high-bit-depth formats, and decompression bombs.

The photo is synthetic but shaped like a real listing photo so that every stage
does representative work: a light studio sweep (vertical falloff, vignette,
slight warm cast), a red mug with cylindrical shading, a cream label, a rim
and a handle whose hole shows the backdrop, a soft contact shadow, and sensor
noise (which is what makes a real 24 MP JPEG several MB instead of ~1 MB).
It is built in horizontal bands so generating it needs ~100 MB, not ~1 GB.

The worst-case inputs (`ensure_worst_cases`) are the same scene at the
validator's pixel limit in the formats that cannot be reduced while decoding
(PNG, TIFF, WebP), including the modes that take the most memory to bring
to 8 bits (16-bit greyscale, 32-bit float), each kept under the upload size
limit by using less grain than the camera photo.

The bombs are tiny files whose headers declare billions of pixels: the
pipeline must refuse them from the header alone.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 6000, 4000
QUALITY = 90
SEED = 2024
#: Bump when the generator changes, so a cached input is not reused.
VERSION = 2
_BAND = 200
LUMA_NOISE = 6.5
CHROMA_NOISE = 2.5

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo_filename(width: int = WIDTH, height: int = HEIGHT, quality: int = QUALITY) -> str:
    return f"product-{width}x{height}-q{quality}-v{VERSION}.jpg"


def product_photo_rgb(
    width: int = WIDTH, height: int = HEIGHT, seed: int = SEED, grain: float = 1.0
) -> np.ndarray:
    """The photo as an (height, width, 3) uint8 array; same bytes for the same args.

    grain scales the sensor noise (1.0: a phone's; less makes lossless files smaller).
    """
    out = np.empty((height, width, 3), np.uint8)
    for y0 in range(0, height, _BAND):
        y1 = min(height, y0 + _BAND)
        rng = np.random.default_rng([seed, y0])
        out[y0:y1] = _band(y0, y1, width, height, rng, grain)
    return out


def _band(
    y0: int, y1: int, width: int, height: int, rng: np.random.Generator, grain: float = 1.0
) -> np.ndarray:
    y = np.arange(y0, y1, dtype=np.float32)[:, None]
    x = np.arange(width, dtype=np.float32)[None, :]

    # Studio sweep: lighter at the top, vignette towards the sides, warm cast.
    light = 240.0 - 22.0 * (y / height) - 14.0 * ((x - width / 2) / (width / 2)) ** 2
    img = np.repeat(light[..., None], 3, axis=2) * np.array([1.01, 1.0, 0.975], np.float32)

    cx, cy = 0.47 * width, 0.54 * height
    rx, ry = 0.15 * width, 0.27 * height  # mug body half-width / half-height
    e = 0.22 * rx  # vertical radius of the rim and base ellipses
    dx = x - cx
    s = np.sqrt(np.clip(1.0 - (dx / rx) ** 2, 0.0, 1.0))  # cylinder profile 0..1

    # Contact shadow under the base (on the backdrop only).
    base_y = cy + ry + 0.5 * e
    shadow = np.exp(-((dx / (1.25 * rx)) ** 2) - ((y - base_y) / (0.07 * ry)) ** 2)
    img *= (1.0 - 0.38 * shadow)[..., None]

    # Handle: an elliptical ring on the right, the hole shows the sweep.
    hx, hy = cx + rx, cy - 0.05 * ry
    r_handle = np.sqrt(((x - hx) / (0.42 * rx)) ** 2 + ((y - hy) / (0.48 * ry)) ** 2)
    ring = _coverage(1.0 - r_handle, 0.42 * rx) * _coverage(r_handle - 0.62, 0.42 * rx)
    ring *= (x > hx - 0.05 * rx).astype(np.float32)
    handle_shade = 0.62 + 0.3 * np.clip(1.0 - (y - hy) / (0.48 * ry), 0.0, 1.6) / 1.6
    _paint(img, ring, np.array([176, 34, 44], np.float32) * handle_shade[..., None])

    # Body: a cylinder with elliptical base, lit from the upper left.
    top, bottom = cy - ry - e * s, cy + ry + e * s
    body = _coverage(rx - np.abs(dx), 1.0) * _coverage(y - top, 1.0) * _coverage(bottom - y, 1.0)
    shade = (0.5 + 0.62 * s**0.7) * (1.0 - 0.28 * dx / rx) * (1.0 - 0.12 * (y - cy) / ry)
    colour = np.broadcast_to(np.array([182, 36, 46], np.float32), (*shade.shape, 3))
    label = (np.abs(y - (cy + 0.05 * ry + 0.08 * e * s)) < 0.22 * ry) & (np.abs(dx) < rx)
    colour = np.where(label[..., None], np.array([232, 220, 188], np.float32), colour)
    # Fine print on the label: high-frequency detail a zoomed marketplace image shows.
    texture = 1.0 - 0.22 * label * (np.sin(x * 0.9) * np.sin(y * 1.3) > 0.6)
    _paint(img, body, colour * (shade * texture)[..., None])

    # Rim: the inside of the mug, darker, seen through the top ellipse.
    rim = _coverage(1.0 - np.sqrt((dx / (0.94 * rx)) ** 2 + ((y - (cy - ry)) / (0.9 * e)) ** 2), e)
    _paint(img, rim, np.array([120, 22, 30], np.float32) * (0.7 + 0.3 * s)[..., None])

    # Sensor noise: mostly luminance grain, a little chroma noise. Its amount
    # sets the file size (~7 MB at 24 MP, like a phone's), and so the entropy
    # decoding work, which a noise-free synthetic image would understate.
    luma_grain = rng.normal(0.0, LUMA_NOISE * grain, img.shape[:2]).astype(np.float32)
    img += luma_grain[..., None]
    img += rng.normal(0.0, CHROMA_NOISE * grain, img.shape).astype(np.float32)
    return np.clip(img, 0.0, 255.0).astype(np.uint8)


def _coverage(signed: np.ndarray | float, scale: float) -> np.ndarray:
    """Anti-aliased inside-ness from a signed distance-like value (~1 px ramp)."""
    return np.clip(np.asarray(signed, np.float32) * scale + 0.5, 0.0, 1.0)


def _paint(img: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    a = alpha[..., None]
    img *= 1.0 - a
    img += a * colour


def product_jpeg(
    width: int = WIDTH, height: int = HEIGHT, quality: int = QUALITY, seed: int = SEED
) -> bytes:
    """The photo encoded like a camera would: baseline JPEG, 4:2:0, with EXIF."""
    from PIL import Image

    im = Image.fromarray(product_photo_rgb(width, height, seed), "RGB")
    exif = Image.Exif()
    exif[0x010F] = "Lightbox Bench"  # Make
    exif[0x0110] = "Synthetic 24MP"  # Model
    exif[0x0112] = 1  # Orientation: upright
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, subsampling=2, exif=exif.tobytes())
    return buf.getvalue()


def ensure_product_jpeg(directory: Path) -> Path:
    """Write the photo into ``directory`` once; later runs reuse the cached file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / photo_filename()
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(product_jpeg())
        tmp.replace(path)
    return path


# ------------------------------------------------------------------ worst cases

#: The worst-case inputs: name -> (file extension, what it is).
WORST_CASES: dict[str, tuple[str, str]] = {
    "png-rgb8": ("png", "8-bit RGB PNG"),
    "tiff-rgb8": ("tif", "8-bit RGB TIFF (deflate)"),
    "webp-rgb8": ("webp", "lossy WebP q90"),
    "png-rgba8": ("png", "8-bit RGBA PNG (a seller's cut-out)"),
    "png-grey16": ("png", "16-bit greyscale PNG"),
    "tiff-float32": ("tif", "32-bit float greyscale TIFF (deflate)"),
}
#: Grain of the worst-case scene: as much as keeps the lossless files under the
#: upload limit (a camera's full grain makes a 50 MP PNG ~150 MB).
WORST_CASE_GRAIN = 0.05


def largest_size(max_pixels: int, aspect: float = 1.5) -> tuple[int, int]:
    """The largest ``aspect`` (w/h) frame with at most ``max_pixels`` pixels."""
    height = int((max_pixels / aspect) ** 0.5)
    width = max_pixels // height
    while width * height > max_pixels:
        width -= 1
    return width, height


def _cutout_alpha(rgb: np.ndarray) -> np.ndarray:
    """0/255 alpha that keeps the mug (red or cream, clearly warmer than the sweep)."""
    warm = rgb[..., 0].astype(np.int16) - rgb[..., 2].astype(np.int16)
    return np.where(warm > 25, 255, 0).astype(np.uint8)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32, computed in bands (no full-size float RGB copy)."""
    out = np.empty(rgb.shape[:2], np.float32)
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    for y0 in range(0, rgb.shape[0], 512):
        out[y0 : y0 + 512] = rgb[y0 : y0 + 512].astype(np.float32) @ weights
    return out


def worst_case_bytes(name: str, rgb: np.ndarray) -> bytes:
    """Encode the scene ``rgb`` as worst-case input ``name`` (see `WORST_CASES`)."""
    from PIL import Image

    buf = io.BytesIO()
    if name == "png-rgb8":
        Image.fromarray(rgb).save(buf, "PNG")
    elif name == "tiff-rgb8":
        Image.fromarray(rgb).save(buf, "TIFF", compression="tiff_adobe_deflate")
    elif name == "webp-rgb8":
        Image.fromarray(rgb).save(buf, "WEBP", quality=90)
    elif name == "png-rgba8":
        rgba = np.dstack([rgb, _cutout_alpha(rgb)])
        Image.fromarray(rgba).save(buf, "PNG")
    elif name == "png-grey16":
        grey = np.rint(_luma(rgb) * 257.0).astype(np.uint16)
        Image.fromarray(grey).save(buf, "PNG")
    elif name == "tiff-float32":
        Image.fromarray(_luma(rgb) / np.float32(255.0)).save(
            buf, "TIFF", compression="tiff_adobe_deflate"
        )
    else:
        raise KeyError(f"unknown worst case {name!r}; known: {', '.join(WORST_CASES)}")
    return buf.getvalue()


def ensure_worst_cases(directory: Path, max_pixels: int, max_bytes: int) -> dict[str, Path]:
    """Write every worst-case input once (cached by size and version).

    A file that would exceed ``max_bytes`` (the upload limit) is made again
    from a scene with half the grain, so every input is one the validator
    accepts; ValueError if even a grain-free scene does not fit.
    """
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    width, height = largest_size(max_pixels)
    paths = {
        name: directory / f"worst-{name}-{width}x{height}-v{VERSION}.{ext}"
        for name, (ext, _what) in WORST_CASES.items()
    }
    missing = [name for name, path in paths.items() if not path.exists()]
    grain = WORST_CASE_GRAIN
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # our own files, at the validator's limit
    try:
        while missing:
            rgb = product_photo_rgb(width, height, grain=grain)
            too_big = []
            for name in missing:
                data = worst_case_bytes(name, rgb)
                if len(data) > max_bytes:
                    too_big.append(name)
                    continue
                tmp = paths[name].with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(paths[name])
            del rgb
            if too_big and grain == 0.0:
                raise ValueError(f"{too_big} exceed {max_bytes} bytes even without grain")
            missing, grain = too_big, (grain / 2 if grain > 0.01 else 0.0)
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return paths


# ------------------------------------------------------------------------ bombs


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid-looking PNG declaring ``width`` x ``height`` 8-bit RGB pixels.

    Signature + IHDR + one tiny IDAT (the start of the first scanline) + IEND:
    about 80 bytes that would need 4.8 GB to decode at 40000 x 40000.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x80" * 48, 9)
    return (
        PNG_SIGNATURE
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 60_000, height: int = 50_000) -> bytes:
    """A baseline JPEG header declaring ``width`` x ``height`` (3 GP) and no real data.

    SOI, a DQT, SOF0 with the huge size, a DHT pair, SOS and EOI: enough for
    header parsers (ours and Pillow's) to report the size.
    """
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = (
        b"\xff\xc0"
        + struct.pack(">HBHHB", 17, 8, height, width, 3)
        + b"\x01\x22\x00\x02\x11\x00\x03\x11\x00"
    )
    # Minimal Huffman tables: one code of length 1 for symbol 0.
    counts = bytes([1] + [0] * 15)
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 2 * 18) + b"\x00" + counts + b"\x00"
    dht += b"\x10" + counts + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x00\x03\x00" + b"\x00\x3f\x00"
    return b"\xff\xd8" + dqt + sof + dht + sos + b"\x00" * 16 + b"\xff\xd9"
