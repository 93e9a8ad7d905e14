"""inspect_photo judging quality: only the unusable photo is refused.

A severely blurred, black or washed-out frame is refused with a reason; a
mildly soft photo or a product on pure white is accepted and left to scoring.
Every quality metric stays within its documented range, and a transparent
background counts as white.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from lightbox import limits
from lightbox.validation.measures import METRIC_KEYS, measure_quality
from lightbox.validation.photo import inspect_photo
from support.photo_files import encode, studio_image

# --- quality: only the unusable is refused ---------------------------------------------


def test_given_severely_blurred_photo_when_inspected_then_refused_as_blurry():
    blurred = studio_image().filter(ImageFilter.GaussianBlur(30))

    check, working = inspect_photo(encode(blurred, "JPEG"), "shake.jpg")

    assert not check.ok
    assert working is not None  # decoded fine: the image is still returned
    assert any(r.startswith("The photo is too blurry") for r in check.reasons)
    assert check.metrics["sharpness"] < limits.SHARPNESS_SEVERE


def test_given_mildly_soft_photo_when_inspected_then_accepted_for_scoring():
    soft = studio_image().filter(ImageFilter.GaussianBlur(3))

    check, _ = inspect_photo(encode(soft, "JPEG"), "soft.jpg")
    crisp, _ = inspect_photo(encode(studio_image(), "JPEG"), "crisp.jpg")

    assert check.ok, check.reasons
    assert check.metrics["sharpness"] < crisp.metrics["sharpness"]


def test_given_black_frame_when_inspected_then_refused_as_too_dark():
    black = Image.new("RGB", (1200, 900), (6, 6, 6))

    check, _ = inspect_photo(encode(black, "PNG"), "lens-cap.png")

    assert not check.ok
    assert any("too dark" in reason for reason in check.reasons)


def test_given_washed_out_frame_when_inspected_then_refused_as_too_bright():
    faint = Image.eval(studio_image(), lambda v: 240 + v // 17)

    check, _ = inspect_photo(encode(faint, "PNG"), "blown.png")

    assert not check.ok
    assert any("washed out" in reason for reason in check.reasons)


def test_given_product_on_pure_white_background_when_inspected_then_not_over_exposed():
    image = Image.new("RGB", (1200, 900), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((400, 200, 800, 700), fill=(40, 60, 150))
    draw.rectangle((450, 420, 750, 480), fill=(240, 200, 40))

    check, _ = inspect_photo(encode(image, "PNG"), "amazon-main.png")

    assert check.ok
    assert check.metrics["clipped_highlights"] > 0.7  # the background, legitimately
    assert check.metrics["exposure"] > 0.9


def test_given_decodable_photo_when_measured_then_every_metric_is_in_range():
    metrics = measure_quality(studio_image())

    assert tuple(metrics) == METRIC_KEYS
    assert metrics["laplacian_var"] >= 0
    for key in ("sharpness", "exposure", "clipped_highlights", "clipped_shadows"):
        assert 0.0 <= metrics[key] <= 1.0
    assert 0.0 <= metrics["mean_luma"] <= 255.0
    assert metrics["contrast"] >= 0


def test_given_transparent_product_when_measured_then_background_counts_as_white():
    cutout = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    ImageDraw.Draw(cutout).ellipse((250, 150, 550, 450), fill=(200, 30, 40, 255))

    metrics = measure_quality(cutout)

    assert metrics["mean_luma"] > 150  # not the black of the transparent pixels


# --- exposure from the histogram, not the mean ---------------------------------------------


def _textured(size: tuple[int, int], level: int, spread: int, seed: int) -> Image.Image:
    """Cloth-like noise around `level` (the texture a real backdrop has)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    arr = rng.normal(level, spread, (size[1], size[0], 1)).clip(0, 255)
    return Image.fromarray(np.repeat(arr, 3, axis=2).astype("uint8")).filter(
        ImageFilter.GaussianBlur(1.5)
    )


def test_given_a_well_exposed_dark_product_on_dark_cloth_when_inspected_then_it_goes_on():
    photo = _textured((1200, 900), 26, 12, 1)
    draw = ImageDraw.Draw(photo)
    draw.ellipse((380, 220, 820, 700), fill=(48, 44, 40))
    draw.ellipse((450, 280, 600, 420), fill=(110, 106, 100))  # its sheen

    check, _ = inspect_photo(encode(photo, "JPEG"), "dark-on-dark.jpg")

    assert check.ok, check.reasons
    assert check.metrics["mean_luma"] < 50  # dark on average, yet well exposed
    assert check.metrics["exposure"] >= limits.EXPOSURE_TARGET


def test_given_a_white_product_on_white_when_inspected_then_it_goes_on():
    photo = _textured((1200, 900), 238, 3, 2)
    draw = ImageDraw.Draw(photo)
    draw.ellipse((400, 640, 820, 740), fill=(170, 170, 168))  # contact shadow
    draw.rounded_rectangle((440, 200, 780, 690), 40, fill=(246, 246, 244), outline=(205, 205, 200))

    check, _ = inspect_photo(encode(photo, "JPEG"), "white-on-white.jpg")

    assert check.ok, check.reasons
    assert check.metrics["exposure"] >= limits.EXPOSURE_TARGET


def test_given_a_flat_grey_frame_when_inspected_then_the_reason_says_it_is_flat():
    fog = _textured((1200, 900), 128, 2, 3)

    check, _ = inspect_photo(encode(fog, "PNG"), "fog.png")

    assert not check.ok
    assert any("flat" in reason and "levels" in reason for reason in check.reasons)


def test_given_a_product_blown_to_white_when_inspected_then_the_reason_names_the_product():
    photo = _textured((1200, 900), 120, 8, 4)
    ImageDraw.Draw(photo).rectangle((300, 200, 900, 700), fill=(255, 255, 255))

    check, _ = inspect_photo(encode(photo, "PNG"), "blown.png")

    assert not check.ok
    assert any("pure white" in reason for reason in check.reasons)
