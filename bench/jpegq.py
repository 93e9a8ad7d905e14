"""Estimate the libjpeg quality setting a JPEG was saved with.

Used by the benchmark's output check: "same encoder settings" is verified on
the files each variant wrote, not assumed from the code that wrote them.
"""

from __future__ import annotations

#: JPEG Annex K luminance quantisation table (quality 50), row-major.
_STD_LUMA = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]  # fmt: skip
#: Zigzag scan position -> row-major index.
_ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]  # fmt: skip


def estimate_quality(luma_table: list[int]) -> int:
    """The libjpeg quality whose scaled Annex K luma table is closest.

    Both natural and zigzag order are tried: which one Pillow's
    ``quantization`` reports has changed between versions, and an encoder
    with its own tables (mozjpeg profiles) simply matches less well.
    """
    orders = [_STD_LUMA, [_STD_LUMA[i] for i in _ZIGZAG]]
    best, best_err = 0, float("inf")
    for q in range(1, 101):
        scale = 5000 / q if q < 50 else 200 - 2 * q
        for base in orders:
            table = [min(255, max(1, (v * scale + 50) // 100)) for v in base]
            err = sum(abs(a - b) for a, b in zip(table, luma_table, strict=True))
            if err < best_err:
                best, best_err = q, err
    return best
