"""Calibration and config-version operations over storage ports.

`run_calibration` is what the scheduled `Calibrate` Lambda, `lightbox
calibrate` and `make learn-eval` run. It writes a new version only when
something moved or there is new evidence since the current version; a
version is written once (conditional put) and `current` moves only if no one
else moved it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from lightbox.learning.calibrate import Calibration, Policy, calibrate
from lightbox.learning.config import next_version, rollback
from lightbox.models.config_version import ConfigVersion
from lightbox.models.feedback import FeedbackRecord


class FeedbackSource(Protocol):
    def records(self, categories: Iterable[str], limit: int) -> list[FeedbackRecord]: ...


class ConfigVersions(Protocol):
    def current(self) -> ConfigVersion | None: ...
    def get(self, version: str) -> ConfigVersion | None: ...
    def versions(self) -> list[ConfigVersion]: ...
    def put(self, version: ConfigVersion, expected_current: str | None) -> None: ...


class ConfigConflictError(RuntimeError):
    """The version exists already, or `current` moved while we worked: run again."""


@dataclass(frozen=True)
class CalibrationResult:
    base: str  # the version calibrated from
    written: str | None  # the new version, None when nothing was worth writing
    calibration: Calibration

    def summary(self) -> dict[str, Any]:
        """Small and JSON-able: what the Lambda returns and the CLI prints."""
        return {
            "base": self.base,
            "written": self.written,
            "moved": self.calibration.moved,
            "evidence": {
                k: v.model_dump(mode="json", exclude_defaults=True)
                for k, v in self.calibration.evidence.items()
            },
        }


def base_version(configs: ConfigVersions) -> ConfigVersion:
    from lightbox.scoring.thresholds import BUILTIN_VERSION, DEFAULT_THRESHOLDS

    return configs.current() or ConfigVersion(
        version=BUILTIN_VERSION, thresholds=DEFAULT_THRESHOLDS
    )


def run_calibration(
    feedback: FeedbackSource,
    configs: ConfigVersions,
    policy: Policy,
    *,
    now: str,
    actor: str,
    categories: Iterable[str] = (),
    dry_run: bool = False,
) -> CalibrationResult:
    current = base_version(configs)
    cats = sorted(set(categories) | set(current.thresholds))
    records = feedback.records(cats, policy.max_records)
    applied = {v.version: v.defaults for v in configs.versions()}
    result = calibrate(records, current, policy, applied)
    new_evidence = any(
        result.evidence[c].n != (prior.n if (prior := current.evidence.get(c)) else 0)
        for c in result.evidence
    )
    if dry_run or not (result.moved or new_evidence):
        return CalibrationResult(current.version, None, result)
    name = next_version([v.version for v in configs.versions()])
    moved = ", ".join(result.moved) or "nothing moved"
    version = ConfigVersion(
        version=name,
        parent=None if current.version == "builtin" else current.version,
        created_at=now,
        created_by=actor,
        note=f"calibrated from {current.version}: {moved}",
        thresholds=result.thresholds,
        routing=result.routing,
        defaults=result.defaults,
        spot_check_rate=current.spot_check_rate,
        target_precision=policy.target_precision,
        evidence=result.evidence,
    )
    configs.put(version, None if current.version == "builtin" else current.version)
    return CalibrationResult(current.version, name, result)


def roll_back(configs: ConfigVersions, target: str, *, now: str, actor: str) -> ConfigVersion:
    """Write a new version that routes like `target` and make it current."""
    found = configs.get(target)
    if found is None:
        raise KeyError(f"no config version {target!r}")
    current = configs.current()
    if current is None:
        raise KeyError("no current config to roll back from")
    name = next_version([v.version for v in configs.versions()])
    version = rollback(found, current, name, actor, now)
    configs.put(version, current.version)
    return version
