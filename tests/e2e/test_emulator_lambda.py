"""The embedded emulator and its Lambda executor: one process per environment, like Lambda.

The emulator is reused when started again and listens on loopback only.
Functions run in worker processes with the function venv: layers merge in
order onto sys.path, Lambda's environment and context are there and
LocalStack is not, errors carry Lambda's error types, a timeout kills the
worker and whatever it started, concurrent calls get their own workers, output
reaches CloudWatch Logs with START/END/REPORT, new code starts a new worker,
idle workers stop, and workers run niced below the emulator. The last test
stops this module's emulator (the `emulator` fixture in conftest.py) and
checks that nothing it started is still alive.
"""

from __future__ import annotations

import os
import threading

import pytest

from support.local_emulator import (
    KEEPALIVE_MS,
    create_function,
    invoke,
    listening_addresses,
    live_processes,
    publish_layer,
    unique,
    wait_for,
    wait_until_ready,
    workers_of,
    zip_files,
)

pytestmark = pytest.mark.e2e


# -- emulator --------------------------------------------------------------------------


def test_given_running_emulator_when_started_again_then_same_process_is_reused(emulator):
    before = emulator.status()

    again = emulator.start()

    assert before.ready and again.ready
    assert again.pid == before.pid


def test_given_running_emulator_then_it_listens_on_loopback_only(emulator):
    addresses = listening_addresses(emulator.status().pid)

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
    layer = publish_layer(aws, {"python/mylib.py": "VALUE = 'from the layer'\n"})
    name = create_function(aws, LAYER_FUNCTION, layers=[layer], env={"MY_SETTING": "on"})

    result = invoke(aws, name, {"sku": "MUG-1"})

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
    first = publish_layer(
        aws, {"python/shared.py": "WHO = 'first'\n", "python/only_first.py": "X = 1\n"}
    )
    second = publish_layer(aws, {"python/shared.py": "WHO = 'second'\n"})
    code = "import shared, only_first\ndef handler(e, c):\n    return [shared.WHO, only_first.X]\n"
    name = create_function(aws, code, layers=[first, second])

    result = invoke(aws, name)

    assert result["payload"] == ["second", 1]


def test_given_handler_that_raises_when_invoked_then_function_error_carries_error_type(aws):
    code = (
        "class PhotoRejected(Exception):\n    pass\n\n"
        "def handler(event, context):\n    raise PhotoRejected('background is not white')\n"
    )
    name = create_function(aws, code)

    result = invoke(aws, name)

    assert result["error"] == "Unhandled"
    assert result["payload"]["errorType"] == "PhotoRejected"
    assert result["payload"]["errorMessage"] == "background is not white"
    assert any("app.py" in frame for frame in result["payload"]["stackTrace"])
    assert "[ERROR] PhotoRejected: background is not white" in result["log"]


def test_given_handler_module_that_cannot_import_when_invoked_then_runtime_import_error(aws):
    name = create_function(aws, "import not_installed_anywhere\ndef handler(e, c):\n    pass\n")

    result = invoke(aws, name)

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
    name = create_function(aws, SLOW_FUNCTION, timeout=1)
    marker = unique("child-of-timed-out-handler")

    timed_out = invoke(aws, name, {"sleep": 30, "spawn": marker})
    after = invoke(aws, name, {"sleep": 0})

    assert timed_out["error"] == "Unhandled"
    assert timed_out["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out["payload"]["errorMessage"]
    assert "about to sleep" in timed_out["log"]
    assert "Status: timeout" in timed_out["log"]
    assert not [pid for pid, _, argv in live_processes() if marker in argv]
    assert after["error"] is None and after["payload"] == "done"


def test_given_busy_function_when_invoked_concurrently_then_each_call_gets_its_own_worker(aws):
    code = "import os, time\ndef handler(e, c):\n    time.sleep(1)\n    return os.getpid()\n"
    name = create_function(aws, code)
    pids: list[int] = []

    threads = [
        threading.Thread(target=lambda: pids.append(invoke(aws, name)["payload"])) for _ in range(2)
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
    name = create_function(aws, code)
    logs = aws.client("logs")

    invoke(aws, name)

    def messages() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        text = [event["message"] for event in events]
        return text if any(m.startswith("REPORT") for m in text) else []

    text = wait_for(messages)
    assert text[0].startswith("START RequestId:")
    assert "printed line\n" in text
    assert any("[WARNING]" in m and "logged line" in m for m in text)
    assert any(m.startswith("END RequestId:") for m in text)
    assert "Max Memory Used" in text[-1]


def test_given_function_when_code_updated_then_new_code_runs_in_new_worker(aws, emulator):
    name = create_function(aws, "import os\ndef handler(e, c):\n    return ['v1', os.getpid()]\n")
    first = invoke(aws, name)["payload"]
    lam = aws.client("lambda")

    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_files(
            {"app.py": "import os\ndef handler(e, c):\n    return ['v2', os.getpid()]\n"}
        ),
    )
    wait_until_ready(lam, name)
    second = invoke(aws, name)["payload"]

    assert first[0] == "v1" and second[0] == "v2"
    assert first[1] != second[1]
    wait_for(lambda: first[1] not in workers_of(emulator), timeout=10)


def test_given_warm_worker_when_idle_past_keepalive_then_it_is_stopped(aws, emulator):
    name = create_function(aws, "import os\ndef handler(e, c):\n    return os.getpid()\n")
    pid = invoke(aws, name)["payload"]
    assert pid in workers_of(emulator)

    wait_for(lambda: pid not in workers_of(emulator), timeout=KEEPALIVE_MS / 1000 + 10)


def test_given_worker_started_then_it_runs_at_lower_priority_than_the_emulator(aws, emulator):
    code = "import os\ndef handler(e, c):\n    return os.nice(0)\n"
    name = create_function(aws, code)

    niceness = invoke(aws, name)["payload"]

    assert niceness > os.getpriority(os.PRIO_PROCESS, emulator.status().pid or 0)


# -- shutdown (keep last: it stops the module's emulator) ------------------------------


def test_given_emulator_with_warm_workers_when_stopped_then_no_process_is_left(aws, emulator):
    name = create_function(aws, "def handler(e, c):\n    return 'warm'\n")
    invoke(aws, name)
    localstack_pid = emulator.status().pid
    workers = workers_of(emulator)
    assert workers, "expected at least one warm Lambda worker before stopping"

    emulator.stop()

    survivors = [
        (pid, argv)
        for pid, sid, argv in live_processes()
        if sid == localstack_pid or pid == localstack_pid or pid in workers
    ]
    assert survivors == []
    assert workers_of(emulator) == []
    assert not emulator.status().running
    assert not emulator.pid_path.exists()
