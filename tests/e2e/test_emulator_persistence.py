"""The emulator's state survives a stop, a restart and a killed process.

Buckets and objects (a multipart one too), DynamoDB tables and their
conditional-write guarantees, SQS messages, EventBridge rules, Lambda
functions, state machines and the histories of their executions come back
after `Emulator.stop()`/`start()`; after a SIGKILL of the whole process group
they come back as of the last save. An execution running at the stop cannot
resume: it is ABORTED with `Emulator.Restarted` and replayed as a linked
execution, and a task token it was waiting on is issued again by the replay.
One emulator for this module (the `emulator` fixture in conftest.py), stopped
and started by the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import time
from typing import Any

import pytest
from rich.console import Console

from lightbox_cli.emulator_state import cmd_emulator
from lightbox_infra.emulator import Emulator
from support.local_emulator import (
    create_function,
    invoke,
    unique,
    wait_for,
    wait_until_ready,
)
from support.tables import create_pk_sk_table

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::000000000000:role/sfn-role"
BIG = os.urandom(3 * 1024 * 1024)  # spills out of LocalStack's in-memory buffer (512 KB)
PART = 5 * 1024 * 1024


def _append(ddb, table: str, sk: str, stage: str) -> None:
    ddb.put_item(
        TableName=table,
        Item={"pk": {"S": "pipeline#e1"}, "sk": {"S": sk}, "stage": {"S": stage}},
        ConditionExpression="attribute_not_exists(pk)",
    )


def _machine(sfn, definition: dict[str, Any]) -> str:
    return sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]


def _finished(sfn, arn: str) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        description = sfn.describe_execution(executionArn=arn)
        return description if description["status"] != "RUNNING" else None

    return wait_for(ended)


def _saved_after(emulator, moment: float) -> dict[str, Any]:
    """Wait for a background save that started after ``moment`` (no timing asserted)."""

    def saved() -> dict[str, Any] | None:
        last = emulator.saved_state().get("last_save") or {}
        return last if last.get("saved_at", 0) > moment else None

    return wait_for(saved, timeout=30)


@pytest.mark.reliability(
    case="emulator restart: every service's state", expected="all of it back after stop/start"
)
def test_given_state_in_every_service_when_emulator_restarted_then_all_of_it_is_back(aws, emulator):
    s3, ddb, sqs = aws.client("s3"), aws.client("dynamodb"), aws.client("sqs")
    sfn, events = aws.client("stepfunctions"), aws.client("events")
    bucket, table, rule = unique("photos"), unique("audit"), unique("rule")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="incoming/s1/sku/a.jpg", Body=b"small photo")
    s3.put_object(Bucket=bucket, Key="renders/big.png", Body=BIG)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="incoming/s1/sku/multi.tif")
    parts = [
        s3.upload_part(
            Bucket=bucket,
            Key="incoming/s1/sku/multi.tif",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=body,
        )["ETag"]
        for number, body in ((1, b"a" * PART), (2, b"b" * 10))
    ]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="incoming/s1/sku/multi.tif",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": e, "PartNumber": n} for n, e in enumerate(parts, 1)]},
    )
    multipart_etag = s3.head_object(Bucket=bucket, Key="incoming/s1/sku/multi.tif")["ETag"]
    create_pk_sk_table(ddb, table)
    _append(ddb, table, "001", "intake")
    _append(ddb, table, "002", "validate")
    queue = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="dead letter")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["lightbox.test"]}))
    routed = sqs.create_queue(QueueName=unique("routed"))["QueueUrl"]
    routed_arn = sqs.get_queue_attributes(QueueUrl=routed, AttributeNames=["QueueArn"])
    events.put_targets(
        Rule=rule, Targets=[{"Id": "queue", "Arn": routed_arn["Attributes"]["QueueArn"]}]
    )
    function = create_function(aws, "def handler(event, context):\n    return {'echo': event}\n")
    metrics = aws.client("cloudwatch")  # CloudWatch keeps its metrics in SQLite files
    namespace = unique("Lightbox")
    metrics.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Published", "Value": 3, "Unit": "Count"}]
    )
    machine = _machine(
        sfn,
        {
            "StartAt": "Record",
            "States": {
                "Record": {"Type": "Pass", "Result": {"ok": True}, "Next": "Done"},
                "Done": {"Type": "Succeed"},
            },
        },
    )
    finished = sfn.start_execution(stateMachineArn=machine, name="before-restart")
    before = _finished(sfn, finished["executionArn"])
    history = sfn.get_execution_history(executionArn=finished["executionArn"])["events"]

    emulator.stop()
    emulator.start()

    assert s3.get_object(Bucket=bucket, Key="incoming/s1/sku/a.jpg")["Body"].read() == (
        b"small photo"
    )
    assert s3.get_object(Bucket=bucket, Key="renders/big.png")["Body"].read() == BIG
    multi = s3.get_object(Bucket=bucket, Key="incoming/s1/sku/multi.tif")
    assert multi["ETag"] == multipart_etag
    assert multi["Body"].read() == b"a" * PART + b"b" * 10
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        _append(ddb, table, "001", "tampered")  # still append-only after the restart
    _append(ddb, table, "003", "publish")
    stages = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "pipeline#e1"}},
    )["Items"]
    assert [item["stage"]["S"] for item in stages] == ["intake", "validate", "publish"]
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["dead letter"]
    sent = events.put_events(
        Entries=[{"Source": "lightbox.test", "DetailType": "restart", "Detail": "{}"}]
    )
    assert sent["FailedEntryCount"] == 0
    delivered = wait_for(lambda: sqs.receive_message(QueueUrl=routed).get("Messages"))
    assert json.loads(delivered[0]["Body"])["detail-type"] == "restart"  # the rule still routes
    after = sfn.describe_execution(executionArn=finished["executionArn"])
    assert (after["status"], after["output"]) == ("SUCCEEDED", before["output"])
    assert sfn.get_execution_history(executionArn=finished["executionArn"])["events"] == history
    listed = metrics.list_metrics(Namespace=namespace)["Metrics"]
    assert [m["MetricName"] for m in listed] == ["Published"]
    wait_until_ready(aws.client("lambda"), function)
    assert invoke(aws, function, {"n": 1})["payload"] == {"echo": {"n": 1}}
    again = sfn.start_execution(stateMachineArn=machine, name="after-restart")
    assert _finished(sfn, again["executionArn"])["status"] == "SUCCEEDED"
    report = emulator.saved_state()
    assert report["loaded"]["problems"] == {}
    assert {"s3", "dynamodb", "sqs", "events", "lambda", "stepfunctions"} <= set(
        report["loaded"]["services"]
    )


@pytest.mark.reliability(case="emulator killed (SIGKILL)", expected="state as of the last save")
def test_given_emulator_killed_when_restarted_then_state_is_as_of_the_last_save(aws, emulator):
    ddb, s3 = aws.client("dynamodb"), aws.client("s3")
    table, bucket = unique("audit"), unique("photos")
    create_pk_sk_table(ddb, table)
    s3.create_bucket(Bucket=bucket)
    _append(ddb, table, "001", "intake")
    s3.put_object(Bucket=bucket, Key="incoming/a.jpg", Body=b"photo")
    written = time.time()
    _saved_after(emulator, written)
    pid = emulator.status().pid
    assert pid is not None

    os.killpg(pid, signal.SIGKILL)  # no shutdown hook runs: only the background saves count
    wait_for(lambda: not emulator.status().running)
    emulator.start()

    item = ddb.get_item(TableName=table, Key={"pk": {"S": "pipeline#e1"}, "sk": {"S": "001"}})
    assert item["Item"]["stage"] == {"S": "intake"}
    assert s3.get_object(Bucket=bucket, Key="incoming/a.jpg")["Body"].read() == b"photo"
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        _append(ddb, table, "001", "tampered")


@pytest.mark.reliability(
    case="emulator restart with a run waiting for review",
    expected="replayed as a linked run with a new task token",
)
def test_given_run_waiting_for_review_when_emulator_restarted_then_replayed_with_new_task_token(
    aws, emulator
):
    sfn, sqs = aws.client("stepfunctions"), aws.client("sqs")
    queue = sqs.create_queue(QueueName=unique("review"))["QueueUrl"]
    machine = _machine(
        sfn,
        {
            "StartAt": "HumanReview",
            "States": {
                "HumanReview": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": queue,
                        "MessageBody": {"token.$": "$$.Task.Token", "photo.$": "$.photo"},
                    },
                    "End": True,
                }
            },
        },
    )
    run_input = {"photo": {"bucket": "b", "key": "incoming/s1/sku/a.jpg"}}
    original = sfn.start_execution(
        stateMachineArn=machine, name="waiting", input=json.dumps(run_input)
    )["executionArn"]

    def review_task() -> dict[str, Any] | None:
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return json.loads(messages[0]["Body"]) if messages else None

    old_task = wait_for(review_task)

    emulator.stop()
    emulator.start()

    aborted = sfn.describe_execution(executionArn=original)
    assert (aborted["status"], aborted["error"]) == ("ABORTED", "Emulator.Restarted")
    kinds = [e["type"] for e in sfn.get_execution_history(executionArn=original)["events"]]
    assert kinds[0] == "ExecutionStarted" and "TaskSubmitted" in kinds
    replay_arn = original + "-r1"
    replay = sfn.describe_execution(executionArn=replay_arn)
    replay_input = json.loads(replay["input"])
    assert replay_input["replay_of"]["execution_arn"] == original
    assert replay_input["photo"]["key"] == run_input["photo"]["key"]
    assert replay_input["photo"]["reprocess"] == "replay of waiting"
    assert emulator.saved_state()["replays"] == [
        {
            "original": "waiting",
            "original_arn": original,
            "replay": "waiting-r1",
            "replay_arn": replay_arn,
        }
    ]
    new_task = wait_for(review_task)
    assert new_task["token"] != old_task["token"]
    with pytest.raises(sfn.exceptions.ClientError) as dead:
        sfn.send_task_success(taskToken=old_task["token"], output='{"decision": "approved"}')
    # the codes the review service reads as "this task was closed" (lightbox.adapters.aws)
    assert dead.value.response["Error"]["Code"] in (
        "TaskTimedOut",
        "InvalidToken",
        "TaskDoesNotExist",
    )
    sfn.send_task_success(taskToken=new_task["token"], output='{"decision": "approved"}')
    assert _finished(sfn, replay_arn)["status"] == "SUCCEEDED"


AUDIT_STACK = {
    "Resources": {
        "Audit": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
            },
        }
    },
    "Outputs": {"AuditTableName": {"Value": {"Ref": "Audit"}}},
}


@pytest.mark.reliability(
    case="emulator stop/reset with runs in flight",
    expected="says what is cut off; audit trail exported first",
)
def test_given_running_run_and_audit_trail_when_cli_stops_then_resets_then_says_and_exports_first(
    aws, emulator, tmp_path
):
    cfn, sfn = aws.client("cloudformation"), aws.client("stepfunctions")
    ddb = aws.client("dynamodb")
    cfn.create_stack(StackName="lightbox-restart", TemplateBody=json.dumps(AUDIT_STACK))
    cfn.get_waiter("stack_create_complete").wait(
        StackName="lightbox-restart", WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
    )
    table = cfn.describe_stacks(StackName="lightbox-restart")["Stacks"][0]["Outputs"][0]
    _append(ddb, table["OutputValue"], "001", "intake")
    machine = _machine(
        sfn, {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    sfn.start_execution(stateMachineArn=machine, name="cut-off")
    said = Console(file=io.StringIO(), width=400)
    # The same emulator, but exports land under tmp_path instead of the checkout.
    cli_view = Emulator(root=emulator.root, port=emulator.port, home=tmp_path)

    cmd_emulator(argparse.Namespace(action="stop"), cli_view, said, said)
    stopped = said.file.getvalue()
    emulator.start()
    # The stack finished deploying after any request to CloudFormation: still saved so.
    restored = cfn.describe_stacks(StackName="lightbox-restart")["Stacks"][0]["StackStatus"]
    cmd_emulator(argparse.Namespace(action="reset"), cli_view, said, said)
    reset = said.file.getvalue()[len(stopped) :]
    emulator.start()

    assert restored == "CREATE_COMPLETE"
    assert "1 executions are running" in stopped and "cut-off" in stopped
    assert "its state is kept for the next start" in stopped
    exported = sorted((tmp_path / ".lightbox" / "exports").glob("audit-restart-*.jsonl"))
    assert len(exported) == 1 and f"audit trail exported first: {exported[0]}" in reset
    lines = [json.loads(line) for line in exported[0].read_text().splitlines()]
    assert [(r["pk"], r["sk"], r["stage"]) for r in lines] == [("pipeline#e1", "001", "intake")]
    assert "saved state discarded" in reset
    assert (
        aws.client("cloudformation").list_stacks(StackStatusFilter=["CREATE_COMPLETE"])[
            "StackSummaries"
        ]
        == []
    )  # the emulator started empty after the reset
