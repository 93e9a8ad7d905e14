"""S3 upload → EventBridge → intake Lambda → Step Functions, all on the deployed template."""

from __future__ import annotations

import json

import pytest

from lightbox.adapters.aws import TaskTokens
from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoConfigStore, DynamoReviewStore
from lightbox.audit.trail import verify_chain
from lightbox.keys import execution_name
from lightbox.review.service import ReviewService
from support.images import good_jpeg

pytestmark = pytest.mark.e2e


def _upload(stack, key: str, data: bytes) -> list[str]:
    s3 = stack.ctx.client("s3")
    put = s3.put_object(Bucket=stack.bucket, Key=key, Body=data)
    return [
        execution_name(stack.bucket, key, v)
        for v in (put.get("VersionId"), put["ETag"].strip('"'))
        if v
    ]


def _audit(stack, name: str) -> list[dict]:
    store = DynamoAuditStore(stack.ctx.outputs["AuditTableName"], stack.ctx.resource("dynamodb"))
    return store.records(f"pipeline#{name}")


def _set_thresholds(stack, version: str, auto: float, review: float) -> None:
    store = DynamoConfigStore(stack.ctx.outputs["ConfigTableName"], stack.ctx.resource("dynamodb"))
    store.publish(version, json.dumps({"general": {"auto": auto, "review": review}}), "e2e")


def test_given_deployed_stack_when_photo_uploaded_with_boto3_then_published_and_audit_verifies(
    deployed_stack,
):
    _set_thresholds(deployed_stack, "v-e2e-1", auto=0.2, review=0.1)
    key = "incoming/e2e/MUG-1/front.jpg"

    names = _upload(deployed_stack, key, good_jpeg(seed=11))
    desc = deployed_stack.wait_for_execution(names)

    assert desc["status"] == "SUCCEEDED", desc
    out = deployed_stack.output(desc)
    assert out["status"] == "published"
    s3 = deployed_stack.ctx.client("s3")
    render = s3.get_object(Bucket=deployed_stack.bucket, Key=out["outputs"]["amazon"])
    assert render["ContentType"] == "image/jpeg" and render["ContentLength"] > 10_000
    records = _audit(deployed_stack, desc["name"])
    check = verify_chain(records)
    assert check.ok and check.count == 3, check
    assert max(records, key=lambda r: r["seq"])["decision"] == "published"


def test_given_deployed_stack_when_text_file_uploaded_as_jpeg_then_quarantined_with_reason(
    deployed_stack,
):
    names = _upload(deployed_stack, "incoming/e2e/SKU-BAD/photo.jpg", b"hello, not a photo")
    desc = deployed_stack.wait_for_execution(names)

    out = deployed_stack.output(desc)
    assert desc["status"] == "SUCCEEDED" and out["status"] == "quarantined"
    assert "not an image" in out["reason"].lower()
    s3 = deployed_stack.ctx.client("s3")
    listed = s3.list_objects_v2(Bucket=deployed_stack.bucket, Prefix=out["outputs"]["quarantine"])
    assert len(listed.get("Contents", [])) == 2
    records = _audit(deployed_stack, desc["name"])
    assert verify_chain(records).ok
    assert max(records, key=lambda r: r["seq"])["decision"] == "quarantined"


def test_given_borderline_photo_when_reviewer_approves_via_task_token_then_published(
    deployed_stack,
):
    _set_thresholds(deployed_stack, "v-e2e-2", auto=0.999, review=0.05)
    names = _upload(deployed_stack, "incoming/e2e/MUG-2/front.jpg", good_jpeg(seed=12))
    reviews = DynamoReviewStore(
        deployed_stack.ctx.outputs["ReviewTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    service = ReviewService(reviews, TaskTokens(deployed_stack.ctx.client("stepfunctions")))

    import time

    deadline = time.monotonic() + 120
    task = None
    while task is None and time.monotonic() < deadline:
        task = next((t for t in service.pending() if t["execution_name"] in names), None)
        time.sleep(0.2)
    assert task is not None, "no review task appeared"
    service.decide(task["task_id"], "approved", "e2e-reviewer")
    desc = deployed_stack.wait_for_execution(names)

    assert deployed_stack.output(desc)["status"] == "published"
    records = _audit(deployed_stack, desc["name"])
    assert verify_chain(records).ok
    assert any(r["actor"] == "human:e2e-reviewer" for r in records)
