"""Routing thresholds per category, versioned in the config table.

`auto`: confidence at or above which an output publishes without a person.
`review`: at or above this (and below `auto`) a person decides; below, reject.
Reflective or high-value categories are stricter because a wrong auto-publish
costs more there (returns, brand complaints).

The built-in values live in the category presets (`lightbox/presets/<category>.json`,
`thresholds`), the one place each category's numbers are kept; this module
derives `DEFAULT_THRESHOLDS` from them. At run time a stack's config table
(versioned items, e.g. from calibration) takes precedence over them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lightbox.models.config_version import CategoryRouting
from lightbox.models.stages import Thresholds
from lightbox.presets import catalogue

BUILTIN_VERSION = "builtin"
#: category -> {"auto": ..., "review": ...}, plain JSON-able (the CLI publishes
#: it as the first config version).
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    name: preset.thresholds.model_dump() for name, preset in catalogue().items()
}


@dataclass(frozen=True)
class ThresholdConfig:
    version: str
    by_category: Mapping[str, Thresholds]
    #: calibrated auto-publish rules (lightbox.learning), by category
    routing: Mapping[str, CategoryRouting] = field(default_factory=dict)
    #: render defaults learned from repeated corrections, by category
    defaults: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: share of would-be auto-publishes reviewed as spot checks; None: the deploy parameter
    spot_check_rate: float | None = None

    def for_category(self, category: str) -> Thresholds:
        return self.by_category.get(category) or self.by_category["general"]


def parse_thresholds(raw: Mapping[str, Any]) -> dict[str, Thresholds]:
    parsed = {name: Thresholds.model_validate(value) for name, value in raw.items()}
    if "general" not in parsed:
        raise ValueError("threshold config needs a 'general' entry")
    for name, value in parsed.items():
        if value.review > value.auto:
            raise ValueError(f"{name}: review threshold {value.review} above auto {value.auto}")
    return parsed


def builtin_config() -> ThresholdConfig:
    return ThresholdConfig(BUILTIN_VERSION, parse_thresholds(DEFAULT_THRESHOLDS))


def config_from_item(result: Mapping[str, Any] | None) -> ThresholdConfig:
    """Read the state machine's DynamoDB GetItem result (attribute-value JSON) of the
    `current` item (`lightbox.adapters.learning.ROUTING_ATTRIBUTES`; older items carry
    only `version` and `thresholds`).

    A stack with no config yet uses the built-in defaults; the audit names
    that version as `builtin`, so the decision stays traceable.
    """
    item = (result or {}).get("Item")
    if not item:
        return builtin_config()
    version = item["version"]["S"]
    raw = json.loads(item["thresholds"]["S"])

    def _json(name: str) -> Any:
        text = item.get(name, {}).get("S")
        return json.loads(text) if text else {}

    rate = item.get("spot_check_rate", {}).get("S")
    return ThresholdConfig(
        version,
        parse_thresholds(raw),
        routing={k: CategoryRouting.model_validate(v) for k, v in _json("routing").items()},
        defaults=_json("defaults"),
        spot_check_rate=float(rate) if rate else None,
    )
