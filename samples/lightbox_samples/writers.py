"""File formats a seller's tools produce, good and bad.

JPEGs as a camera or an editor exports them, a 48-bit PNG, a decompression
bomb that is small on disk, and the first bytes of an iPhone HEIC.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from lightbox.marketplaces.render import srgb_icc
from lightbox_samples.shading import Array

# --- file writers ----------------------------------------------------------------------


def save_jpeg(image: Image.Image, path: Path, **params: Any) -> bytes:
    """Write a JPEG the way a camera app or an editor export would (quality 90)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    data = buffer.getvalue()
    path.write_bytes(data)
    return data


def srgb_profile() -> bytes:
    """The sRGB ICC profile the pipeline embeds in its outputs, with a fixed date.

    LittleCMS stamps profiles with the current time (header bytes 24-35);
    pinning it keeps the sample files byte-identical from run to run.
    """
    profile = bytearray(srgb_icc())
    profile[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    return bytes(profile)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_png16(pixels: Array, path: Path) -> None:
    """Write float RGB (0..255) as a 48-bit (16 bits per channel) PNG.

    Pillow cannot write 16-bit RGB PNGs, and reads them back reduced to 8 bits:
    exactly the "export from an editor at 16 bits" upload the pipeline must
    normalise. Rows use the PNG "Up" filter, which suits smooth studio
    gradients and keeps zlib fast.
    """
    h, w = pixels.shape[:2]
    # 12 significant bits, as a camera's raw converter produces: realistic, and
    # the file compresses to ~6 MB instead of ~8.
    samples = (np.clip(pixels * 257.0 + 0.5, 0, 65535).astype(np.uint32) & 0xFFF0).astype(">u2")
    raw = samples.reshape(h, w * 3).view(np.uint8)
    filtered = raw.copy()
    filtered[1:] -= raw[:-1]  # "Up": difference from the row above, modulo 256
    rows = np.concatenate([np.full((h, 1), 2, np.uint8), filtered], axis=1)
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    idat = zlib.compress(rows.tobytes(), 2)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def write_png_bomb(path: Path, side: int = 30000) -> None:
    """A complete, valid 1-bit PNG of ``side`` x ``side`` zero pixels in ~110 KB.

    Decoded it would take ``side``² bytes (900 MB for 30000 px) — the classic
    decompression bomb. The IDAT is a real zlib stream of every row: one chunk
    of rows is deflated once with a full flush (which makes it independent of
    what came before) and repeated, so building it costs milliseconds instead
    of deflating 112 MB.
    """
    row = bytes(1 + (side + 7) // 8)  # filter byte 0 + packed 1-bit pixels
    rows_per_block = 1000
    blocks, rest = divmod(side, rows_per_block)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(row * rows_per_block) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = (
        tail_deflate.compress(row * rest) + tail_deflate.flush(zlib.Z_FULL_FLUSH) if rest else b""
    )
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(row * rows_per_block, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    final_block = b"\x01\x00\x00\xff\xff"  # last, empty, stored block
    stream = b"\x78\xda" + block * blocks + tail + final_block + struct.pack(">I", checksum)
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", stream)
        + _png_chunk(b"IEND", b"")
    )


def fake_heic() -> bytes:
    """The start of an iPhone HEIC file: an ISO-BMFF ``ftyp`` box, brand heic, and a
    ``meta`` box cut short, as a failed transfer leaves it. (The pipeline decodes HEIC
    with pi-heif, which cannot encode, so no real HEIC is generated here; the tests'
    real ones are in tests/support/heic/.)"""
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heicmiaf"
    meta = b"meta" + bytes(4) + b"\x00\x00\x00\x21hdlr" + bytes(8) + b"pict" + bytes(13)
    return struct.pack(">I", 8 + len(ftyp) - 4) + ftyp + struct.pack(">I", 4 + len(meta)) + meta
