"""Compliance checks: every rule can fail, with a sentence a seller can act on."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw

from lightbox.marketplaces.compliance import ComplianceReport, check_compliance
from lightbox.marketplaces.specs import MARKETPLACES, SPECS


def product_shot(
    size: tuple[int, int] = (2000, 2000),
    fill: float = 0.88,
    background: tuple[int, int, int] = (255, 255, 255),
) -> Image.Image:
    """A compliant-looking main image: a dark product centred on `background`."""
    w, h = size
    img = Image.new("RGB", size, background)
    ph = round(fill * min(w, h))
    pw = round(0.6 * ph)
    ImageDraw.Draw(img).rounded_rectangle(
        ((w - pw) // 2, (h - ph) // 2, (w + pw) // 2, (h + ph) // 2),
        radius=pw // 8,
        fill=(30, 60, 150),
    )
    return img


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        params.setdefault("quality", 92)
        params.setdefault("subsampling", 0)
    img.save(buf, fmt, **params)
    return buf.getvalue()


def check(marketplace: str, data: bytes) -> ComplianceReport:
    return check_compliance(marketplace, data)


def failure(report: ComplianceReport, *words: str) -> str:
    """The one failure sentence mentioning all `words` (and the marketplace)."""
    label = SPECS[report.marketplace].label
    hits = [f for f in report.failures if all(w in f for w in words)]
    assert not report.ok
    assert len(hits) == 1, report.failures
    assert hits[0].startswith(f"{label}: ")
    return hits[0]


# ---------------------------------------------------------------- compliant files


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_given_a_compliant_main_image_when_checked_then_it_passes(marketplace: str):
    spec = SPECS[marketplace]
    data = encode(product_shot(spec.canvas))

    report = check(marketplace, data)

    assert report.ok, report.failures
    assert report.failures == []
    assert (report.measured["width"], report.measured["height"]) == spec.canvas
    assert report.measured["format"] == "JPEG"


def test_given_a_jpeg_whose_white_rounds_to_254_when_checked_for_amazon_then_it_passes():
    img = product_shot(background=(254, 254, 254))

    report = check("amazon", encode(img))

    assert report.ok, report.failures


# ---------------------------------------------------------------- one rule each


def test_given_a_format_the_marketplace_does_not_take_when_checked_then_it_fails():
    report = check("amazon", encode(product_shot(), "WEBP", quality=90))

    sentence = failure(report, "WEBP")
    assert "JPEG" in sentence and "PNG" in sentence
    assert report.measured["format"] == "WEBP"


def test_given_an_image_below_the_minimum_size_when_checked_then_it_fails():
    report = check("amazon", encode(product_shot((800, 800))))

    assert "800 px" in failure(report, "at least 1000 px")


def test_given_an_image_above_the_maximum_size_when_checked_then_it_fails():
    report = check("amazon", encode(Image.new("RGB", (10001, 40), "white")))

    assert "10001 px" in failure(report, "maximum is 10000 px")


def test_given_too_many_megapixels_when_checked_for_shopify_then_it_fails():
    report = check("shopify", encode(Image.new("RGB", (5000, 5001), "white"), quality=50))

    assert "25.005 megapixels; the maximum is 25" in failure(report, "megapixels")
    assert report.measured["megapixels"] == pytest.approx(25.005)


def test_given_a_file_over_the_byte_cap_when_checked_then_it_fails():
    # Trailing bytes after the JPEG's end marker: decoders ignore them, the
    # upload size does not.
    data = encode(product_shot((1600, 1600))) + b"\0" * SPECS["ebay"].max_bytes

    report = check("ebay", data)

    assert "the limit is 12.0 MB" in failure(report, "MB")
    assert report.measured["bytes"] == len(data)


def test_given_a_cmyk_file_when_checked_then_it_fails_for_not_being_srgb():
    report = check("etsy", encode(product_shot((3000, 2250)).convert("CMYK")))

    assert "sRGB" in failure(report, "CMYK")


def test_given_a_non_srgb_colour_profile_when_checked_then_it_fails():
    xyz = ImageCms.ImageCmsProfile(ImageCms.createProfile("XYZ")).tobytes()

    report = check("shopify", encode(product_shot((2048, 2048)), icc_profile=xyz))

    assert "must be sRGB" in failure(report, "colour profile")
    assert report.measured["icc"] != "sRGB"


def test_given_an_off_white_background_when_checked_for_amazon_then_it_fails():
    report = check("amazon", encode(product_shot(background=(246, 246, 246))))

    assert "pure white (RGB 255)" in failure(report, "border")
    assert report.measured["border_white_fraction"] < 0.01


def test_given_254_white_in_a_lossless_file_when_checked_for_amazon_then_it_fails():
    # The 254 tolerance is for lossy compression only; a PNG can hold 255.
    report = check("amazon", encode(product_shot(background=(254, 254, 254)), "PNG"))

    failure(report, "pure white")


def test_given_a_small_product_when_checked_for_amazon_then_fill_ratio_fails():
    report = check("amazon", encode(product_shot(fill=0.71)))

    sentence = failure(report, "fills")
    assert sentence == "Amazon: product fills 71% of the frame; the main image needs at least 85%."
    assert report.measured["fill_ratio"] == pytest.approx(0.71, abs=0.005)


def test_given_a_framed_photo_when_checked_for_ebay_then_the_border_fails():
    img = product_shot((1600, 1600), fill=0.8)
    ImageDraw.Draw(img).rectangle((0, 0, 1599, 1599), outline=(40, 40, 40), width=30)

    report = check("ebay", encode(img))

    assert "30 px border" in failure(report, "border")
    assert report.measured["frame_px"] == 30


def test_given_a_non_square_image_when_checked_for_shopify_then_it_fails():
    report = check("shopify", encode(product_shot((2048, 1536))))

    assert "2048x1536" in failure(report, "square")


def test_given_bytes_that_are_not_an_image_when_checked_then_it_fails_readably():
    report = check("amazon", b"this is not a photo")

    assert "not an image we can read" in failure(report, "image")


# ------------------------------------------------------------ no false alarms


def test_given_a_uniform_backdrop_reaching_the_edges_when_checked_for_ebay_then_it_is_no_frame():
    img = product_shot((1600, 1600), fill=0.8, background=(200, 205, 210))

    report = check("ebay", encode(img))

    assert report.ok, report.failures
    assert report.measured["frame_px"] == 0


def test_given_a_soft_shadow_under_the_product_when_checked_then_fill_counts_the_product():
    img = product_shot(fill=0.86)
    a = np.asarray(img).copy()
    a[1880:1900, 500:1500] = 246  # a faint shadow tail below the product
    report = check("amazon", encode(Image.fromarray(a)))

    assert report.measured["fill_ratio"] == pytest.approx(0.86, abs=0.005)


def test_given_a_truncated_file_when_checked_then_it_fails_as_damaged():
    data = encode(product_shot())

    report = check("amazon", data[: len(data) // 2])

    assert "damaged" in failure(report, "export it again")
