"""Photo files built byte by byte for the validation tests: what cameras and attackers send.

`studio_image` draws a crisp product on a light background (the photo every
rule accepts unless a test spoils it) and `encode` writes it in any format
Pillow can. The rest build what Pillow cannot or will not write: PNG and TIFF
headers that claim huge sizes with no pixel data behind them (decompression
bombs), 48-bit PNGs, and an ICC profile with red and blue swapped, so a
colour conversion that really uses the embedded profile is unmistakable.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw


def studio_image(width: int = 1200, height: int = 900, mode: str = "RGB") -> Image.Image:
    """A crisp 'product on a light background': a red disc with a dark label band."""
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    background = 236 - 14 * ys + np.zeros((height, width, 3), np.float32)
    image = Image.fromarray(background.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    r = min(width, height) * 0.3
    cx, cy = width / 2, height / 2
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(190, 30, 40))
    draw.rectangle((cx - r * 0.8, cy - r * 0.12, cx + r * 0.8, cy + r * 0.12), fill=(30, 30, 34))
    for i in range(6):  # fine detail, like printing on a label
        x = cx - r * 0.6 + i * r * 0.24
        draw.rectangle((x, cy - r * 0.06, x + r * 0.1, cy + r * 0.06), fill=(235, 235, 235))
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height, with a tiny (truncated) IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(1 + 3 * min(width, 64)))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)


def png16_rgb(pixels: np.ndarray) -> bytes:
    """Write uint16 RGB (h, w, 3) as a 48-bit PNG (Pillow can't write these)."""
    h, w = pixels.shape[:2]
    rows = np.concatenate(
        [np.zeros((h, 1), np.uint8), pixels.astype(">u2").reshape(h, w * 3).view(np.uint8)],
        axis=1,
    )
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(rows.tobytes()))
        + png_chunk(b"IEND", b"")
    )


def tiff_header_only(width: int, height: int) -> bytes:
    """A minimal greyscale TIFF whose IFD claims width x height; no pixel data."""
    tags = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample, SHORT
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: min-is-black
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, width * height),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(tags))
    for tag, kind, count, value in tags:
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def swapped_primaries_profile() -> bytes:
    """An RGB ICC v2 profile whose red and blue primaries are swapped.

    Pixels tagged with it that say "red" mean sRGB blue: a conversion that
    really uses the embedded profile is unmistakable.
    """

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    text = b"Swapped red/blue test profile\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(*blue)),
        (b"gXYZ", xyz(*green)),
        (b"bXYZ", xyz(*red)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + bytes(48)
    )
    return header + table + data


def centre_pixel(image: Image.Image) -> tuple[int, ...]:
    return image.getpixel((image.width // 2, image.height // 2))  # type: ignore[return-value]
