"""The sample set from the cache (`lightbox_samples.cache`): the same files and specs
as generating it, rendered once per generator version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lightbox_samples import cache, cached_samples, generate_samples


def _digests(base: Path) -> dict[str, str]:
    return {
        p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


def test_given_a_cold_then_warm_cache_when_asked_twice_then_both_copies_equal_a_fresh_set(
    tmp_path, monkeypatch
):
    renders = []
    real = cache.generate_samples
    monkeypatch.setattr(cache, "generate_samples", lambda out: renders.append(out) or real(out))

    first = cached_samples(tmp_path / "first", tmp_path / "cache")
    second = cached_samples(tmp_path / "second", tmp_path / "cache")
    fresh = generate_samples(tmp_path / "fresh")

    assert len(renders) == 1  # the second copy came from the cache
    assert _digests(tmp_path / "first") == _digests(tmp_path / "fresh")
    assert _digests(tmp_path / "second") == _digests(tmp_path / "fresh")
    relative = [(s.path.relative_to(tmp_path / "fresh"), s.sku, s.expected, s.note) for s in fresh]
    assert [
        (s.path.relative_to(tmp_path / "second"), s.sku, s.expected, s.note) for s in second
    ] == relative
    assert all(s.path.is_file() for s in first)


def test_given_a_half_written_entry_when_asked_then_the_set_is_generated_again(
    tmp_path, monkeypatch
):
    entry = tmp_path / "cache" / cache.generator_digest()
    (entry / "files").mkdir(parents=True)  # files begun, specs never written
    renders = []
    real = cache.generate_samples
    monkeypatch.setattr(cache, "generate_samples", lambda out: renders.append(out) or real(out))

    specs = cached_samples(tmp_path / "out", tmp_path / "cache")

    assert len(renders) == 1 and specs and all(s.path.is_file() for s in specs)


def test_given_another_generator_version_when_the_source_changes_then_the_key_changes(
    tmp_path, monkeypatch
):
    before = cache.generator_digest()
    package = tmp_path / "lightbox_samples"
    package.mkdir()
    (package / "catalogue.py").write_text("# another generator\n")
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))

    assert cache.generator_digest() != before
