"""inspect_photo decoding an accepted photo once into the working image, normalised.

Large JPEGs are drafted down during decoding and large PNGs capped; EXIF
orientation is applied and the stored size still reported; CMYK, 16-bit
greyscale, 48-bit RGB, palette and greyscale-with-alpha images come out as
8-bit RGB or RGBA (alpha kept only where it carries something); an embedded
non-sRGB profile converts colours to sRGB, a damaged one is a note; an
animated GIF yields its first frame with a note.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw

from lightbox import limits
from lightbox.validation.photo import inspect_photo
from support.photo_files import (
    centre_pixel,
    encode,
    png16_rgb,
    studio_image,
    swapped_primaries_profile,
)

# --- decode once, normalise ------------------------------------------------------------------


def test_given_large_jpeg_when_inspected_then_draft_decodes_it_downscaled(
    monkeypatch: pytest.MonkeyPatch,
):
    from PIL import JpegImagePlugin

    calls: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        calls.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)

    check, image = inspect_photo(encode(studio_image(5000, 1000), "JPEG"), "wide.jpg")

    assert check.ok, check.reasons
    expected = (limits.WORKING_LONG_SIDE, round(1000 * limits.WORKING_LONG_SIDE / 5000))
    assert calls == [expected]
    assert image is not None and image.size == expected


def test_given_small_jpeg_when_inspected_then_kept_at_full_size():
    check, image = inspect_photo(encode(studio_image(1200, 900), "JPEG"), "a.jpg")

    assert check.ok
    assert image is not None and image.size == (1200, 900)


def test_given_large_png_when_inspected_then_working_image_is_capped():
    check, image = inspect_photo(encode(studio_image(4000, 1200), "PNG"), "wide.png")

    assert check.ok
    expected = (limits.WORKING_LONG_SIDE, round(1200 * limits.WORKING_LONG_SIDE / 4000))
    assert image is not None and image.size == expected


def test_given_exif_orientation_6_when_inspected_then_upright_and_stored_size_reported():
    stored = studio_image(600, 900)
    ImageDraw.Draw(stored).rectangle((0, 0, 80, 80), fill=(0, 200, 0))  # stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6

    check, image = inspect_photo(encode(stored, "JPEG", exif=exif, quality=95), "side.jpg")

    assert check.ok and check.orientation == 6
    assert (check.width, check.height) == (600, 900)
    assert image is not None and image.size == (900, 600)
    # Orientation 6 = rotate 90° clockwise to display: top-left goes top-right.
    r, g, _b = image.getpixel((image.width - 20, 20))  # type: ignore[misc]
    assert g > 150 and r < 80


def test_given_no_exif_when_inspected_then_orientation_is_1():
    check, _ = inspect_photo(encode(studio_image(), "JPEG"), "a.jpg")

    assert check.orientation == 1


def test_given_cmyk_jpeg_when_inspected_then_converted_to_rgb_and_not_refused():
    check, image = inspect_photo(encode(studio_image().convert("CMYK"), "JPEG"), "print.jpg")

    assert check.ok, check.reasons
    assert check.mode == "CMYK"
    assert image is not None and image.mode == "RGB"
    r, g, b = image.getpixel((600, 300))  # type: ignore[misc]
    assert r > 150 and g < 80 and b < 80  # the red disc is still red


def test_given_16_bit_greyscale_png_when_inspected_then_scaled_not_clipped_to_8_bits():
    ramp = np.tile(np.linspace(0, 65535, 800).astype(np.uint16), (600, 1))
    ramp[250:350, 300:500] = 0  # a dark "product" for some detail
    data = encode(Image.fromarray(ramp), "PNG")

    check, image = inspect_photo(data, "scan16.png")

    assert check.mode == "I;16" and check.bit_depth == 16
    assert image is not None and image.mode == "RGB"
    # Mid-ramp 32768 must land near 128; a clipping conversion would give 255.
    assert abs(image.getpixel((400, 100))[0] - 128) <= 2  # type: ignore[index]


def test_given_48_bit_rgb_png_when_inspected_then_bit_depth_16_and_normalised():
    rgb8 = np.asarray(studio_image(800, 600), dtype=np.uint16)
    check, image = inspect_photo(png16_rgb(rgb8 * 257), "export16.png")

    assert check.ok, check.reasons
    assert check.bit_depth == 16
    assert image is not None and image.mode == "RGB"
    assert centre_pixel(image)[:3] == tuple(int(v) for v in rgb8[300, 400])


def test_given_palette_png_with_transparency_when_inspected_then_alpha_is_kept():
    image = studio_image(800, 600).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    background_index = image.getpixel((5, 5))
    data = encode(image, "PNG", transparency=background_index)

    check, working = inspect_photo(data, "cutout.png")

    assert check.ok and check.mode == "P"
    assert working is not None and working.mode == "RGBA"
    assert working.getpixel((5, 5))[3] == 0  # type: ignore[index]
    assert centre_pixel(working)[3] == 255


def test_given_palette_png_without_transparency_when_inspected_then_rgb():
    image = studio_image(800, 600).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)

    check, working = inspect_photo(encode(image, "PNG"), "flat.png")

    assert check.ok and working is not None and working.mode == "RGB"


def test_given_greyscale_with_alpha_when_inspected_then_rgba():
    grey = studio_image(800, 600).convert("L")
    alpha = Image.new("L", grey.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, 100, 600), fill=0)
    la = Image.merge("LA", (grey, alpha))

    check, working = inspect_photo(encode(la, "PNG"), "grey.png")

    assert check.ok and check.mode == "LA"
    assert working is not None and working.mode == "RGBA"


def test_given_fully_opaque_rgba_when_inspected_then_alpha_is_dropped():
    check, working = inspect_photo(encode(studio_image(mode="RGBA"), "PNG"), "a.png")

    assert check.ok and check.mode == "RGBA"
    assert working is not None and working.mode == "RGB"


def test_given_embedded_non_srgb_profile_when_inspected_then_colours_converted_to_srgb():
    image = Image.new("RGB", (800, 600), (255, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 100, 300, 300), fill=(0, 0, 0))
    data = encode(image, "PNG", icc_profile=swapped_primaries_profile())

    check, working = inspect_photo(data, "wide-gamut.png")

    assert working is not None
    r, g, b = working.getpixel((600, 450))  # type: ignore[misc]
    assert b > 200 and r < 60, (r, g, b)  # "red" in that profile is sRGB blue
    assert not any("profile" in reason for reason in check.reasons)


def test_given_embedded_srgb_profile_when_inspected_then_colours_unchanged():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (800, 600), (255, 0, 0))

    _, working = inspect_photo(encode(image, "PNG", icc_profile=srgb), "s.png")

    assert working is not None and centre_pixel(working) == (255, 0, 0)


def test_given_damaged_colour_profile_when_inspected_then_accepted_with_a_note():
    data = encode(studio_image(), "JPEG", icc_profile=b"definitely not an ICC profile")

    check, working = inspect_photo(data, "odd.jpg")

    assert check.ok and working is not None
    assert any("colour profile" in reason for reason in check.reasons)


def test_given_animated_gif_when_inspected_then_first_frame_with_a_note():
    first = studio_image(800, 600)
    second = Image.new("RGB", (800, 600), (0, 0, 255))
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)

    check, working = inspect_photo(data, "spin.gif")

    assert check.ok
    assert any("animated" in reason and "first" in reason for reason in check.reasons)
    assert working is not None
    r, _g, b = working.getpixel((450, 250))  # type: ignore[misc]
    assert r > 150 and b < 100  # the red disc of frame 1, not frame 2's blue


def test_given_still_gif_when_inspected_then_no_animation_note():
    check, _ = inspect_photo(encode(studio_image(800, 600), "GIF"), "still.gif")

    assert check.ok and check.reasons == []
