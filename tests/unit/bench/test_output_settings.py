"""The benchmark's fairness check: output settings read back from files and
compared with production's. Pure helpers, small images, no timing."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageCms

from bench import settings
from bench.jpegq import icc_digest, read_jpeg

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg(size: tuple[int, int] = (96, 64), **options: Any) -> bytes:
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", **options)
    return buf.getvalue()


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("progressive", [False, True])
def test_read_jpeg_tells_baseline_from_progressive(progressive: bool) -> None:
    found = read_jpeg(_jpeg(quality=92, progressive=progressive))
    assert found["progressive"] is progressive
    assert (found["scans"] > 1) is progressive
    assert found["arithmetic"] is False


@pytest.mark.parametrize(("subsampling", "expected"), [(0, "4:4:4"), (1, "4:2:2"), (2, "4:2:0")])
def test_read_jpeg_reads_chroma_subsampling(subsampling: int, expected: str) -> None:
    assert read_jpeg(_jpeg(quality=85, subsampling=subsampling))["subsampling"] == expected


@pytest.mark.parametrize("quality", [30, 75, 92, 95])
def test_read_jpeg_reads_the_quality_and_libjpeg_tables(quality: int) -> None:
    found = read_jpeg(_jpeg(quality=quality))
    assert found["quality"] == quality
    assert found["quant_tables"] == "annex-k"


def test_read_jpeg_tells_optimised_huffman_tables_from_the_standard_ones() -> None:
    assert read_jpeg(_jpeg(quality=92))["optimize"] is False
    assert read_jpeg(_jpeg(quality=92, optimize=True))["optimize"] is True


def test_read_jpeg_finds_the_embedded_icc_profile() -> None:
    assert read_jpeg(_jpeg(quality=92))["icc"] == "none"
    found = read_jpeg(_jpeg(quality=92, icc_profile=SRGB))
    assert found["icc"] == icc_digest(SRGB)
    assert found["icc_bytes"] == len(SRGB)
    assert "APP2:ICC_PROFILE" in found["app_markers"]


def test_read_jpeg_refuses_what_is_not_a_jpeg() -> None:
    with pytest.raises(ValueError):
        read_jpeg(b"\x89PNG\r\n\x1a\n")


def test_icc_digest_ignores_the_creation_time_but_not_the_profile() -> None:
    stamped = bytearray(SRGB)
    stamped[24:36] = bytes(range(12))
    assert icc_digest(bytes(stamped)) == icc_digest(SRGB)
    other = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert icc_digest(other) != icc_digest(SRGB)


# ------------------------------------------------------------ production side


def test_production_options_are_the_renderers_at_the_specs_quality() -> None:
    from lightbox.marketplaces.render import jpeg_options
    from lightbox.marketplaces.specs import get_spec

    options = settings.production_options("amazon")
    assert options.keys() == jpeg_options(92).keys()
    assert options["quality"] == get_spec("amazon").jpeg_quality
    assert options["progressive"] is False  # baseline: what the bench holds everyone to


def test_a_file_written_with_production_options_reads_back_as_expected() -> None:
    options = settings.production_options("ebay")
    expected = settings.settings_from_options(options, (96, 64))
    found = {"x": {"ebay": read_jpeg(_jpeg((96, 64), **options))}}
    assert settings.compare({"ebay": expected}, found) == []


def test_vips_save_args_translate_every_production_option() -> None:
    args = settings.vips_save_args(settings.production_options("etsy"))
    assert args == {"Q": 92, "interlace": False, "optimize_coding": True, "subsample_mode": "off"}
    low = settings.vips_save_args({"quality": 80, "subsampling": 2, "progressive": True})
    assert low == {"Q": 80, "interlace": True, "optimize_coding": False, "subsample_mode": "on"}


def test_vips_save_args_refuse_what_libvips_cannot_reproduce() -> None:
    with pytest.raises(ValueError, match="restart"):
        settings.vips_save_args({"quality": 92, "restart_marker_rows": 1})
    with pytest.raises(ValueError, match="4:2:2"):
        settings.vips_save_args({"quality": 92, "subsampling": 1})


# ---------------------------------------------------------------- comparison


def _expected() -> dict[str, dict[str, Any]]:
    options = {"quality": 92, "subsampling": 0, "optimize": True, "icc_profile": SRGB}
    return {"amazon": settings.settings_from_options(options, (2000, 2000))}


def test_compare_passes_identical_settings() -> None:
    expected = _expected()
    assert settings.compare(expected, {"pyvips": {"amazon": dict(expected["amazon"])}}) == []


def test_compare_fails_a_progressive_reference_and_names_it() -> None:
    expected = _expected()
    progressive = expected["amazon"] | {"progressive": True}
    mismatches = settings.compare(expected, {"pyvips": {"amazon": progressive}})
    assert [(m.variant, m.marketplace, m.setting) for m in mismatches] == [
        ("pyvips", "amazon", "progressive")
    ]
    assert "pyvips" in mismatches[0].message() and "progressive" in mismatches[0].message()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("quality", 90),
        ("subsampling", "4:2:0"),
        ("optimize", False),
        ("icc", "none"),
        ("size", [2000, 1999]),
        ("quant_tables", "custom"),
    ],
)
def test_compare_fails_any_differing_setting(setting: str, value: Any) -> None:
    expected = _expected()
    found = {"naive-pillow": {"amazon": expected["amazon"] | {setting: value}}}
    assert [m.setting for m in settings.compare(expected, found)] == [setting]


def test_compare_fails_a_missing_file() -> None:
    mismatches = settings.compare(_expected(), {"minimal-work": {}})
    assert [(m.variant, m.setting, m.found) for m in mismatches] == [
        ("minimal-work", "file", "missing")
    ]
