"""Learning through the real ASL on moto: feedback, spot checks, calibrated routing."""

from __future__ import annotations

import json

from lightbox.adapters.aws import TaskTokens
from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.adapters.learning import DynamoConfigVersions, DynamoFeedbackStore
from lightbox.learning.model import LogisticModel
from lightbox.models.config_version import CategoryRouting, ConfigVersion
from lightbox.review.service import ReviewService
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _publish(pipeline, version: str, **fields) -> None:
    configs = DynamoConfigVersions(pipeline.tables["ConfigTable"], pipeline.dynamodb)
    current = configs.current()
    configs.put(
        ConfigVersion(version=version, thresholds=fields.pop("thresholds"), **fields),
        current.version if current else None,
    )


def _decide(pipeline, decision: str, **kw):
    (task,) = pipeline.pending_tasks()
    service = ReviewService(
        DynamoReviewStore(pipeline.tables["ReviewTable"], pipeline.dynamodb),
        TaskTokens(pipeline.sfn),
    )
    service.decide(task["task_id"], decision, "rita", **kw)
    return task


def _feedback(pipeline):
    store = DynamoFeedbackStore(pipeline.tables["ReviewTable"], pipeline.dynamodb)
    return store.records(["general"], 100)


def test_given_a_reviewed_photo_when_decided_then_feedback_keeps_what_routing_used(moto_pipeline):
    _publish(moto_pipeline, "v2", thresholds={"general": {"auto": 0.999, "review": 0.05}})
    started = moto_pipeline.upload(KEY, good_jpeg())
    arn = moto_pipeline.execution_arn(started["execution_name"])
    moto_pipeline.wait(arn, until_review=True)

    task = _decide(moto_pipeline, "corrected", corrections={"crop_margin": "-0.03"})
    assert moto_pipeline.wait(arn)["status"] == "SUCCEEDED"

    (record,) = _feedback(moto_pipeline)
    assert record.task_id == task["task_id"] and record.reviewer == "rita"
    assert record.decision == "corrected" and record.corrections == {"crop_margin": "-0.03"}
    assert record.config_version == "v2"
    assert (record.auto_threshold, record.review_threshold) == (0.999, 0.05)
    assert {"segmentation", "sharpness", "exposure", "framing"} <= set(record.components)
    assert record.category == "general" and record.marketplaces == ["amazon"]
    assert record.execution_name == started["execution_name"]
    assert not record.spot_check and record.decided_at


def test_given_a_spot_check_rate_when_a_photo_would_auto_publish_then_a_person_checks_it(
    moto_pipeline,
):
    low = {"general": {"auto": 0.2, "review": 0.1}}
    _publish(moto_pipeline, "v2", thresholds=low, spot_check_rate=1.0)
    started = moto_pipeline.upload(KEY, good_jpeg())
    arn = moto_pipeline.execution_arn(started["execution_name"])
    moto_pipeline.wait(arn, until_review=True)

    (pending,) = moto_pipeline.pending_tasks()
    reviews = DynamoReviewStore(moto_pipeline.tables["ReviewTable"], moto_pipeline.dynamodb)
    assert reviews.get_task(pending["task_id"])["spot_check"] is True
    _decide(moto_pipeline, "approved")
    desc = moto_pipeline.wait(arn)
    assert json.loads(desc["output"])["status"] == "published"
    (record,) = _feedback(moto_pipeline)
    assert record.spot_check and record.spot_check_rate == 1.0 and record.weight == 1.0
    score = next(r for r in moto_pipeline.audit(started["execution_name"]) if r["stage"] == "score")
    details = json.loads(score["details"])
    assert details["thresholds_version"] == "v2" and details["spot_check"] is True


def test_given_a_calibrated_model_when_scored_then_the_model_routes_the_photo(moto_pipeline):
    # Thresholds alone would ask a person (auto 0.999); the category's model says publish.
    eager = LogisticModel(
        features=("sharpness",),
        terms=("sharpness",),
        weights=(0.0,),
        bias=5.0,
        means=(0.0,),
        scales=(1.0,),
    )
    _publish(
        moto_pipeline,
        "v2",
        thresholds={**DEFAULT_THRESHOLDS, "general": {"auto": 0.999, "review": 0.05}},
        routing={"general": CategoryRouting(model=eager, auto_probability=0.9)},
    )
    started = moto_pipeline.upload(KEY, good_jpeg())
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))
    assert json.loads(desc["output"])["status"] == "published"
    score = next(r for r in moto_pipeline.audit(started["execution_name"]) if r["stage"] == "score")
    details = json.loads(score["details"])
    assert details["route"] == "publish" and details["approval"] > 0.99
