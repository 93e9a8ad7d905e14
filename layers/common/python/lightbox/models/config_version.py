"""The config table's routing versions: immutable, each with the evidence that produced it.

pk `config#thresholds`, sk the version name (`v12`). `lightbox.learning.config`
compares, numbers and rolls back versions; `lightbox.learning.calibrate` writes
new ones; the score stage routes with the current one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lightbox.learning.model import LogisticModel


class CategoryRouting(BaseModel):
    """Publish when compliant, confidence ≥ `review` and p(approve) ≥ `auto_probability`."""

    model_config = ConfigDict(frozen=True)

    model: LogisticModel
    auto_probability: float = Field(ge=0, le=1)


class CategoryEvidence(BaseModel):
    """What calibration saw for one category and what it concluded."""

    model_config = ConfigDict(frozen=True)

    n: int = 0  # decisions used
    spot_checks: int = 0
    approvals: int = 0
    moved: bool = False
    reason: str = ""
    estimated_precision: float | None = None  # of auto-publish under this version (weighted)
    precision_lower_bound: float | None = None  # over the fully reviewed photos it publishes
    evidence_n: int | None = None  # how many those are
    precision_before: float | None = None  # of auto-publish under the parent version
    precision_before_lower_bound: float | None = None
    expected_review_rate: float | None = None  # share of reviewable photos sent to a person
    review_rate_before: float | None = None
    defaults_learned: dict[str, float] = Field(default_factory=dict)


class ConfigVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    parent: str | None = None
    created_at: str = ""
    created_by: str = ""
    note: str = ""
    thresholds: dict[str, dict[str, float]]
    routing: dict[str, CategoryRouting] = Field(default_factory=dict)
    defaults: dict[str, dict[str, float]] = Field(default_factory=dict)
    spot_check_rate: float | None = Field(default=None, ge=0, le=1)  # None: the deploy parameter
    target_precision: float | None = None
    evidence: dict[str, CategoryEvidence] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_thresholds(self) -> ConfigVersion:
        from lightbox.scoring.thresholds import parse_thresholds

        parse_thresholds(self.thresholds)
        return self

    def content(self) -> dict[str, Any]:
        """What routes photos (compared by `diff`, copied by `rollback`)."""
        return {
            "thresholds": self.thresholds,
            "routing": {k: v.model_dump(mode="json") for k, v in self.routing.items()},
            "defaults": self.defaults,
            "spot_check_rate": self.spot_check_rate,
        }

    def item(self) -> dict[str, Any]:
        """The stored form: config table, `pk = config#thresholds`, `sk = {version}`."""
        return {
            "version": self.version,
            "parent": self.parent or "",
            "created_at": self.created_at,
            "created_by": self.created_by,
            "note": self.note,
            "thresholds": _dumps(self.thresholds),
            "routing": _dumps(self.content()["routing"]),
            "defaults": _dumps(self.defaults),
            "spot_check_rate": "" if self.spot_check_rate is None else str(self.spot_check_rate),
            "target_precision": "" if self.target_precision is None else str(self.target_precision),
            "evidence": _dumps({k: v.model_dump(mode="json") for k, v in self.evidence.items()}),
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ConfigVersion:
        """Read a stored version (plain attribute values; older versions lack the new ones)."""
        version = item.get("version") or item["sk"]

        def _json(name: str, default: Any) -> Any:
            raw = item.get(name)
            return json.loads(raw) if raw else default

        def _float(name: str) -> float | None:
            raw = item.get(name)
            return float(raw) if raw not in (None, "") else None

        return cls(
            version=version,
            parent=item.get("parent") or None,
            created_at=item.get("created_at", ""),
            created_by=item.get("created_by", ""),
            note=item.get("note", ""),
            thresholds=_json("thresholds", {}),
            routing=_json("routing", {}),
            defaults=_json("defaults", {}),
            spot_check_rate=_float("spot_check_rate"),
            target_precision=_float("target_precision"),
            evidence=_json("evidence", {}),
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
