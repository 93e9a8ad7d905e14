"""inspect_photo refusing what it must: wrong format, too large, bombs, too small, corrupt.

Each rule is shown refusing and passing at its limit. The format is read from
the magic bytes, never the name; decompression bombs and too-small photos are
refused from the header alone (`forbid_decoding` fails the test if a pixel is
decoded); damaged files are refused with a reason, never an exception. Every
reason names what the seller should do, quoting only a safe base name, and
the domain package never loads boto3.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageFile

from lightbox import limits
from lightbox.validation import photo
from lightbox.validation.photo import PhotoCheck, inspect_photo
from support.photo_files import encode, png_header_only, studio_image, tiff_header_only

# --- format: magic bytes, never the name ----------------------------------------------


def test_given_text_file_named_jpg_when_inspected_then_refused_as_not_an_image():
    check, image = inspect_photo(b"Red mug, 350 ml. Photo to follow!\n", "photo.jpg")

    assert not check.ok
    assert image is None
    assert check.format is None
    assert "not an image" in check.reasons[0]
    assert "photo.jpg" in check.reasons[0]


def test_given_png_named_jpg_when_inspected_then_accepted_as_png():
    check, image = inspect_photo(encode(studio_image(), "PNG"), "photo.jpg")

    assert check.ok, check.reasons
    assert check.format == "PNG"
    assert image is not None


@pytest.mark.parametrize(
    ("data", "label", "hint"),
    [
        (b"\0\0\0\x1cftypavis\0\0\0\0avismsf1miaf" + bytes(40), "HEIF-SEQUENCE", "one photo"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + bytes(40), "PDF", "JPEG"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG", "JPEG"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0isommp42" + bytes(40), "VIDEO", "still photo"),
        (b"PK\x03\x04" + bytes(60), "ZIP", "unpack"),
        (b"8BPS\0\x01" + bytes(60), "PSD", "JPEG"),
    ],
    ids=["image-sequence", "pdf", "svg", "video", "zip", "psd"],
)
def test_given_recognised_unsupported_format_when_inspected_then_refused_naming_accepted_formats(
    data: bytes, label: str, hint: str
):
    check, image = inspect_photo(data, "upload.jpg")

    assert not check.ok
    assert image is None
    assert check.format == label
    assert "JPEG, PNG, WebP, TIFF, GIF, BMP, HEIC or AVIF" in check.reasons[0]
    assert hint in check.reasons[0]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "AVIF"])
def test_given_each_accepted_format_when_inspected_then_decoded(fmt: str):
    check, image = inspect_photo(encode(studio_image(800, 600), fmt), "product")

    assert check.ok, check.reasons
    assert check.format == fmt
    assert (check.width, check.height) == (800, 600)
    assert image is not None and image.mode == "RGB"


def test_given_empty_upload_when_inspected_then_refused():
    check, image = inspect_photo(b"", "a.jpg")

    assert not check.ok and image is None
    assert "empty" in check.reasons[0]


# --- size limit -----------------------------------------------------------------------------


def test_given_upload_one_byte_over_limit_when_inspected_then_refused_and_at_limit_accepted(
    monkeypatch: pytest.MonkeyPatch,
):
    data = encode(studio_image(800, 600), "JPEG", quality=90)

    monkeypatch.setattr(photo, "MAX_UPLOAD_BYTES", len(data) - 1)
    over, _ = inspect_photo(data, "big.jpg")
    monkeypatch.setattr(photo, "MAX_UPLOAD_BYTES", len(data))
    at_limit, _ = inspect_photo(data, "big.jpg")

    assert not over.ok and "too large" in over.reasons[0]
    assert at_limit.ok, at_limit.reasons


# --- decompression bombs: refused on the header, never decoded ----------------------------


@pytest.fixture
def forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it (after building the test's input) to make any pixel decoding fail the test.

    AssertionError is deliberately not among the errors inspect_photo catches.
    """

    def forbidden(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    def forbid() -> None:
        monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)
        monkeypatch.setattr(Image.Image, "load", forbidden)

    return forbid


def test_given_png_claiming_30000_px_square_when_inspected_then_refused_without_opening(
    monkeypatch: pytest.MonkeyPatch, forbid_decoding: Callable[[], None]
):
    def never_open(*args, **kwargs):
        raise AssertionError("Image.open was called on a bomb")

    bomb = png_header_only(30000, 30000)
    monkeypatch.setattr(Image, "open", never_open)
    forbid_decoding()

    check, image = inspect_photo(bomb, "huge.png")

    assert not check.ok and image is None
    assert (check.width, check.height) == (30000, 30000)
    assert "30000 × 30000" in check.reasons[0] and "900 MP" in check.reasons[0]


def test_given_tiff_claiming_64_mp_when_inspected_then_refused_from_pillows_lazy_header(
    forbid_decoding: Callable[[], None],
):
    # TIFF sizes are not read from the raw bytes: Pillow's lazy open reads the
    # IFD (and warns: 64 MP is between 1x and 2x its guard), we refuse.
    forbid_decoding()
    with pytest.warns(Image.DecompressionBombWarning):
        check, image = inspect_photo(tiff_header_only(8000, 8000), "scan.tif")

    assert not check.ok and image is None
    assert "8000 × 8000 px = 64 MP" in check.reasons[0]


def test_given_tiff_claiming_144_mp_when_inspected_then_pillows_bomb_error_becomes_a_reason(
    forbid_decoding: Callable[[], None],
):
    forbid_decoding()
    check, image = inspect_photo(tiff_header_only(12000, 12000), "scan.tif")

    assert not check.ok and image is None
    assert "too many pixels (more than 100 MP" in check.reasons[0]


def test_given_pixel_count_at_and_over_limit_when_inspected_then_only_over_is_refused(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(photo, "MAX_PIXELS", 800 * 600)

    at_limit, _ = inspect_photo(encode(studio_image(800, 600), "PNG"), "a.png")
    over, _ = inspect_photo(encode(studio_image(801, 600), "PNG"), "b.png")

    assert at_limit.ok, at_limit.reasons
    assert not over.ok and "too many pixels" in over.reasons[0]


def test_given_validation_imported_then_pillow_guard_is_set_from_our_limit():
    assert Image.MAX_IMAGE_PIXELS == limits.MAX_PIXELS


# --- too small ------------------------------------------------------------------------------


def test_given_longest_side_below_minimum_when_inspected_then_refused_and_at_minimum_accepted():
    small, small_image = inspect_photo(
        encode(studio_image(limits.MIN_LONG_SIDE - 1, 300), "JPEG"), "t.jpg"
    )
    enough, enough_image = inspect_photo(
        encode(studio_image(limits.MIN_LONG_SIDE, 300), "JPEG"), "t.jpg"
    )

    assert not small.ok and small_image is None
    assert "too small (499 × 300 px, need at least 500 px" in small.reasons[0]
    assert enough.ok, enough.reasons
    assert enough_image is not None


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP", "GIF", "BMP", "AVIF"])
def test_given_too_small_image_when_inspected_then_refused_without_decoding(
    fmt: str, forbid_decoding: Callable[[], None]
):
    data = encode(studio_image(300, 300), fmt)
    forbid_decoding()

    check, image = inspect_photo(data, "thumb")

    assert not check.ok and image is None
    assert "too small" in check.reasons[0]


# --- corrupt and truncated ----------------------------------------------------------------


def test_given_truncated_jpeg_when_inspected_then_refused_with_corrupt_reason():
    data = encode(studio_image(), "JPEG", quality=90)

    check, image = inspect_photo(data[: len(data) // 2], "mug.jpg")

    assert not check.ok and image is None
    assert (check.width, check.height) == (1200, 900)  # the header was fine
    assert "corrupt" in check.reasons[0] and "ends early" in check.reasons[0]


def test_given_png_with_damaged_pixel_data_when_inspected_then_refused_with_corrupt_reason():
    data = bytearray(encode(studio_image(800, 600), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 100 : start + 400] = bytes(range(256)) + bytes(44)

    check, image = inspect_photo(bytes(data), "mug.png")

    assert not check.ok and image is None
    assert "corrupt" in check.reasons[0]


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow says so, rightly
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "AVIF"])
def test_given_randomly_damaged_files_when_inspected_then_no_exception_escapes(fmt: str):
    original = encode(studio_image(640, 480), fmt)
    rng = np.random.default_rng(7)
    for cut in (12, 40, 200, len(original) // 3, len(original) - 5):
        check, _ = inspect_photo(original[:cut], f"cut.{fmt}")
        assert isinstance(check, PhotoCheck)
    for _ in range(12):
        damaged = bytearray(original)
        for pos in rng.integers(8, len(damaged), size=20):
            damaged[pos] = int(rng.integers(0, 256))
        check, _ = inspect_photo(bytes(damaged), f"flipped.{fmt}")
        assert isinstance(check, PhotoCheck)
        assert check.ok or check.reasons


# --- reasons and housekeeping ----------------------------------------------------------------


def test_given_path_with_control_characters_when_refused_then_only_a_safe_base_name_is_quoted():
    check, _ = inspect_photo(b"hello", "incoming/s/sku/bad\x07name.jpg")

    assert "“bad?name.jpg”" in check.reasons[0]
    assert "incoming/" not in check.reasons[0]


def test_given_a_refusal_when_reported_then_reason_says_what_to_do():
    check, _ = inspect_photo(encode(studio_image(300, 300), "JPEG"), "thumb.jpg")

    reason = check.reasons[0]
    assert reason.endswith(".") and ":" in reason
    assert "upload the original" in reason


def test_given_the_domain_package_when_imported_then_boto3_is_not_loaded():
    code = (
        "import sys, lightbox.validation.photo, lightbox.analysis.attributes, lightbox.limits;"
        "sys.exit(1 if 'boto3' in sys.modules else 0)"
    )

    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
