"""The output settings every variant must share, and the check that they did.

The settings come from the one place the production renderer defines them
(`lightbox.marketplaces.render.jpeg_options`, at each marketplace's starting
quality from `lightbox.marketplaces.specs`). The Pillow references pass those
options straight to ``Image.save``; the libvips ones get them translated by
`vips_save_args`, which refuses any option it cannot reproduce rather than
dropping it. After the run, `compare` holds what every variant's files carry
(read back by `bench.jpegq.read_jpeg`) against the production settings: a
difference makes the comparison unfair and the benchmark fail.

Pure functions apart from `production_options` (which imports lightbox), so
the comparison is unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.jpegq import icc_digest

#: Settings a file must share with production's, in report order. ``size`` is
#: the canvas; the rest are encoder settings read back from the file.
COMPARED: tuple[str, ...] = (
    "size",
    "progressive",
    "quality",
    "subsampling",
    "optimize",
    "icc",
    "quant_tables",
    "arithmetic",
)

_SUBSAMPLING = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0", "4:4:4": "4:4:4", "4:2:2": "4:2:2"}
_SUBSAMPLING |= {"4:2:0": "4:2:0"}
_VIPS_SUBSAMPLE = {"4:4:4": "off", "4:2:0": "on"}
#: Pillow JPEG options `vips_save_args` knows how to reproduce.
_KNOWN_OPTIONS = {"quality", "subsampling", "progressive", "progression", "optimize", "icc_profile"}


@dataclass(frozen=True)
class Mismatch:
    """One file whose setting differs from production's."""

    variant: str
    marketplace: str
    setting: str
    expected: Any
    found: Any

    def message(self) -> str:
        return (
            f"{self.variant}: {self.marketplace} output has {self.setting}={self.found!r}, "
            f"production renders {self.setting}={self.expected!r}"
        )


def production_options(marketplace: str) -> dict[str, Any]:
    """Pillow save options production uses for `marketplace`'s first encode."""
    from lightbox.marketplaces.render import jpeg_options
    from lightbox.marketplaces.specs import get_spec

    spec = get_spec(marketplace)
    if spec.output_format != "JPEG":
        raise ValueError(f"{marketplace} renders {spec.output_format}; the bench compares JPEG")
    return jpeg_options(spec.jpeg_quality)


def settings_from_options(options: Mapping[str, Any], canvas: tuple[int, int]) -> dict[str, Any]:
    """What a file written with Pillow `options` at `canvas` must read back as."""
    icc = options.get("icc_profile")
    return {
        "size": [canvas[0], canvas[1]],
        "progressive": bool(options.get("progressive") or options.get("progression")),
        "quality": int(options.get("quality", 75)),
        "subsampling": _SUBSAMPLING[options.get("subsampling", 2)],
        "optimize": bool(options.get("optimize")),
        "icc": icc_digest(icc) if icc else "none",
        "quant_tables": "annex-k",
        "arithmetic": False,
    }


def vips_save_args(options: Mapping[str, Any]) -> dict[str, Any]:
    """`jpegsave_buffer` arguments reproducing Pillow `options` (ICC excluded:
    libvips embeds the profile attached to the image, see `bench.references`).

    Raises ValueError for an option libvips cannot reproduce, so a new
    production setting can never be silently left out of the reference.
    """
    unknown = set(options) - _KNOWN_OPTIONS
    if unknown:
        raise ValueError(f"no libvips equivalent for JPEG option(s) {sorted(unknown)}")
    subsampling = _SUBSAMPLING[options.get("subsampling", 2)]
    if subsampling not in _VIPS_SUBSAMPLE:
        raise ValueError(f"libvips cannot write {subsampling} chroma subsampling")
    return {
        "Q": int(options.get("quality", 75)),
        "interlace": bool(options.get("progressive") or options.get("progression")),
        "optimize_coding": bool(options.get("optimize")),
        "subsample_mode": _VIPS_SUBSAMPLE[subsampling],
    }


def compare(
    expected: Mapping[str, Mapping[str, Any]],
    found: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> list[Mismatch]:
    """Every (variant, marketplace, setting) that differs from `expected`.

    expected: marketplace -> settings (`settings_from_options`).
    found: variant -> marketplace -> settings read back from its file; a
        marketplace file a variant did not write is a mismatch too.
    """
    out: list[Mismatch] = []
    for variant, files in found.items():
        for marketplace, want in expected.items():
            got = files.get(marketplace)
            if got is None:
                out.append(Mismatch(variant, marketplace, "file", "written", "missing"))
                continue
            for key in COMPARED:
                if got.get(key) != want.get(key):
                    out.append(Mismatch(variant, marketplace, key, want.get(key), got.get(key)))
    return out
