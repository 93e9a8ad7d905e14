"""Environments side by side on one emulator: separate stacks, no crosstalk, separate deletion."""

from __future__ import annotations

import time

import pytest

from lightbox.keys import execution_name
from lightbox_cli.context import StackContext
from lightbox_infra.deploy import delete_local, deploy_local
from support.images import good_jpeg

pytestmark = pytest.mark.e2e

SECOND = "pr-two"


def _executions(ctx: StackContext) -> list[str]:
    sfn = ctx.client("stepfunctions")
    page = sfn.list_executions(stateMachineArn=ctx.outputs["StateMachineArn"], maxResults=1000)
    return [e["name"] for e in page["executions"]]


def test_given_two_environments_when_one_gets_an_upload_then_only_it_runs_and_it_deletes_alone(
    deployed_stack,
):
    first = deployed_stack.ctx
    info = deploy_local(first.endpoint or "", {"ReviewTimeoutSeconds": "180"}, env=SECOND)
    second = StackContext(SECOND, first.endpoint)
    try:
        assert info.stack_name == f"lightbox-{SECOND}"
        for output in ("BucketName", "StateMachineArn", "AuditTableName", "ReviewApiId"):
            assert second.outputs[output] != first.outputs[output], output
        assert SECOND in second.outputs["BucketName"]
        before = set(_executions(first))

        key = "incoming/envs/MUG-1/front.jpg"
        put = second.client("s3").put_object(
            Bucket=second.outputs["BucketName"], Key=key, Body=good_jpeg(seed=21)
        )
        names = [
            execution_name(second.outputs["BucketName"], key, v)
            for v in (put.get("VersionId"), put["ETag"].strip('"'))
            if v
        ]
        sfn = second.client("stepfunctions")
        machine = second.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")
        deadline, started = time.monotonic() + 180, None
        while time.monotonic() < deadline and started is None:
            started = next((n for n in names if n in _executions(second)), None)
            time.sleep(0.5)
        assert started, "the upload started nothing in its own environment"
        while sfn.describe_execution(executionArn=f"{machine}:{started}")["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the second environment's run did not finish"
            time.sleep(0.5)

        assert set(_executions(first)) == before  # nothing crossed over
    finally:
        delete_local(first.endpoint or "", SECOND)

    cfn = first.client("cloudformation")
    remaining = {
        s["StackName"]
        for s in cfn.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    }
    assert f"lightbox-{SECOND}" not in remaining
    assert first.outputs["BucketName"] in {
        b["Name"] for b in first.client("s3").list_buckets()["Buckets"]
    }
    assert _executions(first) is not None  # the first environment's machine still answers
