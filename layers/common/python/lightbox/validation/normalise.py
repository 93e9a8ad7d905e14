"""Decode an opened upload once into the 8-bit sRGB working image.

Every later stage (segmentation, enhancement, the marketplace renders) works
from this one image, so all the format quirks are dealt with here, explicitly:
JPEG downscale-on-decode, EXIF orientation, CMYK, 16-bit and palette modes,
alpha, embedded ICC profiles. Pillow's implicit conversions are avoided where
they are wrong (``I;16`` → ``L`` clips instead of scaling) or lossy in ways we
want to control.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageCms, ImageOps

from lightbox.limits import WORKING_LONG_SIDE

# Created once per process: building the sRGB profile costs ~1 ms each time.
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# ICC colour-space signature → the Pillow mode a transform from it expects.
_ICC_SPACE_MODE = {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}


@dataclass
class Decoded:
    """The working image, the EXIF orientation that was applied, and notes for the seller."""

    image: Image.Image
    orientation: int = 1
    notes: list[str] = field(default_factory=list)


def decode_working_image(im: Image.Image, bit_depth: int) -> Decoded:
    """Decode ``im`` (opened lazily, header read) into the working image.

    Raises Pillow's usual errors (``OSError``, ``SyntaxError`` ...) when the
    pixel data is broken; the caller turns those into a seller-facing reason.
    """
    notes: list[str] = []
    frames = getattr(im, "n_frames", 1)
    if frames > 1:
        im.seek(0)
        kind = "GIF is animated" if im.format == "GIF" else "file holds several images"
        notes.append(
            f"The {kind} ({frames} frames): only the first one is used. Upload a still "
            "photo if that is not the one you want."
        )
    icc = im.info.get("icc_profile")

    _draft_towards_working_size(im)
    im.load()
    # Orientation is applied right after decoding (the image is already
    # draft-reduced for JPEG), before any size or colour work, so everything
    # downstream sees the photo the way the seller saw it on their phone.
    orientation = orientation_value(im.getexif())
    ImageOps.exif_transpose(im, in_place=True)

    image = _to_eight_bit(im, bit_depth)
    image = _shrink_to_working_size(image)
    if icc:
        image, note = _to_srgb(image, icc)
        if note:
            notes.append(note)
    return Decoded(_detached(_to_rgb_or_rgba(image), im), orientation, notes)


def _detached(image: Image.Image, opened: Image.Image) -> Image.Image:
    """A plain in-memory image with no metadata.

    Its pixels are upright sRGB now, so the upload's ICC profile and EXIF
    orientation no longer describe them: a later stage copying ``info`` into
    an output file would otherwise re-rotate or mis-colour it. Also unties it
    from the upload's bytes when no conversion produced a new image.
    """
    if image is opened:
        image = image.copy()
    image.info = {}
    return image


def orientation_value(exif: Image.Exif) -> int:
    """The EXIF orientation (1-8); 1 when absent or nonsensical."""
    value = exif.get(0x0112, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def working_size(width: int, height: int) -> tuple[int, int]:
    """The size of the working image for a photo stored at ``width`` × ``height``."""
    longest = max(width, height)
    if longest <= WORKING_LONG_SIDE:
        return width, height
    scale = WORKING_LONG_SIDE / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _draft_towards_working_size(im: Image.Image) -> None:
    """Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding (never below target).

    A 24 MP JPEG then decodes as 6 MP: ~4x less memory and time than decoding
    in full and resizing (docs/architecture.md, "Images"). Other formats ignore
    ``draft``.
    """
    if im.format not in ("JPEG", "MPO"):
        return
    target = working_size(*im.size)
    if target != im.size:
        im.draft(im.mode, target)


def _to_eight_bit(im: Image.Image, bit_depth: int) -> Image.Image:
    """Bring any mode to one of L, LA, RGB, RGBA or CMYK with 8 bits per band."""
    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return im
    if mode.startswith("I") or mode == "F":
        return _high_depth_to_l(im, bit_depth)
    if mode == "P":
        # Palette transparency (tRNS or GIF transparency) becomes real alpha.
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode == "1":
        return im.convert("L")
    if mode in ("PA", "RGBa", "La"):
        return im.convert("RGBA")
    if mode == "LAB":
        lab = ImageCms.createProfile("LAB")
        return ImageCms.profileToProfile(im, lab, _SRGB, outputMode="RGB") or im
    # RGBX, YCbCr, HSV ...: Pillow's conversion to RGB is exact enough.
    return im.convert("RGB")


def _high_depth_to_l(im: Image.Image, bit_depth: int) -> Image.Image:
    """Scale 16/32-bit integer or float greyscale to 8 bits.

    Pillow's ``convert("L")`` clips these modes at 255 instead of scaling, which
    turns a normal 16-bit photo almost entirely white.
    """
    values = np.asarray(im).astype(np.float64)
    if im.mode == "F":
        top = 1.0 if float(values.max(initial=0.0)) <= 1.0 else 255.0
    elif bit_depth > 8:
        top = float(2 ** min(bit_depth, 32) - 1)
    elif im.mode.startswith("I;16"):
        top = 65535.0
    else:  # mode "I" with unknown depth: infer the range from the data
        peak = float(values.max(initial=0.0))
        top = 255.0 if peak <= 255 else 65535.0 if peak <= 65535 else peak
    scaled = np.clip(values * (255.0 / top), 0.0, 255.0)
    return Image.fromarray(np.rint(scaled).astype(np.uint8))


def _shrink_to_working_size(image: Image.Image) -> Image.Image:
    target = working_size(*image.size)
    if target == image.size:
        return image
    # reducing_gap lets Pillow box-reduce first for big ratios (a 50 MP PNG):
    # much faster, visually identical at these factors.
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_srgb(image: Image.Image, icc: bytes) -> tuple[Image.Image, str | None]:
    """Convert from the embedded ICC profile to sRGB (what marketplaces show)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image, (
            "The photo's embedded colour profile is damaged, so its colours were used as "
            "stored: if they look wrong, export it again in sRGB."
        )
    description = source.profile.profile_description or ""  # None: the profile has none
    if "srgb" in description.lower():
        return image, None  # already what we want; a transform would only cost time
    alpha = image.getchannel("A") if image.mode in ("LA", "RGBA") else None
    colour_mode = {"LA": "L", "RGBA": "RGB"}.get(image.mode, image.mode)
    if _ICC_SPACE_MODE.get(space) != colour_mode:
        return image, (
            f"The photo's embedded colour profile ({space}) doesn't match its pixels "
            f"({colour_mode}), so it was ignored: if colours look wrong, export it in sRGB."
        )
    colour = image.convert(colour_mode) if alpha is not None else image
    try:
        converted = ImageCms.profileToProfile(colour, source, _SRGB, outputMode="RGB")
    except ImageCms.PyCMSError:
        return image, (
            "The photo's embedded colour profile couldn't be applied, so its colours were "
            "used as stored: if they look wrong, export it again in sRGB."
        )
    assert converted is not None  # inPlace=False always returns an image
    if alpha is not None:
        converted.putalpha(alpha)
    return converted, None


def _to_rgb_or_rgba(image: Image.Image) -> Image.Image:
    """Final mode: RGB, or RGBA when the alpha channel carries information."""
    if image.mode in ("LA", "RGBA"):
        alpha = image.getchannel("A")
        if alpha.getextrema() == (255, 255):
            # A fully opaque alpha band is no information, only a cost downstream.
            return image.convert("RGB")
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode == "RGB":
        return image
    # L and CMYK (without a profile: Pillow's conversion, the best we can do).
    return image.convert("RGB")
