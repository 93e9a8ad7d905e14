"""Zip each built layer once per content and deploy the emulator stack from the zips.

Why: `sam deploy` zips every local artifact on every run, and the layers are
most of the bytes (numpy, Pillow, onnxruntime: ~170 MB unzipped). On the
emulator, where every `make demo` and e2e session deploys a new stack, that
was ~9 s of each deploy. Here a layer's built directory is hashed (paths,
modes and bytes); its zip is made once and kept under
`.lightbox/cache/layers/<digest>.zip`, uploaded to the artifacts bucket under
that digest, and a copy of the *built* template names the S3 object instead of
the directory. `sam deploy` then packages only the small function folders.

template.yaml itself is untouched: an AWS deploy (`deploy_aws`) still runs
plain `sam build` + `sam deploy`, which zip and upload the same directories.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
#: Fixed timestamp in every entry: the same files give the same zip (and CodeSha256).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Deflate level 1: ~2.5x smaller than stored at a fraction of level 6's time; the
#: zip is made once per content, but uploaded and unpacked on every deploy.
ZIP_LEVEL = 1


def _files(root: Path, skip_dirs: frozenset[str] = frozenset()) -> Iterator[tuple[str, Path]]:
    """(posix relative path, path) of every regular file under `root`, sorted."""
    found: list[tuple[str, Path]] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
        for name in names:
            path = Path(directory, name)
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), path))
    return iter(sorted(found))


def tree_digest(root: Path, skip_dirs: frozenset[str] = frozenset()) -> str:
    """sha256 over every file's relative path, executable bit and bytes."""
    digest = hashlib.sha256()
    for relative, path in _files(root, skip_dirs):
        executable = bool(path.stat().st_mode & stat.S_IXUSR)
        digest.update(f"{relative}\0{int(executable)}\0".encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def write_zip(root: Path, target: Path) -> None:
    """Zip `root`'s files (paths relative to it) into `target`, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
            for relative, path in _files(root):
                info = zipfile.ZipInfo(relative, ZIP_DATE)
                mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as src, zf.open(info, "w") as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        dst.write(chunk)
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)


def cached_zip(root: Path, cache_dir: Path) -> tuple[str, Path]:
    """(digest, zip path) for the layer directory `root`; zipped only if not cached."""
    digest = tree_digest(root)
    target = cache_dir / f"{digest}.zip"
    if target.is_file():
        target.touch()  # most recently used: kept by `prune`
    else:
        write_zip(root, target)
    return digest, target


def object_key(logical_id: str, digest: str) -> str:
    """The artifacts-bucket key of a layer zip: content-addressed, named for people."""
    return f"layers/{logical_id}-{digest}.zip"


def local_layers(template: dict[str, Any], template_dir: Path) -> dict[str, Path]:
    """Layer resources of a built template whose ContentUri is a local directory."""
    layers: dict[str, Path] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") not in LAYER_TYPES:
            continue
        properties = resource.get("Properties") or {}
        key = "ContentUri" if resource["Type"] == LAYER_TYPES[0] else "Content"
        uri = properties.get(key)
        if isinstance(uri, str) and not uri.startswith("s3://"):
            directory = (template_dir / uri).resolve()
            if directory.is_dir():
                layers[logical_id] = directory
    return layers


def point_layers_at(template: dict[str, Any], bucket: str, keys: dict[str, str]) -> dict[str, Any]:
    """A copy of `template` whose layers in `keys` name `s3://bucket/key`."""
    resources = dict(template["Resources"])
    for logical_id, key in keys.items():
        resource = dict(resources[logical_id])
        properties = dict(resource["Properties"])
        if resource["Type"] == LAYER_TYPES[0]:
            properties["ContentUri"] = f"s3://{bucket}/{key}"
        else:
            properties["Content"] = {"S3Bucket": bucket, "S3Key": key}
        resource["Properties"] = properties
        resources[logical_id] = resource
    return {**template, "Resources": resources}


def prune(cache_dir: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` most recently used zips; returns what was deleted."""
    zips = sorted(cache_dir.glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in zips[keep:]:
        stale.unlink(missing_ok=True)
    return zips[keep:]


#: What `sam build` reads: the template, the function and layer sources, the SAM CLI pin.
BUILD_INPUTS = ("template.yaml", "functions", "layers", "requirements/sam.txt")
#: Never packaged by `sam build`'s Python builder, and rewritten by every test run.
NOT_BUILD_INPUTS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


def build_inputs_digest(root: Path) -> str:
    """One digest over everything `sam build` turns into `.aws-sam/build`."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        path = root / name
        if path.is_dir():
            part = tree_digest(path, NOT_BUILD_INPUTS)
        elif path.is_file():
            part = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            part = "missing"
        digest.update(f"{name}\0{part}\0".encode())
    return digest.hexdigest()


def build_stamp(inputs_digest: str, built_template: Path) -> str:
    """What a build left: its inputs and the built template it wrote (so a build
    made by anything else, e.g. a plain `sam build`, is never taken for ours)."""
    if not built_template.is_file():
        return ""
    built = hashlib.sha256(built_template.read_bytes()).hexdigest()
    return f"{inputs_digest} {built}"
