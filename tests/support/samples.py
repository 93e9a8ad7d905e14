"""The demo's sample set for tests: rendered once per generator version into the
checkout's cache (`lightbox_samples.cache`), copied into each test's directory."""

from __future__ import annotations

from pathlib import Path

from lightbox_samples import SampleSpec, cached_samples

CACHE_DIR = Path(__file__).resolve().parents[2] / ".lightbox" / "cache" / "samples"


def sample_set(out_dir: Path) -> list[SampleSpec]:
    return cached_samples(out_dir, CACHE_DIR)
