"""Calibration from reviewer feedback: moves only on evidence, never edits a version."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from lightbox.learning.calibrate import Policy, calibrate
from lightbox.learning.routing import decide_route
from lightbox.models.config_version import ConfigVersion
from support.feedback import confidence
from support.feedback import lenient_reviewer as _lenient
from support.feedback import records as _records

THRESHOLDS = {"general": {"auto": 0.8, "review": 0.5}, "fashion": {"auto": 0.8, "review": 0.5}}
CURRENT = ConfigVersion(version="v1", thresholds=THRESHOLDS)
POLICY = Policy(min_decisions=50, min_auto_evidence=30)


def test_given_too_few_decisions_when_calibrated_then_nothing_moves():
    result = calibrate(_records(20, _lenient), CURRENT, POLICY)
    assert result.moved == []
    assert result.routing == {}
    assert "at least 50" in result.evidence["fashion"].reason
    assert result.evidence["fashion"].n == 20


def test_given_a_lenient_reviewer_when_calibrated_then_auto_publishes_more_with_bounded_precision():
    result = calibrate(_records(600, _lenient), CURRENT, POLICY)
    ev = result.evidence["fashion"]
    assert result.moved == ["fashion"]
    assert ev.precision_lower_bound >= 0.98 and ev.evidence_n >= 30
    assert ev.estimated_precision >= 0.98
    assert ev.expected_review_rate < ev.review_rate_before
    assert "segmentation" in result.routing["fashion"].model.features
    # the other category had no feedback: untouched
    assert "general" not in result.routing and result.thresholds["general"] == THRESHOLDS["general"]


def test_given_a_reviewer_who_rejects_a_third_when_calibrated_then_no_rule_is_invented():
    rng = random.Random(7)
    result = calibrate(_records(300, lambda c: rng.random() > 0.33, spot_rate=0.0), CURRENT, POLICY)
    assert result.moved == []
    assert result.routing == {}


def test_given_spot_checks_showing_bad_auto_publishes_when_calibrated_then_auto_publish_stops():
    rng = random.Random(3)
    records = _records(400, lambda c: rng.random() > 0.4, spot_rate=1.0)
    result = calibrate(records, CURRENT, POLICY)
    assert result.moved == ["fashion"]
    assert result.thresholds["fashion"]["auto"] == 1.0
    assert result.thresholds["fashion"]["review"] == 0.5  # never moved
    assert result.evidence["fashion"].expected_review_rate == 1.0


def test_given_a_calibration_when_done_then_the_current_version_is_unchanged_and_frozen():
    before = CURRENT.model_dump()
    calibrate(_records(600, _lenient), CURRENT, POLICY)
    assert CURRENT.model_dump() == before
    with pytest.raises(ValidationError):
        CURRENT.version = "v9"


def test_given_learned_routing_when_routing_a_photo_then_the_model_decides_publish():
    result = calibrate(_records(600, _lenient), CURRENT, POLICY)
    routing = result.routing["fashion"]
    good = {
        "segmentation": 0.9,
        "sharpness": 0.6,
        "exposure": 0.65,
        "framing": 1.0,
        "compliance": 1.0,
    }
    conf = confidence(good)
    assert conf < 0.8  # the old rule would ask a person
    decision = decide_route(
        confidence=conf,
        components=good,
        compliant=True,
        auto=0.8,
        review=0.5,
        routing=routing,
        execution_name="x",
        spot_check_rate=0.0,
    )
    assert decision.route == "publish" and decision.approval >= routing.auto_probability


def test_given_repeated_consistent_margin_corrections_when_calibrated_then_category_default():
    records = _records(200, _lenient, corrections={"crop_margin": "0.03", "cutout": "too_tight"})
    result = calibrate(records, CURRENT, POLICY)
    assert result.defaults["fashion"] == {"crop_margin": 0.03, "cutout": 1.0}
    assert result.evidence["fashion"].defaults_learned == {"crop_margin": 0.03, "cutout": 1.0}
    assert "fashion" in result.moved


def test_given_corrections_relative_to_an_applied_default_when_calibrated_then_absolute_default():
    records = _records(200, _lenient, corrections={"crop_margin": "0.01"})
    applied = {"v1": {"fashion": {"crop_margin": 0.03}}}
    result = calibrate(
        records,
        CURRENT.model_copy(update={"defaults": {"fashion": {"crop_margin": 0.03}}}),
        POLICY,
        applied,
    )
    assert result.defaults["fashion"]["crop_margin"] == 0.04


def test_given_rare_or_conflicting_corrections_when_calibrated_then_no_default():
    rare = _records(200, _lenient)
    rare[0] = rare[0].model_copy(update={"corrections": {"crop_margin": "0.05"}})
    assert calibrate(rare, CURRENT, POLICY).defaults == {}
    mixed = _records(200, _lenient, corrections={"crop_margin": "0.03"})
    mixed = [
        r.model_copy(update={"corrections": {"crop_margin": "-0.03"}})
        if i % 2 and r.corrections
        else r
        for i, r in enumerate(mixed)
    ]
    assert calibrate(mixed, CURRENT, POLICY).defaults == {}


def test_given_new_render_defaults_when_calibrated_then_routing_waits_for_new_renders():
    records = _records(600, _lenient, corrections={"crop_margin": "0.03"})
    result = calibrate(records, CURRENT, POLICY, applied_defaults={"v1": {}})
    assert result.defaults["fashion"] == {"crop_margin": 0.03}
    assert "fashion" not in result.routing  # the 600 decisions judged the old renders
    assert "routing waits" in result.evidence["fashion"].reason


def test_given_decisions_on_renders_with_other_defaults_when_calibrated_then_not_evidence():
    current = CURRENT.model_copy(update={"version": "v2", "defaults": {"fashion": {"cutout": 1.0}}})
    old = _records(600, _lenient)  # routed by v1, rendered without the v2 default
    result = calibrate(old, current, POLICY, applied_defaults={"v1": {}, "v2": current.defaults})
    assert result.routing == {}
    assert result.evidence["fashion"].n == 0
