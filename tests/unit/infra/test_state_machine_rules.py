"""House rules for the ASL, checked on the real definition file."""

import json
import re
from collections.abc import Iterator

from support.template import ASL, substitute_definition

SUBSTITUTIONS = {
    "ReviewTimeoutSeconds": "600",
    "ReviewHeartbeatSeconds": "300",
    "ConfigTableName": "config",
}


def _definition() -> dict:
    text = substitute_definition(
        {**SUBSTITUTIONS, **{name: f"arn:{name}" for name in _placeholders()}}
    )
    return json.loads(text)


def _placeholders() -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z0-9]+FunctionArn)\}", ASL.read_text()))


def _states(machine: dict) -> Iterator[tuple[str, dict]]:
    for name, state in machine["States"].items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch)
        if "ItemProcessor" in state:
            yield from _states(state["ItemProcessor"])


def test_given_the_pipeline_when_inspected_then_every_task_has_retry_and_catch():
    missing = [
        name
        for name, state in _states(_definition())
        if state["Type"] == "Task" and not (state.get("Retry") and state.get("Catch"))
    ]
    assert missing == []


def test_given_the_pipeline_when_inspected_then_every_token_wait_has_timeout_and_heartbeat():
    waits = [
        state
        for _, state in _states(_definition())
        if state["Type"] == "Task" and state["Resource"].endswith(".waitForTaskToken")
    ]
    assert waits
    for state in waits:
        assert 0 < state["HeartbeatSeconds"] < state["TimeoutSeconds"]
        caught = {e for c in state["Catch"] for e in c["ErrorEquals"]}
        assert {"States.Timeout", "States.HeartbeatTimeout"} <= caught


def test_given_the_pipeline_when_inspected_then_top_level_tasks_catch_into_the_failure_handler():
    machine = _definition()
    for name, state in machine["States"].items():
        if state["Type"] in ("Task", "Parallel", "Map") and name != "RecordFailure":
            targets = {c["Next"] for c in state["Catch"] if "States.ALL" in c["ErrorEquals"]}
            assert targets == {"RecordFailure"}, name
