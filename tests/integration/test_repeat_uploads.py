"""Idempotent by content: repeated uploads through the real ASL on moto."""

from __future__ import annotations

import json

import pytest

from lightbox.adapters.content_index import DynamoContentIndex
from lightbox.audit.trail import verify_chain
from support.handlers import invoke
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _finish(pipeline, started: dict) -> dict:
    desc = pipeline.wait(pipeline.execution_arn(started["execution_name"]), timeout=180)
    assert desc["status"] == "SUCCEEDED", desc
    return json.loads(desc["output"])


def _validate_details(pipeline, name: str) -> tuple[dict, dict]:
    records = pipeline.audit(name)
    assert verify_chain(records).ok
    return records[0], json.loads(records[0]["details"])


@pytest.mark.reliability(
    case="idempotent: same bytes, key, product.json, config",
    expected="one processing; new content reprocessed and linked; other SKU processed",
)
def test_given_uploads_repeated_when_processed_then_one_processing_per_content_at_a_key(
    moto_pipeline,
):
    moto_pipeline.set_thresholds("v2", auto=0.2, review=0.1)
    photo = good_jpeg(seed=5)
    first = moto_pipeline.upload(KEY, photo)
    assert _finish(moto_pipeline, first)["status"] == "published"

    # The same bytes again at the same key (a new object version): nothing to redo.
    repeat = moto_pipeline.upload(KEY, photo)
    out = _finish(moto_pipeline, repeat)
    assert repeat["execution_name"] != first["execution_name"]
    assert out["status"] == "unchanged"
    assert out["outputs"] == {"unchanged_of": first["execution_name"]}
    record, details = _validate_details(moto_pipeline, repeat["execution_name"])
    assert record["decision"] == "unchanged"
    assert details["unchanged_of"] == first["execution_name"]
    assert len(moto_pipeline.audit(repeat["execution_name"])) == 1

    # The same bytes under another SKU: processed normally, never refused.
    other_sku = moto_pipeline.upload("incoming/acme/MUG-2/front.jpg", photo)
    assert _finish(moto_pipeline, other_sku)["status"] == "published"

    # New bytes at the first key: processed again, superseding the first run.
    changed = moto_pipeline.upload(KEY, good_jpeg(seed=6))
    out = _finish(moto_pipeline, changed)
    assert out["status"] == "published"
    _, details = _validate_details(moto_pipeline, changed["execution_name"])
    assert details["supersedes"] == first["execution_name"]
    listing = json.loads(
        moto_pipeline.s3.get_object(
            Bucket=moto_pipeline.bucket, Key="published/amazon/acme/MUG-1/listing.json"
        )["Body"].read()
    )
    (image,) = listing["images"]  # the new content replaced the photo's image, not added one
    assert image["sha256"] == details["content_hashes"][KEY]


def test_given_the_content_index_on_dynamodb_when_claimed_then_atomic_idempotent_and_releasable(
    moto_pipeline,
):
    index = DynamoContentIndex(moto_pipeline.tables["ContentIndexTable"], moto_pipeline.dynamodb)

    assert index.claim(KEY, "f1", "run-1").unchanged_of is None
    assert index.claim(KEY, "f1", "run-1").unchanged_of is None  # a retried claim
    assert index.claim(KEY, "f1", "run-2").unchanged_of == "run-1"
    assert index.claim("incoming/acme/MUG-2/front.jpg", "f1", "run-3").unchanged_of is None
    assert index.claim(KEY, "f2", "run-4").supersedes == "run-1"
    assert index.claim(KEY, "f2", "run-4").supersedes == "run-1"  # same answer on retry
    assert index.claim(KEY, "f2", "run-5", force=True).supersedes == "run-4"
    index.release(KEY, "run-4")  # no longer holds the key: nothing happens
    assert index.claim(KEY, "f2", "run-6").unchanged_of == "run-5"
    index.release(KEY, "run-5")
    assert index.claim(KEY, "f2", "run-7").supersedes == "run-5"


@pytest.mark.reliability(
    case="idempotent: a stage retried with the same event",
    expected="one publish and one audit record",
)
@pytest.mark.parametrize("stage", ["validate", "publish"])
def test_given_a_stage_invoked_twice_with_the_same_event_when_retried_then_it_writes_once(
    moto_pipeline, stage, monkeypatch
):
    moto_pipeline.set_thresholds("v2", auto=0.2, review=0.1)
    started = moto_pipeline.upload(KEY, good_jpeg(seed=7))
    arn = moto_pipeline.execution_arn(started["execution_name"])
    assert _finish(moto_pipeline, started)["status"] == "published"
    event = _task_input(
        moto_pipeline, arn, "ValidatePhoto" if stage == "validate" else "PublishListing"
    )
    before = moto_pipeline.audit(started["execution_name"])
    versions = _published_versions(moto_pipeline)

    # The very same event again, as a Step Functions Retry or a Lambda re-run sends it
    # (to the same function: Powertools keys its records by the function's name).
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", f"lightbox-local-{stage}")
    first, first_error = invoke(f"functions/{stage}", f"lightbox-local-{stage}", event)
    second, second_error = invoke(f"functions/{stage}", f"lightbox-local-{stage}", event)

    assert not first_error and not second_error and first == second
    after = moto_pipeline.audit(started["execution_name"])
    assert after == before  # no second audit record
    assert verify_chain(after).ok
    assert _published_versions(moto_pipeline) == versions  # nothing published again


def _task_input(pipeline, arn: str, state: str) -> dict:
    events = pipeline.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = next(
        e["stateEnteredEventDetails"]
        for e in events
        if e.get("stateEnteredEventDetails", {}).get("name") == state
    )
    return json.loads(entered["input"])


def _published_versions(pipeline) -> int:
    listed = pipeline.s3.list_object_versions(Bucket=pipeline.bucket, Prefix="published/")
    return len(listed.get("Versions", []))
