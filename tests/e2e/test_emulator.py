"""The embedded emulator itself: LocalStack host mode plus the project's two plugins.

One emulator per module, on a free port with a temporary state folder, so the
suite never touches an emulator a developer has running. Functions and layers
are zipped in memory. The last test stops the emulator and checks that nothing
it started is still alive; the fixture's own stop() is then a no-op.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from lightbox_infra.emulator import Emulator

pytestmark = pytest.mark.e2e

ROLE_ARN = "arn:aws:iam::000000000000:role/lambda-role"
WORKER_FLAG = "--lightbox-lambda-worker"
KEEPALIVE_MS = 2000


@dataclass
class Aws:
    """Clients for the emulator, with the credentials LocalStack maps to an account."""

    emulator: Emulator

    def client(self, service: str, region: str = "us-east-1", account: str = "000000000000"):
        # A session per client: boto3's default session is not safe across threads.
        return boto3.session.Session().client(
            service,
            endpoint_url=self.emulator.endpoint,
            region_name=region,
            aws_access_key_id=account if account != "000000000000" else "test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=70),
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = Emulator(
        root=tmp_path_factory.mktemp("emulator"),
        port=_free_port(),
        # Idle workers stop after 2 s instead of 10 min, so the idle path is exercised too.
        # Throttled calls fail at once, as on AWS, so the throttle path is exercised too.
        extra_env={"LAMBDA_KEEPALIVE_MS": str(KEEPALIVE_MS), "LIGHTBOX_THROTTLE_WAIT_S": "0"},
    )
    emulator.start(timeout=90)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Aws:
    return Aws(emulator)


# -- helpers ---------------------------------------------------------------------------


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _publish_layer(aws: Aws, files: dict[str, str]) -> str:
    layer = aws.client("lambda").publish_layer_version(
        LayerName=_unique("layer"),
        Content={"ZipFile": _zip(files)},
        CompatibleRuntimes=["python3.13"],
    )
    return layer["LayerVersionArn"]


def _create_function(
    aws: Aws,
    code: str,
    *,
    layers: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: int = 10,
    handler: str = "app.handler",
) -> str:
    name = _unique("fn")
    lam = aws.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE_ARN,
        Handler=handler,
        Code={"ZipFile": _zip({"app.py": code})},
        Layers=layers or [],
        Environment={"Variables": env or {}},
        Timeout=timeout,
        MemorySize=256,
    )
    _wait_until_ready(lam, name)
    return name


def _wait_until_ready(lam, name: str) -> None:
    """Poll faster than boto3's waiters (1 s): functions get ready in milliseconds here."""

    def ready() -> bool:
        conf = lam.get_function_configuration(FunctionName=name)
        assert conf["State"] != "Failed", conf.get("StateReason")
        return conf["State"] == "Active" and conf.get("LastUpdateStatus") != "InProgress"

    _wait_for(ready, timeout=30, interval=0.05)


def _invoke(aws: Aws, name: str, event: dict[str, Any] | None = None) -> dict[str, Any]:
    response = aws.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail"
    )
    return {
        "error": response.get("FunctionError"),
        "payload": json.loads(response["Payload"].read() or b"null"),
        "log": base64.b64decode(response.get("LogResult", "")).decode(),
    }


def _wait_for(predicate: Callable[[], Any], timeout: float = 15, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if value := predicate():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def _live_processes() -> list[tuple[int, int, list[str]]]:
    """(pid, session id, argv) of every live process, read from /proc."""
    processes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        fields = stat.rpartition(") ")[2].split()
        if fields[0] not in ("Z", "X"):  # zombies are dead, merely not yet reaped
            processes.append((int(entry.name), int(fields[3]), argv))
    return processes


def _workers_of(emulator: Emulator) -> list[int]:
    marker = f"{WORKER_FLAG}={emulator.root}"
    return [pid for pid, _, argv in _live_processes() if marker in argv]


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets ``pid`` listens on (IPv4 and IPv6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    addresses = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                addresses.add(f"{table}:{fields[1]}")
    return addresses


# -- emulator --------------------------------------------------------------------------


def test_given_running_emulator_when_started_again_then_same_process_is_reused(emulator):
    before = emulator.status()

    again = emulator.start()

    assert before.ready and again.ready
    assert again.pid == before.pid


def test_given_running_emulator_then_it_listens_on_loopback_only(emulator):
    addresses = _listening_addresses(emulator.status().pid)

    loopback = f"tcp:0100007F:{emulator.port:04X}"
    assert addresses == {loopback}


# -- Lambda ----------------------------------------------------------------------------

LAYER_FUNCTION = """
import os, sys
import boto3
import mylib

def handler(event, context):
    try:
        import localstack  # noqa: F401
        localstack_visible = True
    except ImportError:
        localstack_visible = False
    return {
        "layer": mylib.VALUE,
        "event": event,
        "env": {k: os.environ.get(k) for k in [
            "MY_SETTING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER",
            "LAMBDA_TASK_ROOT", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TMPDIR"]},
        "cwd": os.getcwd(),
        "tmpdir_exists": os.path.isdir(os.environ["TMPDIR"]),
        "executable": sys.executable,
        "localstack_visible": localstack_visible,
        "account": boto3.client("sts").get_caller_identity()["Account"],
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
    }
"""


def test_given_function_with_layer_when_invoked_then_layer_module_importable_and_env_vars_visible(
    aws, emulator
):
    layer = _publish_layer(aws, {"python/mylib.py": "VALUE = 'from the layer'\n"})
    name = _create_function(aws, LAYER_FUNCTION, layers=[layer], env={"MY_SETTING": "on"})

    result = _invoke(aws, name, {"sku": "MUG-1"})

    assert result["error"] is None, result
    out = result["payload"]
    env = out["env"]
    assert out["layer"] == "from the layer"
    assert out["event"] == {"sku": "MUG-1"}
    assert env["MY_SETTING"] == "on"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.handler"
    assert env["LAMBDA_TASK_ROOT"] == out["cwd"]
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert out["account"] == "000000000000"  # boto3 inside the function reached the emulator
    assert env["TMPDIR"].startswith(str(emulator.root)) and out["tmpdir_exists"]
    assert out["executable"] == str(emulator.lambda_python)
    assert out["localstack_visible"] is False
    context = out["context"]
    assert context["function_name"] == name
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(f":function:{name}")
    assert context["memory_limit_in_mb"] == "256"  # a string, as on AWS
    assert context["aws_request_id"] in result["log"]
    assert context["log_group_name"] == f"/aws/lambda/{name}"
    assert context["log_stream_name"]
    assert 0 < context["remaining_ms"] <= 10_000


def test_given_two_layers_with_same_file_when_invoked_then_later_layer_wins(aws):
    first = _publish_layer(
        aws, {"python/shared.py": "WHO = 'first'\n", "python/only_first.py": "X = 1\n"}
    )
    second = _publish_layer(aws, {"python/shared.py": "WHO = 'second'\n"})
    code = "import shared, only_first\ndef handler(e, c):\n    return [shared.WHO, only_first.X]\n"
    name = _create_function(aws, code, layers=[first, second])

    result = _invoke(aws, name)

    assert result["payload"] == ["second", 1]


def test_given_handler_that_raises_when_invoked_then_function_error_carries_error_type(aws):
    code = (
        "class PhotoRejected(Exception):\n    pass\n\n"
        "def handler(event, context):\n    raise PhotoRejected('background is not white')\n"
    )
    name = _create_function(aws, code)

    result = _invoke(aws, name)

    assert result["error"] == "Unhandled"
    assert result["payload"]["errorType"] == "PhotoRejected"
    assert result["payload"]["errorMessage"] == "background is not white"
    assert any("app.py" in frame for frame in result["payload"]["stackTrace"])
    assert "[ERROR] PhotoRejected: background is not white" in result["log"]


def test_given_handler_module_that_cannot_import_when_invoked_then_runtime_import_error(aws):
    name = _create_function(aws, "import not_installed_anywhere\ndef handler(e, c):\n    pass\n")

    result = _invoke(aws, name)

    assert result["error"] == "Unhandled"
    assert result["payload"]["errorType"] == "Runtime.ImportModuleError"
    assert "not_installed_anywhere" in result["payload"]["errorMessage"]


SLOW_FUNCTION = """
import subprocess, sys, time

def handler(event, context):
    if event.get("spawn"):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", event["spawn"]])
    print("about to sleep", flush=True)
    time.sleep(event.get("sleep", 0))
    return "done"
"""


def test_given_function_running_past_timeout_when_invoked_then_sandbox_timedout_and_children_killed(
    aws,
):
    name = _create_function(aws, SLOW_FUNCTION, timeout=1)
    marker = _unique("child-of-timed-out-handler")

    timed_out = _invoke(aws, name, {"sleep": 30, "spawn": marker})
    after = _invoke(aws, name, {"sleep": 0})

    assert timed_out["error"] == "Unhandled"
    assert timed_out["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out["payload"]["errorMessage"]
    assert "about to sleep" in timed_out["log"]
    assert "Status: timeout" in timed_out["log"]
    assert not [pid for pid, _, argv in _live_processes() if marker in argv]
    assert after["error"] is None and after["payload"] == "done"


def test_given_busy_function_when_invoked_concurrently_then_each_call_gets_its_own_worker(aws):
    code = "import os, time\ndef handler(e, c):\n    time.sleep(1)\n    return os.getpid()\n"
    name = _create_function(aws, code)
    pids: list[int] = []

    threads = [
        threading.Thread(target=lambda: pids.append(_invoke(aws, name)["payload"]))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(pids) == 2 and all(isinstance(pid, int) for pid in pids)
    assert pids[0] != pids[1]


def test_given_function_printing_when_invoked_then_output_reaches_cloudwatch_with_start_end_report(
    aws,
):
    code = (
        "import logging\n"
        "def handler(e, c):\n"
        "    print('printed line')\n"
        "    logging.warning('logged line')\n"
        "    return 1\n"
    )
    name = _create_function(aws, code)
    logs = aws.client("logs")

    _invoke(aws, name)

    def messages() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        text = [event["message"] for event in events]
        return text if any(m.startswith("REPORT") for m in text) else []

    text = _wait_for(messages)
    assert text[0].startswith("START RequestId:")
    assert "printed line\n" in text
    assert any("[WARNING]" in m and "logged line" in m for m in text)
    assert any(m.startswith("END RequestId:") for m in text)
    assert "Max Memory Used" in text[-1]


def test_given_function_when_code_updated_then_new_code_runs_in_new_worker(aws, emulator):
    name = _create_function(aws, "import os\ndef handler(e, c):\n    return ['v1', os.getpid()]\n")
    first = _invoke(aws, name)["payload"]
    lam = aws.client("lambda")

    lam.update_function_code(
        FunctionName=name,
        ZipFile=_zip({"app.py": "import os\ndef handler(e, c):\n    return ['v2', os.getpid()]\n"}),
    )
    _wait_until_ready(lam, name)
    second = _invoke(aws, name)["payload"]

    assert first[0] == "v1" and second[0] == "v2"
    assert first[1] != second[1]
    _wait_for(lambda: first[1] not in _workers_of(emulator), timeout=10)


def test_given_warm_worker_when_idle_past_keepalive_then_it_is_stopped(aws, emulator):
    name = _create_function(aws, "import os\ndef handler(e, c):\n    return os.getpid()\n")
    pid = _invoke(aws, name)["payload"]
    assert pid in _workers_of(emulator)

    _wait_for(lambda: pid not in _workers_of(emulator), timeout=KEEPALIVE_MS / 1000 + 10)


# -- DynamoDB --------------------------------------------------------------------------


def _create_table(ddb, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def test_given_audit_table_when_record_appended_twice_then_second_write_fails_condition_check(aws):
    ddb = aws.client("dynamodb")
    table = _unique("audit")
    _create_table(ddb, table)
    item = {"pk": {"S": "pipeline#e1"}, "sk": {"S": "001#1"}, "stage": {"S": "intake"}}
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    ddb.put_item(
        TableName=table,
        Item={**item, "sk": {"S": "002#2"}, "stage": {"S": "validate"}},
        ConditionExpression="attribute_not_exists(pk)",
    )

    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(
            TableName=table,
            Item={**item, "stage": {"S": "tampered"}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    got = ddb.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})["Item"]
    queried = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": item["pk"], ":prefix": {"S": "00"}},
    )["Items"]
    assert got["stage"] == {"S": "intake"}
    assert [i["stage"]["S"] for i in queried] == ["intake", "validate"]


def test_given_same_table_name_in_other_account_and_region_when_written_then_tables_are_isolated(
    aws,
):
    table = _unique("config")
    clients = [
        aws.client("dynamodb"),
        aws.client("dynamodb", region="eu-west-1"),
        aws.client("dynamodb", account="111111111111"),
    ]
    for index, ddb in enumerate(clients):
        _create_table(ddb, table)
        ddb.put_item(
            TableName=table, Item={"pk": {"S": "k"}, "sk": {"S": "s"}, "n": {"N": str(index)}}
        )

    values = [
        ddb.get_item(TableName=table, Key={"pk": {"S": "k"}, "sk": {"S": "s"}})["Item"]["n"]["N"]
        for ddb in clients
    ]
    arns = [ddb.describe_table(TableName=table)["Table"]["TableArn"] for ddb in clients]

    assert values == ["0", "1", "2"]
    assert ":us-east-1:000000000000:" in arns[0]
    assert ":eu-west-1:000000000000:" in arns[1]
    assert ":us-east-1:111111111111:" in arns[2]


TABLE_TEMPLATE = {
    "Resources": {
        "Reviews": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                "Tags": [{"Key": "project", "Value": "lightbox"}],
            },
        }
    },
    "Outputs": {"TableName": {"Value": {"Ref": "Reviews"}}},
}


def test_given_template_with_dynamodb_table_when_stack_created_then_table_usable_and_deletable(aws):
    cfn = aws.client("cloudformation")
    ddb = aws.client("dynamodb")
    stack = _unique("tables")

    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(TABLE_TEMPLATE))
    cfn.get_waiter("stack_create_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
    )
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    table = outputs[0]["OutputValue"]
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "task#1"}})
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
    )

    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    assert table not in ddb.list_tables()["TableNames"]


# -- Step Functions on top of both plugins ---------------------------------------------


def _state_machine(table: str, function: str) -> dict[str, Any]:
    return {
        "StartAt": "RecordIntake",
        "States": {
            "RecordIntake": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.id"}, "sk": {"S": "0"}, "stage": {"S": "intake"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "ResultPath": None,
                "Next": "LoadRecord",
            },
            "LoadRecord": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table,
                    "Key": {"pk": {"S.$": "$.id"}, "sk": {"S": "0"}},
                },
                "ResultSelector": {"stage.$": "$.Item.stage.S"},
                "ResultPath": "$.record",
                "Next": "Validate",
            },
            "Validate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "Catch": [
                    {"ErrorEquals": ["PhotoRejected"], "ResultPath": "$.caught", "Next": "Done"}
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_given_state_machine_with_dynamodb_tasks_and_failing_lambda_then_catch_sees_error_type(aws):
    ddb = aws.client("dynamodb")
    sfn = aws.client("stepfunctions")
    table = _unique("pipeline")
    _create_table(ddb, table)
    code = (
        "class PhotoRejected(Exception):\n    pass\n\n"
        "def handler(event, context):\n    raise PhotoRejected(event['record']['stage'])\n"
    )
    function = _create_function(aws, code)
    machine = sfn.create_state_machine(
        name=_unique("sm"),
        definition=json.dumps(_state_machine(table, function)),
        roleArn="arn:aws:iam::000000000000:role/sfn-role",
    )["stateMachineArn"]

    def run(name: str) -> dict[str, Any]:
        arn = sfn.start_execution(stateMachineArn=machine, name=name, input='{"id": "e1"}')

        def finished() -> dict[str, Any] | None:
            description = sfn.describe_execution(executionArn=arn["executionArn"])
            return description if description["status"] != "RUNNING" else None

        return _wait_for(finished)

    first = run("first")
    duplicate = run("duplicate")

    assert first["status"] == "SUCCEEDED", first
    caught = json.loads(first["output"])["caught"]
    assert caught["Error"] == "PhotoRejected"
    assert json.loads(caught["Cause"])["errorMessage"] == "intake"
    assert duplicate["status"] == "FAILED"
    assert duplicate["error"] == "DynamoDB.ConditionalCheckFailedException"


# -- bursts ----------------------------------------------------------------------------

SLEEPY = "import time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 1))\n    return 'ok'\n"


def _fan_out_machine(function_arn: str, retry: list[dict[str, Any]]) -> dict[str, Any]:
    """Three parallel calls of one function; any error is caught into the output."""
    task = {"Type": "Task", "Resource": function_arn, "Retry": retry, "End": True}
    return {
        "StartAt": "FanOut",
        "States": {
            "FanOut": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "Call", "States": {"Call": task}}] * 3,
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Done"}
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }


def _run_machine(aws: Aws, definition: dict[str, Any]) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=_unique("sm"),
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::000000000000:role/sfn-role",
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input='{"sleep": 1}')["executionArn"]

    def finished() -> dict[str, Any] | None:
        description = sfn.describe_execution(executionArn=arn)
        return description if description["status"] != "RUNNING" else None

    return _wait_for(finished, timeout=60)


def _reserved_function(aws: Aws, concurrency: int) -> str:
    name = _create_function(aws, SLEEPY)
    lam = aws.client("lambda")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=concurrency)
    return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def test_given_reserved_concurrency_used_up_when_state_machine_calls_then_error_is_lambda_throttle(
    aws,
):
    function_arn = _reserved_function(aws, 1)

    result = _run_machine(aws, _fan_out_machine(function_arn, retry=[]))

    caught = json.loads(result["output"])["caught"]
    assert caught["Error"] == "Lambda.TooManyRequestsException", caught


def test_given_throttle_retry_when_calls_exceed_reserved_concurrency_then_all_succeed_on_one_worker(
    aws, emulator
):
    function_arn = _reserved_function(aws, 1)
    name = function_arn.rsplit(":", 1)[1]
    retry = [
        {
            "ErrorEquals": ["Lambda.TooManyRequestsException"],
            "IntervalSeconds": 1,
            "MaxAttempts": 30,
            "BackoffRate": 1.5,
            "MaxDelaySeconds": 2,
        }
    ]
    workers_seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.1):
            workers_seen.update(
                pid
                for pid, _, argv in _live_processes()
                if f"{WORKER_FLAG}={emulator.root}" in argv
                and f"AWS_LAMBDA_FUNCTION_NAME={name}" in _environ_of(pid)
            )

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = _run_machine(aws, _fan_out_machine(function_arn, retry))
    finally:
        stop.set()
        watcher.join()

    output = json.loads(result["output"])
    assert "caught" not in output, output
    assert output == ["ok", "ok", "ok"]
    assert len(workers_seen) == 1


def _environ_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def test_given_worker_started_then_it_runs_at_lower_priority_than_the_emulator(aws, emulator):
    code = "import os\ndef handler(e, c):\n    return os.nice(0)\n"
    name = _create_function(aws, code)

    niceness = _invoke(aws, name)["payload"]

    assert niceness > os.getpriority(os.PRIO_PROCESS, emulator.status().pid or 0)


# -- shutdown (keep last: it stops the module's emulator) ------------------------------


def test_given_emulator_with_warm_workers_when_stopped_then_no_process_is_left(aws, emulator):
    name = _create_function(aws, "def handler(e, c):\n    return 'warm'\n")
    _invoke(aws, name)
    localstack_pid = emulator.status().pid
    workers = _workers_of(emulator)
    assert workers, "expected at least one warm Lambda worker before stopping"

    emulator.stop()

    survivors = [
        (pid, argv)
        for pid, sid, argv in _live_processes()
        if sid == localstack_pid or pid == localstack_pid or pid in workers
    ]
    assert survivors == []
    assert _workers_of(emulator) == []
    assert not emulator.status().running
    assert not emulator.pid_path.exists()
