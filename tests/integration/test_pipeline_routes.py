"""Every route through the real ASL, on moto, with the real handlers.

Routing is steered through the versioned thresholds in the config table (as
operators would), so each test pins one route while the images and scores
stay real.
"""

from __future__ import annotations

import json

import pytest

from lightbox.adapters.aws import StepFunctionsExecutions
from lightbox.audit.trail import verify_chain
from lightbox.pipeline.intake import start_for_upload
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _output(desc: dict) -> dict:
    return json.loads(desc["output"])


def _assert_terminal_audit(pipeline, name: str, decision: str) -> list[dict]:
    records = pipeline.audit(name)
    assert verify_chain(records).ok, verify_chain(records)
    assert records[-1]["decision"] == decision
    return records


def test_given_good_photo_and_low_thresholds_when_uploaded_then_published_with_listing(
    moto_pipeline,
):
    moto_pipeline.set_thresholds("v2", auto=0.2, review=0.1)

    started = moto_pipeline.upload(KEY, good_jpeg())
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))

    assert desc["status"] == "SUCCEEDED", desc
    out = _output(desc)
    assert out["status"] == "published"
    image_key = out["outputs"]["amazon"]
    assert image_key == "published/amazon/acme/MUG-1/front.jpg"
    head = moto_pipeline.s3.head_object(Bucket=moto_pipeline.bucket, Key=image_key)
    assert head["ContentType"] == "image/jpeg"
    listing = json.loads(
        moto_pipeline.s3.get_object(
            Bucket=moto_pipeline.bucket, Key="published/amazon/acme/MUG-1/listing.json"
        )["Body"].read()
    )
    assert listing["main"] == image_key
    assert [image["key"] for image in listing["images"]] == [image_key]
    assert listing["config_version"] == "v2"
    records = _assert_terminal_audit(moto_pipeline, started["execution_name"], "published")
    assert [r["stage"] for r in records] == ["validate", "score", "publish"]
    assert json.loads(records[1]["details"])["thresholds_version"] == "v2"


def test_given_same_upload_event_twice_when_delivered_then_only_one_execution(moto_pipeline):
    moto_pipeline.set_thresholds("v2", auto=0.2, review=0.1)
    data = good_jpeg()
    first = moto_pipeline.upload(KEY, data)
    version = moto_pipeline.s3.head_object(Bucket=moto_pipeline.bucket, Key=KEY)["VersionId"]
    # Re-deliver the very same event (same object version): EventBridge is at-least-once.
    again = start_for_upload(
        StepFunctionsExecutions(moto_pipeline.state_machine_arn, moto_pipeline.sfn),
        moto_pipeline.bucket,
        KEY,
        version,
        None,
        len(data),
    )

    assert first["action"] == "started"
    assert again.action == "duplicate"
    assert again.execution_name == first["execution_name"]
    moto_pipeline.wait(moto_pipeline.execution_arn(first["execution_name"]))
    runs = moto_pipeline.sfn.list_executions(stateMachineArn=moto_pipeline.state_machine_arn)
    assert len(runs["executions"]) == 1


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_given_borderline_score_when_reviewer_decides_then_execution_follows_decision(
    moto_pipeline, decision
):
    moto_pipeline.set_thresholds("v3", auto=0.999, review=0.05)

    started = moto_pipeline.upload(KEY, good_jpeg())
    arn = moto_pipeline.execution_arn(started["execution_name"])
    desc = moto_pipeline.wait(arn, until_review=True)
    assert desc["status"] == "RUNNING"
    (task,) = moto_pipeline.pending_tasks()
    assert "token" not in moto_pipeline.review_service().pending()[0]

    service = moto_pipeline.review_service()
    result = service.decide(task["task_id"], decision, "rita", reason="background has a crease")
    again = service.decide(task["task_id"], decision, "rita", reason="background has a crease")
    desc = moto_pipeline.wait(arn)

    assert result.changed and not again.changed  # a second identical decision is a no-op
    assert desc["status"] == "SUCCEEDED"
    expected = "published" if decision == "approved" else "rejected"
    assert _output(desc)["status"] == expected
    records = _assert_terminal_audit(moto_pipeline, started["execution_name"], expected)
    human = [r for r in records if r["actor"] == "human:rita"]
    assert [r["decision"] for r in human] == [decision]


def test_given_nobody_reviews_when_timeouts_pass_then_escalated_then_rejected(
    moto_pipeline_factory,
):
    pipeline = moto_pipeline_factory(review_timeout=3)
    pipeline.set_thresholds("v3", auto=0.999, review=0.05)

    started = pipeline.upload(KEY, good_jpeg())
    desc = pipeline.wait(pipeline.execution_arn(started["execution_name"]), timeout=60)

    assert desc["status"] == "SUCCEEDED"
    out = _output(desc)
    assert out["status"] == "rejected"
    assert "No reviewer decided in time" in out["reason"]
    records = _assert_terminal_audit(pipeline, started["execution_name"], "rejected")
    decisions = [r["decision"] for r in records]
    assert decisions.count("review_requested") == 2
    assert "escalated" in decisions and "review_expired" in decisions


def test_given_score_below_review_threshold_when_scored_then_rejected_with_reasons(
    moto_pipeline,
):
    moto_pipeline.set_thresholds("v4", auto=0.9999, review=0.9998)

    started = moto_pipeline.upload(KEY, good_jpeg())
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))

    assert _output(desc)["status"] == "rejected"
    report = json.loads(
        moto_pipeline.s3.get_object(
            Bucket=moto_pipeline.bucket, Key="reports/acme/MUG-1/front/rejected.json"
        )["Body"].read()
    )
    assert report["reasons"] and report["next_step"]
    _assert_terminal_audit(moto_pipeline, started["execution_name"], "rejected")


@pytest.mark.parametrize(
    ("key", "data", "reason_fragment"),
    [
        ("incoming/acme/SKU-2/photo.jpg", b"this is not an image at all", "not an image"),
        ("incoming/acme/SKU-3/photo.jpg", good_jpeg()[:5000], "corrupt"),
        ("incoming/acme/../escape.jpg", good_jpeg(), "'..'"),
    ],
)
def test_given_bad_input_when_uploaded_then_quarantined_with_reason_and_audit(
    moto_pipeline, key, data, reason_fragment
):
    started = moto_pipeline.upload(key, data)
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))

    assert desc["status"] == "SUCCEEDED"
    out = _output(desc)
    assert out["status"] == "quarantined"
    assert reason_fragment in out["reason"].lower() or reason_fragment in out["reason"]
    prefix = out["outputs"]["quarantine"]
    assert prefix.startswith("quarantine/")
    reason_doc = json.loads(
        moto_pipeline.s3.get_object(Bucket=moto_pipeline.bucket, Key=f"{prefix}/reason.json")[
            "Body"
        ].read()
    )
    assert reason_doc["reasons"] == out["reasons"]
    listed = moto_pipeline.s3.list_objects_v2(Bucket=moto_pipeline.bucket, Prefix=prefix)
    assert len(listed["Contents"]) == 2  # the original kept, plus its reason
    _assert_terminal_audit(moto_pipeline, started["execution_name"], "quarantined")


def test_given_invalid_product_json_when_photo_uploaded_then_quarantined_naming_the_field(
    moto_pipeline,
):
    moto_pipeline.s3.put_object(
        Bucket=moto_pipeline.bucket,
        Key="incoming/acme/MUG-1/product.json",
        Body=json.dumps({"title": "Mug", "category": "spaceships"}).encode(),
    )

    started = moto_pipeline.upload(KEY, good_jpeg())
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))

    out = _output(desc)
    assert out["status"] == "quarantined"
    assert "product.json" in out["reason"] and "category" in out["reason"]


def test_given_stage_crashes_when_running_then_catch_quarantines_audits_and_fails(
    moto_pipeline, monkeypatch
):
    import lightbox.pipeline.enhance as studio

    def broken(*_args, **_kwargs):
        raise RuntimeError("studio renderer exploded")

    monkeypatch.setattr(studio, "compose_studio", broken)

    started = moto_pipeline.upload(KEY, good_jpeg())
    arn = moto_pipeline.execution_arn(started["execution_name"])
    desc = moto_pipeline.wait(arn)

    assert desc["status"] == "FAILED"
    assert desc.get("error") == "Lightbox.PipelineFailed"
    states = moto_pipeline.history_states(arn)
    assert states[-2:] == ["RecordFailure", "PipelineFailed"]
    records = _assert_terminal_audit(moto_pipeline, started["execution_name"], "failed")
    assert "RuntimeError" in json.loads(records[-1]["details"])["error"]
    listed = moto_pipeline.s3.list_objects_v2(
        Bucket=moto_pipeline.bucket, Prefix="quarantine/acme/MUG-1/front/"
    )
    assert {o["Key"].rsplit("/", 1)[-1] for o in listed["Contents"]} == {"front.jpg", "reason.json"}
