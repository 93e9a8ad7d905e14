"""Identify an upload's real format from its first bytes, never from its name.

Sellers rename files, phones save HEIC behind a ``.jpg`` name, and anyone can
upload a text file called ``photo.jpg``. The extension is therefore ignored:
the magic bytes decide. For the formats we accept we also read the header
dimensions straight from the bytes (no Pillow, no decoding) so that a
decompression bomb is refused before any image library touches it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Formats we decode, as Pillow names them. The union of what the marketplaces
#: accept for main images (``marketplaces.specs.SPECS``; docs/limits-and-rules.md,
#: "Marketplace main-image rules") minus nothing: outputs are re-encoded.
#: HEIF (HEIC, the iPhone default) is decoded by pi-heif, a decode-only libheif
#: build (libde265, no HEVC encoder: `lightbox.validation.heif`); AVIF by Pillow.
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "HEIF", "AVIF")

#: The accepted list as a seller reads it in a refusal message.
ACCEPTED_HUMAN = "JPEG, PNG, WebP, TIFF, GIF, BMP, HEIC or AVIF"

_EXPORT_JPEG = "save or export it as a JPEG or PNG and upload that file instead"


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of an upload say it is.

    ``format`` is Pillow's name for accepted formats ("JPEG", "PNG", ...) and a
    short label for recognised but refused ones ("HEIC", "PDF", ...); ``None``
    when the bytes are not a recognisable file type at all. ``width``,
    ``height`` and ``bit_depth`` are filled when the header gives them cheaply.
    """

    format: str | None
    accepted: bool
    description: str
    advice: str = ""
    width: int | None = None
    height: int | None = None
    bit_depth: int | None = None


def sniff(data: bytes) -> Sniffed:
    """Classify ``data`` by its magic bytes (and, for text, by its content)."""
    head = data[:64]
    accepted = _sniff_accepted(data, head)
    if accepted is not None:
        return accepted
    return _sniff_refused(data, head)


# --- accepted formats ----------------------------------------------------------------


def _sniff_accepted(data: bytes, head: bytes) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return _with_size("JPEG", "a JPEG photo", _jpeg_size(data))
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return Sniffed("GIF", True, "a GIF image", width=width, height=height, bit_depth=8)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _with_size("WEBP", "a WebP image", _webp_size(data))
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        if head[8:10] == b"CR":
            return None  # Canon CR2 raw: TIFF container, but not a photo we can use
        # TIFF headers are IFD chains; Pillow reads them lazily without decoding.
        return Sniffed("TIFF", True, "a TIFF image")
    if head[:2] == b"BM" and len(data) >= 26:
        return _bmp(data)
    if head[4:8] == b"ftyp":
        return _heif_family(data)
    return None


def _with_size(fmt: str, description: str, size: tuple[int, int] | None) -> Sniffed:
    width, height = size if size else (None, None)
    return Sniffed(fmt, True, description, width=width, height=height)


def _png(data: bytes) -> Sniffed:
    # The first chunk must be IHDR: width, height, bit depth (per channel).
    if len(data) >= 25 and data[12:16] == b"IHDR":
        width, height, depth = struct.unpack(">IIB", data[16:25])
        return Sniffed("PNG", True, "a PNG image", width=width, height=height, bit_depth=depth)
    return Sniffed("PNG", True, "a PNG image")


def _bmp(data: bytes) -> Sniffed | None:
    header_size = struct.unpack("<I", data[14:18])[0]
    if header_size == 12:
        width, height = struct.unpack("<HH", data[18:22])
    elif header_size in (40, 52, 56, 64, 108, 124):
        width, height = struct.unpack("<ii", data[18:26])
    else:
        return None  # "BM" alone is too weak a signature to call it a bitmap
    return Sniffed("BMP", True, "a BMP image", width=abs(width), height=abs(height))


# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic ...):
# every SOFn except DHT (C4), JPG (C8) and DAC (CC).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG marker segments up to the first SOFn and read its size."""
    pos = 2
    end = len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers: no length
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in _SOF_MARKERS:
            if pos + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xDA or length < 2:  # start of scan before any frame header
            return None
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    body = data[20:40]
    if chunk == b"VP8X" and len(body) >= 10:
        width = 1 + int.from_bytes(body[4:7], "little")
        height = 1 + int.from_bytes(body[7:10], "little")
        return width, height
    if chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
#: Boxes walked to the image sizes: meta → iprp → ipco → ispe (ISO/IEC 23008-12).
_MAX_BOXES = 4096


def _brands(data: bytes) -> set[bytes]:
    box_size = int.from_bytes(data[:4], "big")
    brands = {data[8:12]}
    compatible = data[16 : min(max(box_size, 16), 64)]
    brands.update(compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4))
    return brands


def _heif_family(data: bytes) -> Sniffed | None:
    """HEIC/HEIF and AVIF stills (an ISO-BMFF ``ftyp`` with an image brand).

    Image sequences (``avis``, ``hevc`` ...) without a still brand, CR3 and
    videos are left to the refusals. The size is the largest ``ispe`` (image
    spatial extents) property: for an iPhone photo that is the full grid, its
    512 px tiles being smaller, so a bomb is refused from the header alone.
    """
    if data[8:12] == b"crx ":
        return None
    brands = _brands(data)
    size = _heif_size(data)
    if brands & {b"avif"}:
        return _with_size("AVIF", "an AVIF image", size)
    if brands & {b"heic", b"heix", b"mif1"}:
        return _with_size("HEIF", "a HEIC photo", size)
    return None


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, body start, body end) of the boxes between ``start`` and ``end``."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end and len(found) < _MAX_BOXES:
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = pos + 8
        if size == 1:  # 64-bit size follows the type
            if pos + 16 > end:
                break
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            body = pos + 16
        elif size == 0:  # to the end of the enclosing box
            size = end - pos
        if size < body - pos or pos + size > end:
            break
        found.append((kind, body, pos + size))
        pos += size
    return found


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, body, stop in _boxes(data, start, end):
        if found == kind:
            return body, stop
    return None


def _heif_size(data: bytes) -> tuple[int, int] | None:
    meta = _child(data, 0, len(data), b"meta")
    if meta is None:
        return None
    iprp = _child(data, meta[0] + 4, meta[1], b"iprp")  # meta is a FullBox
    ipco = _child(data, iprp[0], iprp[1], b"ipco") if iprp else None
    if ipco is None:
        return None
    sizes = [
        (
            int.from_bytes(data[body + 4 : body + 8], "big"),
            int.from_bytes(data[body + 8 : body + 12], "big"),
        )
        for kind, body, stop in _boxes(data, ipco[0], ipco[1])
        if kind == b"ispe" and stop - body >= 12
    ]
    return max(sizes, key=lambda wh: wh[0] * wh[1]) if sizes else None


# --- recognised but refused -----------------------------------------------------------

_RAW_ADVICE = "export it from your camera app or photo editor as a JPEG and upload that"
_ARCHIVE_ADVICE = "unpack it and upload each photo on its own"

_SIMPLE_SIGNATURES: tuple[tuple[bytes, Sniffed], ...] = (
    (b"%PDF-", Sniffed("PDF", False, "a PDF document", _EXPORT_JPEG)),
    (b"%!PS", Sniffed("PS", False, "a PostScript/EPS file", _EXPORT_JPEG)),
    (b"\xc5\xd0\xd3\xc6", Sniffed("EPS", False, "an EPS file", _EXPORT_JPEG)),
    (b"8BPS", Sniffed("PSD", False, "a Photoshop document", _EXPORT_JPEG)),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", Sniffed("JP2", False, "a JPEG 2000 image", _EXPORT_JPEG)),
    (b"\xff\x4f\xff\x51", Sniffed("JP2", False, "a JPEG 2000 image", _EXPORT_JPEG)),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", Sniffed("JXL", False, "a JPEG XL image", _EXPORT_JPEG)),
    (b"\xff\x0a", Sniffed("JXL", False, "a JPEG XL image", _EXPORT_JPEG)),
    (b"FUJIFILMCCD-RAW", Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)),
    (b"IIRO", Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)),
    (b"IIRS", Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)),
    (b"IIU\x00", Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)),
    # Canon CR2 is a TIFF container; _sniff_accepted() hands it over to us.
    (b"II*\x00", Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)),
    (b"PK\x03\x04", Sniffed("ZIP", False, "a ZIP archive", _ARCHIVE_ADVICE)),
    (b"\x1f\x8b", Sniffed("GZIP", False, "a compressed archive", _ARCHIVE_ADVICE)),
    (b"Rar!", Sniffed("RAR", False, "a RAR archive", _ARCHIVE_ADVICE)),
    (b"7z\xbc\xaf\x27\x1c", Sniffed("7Z", False, "a 7-Zip archive", _ARCHIVE_ADVICE)),
    (b"\x00\x00\x01\x00", Sniffed("ICO", False, "an icon file", _EXPORT_JPEG)),
)


def _sniff_refused(data: bytes, head: bytes) -> Sniffed:
    if head[4:8] == b"ftyp":
        return _iso_media(data)
    for signature, found in _SIMPLE_SIGNATURES:
        if head.startswith(signature):
            return found
    return _sniff_text(data)


def _iso_media(data: bytes) -> Sniffed:
    """What is left of the ISO base media ``ftyp`` family once HEIC and AVIF stills
    are accepted: CR3, image sequences (animated AVIF, HEIF bursts) and videos."""
    brands = _brands(data)
    if data[8:12] == b"crx ":
        return Sniffed("RAW", False, "a camera RAW file", _RAW_ADVICE)
    if brands & (_AVIF_BRANDS | _HEIF_BRANDS):
        return Sniffed(
            "HEIF-SEQUENCE",
            False,
            "an image sequence (a burst or an animation), not a still photo",
            "export the one photo you want as a JPEG or HEIC and upload that",
        )
    return Sniffed(
        "VIDEO", False, "a video", "upload a still photo (JPEG or PNG), not a video or live photo"
    )


def _sniff_text(data: bytes) -> Sniffed:
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by our 4 KB window is still text.
        if exc.start < len(sample) - 4:
            return _not_an_image("isn't a file type we recognise")
        text = sample[: exc.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if "<svg" in lowered[:2048]:
        return Sniffed(
            "SVG",
            False,
            "an SVG drawing",
            "export the photo itself as a JPEG or PNG (not vector art)",
        )
    if lowered.startswith(("<!doctype html", "<html")):
        return _not_an_image("looks like a web page (HTML)")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if "\x00" not in text and printable >= 0.95 * max(len(text), 1):
        return _not_an_image("looks like a text file")
    return _not_an_image("isn't a file type we recognise")


def _not_an_image(what: str) -> Sniffed:
    return Sniffed(
        None,
        False,
        f"not an image at all (it {what})",
        "check you picked the right file and upload the photo itself as a JPEG or PNG",
    )
