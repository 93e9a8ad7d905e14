"""Independent compliance check of an encoded marketplace file.

This decodes the bytes that will actually be uploaded and measures them against
`specs.SPECS`; it never trusts what the renderer meant to produce. Each failure
is a sentence a seller can act on, with the measured value and the requirement.

Tolerances (and why):

* Pure white border: the outer band (1% of the short side, at least 2 px) must
  be white in >= 99% of its pixels. "White" is exactly 255 for lossless formats
  and >= 254 in every channel for lossy ones (JPEG/WebP): libjpeg reproduces
  flat 255 blocks exactly, but blocks that also hold a little shadow or product
  can ring by one level. 254 is invisible and still what Amazon's checker
  accepts as white; 253 and below starts to be a visible grey on some screens.
  The 1% pixel allowance covers a product that legitimately touches the edge.
* Fill ratio: a pixel is product when any channel is below 240, so JPEG noise
  and the faint tail of a soft shadow do not count, and a row/column counts
  only if it holds at least 0.2% product pixels (stray specks don't stretch the
  box). Fill = max(bbox width / image width, bbox height / image height).
* Borders (eBay): a frame is a band along *all four* edges, of one colour, 2 px
  to 15% of the side thick, with clearly different content right inside it. A
  uniform backdrop that simply reaches the edges is not a frame.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from lightbox.marketplaces.specs import MarketplaceSpec, get_spec

#: Never decode more than this many pixels to check a file (decompression bombs).
MAX_DECODE_PIXELS = 120_000_000
#: Above this long side, JPEGs are decoded at reduced scale (draft): the checks
#: are about bands and boxes, not single pixels.
ANALYSIS_SIDE = 4000

WHITE_BAND = 0.01
WHITE_SHARE = 0.99
LOSSY_WHITE = 254
PRODUCT_BELOW = 240
PRODUCT_LINE_SHARE = 0.002
FRAME_TOLERANCE = 12
FRAME_MAX = 0.15

_LOSSY = {"JPEG", "WEBP"}
#: RGB-model modes (untagged data is read as sRGB by browsers and marketplaces);
#: CMYK, Lab and high-bit-depth files are not.
_ACCEPTED_MODES = {"RGB", "RGBA", "L", "LA", "P", "PA"}
_MODE_NAMES = {"CMYK": "CMYK", "LAB": "Lab", "I;16": "16-bit", "I": "32-bit", "F": "float"}

Measured = dict[str, float | int | str]


@dataclass(frozen=True)
class ComplianceReport:
    """Outcome for one marketplace file.

    failures: seller-readable sentences, empty when ok.
    measured: what was measured (format, width, height, megapixels, bytes,
        mode, icc, and per applicable rule border_white_fraction, fill_ratio,
        frame_px).
    """

    marketplace: str
    ok: bool
    failures: list[str]
    measured: Measured


def check_compliance(marketplace: str, data: bytes) -> ComplianceReport:
    """Decode `data` and check it against the marketplace's main-image rules."""
    spec = get_spec(marketplace)
    failures: list[str] = []
    measured: Measured = {"bytes": len(data)}
    say = _Say(spec, failures)

    if len(data) > spec.max_bytes:
        say(
            f"the file is {_mb(len(data))}; the limit is {_mb(spec.max_bytes)}. "
            "Save it with a little more compression."
        )
    try:
        img = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:
        say("the image has far too many pixels to inspect; resize it before uploading.")
        return _report(spec, failures, measured)
    except (UnidentifiedImageError, OSError):
        say("the file is not an image we can read. Export it again as JPEG or PNG.")
        return _report(spec, failures, measured)

    with img:
        _check_header(spec, img, measured, say)
        if img.width * img.height > MAX_DECODE_PIXELS:
            say(
                f"the image has {img.width * img.height / 1e6:.0f} MP, too many to inspect; "
                "resize it before uploading."
            )
            return _report(spec, failures, measured)
        try:
            rgb = _decode_rgb(img)
        except OSError:
            say("the file is damaged (its image data stops part-way); export it again.")
            return _report(spec, failures, measured)
    _check_pixels(spec, rgb, img.format or "", measured, say)
    return _report(spec, failures, measured)


class _Say:
    """Collects failures prefixed with the marketplace's name."""

    def __init__(self, spec: MarketplaceSpec, failures: list[str]) -> None:
        self._label = spec.label
        self._failures = failures

    def __call__(self, sentence: str) -> None:
        self._failures.append(f"{self._label}: {sentence}")


def _report(spec: MarketplaceSpec, failures: list[str], measured: Measured) -> ComplianceReport:
    return ComplianceReport(
        marketplace=spec.name, ok=not failures, failures=failures, measured=measured
    )


# ------------------------------------------------------------------------ header


def _check_header(spec: MarketplaceSpec, img: Image.Image, measured: Measured, say: _Say) -> None:
    fmt = img.format or "unknown"
    w, h = img.size
    long_side = max(w, h)
    mp = w * h / 1e6
    icc = _icc_name(img.info.get("icc_profile"))
    measured.update(format=fmt, width=w, height=h, megapixels=round(mp, 3), mode=img.mode, icc=icc)

    if fmt not in spec.formats:
        say(f"the file is {fmt}; {spec.label} accepts {_join(sorted(spec.formats))}.")
    if long_side < spec.min_long_side:
        say(
            f"the image is {long_side} px on its longest side; it needs at least "
            f"{spec.min_long_side} px."
        )
    if spec.max_long_side is not None and long_side > spec.max_long_side:
        say(
            f"the image is {long_side} px on its longest side; the maximum is "
            f"{spec.max_long_side} px."
        )
    if spec.max_megapixels is not None and mp > spec.max_megapixels:
        say(f"the image has {_num(mp)} megapixels; the maximum is {spec.max_megapixels:g}.")
    if spec.requires_square and w != h:
        say(f"the image is {w}x{h} px; {spec.label} main images should be square.")
    if spec.srgb_required:
        if img.mode not in _ACCEPTED_MODES:
            name = _MODE_NAMES.get(img.mode, img.mode)
            say(f"the image is {name}; it must be an 8-bit sRGB (RGB) image.")
        if icc not in ("none", "sRGB"):
            say(f"the image carries the colour profile '{icc}'; it must be sRGB.")


def _icc_name(icc: bytes | None) -> str:
    """'none', 'sRGB', or the profile's own description."""
    if not icc:
        return "none"
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
        desc = (profile.profile_description or "").strip()
    except (OSError, ImageCms.PyCMSError):
        return "unreadable"
    if "srgb" in desc.lower() or "61966-2" in desc:
        return "sRGB"
    return desc or "unnamed"


def _decode_rgb(img: Image.Image) -> np.ndarray:
    if img.format == "JPEG" and max(img.size) > ANALYSIS_SIDE:
        scale = ANALYSIS_SIDE / max(img.size)
        img.draft("RGB", (round(img.width * scale), round(img.height * scale)))
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        # Judge what a marketplace shows: transparency over white.
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return np.asarray(flat)
    return np.asarray(img.convert("RGB"))


# ------------------------------------------------------------------------ pixels


def _check_pixels(
    spec: MarketplaceSpec, rgb: np.ndarray, fmt: str, measured: Measured, say: _Say
) -> None:
    if spec.requires_pure_white_background:
        white_min = LOSSY_WHITE if fmt in _LOSSY else 255
        share = _white_border_share(rgb, white_min)
        measured["border_white_fraction"] = round(share, 4)
        if share < WHITE_SHARE:
            say(
                f"{(1 - share) * 100:.0f}% of the image border is not pure white; the main "
                "image needs a pure white (RGB 255) background."
            )
    if spec.min_fill_ratio is not None:
        fill = _fill_ratio(rgb)
        measured["fill_ratio"] = round(fill, 4)
        if fill < spec.min_fill_ratio:
            say(
                f"product fills {_pct(fill)} of the frame; the main image needs at least "
                f"{_pct(spec.min_fill_ratio)}."
            )
    if spec.forbids_borders:
        frame = _frame_width(rgb)
        measured["frame_px"] = frame
        if frame:
            say(
                f"the photo has a {frame} px border around it; {spec.label} does not allow "
                "borders. Remove the frame and upload the photo itself."
            )


def _white_border_share(rgb: np.ndarray, white_min: int) -> float:
    h, w = rgb.shape[:2]
    b = max(2, round(WHITE_BAND * min(h, w)))
    # Only the band is tested (testing the whole frame first cost 25x more).
    bands = (rgb[:b], rgb[-b:], rgb[b:-b, :b], rgb[b:-b, -b:])
    white = np.concatenate([(band.min(axis=2) >= white_min).ravel() for band in bands])
    return float(white.mean()) if white.size else 0.0


def _fill_ratio(rgb: np.ndarray) -> float:
    # min over channels < X  ==  any channel < X, without a 3-channel bool array.
    product = np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]) < PRODUCT_BELOW
    h, w = product.shape
    rows = np.nonzero(product.sum(axis=1) >= max(2, PRODUCT_LINE_SHARE * w))[0]
    cols = np.nonzero(product.sum(axis=0) >= max(2, PRODUCT_LINE_SHARE * h))[0]
    if rows.size == 0 or cols.size == 0:
        return 0.0
    return float(max((cols[-1] - cols[0] + 1) / w, (rows[-1] - rows[0] + 1) / h))


def _frame_width(rgb: np.ndarray) -> int:
    """Thickness in px of a uniform frame around the whole image, 0 if none."""
    sides = [
        rgb,  # top: rows from the top
        rgb[::-1],  # bottom
        rgb.transpose(1, 0, 2),  # left: columns from the left
        rgb.transpose(1, 0, 2)[::-1],  # right
    ]
    widths, colours = [], []
    for lines in sides:
        found = _strip(lines, max(2, round(FRAME_MAX * lines.shape[0])))
        if found is None:
            return 0
        widths.append(found[0])
        colours.append(found[1])
    spread = np.ptp(np.array(colours), axis=0).max()
    return int(min(widths)) if spread <= 2 * FRAME_TOLERANCE else 0


def _strip(lines: np.ndarray, max_width: int) -> tuple[int, np.ndarray] | None:
    """(thickness, colour) of a uniform band at the start of `lines`, if one
    ends in clearly different content."""
    colour = np.median(lines[0], axis=0)
    depth = min(max_width + 2, lines.shape[0])
    diff = np.abs(lines[:depth].astype(np.int16) - colour.astype(np.int16)).max(axis=2)
    close = (diff <= FRAME_TOLERANCE).mean(axis=1)
    far = (diff > 2 * FRAME_TOLERANCE).mean(axis=1)
    width = 0
    while width < depth and close[width] >= 0.97:
        width += 1
    if width < 2 or width > max_width:
        return None
    # Right inside the band (allowing one transition line of JPEG blur) most of
    # the line must be different: that is what makes it a frame.
    inner = far[width : width + 2]
    return (width, colour) if inner.size and inner.max() >= 0.5 else None


# ----------------------------------------------------------------------- wording


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _num(v: float) -> str:
    """Up to three decimals, no trailing zeros: 25.005, 24.5, 12."""
    return f"{v:.3f}".rstrip("0").rstrip(".")


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
