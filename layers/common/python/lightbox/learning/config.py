"""Routing config versions: immutable, each with the evidence that produced it.

A version holds, per category, the confidence thresholds (`auto`, `review`),
optionally a calibrated approval model with the probability at or above
which a photo auto-publishes, the category's learned render defaults, and
the spot-check share. Versions are never edited: calibration and rollback
write a new one (`v{n+1}`) whose `parent` is the version it replaced, so
every audit record's `thresholds_version` keeps meaning what it meant.
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


def version_number(name: str) -> int:
    """`v12` -> 12; anything else (e.g. `builtin`) -> 0."""
    return int(name[1:]) if name.startswith("v") and name[1:].isdigit() else 0


def next_version(existing: list[str]) -> str:
    return f"v{max((version_number(v) for v in existing), default=0) + 1}"


def diff(old: ConfigVersion, new: ConfigVersion) -> list[str]:
    """One line per routing difference, e.g. `jewellery.auto: 0.9 -> 0.85`."""
    lines: list[str] = []
    for cat in sorted(set(old.thresholds) | set(new.thresholds)):
        a, b = old.thresholds.get(cat, {}), new.thresholds.get(cat, {})
        for key in ("auto", "review"):
            if a.get(key) != b.get(key):
                lines.append(f"{cat}.{key}: {a.get(key)} -> {b.get(key)}")
    for cat in sorted(set(old.routing) | set(new.routing)):
        ra, rb = old.routing.get(cat), new.routing.get(cat)
        if ra == rb:
            continue
        if ra is None or rb is None:
            was = "confidence thresholds" if ra is None else _routing_text(ra)
            now = "confidence thresholds" if rb is None else _routing_text(rb)
            lines.append(f"{cat}.routing: {was} -> {now}")
        else:
            lines.append(f"{cat}.routing: {_routing_text(ra)} -> {_routing_text(rb)}")
    for cat in sorted(set(old.defaults) | set(new.defaults)):
        a, b = old.defaults.get(cat, {}), new.defaults.get(cat, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                lines.append(f"{cat}.defaults.{key}: {a.get(key)} -> {b.get(key)}")
    if old.spot_check_rate != new.spot_check_rate:
        lines.append(f"spot_check_rate: {old.spot_check_rate} -> {new.spot_check_rate}")
    return lines


def _routing_text(r: CategoryRouting) -> str:
    terms = len(r.model.terms)
    return f"p(approve) ≥ {r.auto_probability:.3f} on {', '.join(r.model.features)} ({terms} terms)"


def rollback(
    target: ConfigVersion, current: ConfigVersion, name: str, by: str, at: str
) -> ConfigVersion:
    """A new version routing exactly like `target`; `target` itself is never re-pointed to."""
    return ConfigVersion(
        version=name,
        parent=current.version,
        created_at=at,
        created_by=by,
        note=f"rollback to {target.version}",
        thresholds=target.thresholds,
        routing=target.routing,
        defaults=target.defaults,
        spot_check_rate=target.spot_check_rate,
        target_precision=target.target_precision,
        evidence=target.evidence,
    )
