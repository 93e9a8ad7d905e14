"""Config versions: written once, calibrated and rolled back into new versions."""

from __future__ import annotations

import pytest

from lightbox.learning.calibrate import Policy
from lightbox.learning.config import diff, next_version
from lightbox.learning.routing import decide_route, is_spot_check
from lightbox.learning.service import ConfigConflictError, roll_back, run_calibration
from lightbox.models.config_version import ConfigVersion
from support.feedback import lenient_reviewer as _lenient
from support.feedback import records as _records

V1 = ConfigVersion(
    version="v1",
    thresholds={"general": {"auto": 0.8, "review": 0.5}, "fashion": {"auto": 0.8, "review": 0.5}},
)


class MemoryConfigs:
    def __init__(self, *versions: ConfigVersion) -> None:
        self.items = {v.version: v for v in versions}
        self.pointer = versions[-1].version if versions else None

    def current(self):
        return self.items.get(self.pointer) if self.pointer else None

    def get(self, version):
        return self.items.get(version)

    def versions(self):
        return list(self.items.values())

    def put(self, version, expected_current):
        if version.version in self.items:
            raise ConfigConflictError(version.version)
        self.items[version.version] = version
        if self.pointer != expected_current:
            raise ConfigConflictError("moved")
        self.pointer = version.version


class MemoryFeedback:
    def __init__(self, records):
        self.list = list(records)

    def records(self, categories, limit):
        return [r for r in self.list if r.category in set(categories)]


def _run(configs, feedback, **kw):
    return run_calibration(
        feedback, configs, Policy(**kw), now="2026-01-02T00:00:00+00:00", actor="test"
    )


def test_given_new_feedback_when_calibrated_then_a_new_version_with_evidence_becomes_current():
    configs = MemoryConfigs(V1)
    result = _run(configs, MemoryFeedback(_records(600, _lenient)))
    assert result.written == "v2"
    v2 = configs.current()
    assert v2.version == "v2" and v2.parent == "v1"
    assert v2.evidence["fashion"].n == 600 and v2.evidence["fashion"].moved
    assert v2.target_precision == 0.98
    assert configs.get("v1") == V1  # the old version is untouched


def test_given_no_new_feedback_when_calibrated_again_then_nothing_is_written():
    configs = MemoryConfigs(V1)
    feedback = MemoryFeedback(_records(600, _lenient))
    _run(configs, feedback)
    again = _run(configs, feedback)
    assert again.written is None
    assert [v.version for v in configs.versions()] == ["v1", "v2"]


def test_given_too_little_feedback_when_calibrated_then_evidence_recorded_but_nothing_moves():
    configs = MemoryConfigs(V1)
    result = _run(configs, MemoryFeedback(_records(5, _lenient)))
    v2 = configs.get(result.written)
    assert v2.content() == V1.content()
    assert "at least 50" in v2.evidence["fashion"].reason
    assert diff(V1, v2) == []


def test_given_an_existing_version_name_when_written_again_then_refused():
    configs = MemoryConfigs(V1)
    with pytest.raises(ConfigConflictError):
        configs.put(V1, "v1")


def test_given_a_calibrated_version_when_rolled_back_then_a_new_version_routes_like_the_old():
    configs = MemoryConfigs(V1)
    _run(configs, MemoryFeedback(_records(600, _lenient)))
    assert diff(V1, configs.current())  # v2 moved fashion
    v3 = roll_back(configs, "v1", now="2026-01-03T00:00:00+00:00", actor="ops")
    assert v3.version == "v3" and v3.parent == "v2" and v3.note == "rollback to v1"
    assert configs.current().content() == V1.content()
    assert configs.get("v2").routing  # history kept


def test_given_an_unknown_version_when_rolled_back_then_refused():
    with pytest.raises(KeyError):
        roll_back(MemoryConfigs(V1), "v9", now="x", actor="ops")


def test_given_stored_version_when_read_back_then_identical():
    configs = MemoryConfigs(V1)
    _run(configs, MemoryFeedback(_records(600, _lenient, corrections={"crop_margin": "0.02"})))
    v2 = configs.current()
    assert ConfigVersion.from_item({"sk": v2.version, **v2.item()}) == v2


def test_given_version_names_when_next_then_numeric_not_lexical():
    assert next_version(["v1", "v9", "v10"]) == "v11"
    assert next_version([]) == "v1"


def test_given_execution_names_when_spot_checked_then_deterministic_at_about_the_rate():
    names = [f"exec-{i}" for i in range(20000)]
    chosen = [n for n in names if is_spot_check(n, 0.02)]
    assert 0.015 < len(chosen) / len(names) < 0.025
    assert chosen == [n for n in names if is_spot_check(n, 0.02)]
    assert not any(is_spot_check(n, 0.0) for n in names[:1000])


def _route(name, **kw):
    args = dict(
        confidence=0.9,
        components={},
        compliant=True,
        auto=0.8,
        review=0.5,
        routing=None,
        execution_name=name,
        spot_check_rate=0.0,
    )
    return decide_route(**{**args, **kw})


def test_given_confident_compliant_photo_when_spot_checked_then_review_marked_spot_check():
    chosen = next(f"e{i}" for i in range(1000) if is_spot_check(f"e{i}", 0.5))
    decision = _route(chosen, spot_check_rate=0.5)
    assert decision.route == "review" and decision.spot_check


def test_given_thresholds_when_routed_then_publish_review_reject_as_before():
    assert _route("a").route == "publish"
    assert _route("a", compliant=False).route == "review"
    assert _route("a", confidence=0.6).route == "review"
    assert _route("a", confidence=0.4).route == "reject"
    assert not _route("a", confidence=0.6, spot_check_rate=1.0).spot_check


def test_given_a_model_missing_a_feature_when_routed_then_confidence_thresholds_apply():
    configs = MemoryConfigs(V1)
    _run(configs, MemoryFeedback(_records(600, _lenient)))
    routing = configs.current().routing["fashion"]
    decision = _route("a", confidence=0.7, routing=routing, components={"sharpness": 1.0})
    assert decision.approval is None and decision.route == "review"
