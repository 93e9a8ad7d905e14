"""The emulator's saved state on disk: generations, a CURRENT pointer and object blobs.

LocalStack's community edition keeps every service's state in memory only; the
``persistence`` plugin (``lightbox_infra.plugins.persistence``) pickles it into
this layout under ``<emulator root>/state``::

    CURRENT           name of the last complete generation (written to a temp file, renamed)
    gen-000042/       one complete snapshot: manifest.json + one pickle per state container
    blobs/<sha256>    S3 object bodies, named by the object's identity (bucket, key,
                      version, ETag, write time), written once, shared by generations
    status.json       what the last save or load did (the CLI reads it)

A save writes a new ``gen-N.partial`` directory, renames it to ``gen-N`` and
only then points ``CURRENT`` at it, so a process killed at any moment leaves
the previous generation intact. Older generations and blobs no generation
refers to are removed after the pointer moved. Standard library only and free
of LocalStack, so the launcher and the unit tests use it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

CURRENT = "CURRENT"
STATUS = "status.json"
MANIFEST = "manifest.json"
GEN_PREFIX = "gen-"
PARTIAL = ".partial"
CHUNK = 1024 * 1024

RESTART_ERROR = "Emulator.Restarted"
"""The error of an execution cut off by a restart (it is replayed, see ``replay_input``)."""
MAX_SAVE_SHARE = 0.1
"""Saving may take at most this share of the time between saves (see ``next_wait``)."""

READ_PREFIXES = ("Get", "List", "Describe", "Head", "Query", "Scan", "BatchGet", "Search")
"""Operations that never change state; any other request marks the state dirty."""


def is_read_only(operation: str | None) -> bool:
    """Whether an API operation (``GetObject``, ``PutItem``...) leaves the state as it was."""
    return bool(operation) and str(operation).startswith(READ_PREFIXES)


def next_wait(interval_s: float, last_save_s: float | None) -> float:
    """Seconds until the next save: the interval, stretched when saving is slow so that
    it never takes more than ``MAX_SAVE_SHARE`` of a core while a burst runs."""
    return max(interval_s, (last_save_s or 0.0) / MAX_SAVE_SHARE)


SETTLE_S = 10.0
"""A service changed by a request is saved again for this long after: what the request
started (a function becoming Active, a queue's redrive) lands a moment later."""


def services_to_save(
    loaded: Iterable[str],
    touched: Mapping[str, float],
    busy: Iterable[str],
    saved: Iterable[str],
    *,
    since: float,
    everything: bool,
    settle_s: float = SETTLE_S,
) -> set[str]:
    """Which services a save pickles; the others are carried over from the last save.

    All of them for ``everything``. Otherwise (every save the emulator makes, the one
    at shutdown included) those a request changed after the last save began (less
    ``settle_s``), those ``busy`` changing on their own, and those loaded but never
    saved.
    """
    loaded = set(loaded)
    if everything:
        return loaded
    changed = {name for name, at in touched.items() if at >= since - settle_s}
    return loaded & (changed | set(busy) | (loaded - set(saved)))


def replay_input(original: Any, name: str, arn: str) -> str:
    """The input of the replay of an execution cut off by a restart.

    The same as ``lightbox executions replay`` gives a replay: ``replay_of`` names
    the original and a photo is reprocessed (an unchanged upload is processed again
    instead of being recognised as already done).
    """
    if not isinstance(original, dict):
        return json.dumps(original)
    payload = json.loads(json.dumps(original))
    if isinstance(payload.get("photo"), dict):
        payload["photo"]["reprocess"] = f"replay of {name}"
    payload["replay_of"] = {"name": name, "execution_arn": arn, "reason": RESTART_ERROR}
    return json.dumps(payload)


def blob_id(*identity: object) -> str:
    """A blob's file name: the SHA-256 of its identity (never of its bytes, which may be big)."""
    return hashlib.sha256("\0".join(str(part) for part in identity).encode()).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with staging.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    staging.replace(path)


class SnapshotDir:
    """Generations of saved state under ``root``; see the module docstring for the layout."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blobs = self.root / "blobs"

    # -- reading --------------------------------------------------------------------------

    def current(self) -> Path | None:
        """The last complete generation, or None if nothing was ever saved."""
        try:
            name = (self.root / CURRENT).read_text().strip()
        except OSError:
            return None
        generation = self.root / name
        return generation if name.startswith(GEN_PREFIX) and generation.is_dir() else None

    def manifest(self) -> dict[str, Any] | None:
        generation = self.current()
        if generation is None:
            return None
        try:
            manifest = json.loads((generation / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) else None

    def status(self) -> dict[str, Any] | None:
        """What the emulator last reported about saving and loading (``status.json``)."""
        try:
            status = json.loads((self.root / STATUS).read_text())
        except (OSError, ValueError):
            return None
        return status if isinstance(status, dict) else None

    def blob_path(self, blob: str) -> Path:
        return self.blobs / blob

    def has_blob(self, blob: str) -> bool:
        return (self.blobs / blob).is_file()

    # -- writing --------------------------------------------------------------------------

    def begin(self) -> Path:
        """A fresh, empty ``gen-N.partial`` directory (leftovers of a killed save are removed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(exist_ok=True)
        for leftover in self.root.glob(f"{GEN_PREFIX}*{PARTIAL}"):
            shutil.rmtree(leftover, ignore_errors=True)
        numbers = [self._number(path) for path in self.root.glob(f"{GEN_PREFIX}*")]
        partial = self.root / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}{PARTIAL}"
        partial.mkdir()
        return partial

    def write_blob(self, blob: str, stream: IO[bytes]) -> int:
        """Copy ``stream`` into the blob ``blob`` (temp file + rename); returns its size."""
        staging = self.blobs / f".{blob}.{os.getpid()}.tmp"
        size = 0
        with staging.open("wb") as file:
            while data := stream.read(CHUNK):
                file.write(data)
                size += len(data)
        staging.replace(self.blobs / blob)
        return size

    def commit(self, partial: Path, manifest: dict[str, Any]) -> Path:
        """Make ``partial`` the current generation, then drop what no longer counts."""
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        generation = partial.with_name(partial.name.removesuffix(PARTIAL))
        partial.rename(generation)
        atomic_write(self.root / CURRENT, generation.name.encode())
        self.prune(keep=generation, blobs=manifest.get("blobs", []))
        return generation

    def write_status(self, status: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write(self.root / STATUS, json.dumps(status, indent=1, sort_keys=True).encode())

    def prune(self, keep: Path, blobs: Iterable[str]) -> None:
        """Remove every generation but ``keep`` and every blob it does not list."""
        for generation in self.root.glob(f"{GEN_PREFIX}*"):
            if generation != keep and not generation.name.endswith(PARTIAL):
                shutil.rmtree(generation, ignore_errors=True)
        wanted = set(blobs)
        if self.blobs.is_dir():
            for blob in self.blobs.iterdir():
                if blob.name not in wanted and not blob.name.startswith("."):
                    blob.unlink(missing_ok=True)

    def wipe(self) -> None:
        """Forget everything saved (``lightbox emulator reset``)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def size_bytes(self) -> int:
        """Bytes on disk of the current generation and its blobs."""
        total = 0
        for path in [self.current(), self.blobs]:
            if path is not None and path.is_dir():
                for file in path.rglob("*"):
                    with contextlib.suppress(OSError):
                        total += file.stat().st_size if file.is_file() else 0
        return total

    @staticmethod
    def _number(path: Path) -> int:
        digits = path.name.removeprefix(GEN_PREFIX).removesuffix(PARTIAL)
        return int(digits) if digits.isdigit() else 0
