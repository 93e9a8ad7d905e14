"""Inspect one uploaded photo: refuse what cannot be used, normalise what can.

``inspect_photo`` is the gate at the start of the pipeline. It never trusts a
file's name, never decodes pixels before the header has been checked against
the limits, decodes at most once, and never lets a Pillow error escape: every
refusal is a ``PhotoCheck`` with ``ok=False`` and reasons a seller can act on.

Order of checks (cheapest first, and nothing is decoded until the header says
it is safe to):

1. empty / larger than ``MAX_UPLOAD_BYTES``;
2. magic-byte sniffing: not an image, or an image format we don't accept;
3. header dimensions (read from the bytes, then by Pillow's lazy open):
   more than ``MAX_PIXELS`` is a decompression bomb; a longest side under
   ``MIN_LONG_SIDE`` is too small;
4. decode once into the working image (``normalise.decode_working_image``):
   corrupt or truncated data is refused here;
5. quality metrics; only *severe* blur or exposure problems are refused,
   borderline values pass and are left to scoring.

Reasons follow one pattern: what is wrong, the measured value and the limit in
brackets, a colon, then what to do — e.g. "The photo is too small (300 × 300
px, need at least 500 px on the longest side): upload the original photo ...".
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import overload

from PIL import Image, UnidentifiedImageError

from lightbox.limits import (
    EXPOSURE_SEVERE,
    EXPOSURE_TARGET,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    MIN_LONG_SIDE,
    SHARPNESS_SEVERE,
    SHARPNESS_TARGET,
)
from lightbox.validation.heif import heif_support
from lightbox.validation.measures import exposure_parts, measure_quality
from lightbox.validation.normalise import decode_working_image, orientation_value
from lightbox.validation.sniff import ACCEPTED_HUMAN, Sniffed, sniff

# Pillow's own decompression-bomb guard, set deliberately from our limit: it
# raises at 2x and warns at 1x. We refuse at 1x ourselves, before Pillow is
# asked to decode; this is the backstop for any other code path in the process.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# What Pillow raises for unreadable or broken image data. Listed explicitly so
# that a programming error (TypeError, AttributeError ...) is never mistaken
# for a seller's corrupt file.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    UnidentifiedImageError,
    OSError,  # includes "image file is truncated", decoder errors
    SyntaxError,  # Pillow's plugins raise it for malformed headers/chunks
    ValueError,
    EOFError,
    IndexError,
    RuntimeError,  # Pillow's AVIF decoder ("Failed to decode image"), pi-heif's
    KeyError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)

_BIT_DEPTH_BY_MODE = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16, "I": 32, "F": 32}


@dataclass(frozen=True)
class PhotoCheck:
    """The verdict on one upload.

    ``width``/``height`` are as stored (before EXIF rotation), ``mode`` is the
    stored Pillow mode, ``bit_depth`` bits per channel as stored, ``orientation``
    the EXIF orientation (1-8, 1 if none). ``reasons`` explain a refusal
    (``ok=False``) or, with ``ok=True``, note something the seller may want to
    know (e.g. only the first frame of an animated GIF is used). ``metrics`` is
    empty when the photo could not be decoded.
    """

    ok: bool
    reasons: list[str]
    format: str | None
    width: int = 0
    height: int = 0
    mode: str = ""
    bit_depth: int = 0
    orientation: int = 1
    metrics: dict[str, float] = field(default_factory=dict)


def inspect_photo(data: bytes, filename: str) -> tuple[PhotoCheck, Image.Image | None]:
    """Check an upload and, when it decodes, return the normalised working image.

    The working image is 8-bit sRGB, RGB or RGBA (alpha kept when it carries
    information), upright (EXIF orientation applied) and at most
    ``WORKING_LONG_SIDE`` px on its longest side. It is returned whenever
    decoding succeeded — also when the photo is then refused for quality — and
    is ``None`` otherwise.
    """
    name = _display_name(filename)
    if not data:
        return _refuse(None, f"“{name}” is empty (0 bytes): upload the photo again."), None
    if len(data) > MAX_UPLOAD_BYTES:
        return _refuse(
            None,
            f"“{name}” is too large ({_mib(len(data))}, limit {_mib(MAX_UPLOAD_BYTES)}): "
            "export it as a JPEG at high quality, which is far smaller, and upload that.",
        ), None
    sniffed = sniff(data)
    if not sniffed.accepted:
        return _refuse(sniffed.format, _unsupported_reason(name, sniffed)), None
    if sniffed.width is not None and sniffed.height is not None:
        bomb = _bomb_reason(sniffed.width, sniffed.height)
        if bomb:  # refused on the bytes alone: Pillow never sees this file
            return _refuse(sniffed.format, bomb, sniffed.width, sniffed.height), None
    return _inspect_decodable(data, name, sniffed)


#: Only where a function lacks the imaging layer's HEIF decoder (a deployment error).
_NO_HEIF_DECODER = Sniffed(
    "HEIF",
    False,
    "a HEIC photo",
    "this service cannot decode HEIC right now; export it as JPEG and upload that",
)


def _inspect_decodable(
    data: bytes, name: str, sniffed: Sniffed
) -> tuple[PhotoCheck, Image.Image | None]:
    fmt = sniffed.format
    if fmt == "HEIF" and not heif_support():
        return _refuse(fmt, _unsupported_reason(name, _NO_HEIF_DECODER)), None
    try:
        # Lazy: reads the header only. Restricting to the sniffed format stops
        # Pillow from guessing its way into some other plugin.
        im = Image.open(io.BytesIO(data), formats=[fmt] if fmt else None)
    except Image.DecompressionBombError:
        return _refuse(fmt, _bomb_reason(None, None)), None
    except _DECODE_ERRORS as exc:
        return _refuse(fmt, _corrupt_reason(name, fmt, exc)), None

    width, height = im.size
    bomb = _bomb_reason(width, height)
    if bomb:
        return _refuse(fmt, bomb, width, height, im.mode), None
    header = PhotoCheck(
        ok=False,
        reasons=[],
        format=fmt,
        width=width,
        height=height,
        mode=im.mode,
        bit_depth=_bit_depth(im, sniffed),
        orientation=_header_orientation(im),
    )
    if max(width, height) < MIN_LONG_SIDE:
        reason = (
            f"The photo is too small ({width} × {height} px, need at least {MIN_LONG_SIDE} px "
            "on the longest side): upload the original photo from your camera or phone, "
            "not a thumbnail or a screenshot."
        )
        return replace(header, reasons=[reason]), None

    try:
        decoded = decode_working_image(im, header.bit_depth)
    except _DECODE_ERRORS as exc:
        return replace(header, reasons=[_corrupt_reason(name, fmt, exc)]), None

    metrics = measure_quality(decoded.image)
    problems = _quality_problems(metrics)
    check = replace(
        header,
        ok=not problems,
        reasons=problems + decoded.notes,
        orientation=decoded.orientation,  # also finds EXIF stored after the pixels
        metrics=metrics,
    )
    return check, decoded.image


# --- reasons -------------------------------------------------------------------------


def _refuse(
    fmt: str | None, reason: str, width: int = 0, height: int = 0, mode: str = ""
) -> PhotoCheck:
    return PhotoCheck(ok=False, reasons=[reason], format=fmt, width=width, height=height, mode=mode)


def _unsupported_reason(name: str, sniffed: Sniffed) -> str:
    if sniffed.format is None:
        return f"“{name}” is {sniffed.description}: {sniffed.advice}."
    return (
        f"“{name}” is {sniffed.description}, which we can't use (we accept "
        f"{ACCEPTED_HUMAN}): {sniffed.advice}."
    )


@overload
def _bomb_reason(width: None, height: None) -> str: ...
@overload
def _bomb_reason(width: int | None, height: int | None) -> str | None: ...
def _bomb_reason(width: int | None, height: int | None) -> str | None:
    # Unknown dimensions (Pillow refused before reading them) always name a reason.
    if width is None or height is None:
        size = f"more than {2 * MAX_PIXELS / 1e6:.0f} MP"
    elif width * height > MAX_PIXELS:
        size = f"{width} × {height} px = {width * height / 1e6:.0f} MP"
    else:
        return None
    return (
        f"The image declares too many pixels ({size}, limit {MAX_PIXELS / 1e6:.0f} MP), "
        "so it was not opened (files like this can exhaust memory): resize it to at most "
        "about 8000 × 6000 px and upload it again."
    )


def _corrupt_reason(name: str, fmt: str | None, exc: BaseException) -> str:
    message = str(exc).lower()
    kind = fmt or "image"
    if isinstance(exc, EOFError) or "truncated" in message or "end of file" in message:
        return (
            f"“{name}” is corrupt: the {kind} data ends early (the file was cut off during "
            "upload or export): upload the original photo again."
        )
    return (
        f"“{name}” is corrupt and can't be decoded as {kind}: open it on your computer "
        "or phone, export it again as a JPEG and upload that."
    )


def _quality_problems(metrics: dict[str, float]) -> list[str]:
    """Refusal reasons for *unusable* quality; borderline values are for scoring."""
    problems: list[str] = []
    if metrics["sharpness"] < SHARPNESS_SEVERE:
        problems.append(
            f"The photo is too blurry to use (sharpness {metrics['sharpness']:.2f}, need ≥ "
            f"{SHARPNESS_TARGET:.2f}): hold the camera steady or use a tripod, tap the "
            "product on screen to focus, and retake it."
        )
    if metrics["exposure"] < EXPOSURE_SEVERE:
        problems.append(_exposure_problem(metrics))
    return problems


def _exposure_problem(m: dict[str, float]) -> str:
    """Name what is wrong with the histogram (the weakest part) and how to fix it."""
    parts = exposure_parts(m)
    # An unlit or washed-out frame is also flat and clipped: name the cause.
    worst = next(
        (name for name in ("unlit", "washed") if parts[name] < 0.5),
        min(parts, key=lambda name: parts[name]),
    )
    what, fix = {
        "unlit": (
            f"too dark: even its brightest parts reach only {m['highlight_p99']:.0f}/255",
            "add light (a window or a lamp on the product) or raise the exposure",
        ),
        "washed": (
            f"washed out (too bright): even its darkest parts are {m['shadow_p1']:.0f}/255",
            "reduce the light or the exposure so the product shows its shadows and edges",
        ),
        "flat": (
            f"flat: its brightness spans only {m['dynamic_range']:.0f} of 255 levels",
            "clean the lens, light the product from one side and avoid haze or glare",
        ),
        "blown": (
            f"over-exposed on the product: {m['product_blown']:.0%} of it is pure white",
            "reduce the exposure or move the light further away",
        ),
        "crushed": (
            f"under-exposed on the product: {m['product_crushed']:.0%} of it is pure black",
            "add light on the product or raise the exposure",
        ),
    }[worst]
    return (
        f"The photo is {what} (exposure {m['exposure']:.2f}, need ≥ {EXPOSURE_TARGET:.2f}): "
        f"{fix}, and retake it."
    )


# --- header facts --------------------------------------------------------------------


def _header_orientation(im: Image.Image) -> int:
    """EXIF orientation from the header, without decoding anything.

    Careful: Pillow's PNG ``getexif()`` *loads the image* to look for an eXIf
    chunk after the pixel data. For PNG we only read EXIF found before it; the
    decode step reports the final value.
    """
    try:
        if im.format == "PNG":
            raw = im.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = im.getexif()
    except _DECODE_ERRORS:
        return 1  # unreadable EXIF is not a reason to refuse the photo
    return orientation_value(exif)


def _bit_depth(im: Image.Image, sniffed: Sniffed) -> int:
    """Bits per channel as stored (Pillow reduces 16-bit RGB PNG/TIFF to 8 on load)."""
    if sniffed.bit_depth:
        return sniffed.bit_depth
    tag = getattr(im, "tag_v2", None)
    if tag is not None:
        bits = tag.get(258)  # TIFF BitsPerSample
        if isinstance(bits, tuple) and bits:
            return int(bits[0])
        if isinstance(bits, int):
            return bits
    return _BIT_DEPTH_BY_MODE.get(im.mode, 8)


def _display_name(filename: str) -> str:
    """The file's base name, made safe to quote back to a seller."""
    base = PurePath(filename.replace("\\", "/")).name or "the file"
    printable = "".join(ch if ch.isprintable() else "?" for ch in base)
    return printable if len(printable) <= 80 else printable[:77] + "..."


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
