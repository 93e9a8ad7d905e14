"""House rules for the ASL, checked on the real definition file."""

import json
import re
from collections.abc import Iterator

from support.template import ASL, substitute_definition

SUBSTITUTIONS = {
    "ReviewTimeoutSeconds": "600",
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


def test_given_the_pipeline_when_inspected_then_every_token_wait_ends_at_its_timeout():
    # Nothing sends heartbeats, so a HeartbeatSeconds would end every wait early and
    # make the expires_at shown to reviewers wrong; the timeout alone ends a level.
    waits = [
        state
        for _, state in _states(_definition())
        if state["Type"] == "Task" and state["Resource"].endswith(".waitForTaskToken")
    ]
    assert waits
    for state in waits:
        assert state["TimeoutSeconds"] == int(SUBSTITUTIONS["ReviewTimeoutSeconds"])
        assert "HeartbeatSeconds" not in state and "HeartbeatSecondsPath" not in state
        timeout_catch = [c for c in state["Catch"] if "States.Timeout" in c["ErrorEquals"]]
        assert [c["Next"] for c in timeout_catch] == ["EscalateReview"]
        # The task's expires_at is computed from the moment the state was entered.
        assert state["Parameters"]["Payload"]["entered_at.$"] == "$$.State.EnteredTime"


def test_given_the_pipeline_when_inspected_then_top_level_tasks_catch_into_the_failure_handler():
    machine = _definition()
    for name, state in machine["States"].items():
        if state["Type"] in ("Task", "Parallel", "Map") and name != "RecordFailure":
            targets = {c["Next"] for c in state["Catch"] if "States.ALL" in c["ErrorEquals"]}
            assert targets == {"RecordFailure"}, name


THROTTLE = "Lambda.TooManyRequestsException"


def _lambda_tasks() -> Iterator[tuple[str, dict]]:
    for name, state in _states(_definition()):
        if state["Type"] == "Task" and "FunctionArn" in json.dumps(state):
            yield name, state


def test_given_a_burst_when_a_function_is_throttled_then_every_lambda_task_waits_over_an_hour():
    # Reserved concurrency bounds a burst; the calls past it must wait, not fail.
    tasks = dict(_lambda_tasks())
    assert len(tasks) >= 10
    for name, state in tasks.items():
        throttles = [
            r for r in state["Retry"] if "Lambda.TooManyRequestsException" in r["ErrorEquals"]
        ]
        assert len(throttles) == 1, name
        retry = throttles[0]
        assert retry["ErrorEquals"] == [THROTTLE], name
        assert retry["JitterStrategy"] == "FULL", name  # waiters must not retry in lockstep
        delays = [
            min(retry["IntervalSeconds"] * retry["BackoffRate"] ** i, retry["MaxDelaySeconds"])
            for i in range(retry["MaxAttempts"])
        ]
        assert sum(delays) / 2 >= 3600, name  # full jitter waits half the delays on average
        assert retry["MaxDelaySeconds"] <= 30, name  # a freed slot is taken within seconds


def test_given_the_pipeline_when_inspected_then_short_retries_never_swallow_throttles():
    for name, state in _lambda_tasks():
        first = state["Retry"][0]
        assert first["ErrorEquals"] == [THROTTLE], name
