"""Nothing dropped: undelivered events replayed from the dead-letter queue, and a failed
run replayed as a new execution linked to it in the audit (the real ASL on moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.trail import AuditTrail, verify_chain
from lightbox_cli.dlq import list_dead_letters, replay_dead_letters
from lightbox_cli.executions import replay_execution
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _dead_letter(pipeline: Any, queue_url: str, key: str) -> None:
    """What EventBridge puts on the queue when it gives up on the intake target."""
    event = pipeline.put_photo(key, good_jpeg())
    target = pipeline.lambda_client.get_function(FunctionName=pipeline.intake_function)
    attributes = {
        "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/photo-uploaded",
        "TARGET_ARN": target["Configuration"]["FunctionArn"],
        "ERROR_CODE": "Lambda.TooManyRequestsException",
        "ERROR_MESSAGE": "Rate exceeded",
    }
    _sqs().send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(event),
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    )


def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name="us-east-1")


@pytest.mark.reliability(
    case="nothing dropped: undelivered upload event", expected="in the DLQ; replay starts its run"
)
def test_given_an_undelivered_upload_event_when_replayed_then_its_run_starts_and_the_queue_empties(
    moto_pipeline,
):
    sqs = _sqs()
    url = sqs.create_queue(QueueName="lightbox-local-events-dlq")["QueueUrl"]
    _dead_letter(moto_pipeline, url, KEY)

    (letter,) = list_dead_letters(sqs, url)
    assert KEY in letter.summary and "TooManyRequests" in letter.error
    assert len(list_dead_letters(sqs, url)) == 1  # listing hands the message back

    (replayed,) = replay_dead_letters(sqs, moto_pipeline.lambda_client, url)
    assert replayed.ok, replayed.detail
    name = json.loads(replayed.detail)["execution_name"]
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(name))
    assert desc["status"] == "SUCCEEDED"
    assert list_dead_letters(sqs, url) == []


@pytest.mark.reliability(
    case="nothing dropped: failed run replayed", expected="new linked run processes it"
)
def test_given_a_failed_run_when_replayed_then_a_new_run_processes_it_and_the_audit_links_both(
    moto_pipeline, monkeypatch
):
    import lightbox.pipeline.enhance as studio

    moto_pipeline.set_thresholds("v1", auto=0.05, review=0.01)
    real = studio.compose_studio

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("studio renderer exploded")

    monkeypatch.setattr(studio, "compose_studio", broken)
    started = moto_pipeline.upload(KEY, good_jpeg())
    original = started["execution_name"]
    original_arn = moto_pipeline.execution_arn(original)
    assert moto_pipeline.wait(original_arn)["status"] == "FAILED"
    monkeypatch.setattr(studio, "compose_studio", real)

    store = DynamoAuditStore(moto_pipeline.tables["AuditTable"], moto_pipeline.dynamodb)
    replay = replay_execution(moto_pipeline.sfn, AuditTrail(store), original_arn, "human:ops")
    assert replay["name"] == f"{original[:70]}-r1"
    desc = moto_pipeline.wait(replay["arn"])
    assert desc["status"] == "SUCCEEDED"
    assert json.loads(desc["output"])["status"] == "published"

    chain = moto_pipeline.audit(replay["name"])
    assert verify_chain(chain).ok
    assert (chain[0]["stage"], chain[0]["actor"]) == ("replay", "human:ops")
    assert json.loads(chain[0]["details"])["replay_of"] == original
    assert chain[-1]["decision"] == "published"
    (back,) = store.records(f"replays#{original}")
    assert json.loads(back["details"])["replay"] == replay["name"]
    assert moto_pipeline.audit(original)[-1]["decision"] == "failed"  # left as it was
