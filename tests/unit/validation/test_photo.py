"""inspect_photo: the gate every upload passes. Each rule is shown refusing and passing."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageFile, ImageFilter

from lightbox import limits
from lightbox.validation import photo
from lightbox.validation.measures import METRIC_KEYS, measure_quality
from lightbox.validation.photo import PhotoCheck, inspect_photo

# --- builders ------------------------------------------------------------------------


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
        (b"\0\0\0\x1cftypheic\0\0\0\0mif1heicmiaf" + bytes(40), "HEIC", "Most Compatible"),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + bytes(40), "AVIF", "JPEG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + bytes(40), "PDF", "JPEG"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG", "JPEG"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0isommp42" + bytes(40), "VIDEO", "still photo"),
        (b"PK\x03\x04" + bytes(60), "ZIP", "unpack"),
        (b"8BPS\0\x01" + bytes(60), "PSD", "JPEG"),
    ],
    ids=["heic", "avif", "pdf", "svg", "video", "zip", "psd"],
)
def test_given_recognised_unsupported_format_when_inspected_then_refused_naming_accepted_formats(
    data: bytes, label: str, hint: str
):
    check, image = inspect_photo(data, "upload.jpg")

    assert not check.ok
    assert image is None
    assert check.format == label
    assert "JPEG, PNG, WebP, TIFF, GIF or BMP" in check.reasons[0]
    assert hint in check.reasons[0]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP"])
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


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP", "GIF", "BMP"])
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
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP"])
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
