"""Property-based: the sniffer and the photo gate never raise, whatever the bytes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lightbox.validation.photo import inspect_photo
from lightbox.validation.sniff import ACCEPTED_FORMATS, sniff
from support.photo_files import encode, studio_image

_REAL = {
    "JPEG": encode(studio_image(640, 480), "JPEG"),
    "PNG": encode(studio_image(640, 480), "PNG"),
    "WEBP": encode(studio_image(640, 480), "WEBP"),
    "AVIF": encode(studio_image(640, 480), "AVIF"),
    "HEIF": (Path(__file__).parents[2] / "support" / "heic" / "product.heic").read_bytes(),
}
_MAGIC = st.sampled_from(
    [
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"RIFF\0\0\0\0WEBP",
        b"II*\x00",
        b"BM",
        b"\0\0\0\x1cftypheic",
        b"\0\0\0\x1cftypavif",
        b"\0\0\0\x18ftypmp42",
        b"%PDF-",
    ]
)
_BYTES = st.one_of(
    st.binary(max_size=512), st.builds(bytes.__add__, _MAGIC, st.binary(max_size=256))
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.binary(max_size=512), st.builds(bytes.__add__, _MAGIC, st.binary(max_size=256)))
)
def test_given_any_bytes_when_sniffed_then_classified_never_raised(data: bytes):
    found = sniff(data)

    assert found.accepted == (found.format in ACCEPTED_FORMATS)
    assert found.description
    for side in (found.width, found.height):
        assert side is None or side >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(_REAL)),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=12),
)
def test_given_a_damaged_real_photo_when_inspected_then_a_check_never_an_exception(
    fmt: str, cut: float, flips: list[tuple[float, int]]
):
    data = bytearray(_REAL[fmt])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    damaged = bytes(data[: max(1, int(cut * len(data)))])

    check, image = inspect_photo(damaged, "photo")

    assert check.ok or check.reasons
    assert (image is None) or image.mode in ("RGB", "RGBA")
