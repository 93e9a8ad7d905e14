"""HEIC (the iPhone default) and AVIF accepted: decoded to upright 8-bit sRGB, bombs
refused from the header.

tests/support/heic/ holds two small HEIC files made with pillow-heif's encoder
(the product drawing of support.images at 1200 x 900): `product.heic`, and
`rotated.heic`, stored landscape with the HEIF rotation (`irot`) that an
EXIF orientation 6 becomes. The pipeline itself only decodes (pi-heif).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from lightbox import limits
from lightbox.validation.photo import inspect_photo
from lightbox.validation.sniff import sniff
from support.images import product_photo
from support.photo_files import encode

HEIC = Path(__file__).parents[2] / "support" / "heic"


def _heic(name: str) -> bytes:
    return (HEIC / name).read_bytes()


def _with_extents(data: bytes, width: int, height: int) -> bytes:
    """The same file with every `ispe` (image size) property claiming width x height."""
    out = bytearray(data)
    at = out.find(b"ispe")
    assert at > 0
    while at > 0:
        out[at + 8 : at + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
        at = out.find(b"ispe", at + 4)
    return bytes(out)


def test_given_an_iphone_heic_when_inspected_then_accepted_as_an_srgb_working_image():
    check, image = inspect_photo(_heic("product.heic"), "IMG_4031.HEIC")

    assert check.ok, check.reasons
    assert check.format == "HEIF"
    assert (check.width, check.height) == (1200, 900)
    assert image is not None and image.mode == "RGB" and image.size == (1200, 900)
    red, green, blue = image.getpixel((600, 450))  # the red product in the middle
    assert red > 150 and green < 80 and blue < 80


@pytest.mark.reliability(case="HEIC with EXIF orientation", expected="turned upright once, sRGB")
def test_given_a_rotated_heic_when_inspected_then_turned_upright_once():
    assert (sniff(_heic("rotated.heic")).width, sniff(_heic("rotated.heic")).height) == (1200, 900)

    check, image = inspect_photo(_heic("rotated.heic"), "IMG_4032.HEIC")

    assert check.ok, check.reasons
    assert image is not None and image.size == (900, 1200)  # portrait, as the phone showed it


@pytest.mark.reliability(case="HEIC bomb", expected="refused from the header, before decoding")
def test_given_a_heic_claiming_a_huge_size_when_inspected_then_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
):
    bomb = _with_extents(_heic("product.heic"), 30000, 30000)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the bomb reached a decoder")

    monkeypatch.setattr(Image, "open", forbidden)
    monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)
    check, image = inspect_photo(bomb, "huge.heic")

    assert not check.ok and image is None
    assert (check.width, check.height) == (30000, 30000)
    assert "30000 × 30000" in check.reasons[0]
    assert limits.MAX_PIXELS < 30000 * 30000


def test_given_an_avif_when_inspected_then_accepted_with_its_header_size():
    data = encode(product_photo(1000, 800), "AVIF", quality=70)

    assert (sniff(data).format, sniff(data).width, sniff(data).height) == ("AVIF", 1000, 800)
    check, image = inspect_photo(data, "photo.avif")

    assert check.ok, check.reasons
    assert image is not None and image.size == (1000, 800) and image.mode == "RGB"


@pytest.mark.reliability(case="AVIF with EXIF orientation", expected="accepted, turned upright")
def test_given_an_avif_with_exif_orientation_when_inspected_then_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(product_photo(1000, 800), "AVIF", quality=70, exif=exif.tobytes())

    check, image = inspect_photo(data, "photo.avif")

    assert check.ok, check.reasons
    assert image is not None and image.size == (800, 1000)


def test_given_randomly_damaged_heic_when_inspected_then_refused_never_raised():
    original = _heic("product.heic")
    rng = random.Random(7)
    for _ in range(30):
        data = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[: rng.randint(16, len(data))])
        check, _ = inspect_photo(cut, "damaged.heic")
        assert check.ok or check.reasons
