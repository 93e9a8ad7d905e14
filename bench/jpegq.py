"""Read back the encoder settings a JPEG file was written with.

Used by the benchmark's output check: "same output settings" is verified on
the files each variant wrote, not assumed from the code that wrote them. The
marker walk is plain Python over the bytes (no decoding), so it is exact and
testable; the benchmark cross-checks it against what Pillow reports.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

#: JPEG Annex K luminance / chrominance quantisation tables (quality 50), row-major.
_STD_LUMA = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]  # fmt: skip
_STD_CHROMA = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]  # fmt: skip
#: Zigzag scan position -> row-major index.
_ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]  # fmt: skip

#: Annex K.3 Huffman tables (code-length counts, then symbols) that libjpeg
#: writes when Huffman optimisation is off: (class, index) -> table.
_STD_HUFFMAN: dict[tuple[int, int], tuple[bytes, bytes]] = {
    (0, 0): (bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), bytes(range(12))),
    (0, 1): (bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), bytes(range(12))),
    (1, 0): (
        bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]),
        bytes.fromhex(
            "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718"
            "191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a7374"
            "75767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9ba"
            "c2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
        ),
    ),
    (1, 1): (
        bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]),
        bytes.fromhex(
            "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e1"
            "25f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a"
            "737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7"
            "b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa"
        ),
    ),
}

#: SOF markers: 0xC0 baseline; 0xC1 extended sequential; 0xC2 progressive;
#: 0xC3 lossless; 0xC5-0xC7 differential; 0xC9-0xCF the arithmetic-coded ones.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PROGRESSIVE_SOF = {0xC2, 0xC6, 0xCA, 0xCE}


def _scaled(base: list[int], quality: int) -> list[int]:
    """libjpeg's jpeg_quality_scaling + jpeg_add_quant_table (force_baseline)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (v * scale + 50) // 100)) for v in base]


def estimate_quality(luma_table: list[int]) -> int:
    """The libjpeg quality whose scaled Annex K luma table is closest.

    Both natural and zigzag order are tried: which one Pillow's
    ``quantization`` reports has changed between versions, and an encoder
    with its own tables (mozjpeg profiles) simply matches less well.
    """
    orders = [_STD_LUMA, [_STD_LUMA[i] for i in _ZIGZAG]]
    best, best_err = 0, float("inf")
    for q in range(1, 101):
        for base in orders:
            err = sum(abs(a - b) for a, b in zip(_scaled(base, q), luma_table, strict=True))
            if err < best_err:
                best, best_err = q, err
    return best


def _natural(zigzag_table: list[int]) -> list[int]:
    out = [0] * 64
    for pos, index in enumerate(_ZIGZAG):
        out[index] = zigzag_table[pos]
    return out


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every marker segment, entropy-coded data skipped."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG (no SOI marker)")
    out: list[tuple[int, bytes]] = []
    pos, n = 2, len(data)
    while pos < n:
        if data[pos] != 0xFF:
            raise ValueError(f"marker expected at byte {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            out.append((marker, b""))
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn / TEM carry no length
            continue
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        out.append((marker, data[pos + 2 : pos + length]))
        pos += length
        if marker == 0xDA:  # SOS: skip the entropy-coded scan up to the next marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0:
                    raise ValueError("scan data runs to the end of the file (no EOI)")
                nxt = data[pos + 1] if pos + 1 < n else 0xD9
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                    pos += 2 if nxt != 0xFF else 1
                    continue
                break
    return out


def read_jpeg(data: bytes) -> dict[str, Any]:
    """The output settings a JPEG file carries, from its markers.

    progressive: a progressive SOF (several scans) rather than a sequential one.
    arithmetic: arithmetic rather than Huffman entropy coding.
    subsampling: "4:4:4", "4:2:2", "4:2:0" or "other" (from the sampling factors).
    quality: the libjpeg quality of the luma quantisation table (Annex K scaling).
    quant_tables: "annex-k" when every table is Annex K scaled to that quality,
        else "custom" (another encoder's own tables).
    optimize: True when any Huffman table differs from the Annex K.3 defaults,
        i.e. the encoder optimised them for this image.
    icc: `icc_digest` of the embedded ICC profile (APP2 chunks joined), or "none".
    """
    sof: tuple[int, bytes] | None = None
    quant: dict[int, list[int]] = {}
    huffman: dict[tuple[int, int], tuple[bytes, bytes]] = {}
    icc_chunks: dict[int, bytes] = {}
    apps: list[str] = []
    scans = 0
    restart = 0
    for marker, payload in _segments(data):
        if marker in _SOF and sof is None:
            sof = (marker, payload)
        elif marker == 0xDB:  # DQT: one or more tables
            pos = 0
            while pos < len(payload):
                precision, index = payload[pos] >> 4, payload[pos] & 0x0F
                size = 128 if precision else 64
                raw = payload[pos + 1 : pos + 1 + size]
                values = list(struct.unpack(">64H", raw)) if precision else list(raw)
                quant[index] = _natural(values)
                pos += 1 + size
        elif marker == 0xC4:  # DHT: one or more tables
            pos = 0
            while pos < len(payload):
                cls, index = payload[pos] >> 4, payload[pos] & 0x0F
                counts = payload[pos + 1 : pos + 17]
                symbols = payload[pos + 17 : pos + 17 + sum(counts)]
                huffman[(cls, index)] = (bytes(counts), bytes(symbols))
                pos += 17 + sum(counts)
        elif marker == 0xDA:
            scans += 1
        elif marker == 0xDD:
            (restart,) = struct.unpack(">H", payload[:2])
        elif 0xE0 <= marker <= 0xEF:
            tag = payload.split(b"\x00", 1)[0][:16].decode("latin-1") or "?"
            apps.append(f"APP{marker - 0xE0}:{tag}")
            if marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
                icc_chunks[payload[12]] = payload[14:]
    if sof is None:
        raise ValueError("no SOF marker")
    marker, frame = sof
    _precision, height, width, ncomp = struct.unpack(">BHHB", frame[:6])
    factors = [(frame[7 + 3 * i] >> 4, frame[7 + 3 * i] & 0x0F) for i in range(ncomp)]
    luma = quant.get(0, [])
    quality = estimate_quality(luma) if len(luma) == 64 else 0
    standard = {0: _scaled(_STD_LUMA, quality), 1: _scaled(_STD_CHROMA, quality)} if quality else {}
    icc = b"".join(icc_chunks[k] for k in sorted(icc_chunks))
    return {
        "size": [width, height],
        "components": ncomp,
        "progressive": marker in _PROGRESSIVE_SOF,
        "arithmetic": marker >= 0xC9,
        "scans": scans,
        "subsampling": _subsampling(factors),
        "quality": quality,
        "quant_tables": "annex-k"
        if quant and all(standard.get(i) == t for i, t in quant.items())
        else "custom",
        "optimize": any(_STD_HUFFMAN.get(k) != v for k, v in huffman.items()),
        "icc": icc_digest(icc) if icc else "none",
        "icc_bytes": len(icc),
        "restart_interval": restart,
        "app_markers": apps,
    }


def icc_digest(icc: bytes) -> str:
    """Short sha256 of an ICC profile, its creation time and profile ID left out.

    lcms stamps the time into every profile it builds, so the same sRGB
    profile made in two processes differs in those header bytes only.
    """
    header = bytearray(icc[:128])
    header[24:36] = bytes(12)  # dateTimeNumber
    header[84:100] = bytes(16)  # profile ID (an MD5 over the profile, date included)
    return hashlib.sha256(bytes(header) + icc[128:]).hexdigest()[:12]


def _subsampling(factors: list[tuple[int, int]]) -> str:
    if len(factors) == 1:
        return "grey"
    if len(factors) != 3 or factors[1] != factors[2] or factors[1] != (1, 1):
        return "other"
    return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0"}.get(factors[0], "other")
