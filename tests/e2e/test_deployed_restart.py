"""The deployed stack survives an emulator restart: resources, audit trail, pipeline.

Stops and starts the emulator under the `deployed_stack` fixture (the real
template, deployed once per session): the stack, its buckets, tables and
functions, a processed photo's audit chain, execution and renders are all
still there, and a new upload still runs through the whole pipeline.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoConfigStore
from lightbox.audit.trail import verify_chain
from lightbox.keys import execution_name
from lightbox_infra.emulator import Emulator
from support.images import good_jpeg

pytestmark = pytest.mark.e2e
ENDS = ("published", "in_review", "rejected", "quarantined")


def _process(stack, key: str, seed: int) -> dict:
    s3 = stack.ctx.client("s3")
    put = s3.put_object(Bucket=stack.bucket, Key=key, Body=good_jpeg(seed=seed))
    names = [
        execution_name(stack.bucket, key, v)
        for v in (put.get("VersionId"), put["ETag"].strip('"'))
        if v
    ]
    return stack.wait_for_execution(names)


def _records(stack, name: str) -> list[dict]:
    store = DynamoAuditStore(stack.ctx.outputs["AuditTableName"], stack.ctx.resource("dynamodb"))
    return store.records(f"pipeline#{name}")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _stored_keys(value) -> list[str]:
    if isinstance(value, dict):
        return [key for item in value.values() for key in _stored_keys(item)]
    return [value] if isinstance(value, str) and not value.endswith("/") else []


@pytest.mark.reliability(
    case="emulator restart under the deployed stack",
    expected="stack, audit chain and pipeline still work",
)
def test_given_processed_photo_when_emulator_restarted_then_stack_audit_and_pipeline_remain(
    deployed_stack,
):
    # The session's stack carries the routing an earlier test left (one sends every
    # photo to review): publish good photos here, so each run ends on its own.
    store = DynamoConfigStore(
        deployed_stack.ctx.outputs["ConfigTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    store.publish("v-e2e-restart", json.dumps({"general": {"auto": 0.2, "review": 0.1}}), "e2e")
    before = _process(deployed_stack, "incoming/e2e/RESTART-1/front.jpg", seed=31)
    records = _records(deployed_stack, before["name"])
    outputs = dict(deployed_stack.ctx.outputs)
    port = int(deployed_stack.ctx.endpoint.rsplit(":", 1)[1])
    emulator = Emulator(root=Path(deployed_stack.emulator_root), port=port)

    emulator.stop()
    emulator.start()

    cfn = deployed_stack.ctx.client("cloudformation")
    stack = cfn.describe_stacks(StackName=f"lightbox-{deployed_stack.ctx.env}")["Stacks"][0]
    assert stack["StackStatus"].endswith("_COMPLETE")
    restored = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert {k: restored.get(k) for k in outputs if k != "ReviewApiUrl"} == {
        k: v for k, v in outputs.items() if k != "ReviewApiUrl"
    }
    assert _records(deployed_stack, before["name"]) == records
    assert verify_chain(records).ok
    sfn = deployed_stack.ctx.client("stepfunctions")
    again = sfn.describe_execution(executionArn=before["executionArn"])
    assert (again["status"], again.get("output")) == (before["status"], before.get("output"))
    s3 = deployed_stack.ctx.client("s3")
    for key in _stored_keys(deployed_stack.output(before).get("outputs", {})):
        s3.head_object(Bucket=deployed_stack.bucket, Key=key)
    api = deployed_stack.ctx.outputs["ReviewApiUrl"]
    assert _status(api + "openapi.json") == 200  # the review API is routed again
    assert _status(api + "tasks") == 401  # and its authorizer still guards it
    after = _process(deployed_stack, "incoming/e2e/RESTART-2/front.jpg", seed=32)
    assert after["status"] == "SUCCEEDED", after
    assert deployed_stack.output(after)["status"] in ENDS
    assert verify_chain(_records(deployed_stack, after["name"])).ok
    assert emulator.saved_state()["loaded"]["problems"] == {}
