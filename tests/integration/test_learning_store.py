"""Feedback and config-version storage on moto's DynamoDB, and the Calibrate handler."""

from __future__ import annotations

import json

import pytest

from lightbox.adapters.dynamodb import DynamoConfigStore, DynamoReviewStore
from lightbox.adapters.learning import DynamoConfigVersions, DynamoFeedbackStore
from lightbox.learning.service import ConfigConflictError
from lightbox.models.config_version import ConfigVersion
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from support.feedback import lenient_reviewer, records
from support.handlers import invoke


def _stores(pipeline):
    feedback = DynamoFeedbackStore(pipeline.tables["ReviewTable"], pipeline.dynamodb)
    configs = DynamoConfigVersions(pipeline.tables["ConfigTable"], pipeline.dynamodb)
    return feedback, configs


def _seed_v1(pipeline) -> None:
    DynamoConfigStore(pipeline.tables["ConfigTable"], pipeline.dynamodb).publish(
        "v1", json.dumps(DEFAULT_THRESHOLDS, sort_keys=True), "initial defaults"
    )


def test_given_a_decision_when_recorded_twice_then_stored_once_and_read_back_whole(moto_pipeline):
    feedback, _ = _stores(moto_pipeline)
    record = records(1, lenient_reviewer)[0].model_copy(
        update={
            "corrections": {"crop_margin": 0.02, "title": "Mug"},
            "marketplaces": ["amazon", "etsy"],
        }
    )
    assert feedback.put(record) is True
    assert feedback.put(record) is False  # a retried Lambda adds nothing
    assert feedback.records(["fashion", "general"], 100) == [record]


def test_given_many_decisions_when_read_with_a_limit_then_the_newest_oldest_first(moto_pipeline):
    feedback, _ = _stores(moto_pipeline)
    written = records(30, lenient_reviewer)
    for r in written:
        feedback.put(r)
    assert feedback.records(["fashion"], 10) == written[-10:]


def test_given_an_item_written_before_the_store_when_read_then_understood(moto_pipeline):
    DynamoReviewStore(moto_pipeline.tables["ReviewTable"], moto_pipeline.dynamodb).put_feedback(
        {
            "pk": "feedback#jewellery",
            "sk": "2026-01-01T00:00:00+00:00#exec-1.L0",
            "decision": "rejected",
            "reviewer": "ana",
            "confidence": 0.7,
            "config_version": "v1",
            "components": {"segmentation": 0.6, "sharpness": 0.9},
            "corrections": {},
            "execution_name": "exec-1",
        }
    )
    feedback, _ = _stores(moto_pipeline)
    (old,) = feedback.records(["jewellery"], 10)
    assert (old.category, old.task_id, old.decision) == ("jewellery", "exec-1.L0", "rejected")


def test_given_seeded_v1_when_a_version_is_put_then_current_copies_what_routes(moto_pipeline):
    _seed_v1(moto_pipeline)
    _, configs = _stores(moto_pipeline)
    assert configs.current().version == "v1"
    v2 = ConfigVersion(
        version="v2",
        parent="v1",
        thresholds=DEFAULT_THRESHOLDS,
        defaults={"fashion": {"crop_margin": 0.02}},
        spot_check_rate=0.05,
    )
    configs.put(v2, "v1")
    assert configs.current() == v2
    assert [v.version for v in configs.versions()] == ["v1", "v2"]
    pointer = moto_pipeline.dynamodb.Table(moto_pipeline.tables["ConfigTable"]).get_item(
        Key={"pk": "config#thresholds", "sk": "current"}
    )["Item"]
    assert pointer["version"] == "v2" and "evidence" not in pointer
    assert json.loads(pointer["defaults"]) == {"fashion": {"crop_margin": 0.02}}


def test_given_an_existing_version_or_a_moved_current_when_put_then_refused(moto_pipeline):
    _seed_v1(moto_pipeline)
    _, configs = _stores(moto_pipeline)
    with pytest.raises(ConfigConflictError):
        configs.put(ConfigVersion(version="v1", thresholds=DEFAULT_THRESHOLDS), "v1")
    with pytest.raises(ConfigConflictError):
        configs.put(ConfigVersion(version="v2", thresholds=DEFAULT_THRESHOLDS), "v0")
    assert configs.current().version == "v1"


def test_given_feedback_when_calibrate_runs_then_a_new_version_and_no_second_one(moto_pipeline):
    _seed_v1(moto_pipeline)
    feedback, configs = _stores(moto_pipeline)
    for r in records(600, lenient_reviewer):
        feedback.put(r)

    first, errored = invoke("functions/calibrate", "lightbox-local-calibrate", {"actor": "ops"})
    assert not errored, first
    assert first["base"] == "v1" and first["written"] == "v2"
    assert "fashion" in first["moved"]
    v2 = configs.current()
    assert v2.version == "v2" and v2.created_by == "agent:calibrate (ops)"
    assert v2.evidence["fashion"].n == 600 and "fashion" in v2.routing

    scheduled = {"source": "aws.events", "actor": "schedule"}
    again, errored = invoke("functions/calibrate", "lightbox-local-calibrate", scheduled)
    assert not errored, again
    assert again["written"] is None  # no new evidence
    assert configs.current().version == "v2"
