"""Where the project's local state lives (venvs, emulator, build output)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    override = os.environ.get("LIGHTBOX_HOME")
    return Path(override) if override else Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    return repo_root() / ".lightbox"
