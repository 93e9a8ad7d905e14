"""Fetch the evaluation set's raw material from Debian packages, sha256-pinned.

Why these packages: the set needs photographs of real objects with a real
alpha channel (the ground truth) and real surfaces to put them on; nothing may
be downloaded except from the package registries, and large binaries stay out
of git. Two Debian packages carry exactly that:

* ``tuxpaint-stamps-default`` (GPL-2): hundreds of photographic cut-outs
  (fruit, instruments, tools, a light bulb, a wooden toy…) as RGBA PNGs whose
  alpha was cut by hand;
* ``gimp-data`` (GPL-3): GIMP's photographic tileable patterns (wood, stone,
  marble, cloth, paper, leaves) in its ``.pat`` format.

They are used only to *measure* the pipeline: nothing from them is shipped in
a layer, committed or redistributed. The ``.deb`` files are downloaded with
``apt-get download`` (no installation, no root needed beyond apt's lists),
checked against the pins below and unpacked with the standard library
(``ar`` + ``tar``) into the cache. Idempotent: a complete cache is left alone.

    python3 bench/eval_segmentation/fetch.py [CACHE_DIR]
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO / ".lightbox" / "cache" / "eval-segmentation"


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    sha256: str
    #: Members under this prefix with this suffix are unpacked, prefix stripped.
    prefix: str
    suffix: str
    into: str


SOURCES = (
    Source(
        "tuxpaint-stamps-default",
        "2022.06.04-1",
        "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34",
        "./usr/share/tuxpaint/stamps/",
        ".png",
        "stamps",
    ),
    Source(
        "gimp-data",
        "2.10.34-1+deb12u10",
        "89007a69d4ef2b0440e5419e75d4112cfd1c49e97db38220d210b9f86322be7c",
        "./usr/share/gimp/2.0/patterns/",
        ".pat",
        "patterns",
    ),
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of an ``ar`` archive (a .deb is one): name -> bytes."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members: dict[str, bytes] = {}
    pos = 8
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size % 2)
    return members


def unpack(deb: Path, source: Source, dest: Path) -> int:
    """Unpack the matching members of `deb`'s data archive into `dest`."""
    members = ar_members(deb.read_bytes())
    name = next(n for n in members if n.startswith("data.tar"))
    count = 0
    with tarfile.open(fileobj=io.BytesIO(members[name])) as tar:
        for info in tar:
            if not (info.isfile() and info.name.startswith(source.prefix)):
                continue
            if not info.name.endswith(source.suffix):
                continue
            rel = Path(info.name[len(source.prefix) :])
            if ".." in rel.parts:
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = tar.extractfile(info)
            assert extracted is not None
            target.write_bytes(extracted.read())
            count += 1
    return count


def download(source: Source, into: Path) -> Path:
    """``apt-get download`` the pinned version; refresh apt's lists once if needed."""
    spec = f"{source.package}={source.version}"
    cmd = ["apt-get", "download", "-q", spec]
    if subprocess.run(cmd, cwd=into, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run(cmd, cwd=into, check=True)
    debs = sorted(into.glob(f"{source.package}_*.deb"))
    if len(debs) != 1:
        raise SystemExit(f"expected one .deb from `apt-get download {spec}`, got {debs}")
    got = sha256(debs[0])
    if got != source.sha256:
        raise SystemExit(
            f"{debs[0].name} has sha256 {got}, expected {source.sha256}: refusing unverified data"
        )
    return debs[0]


def fetch(cache: Path = DEFAULT_CACHE) -> Path:
    """Make sure `cache` holds every source's files; return `cache`."""
    for source in SOURCES:
        done = cache / source.into / f".{source.sha256[:16]}"
        if done.is_file():
            continue
        dest = cache / source.into
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        with tempfile.TemporaryDirectory(prefix="lightbox-eval-") as tmp:
            deb = download(source, Path(tmp))
            count = unpack(deb, source, dest)
        done.write_text(f"{source.package} {source.version}: {count} files\n")
        print(f"eval data: {count} files from {source.package} {source.version} into {dest}")
    return cache


if __name__ == "__main__":
    fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE)
