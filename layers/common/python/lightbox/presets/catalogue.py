"""Load and validate the category preset files.

The files ship inside the layer package (this directory), so a Lambda reads
them from its own code, not from S3 or DynamoDB: a preset change is a
reviewed, versioned deploy like any code change. Thresholds can still be
re-tuned at run time through the versioned config table (`scoring.thresholds`);
the preset values are the built-in defaults.

A broken file stops the import with the file name and the field at fault,
rather than letting one category silently fall back to another's look.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError

from lightbox.models.preset import CATEGORIES, CategoryPreset

PRESET_DIR = Path(__file__).resolve().parent
FALLBACK_CATEGORY = "general"


class PresetError(ValueError):
    """A preset file is missing, unreadable or invalid."""


def load_presets(directory: Path = PRESET_DIR) -> dict[str, CategoryPreset]:
    """Every `<category>.json` in `directory`, validated; one per category, none missing."""
    presets: dict[str, CategoryPreset] = {}
    for path in sorted(directory.glob("*.json")):
        preset = _load_file(path)
        if preset.category != path.stem:
            raise PresetError(
                f"{path.name}: describes category {preset.category!r}; "
                f"name the file {preset.category}.json"
            )
        presets[preset.category] = preset
    missing = [name for name in CATEGORIES if name not in presets]
    if missing:
        raise PresetError(
            f"no preset for {', '.join(missing)} in {directory}: "
            "every category needs a <category>.json"
        )
    return {name: presets[name] for name in CATEGORIES}


@cache
def catalogue() -> Mapping[str, CategoryPreset]:
    """The shipped presets, loaded once per process (a warm Lambda reuses them)."""
    return MappingProxyType(load_presets())


def get_preset(category: str) -> CategoryPreset:
    """The preset for `category`; an unknown category gets the general one."""
    presets = catalogue()
    return presets.get(category) or presets[FALLBACK_CATEGORY]


def _load_file(path: Path) -> CategoryPreset:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"{path.name}: cannot be read as JSON ({exc})") from exc
    try:
        return CategoryPreset.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(file)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PresetError(f"{path.name}: {problems}") from exc
