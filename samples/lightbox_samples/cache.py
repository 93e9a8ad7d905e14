"""The sample set, generated once per generator version and copied from then on.

Rendering the set takes 10-20 s of one core; the demo and several test modules
need it. Its bytes depend only on this package's source and the numpy and Pillow
versions (``generate_samples`` is deterministic), so a copy kept under a key made
of those is the same set. A missing or half-written entry is generated again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import PIL

from lightbox_samples.catalogue import generate_samples
from lightbox_samples.layout import SampleSpec

#: Generator versions kept: the current one and a few earlier (other checkouts).
ENTRIES_KEPT = 3
_SPECS = "specs.json"
_FILES = "files"


def generator_digest() -> str:
    """What the set's bytes depend on: this package's source and the libraries'
    versions."""
    digest = hashlib.sha256(f"numpy {np.__version__}; Pillow {PIL.__version__}".encode())
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _specs_json(specs: list[SampleSpec], root: Path) -> str:
    return json.dumps(
        [
            {
                "path": spec.path.relative_to(root).as_posix(),
                "sku": spec.sku,
                "expected": spec.expected,
                "note": spec.note,
            }
            for spec in specs
        ],
        indent=1,
        ensure_ascii=False,
    )


def _fill(entry: Path) -> None:
    """Generate the set into a scratch directory beside `entry`, then move it in."""
    scratch = Path(tempfile.mkdtemp(prefix=".partial-", dir=entry.parent))
    try:
        specs = generate_samples(scratch / _FILES)
        (scratch / _SPECS).write_text(_specs_json(specs, scratch / _FILES), encoding="utf-8")
        scratch.rename(entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _prune(cache_dir: Path, keep: Path) -> None:
    entries = sorted(
        (p for p in cache_dir.iterdir() if p.is_dir() and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in entries[ENTRIES_KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def cached_samples(out_dir: Path, cache_dir: Path) -> list[SampleSpec]:
    """`generate_samples(out_dir)`, from the copy in `cache_dir` when there is one for
    this generator version (made first when there is not)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    entry = cache_dir / generator_digest()
    with (cache_dir / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer; readers wait for it
        if not (entry / _SPECS).is_file():
            shutil.rmtree(entry, ignore_errors=True)
            _fill(entry)
            _prune(cache_dir, entry)
        entry.touch()
    shutil.copytree(entry / _FILES, out_dir, dirs_exist_ok=True)
    return [
        SampleSpec(
            path=out_dir / item["path"],
            sku=item["sku"],
            expected=item["expected"],
            note=item["note"],
        )
        for item in json.loads((entry / _SPECS).read_text(encoding="utf-8"))
    ]
