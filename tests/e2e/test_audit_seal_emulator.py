"""On the deployed template: a finished run is sealed by the EventBridge rule on the state
machine's status changes, `lightbox audit verify` passes it and catches a deleted last
record; the undeliverable-event queue is wired to both rules."""

from __future__ import annotations

import json
import time
from argparse import Namespace

import pytest

from lightbox.adapters.dynamodb import DynamoConfigStore
from lightbox.keys import execution_name
from lightbox_cli.audit import cmd_audit
from support.images import good_jpeg

pytestmark = pytest.mark.e2e


def _verify(stack, name: str) -> int:
    args = Namespace(executions=[name], require_seal=True, json=False)
    return cmd_audit(args, stack.ctx)


@pytest.mark.reliability(
    case="audit: sealed run, tail deleted, on the emulator",
    expected="verify passes, then catches the deletion",
)
def test_given_a_finished_run_when_sealed_then_audit_verify_passes_and_catches_a_deleted_tail(
    deployed_stack,
):
    DynamoConfigStore(
        deployed_stack.ctx.outputs["ConfigTableName"], deployed_stack.ctx.resource("dynamodb")
    ).publish("v-e2e-seal", json.dumps({"general": {"auto": 0.2, "review": 0.1}}), "e2e")
    key = "incoming/e2e-seal/MUG-1/front.jpg"
    put = deployed_stack.ctx.client("s3").put_object(
        Bucket=deployed_stack.bucket, Key=key, Body=good_jpeg(seed=21)
    )
    names = [
        execution_name(deployed_stack.bucket, key, v)
        for v in (put.get("VersionId"), put["ETag"].strip('"'))
        if v
    ]
    desc = deployed_stack.wait_for_execution(names)
    assert desc["status"] == "SUCCEEDED", desc
    name = desc["name"]

    deadline = time.monotonic() + 120
    while _verify(deployed_stack, name) != 0:
        assert time.monotonic() < deadline, "the run was not sealed within 120 s"
        time.sleep(1)

    table = deployed_stack.ctx.resource("dynamodb").Table(
        deployed_stack.ctx.outputs["AuditTableName"]
    )
    last = table.get_item(Key={"pk": f"pipeline#{name}", "sk": "head"})["Item"]
    table.delete_item(Key={"pk": f"pipeline#{name}", "sk": f"rec#{int(last['seq']):06d}"})
    assert _verify(deployed_stack, name) == 1


def test_given_the_deployed_rules_when_listed_then_both_targets_dead_letter_to_the_queue(
    deployed_stack,
):
    sqs = deployed_stack.ctx.client("sqs")
    url = deployed_stack.ctx.outputs["EventsDeadLetterQueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    from lightbox_infra.deploy import local_client

    events = local_client("events", deployed_stack.ctx.endpoint)
    targets = [
        target
        for rule in events.list_rules()["Rules"]
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        if target["Arn"].endswith(("-intake", "-audit-seal"))
    ]
    assert len(targets) == 2
    assert all(t.get("DeadLetterConfig", {}).get("Arn") == arn for t in targets)
