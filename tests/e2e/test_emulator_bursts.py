"""Bursts on the emulator: reserved concurrency throttles, and the throttle Retry absorbs it.

A state machine calling a function past its reserved concurrency gets
`Lambda.TooManyRequestsException` (the fidelity plugin names it as AWS does),
and with the pipeline's throttle Retry every call succeeds, one worker at a
time. One emulator for this module (the `emulator` fixture in conftest.py).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from support.local_emulator import (
    WORKER_FLAG,
    Aws,
    create_function,
    environ_of,
    live_processes,
    unique,
    wait_for,
)

pytestmark = pytest.mark.e2e


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
        name=unique("sm"),
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::000000000000:role/sfn-role",
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input='{"sleep": 1}')["executionArn"]

    def finished() -> dict[str, Any] | None:
        description = sfn.describe_execution(executionArn=arn)
        return description if description["status"] != "RUNNING" else None

    return wait_for(finished, timeout=60)


def _reserved_function(aws: Aws, concurrency: int) -> str:
    name = create_function(aws, SLEEPY)
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
                for pid, _, argv in live_processes()
                if f"{WORKER_FLAG}={emulator.root}" in argv
                and f"AWS_LAMBDA_FUNCTION_NAME={name}" in environ_of(pid)
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
