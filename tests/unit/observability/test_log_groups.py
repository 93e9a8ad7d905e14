"""Explicit log groups, retention and tracing in template.yaml, for every function and machine."""

from __future__ import annotations

from typing import Any

import pytest

from support.template import load_template, resources_of_type

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
MACHINES = resources_of_type(TEMPLATE, "AWS::Serverless::StateMachine")
LOG_GROUPS = resources_of_type(TEMPLATE, "AWS::Logs::LogGroup")


def _group_named(name: Any) -> dict[str, Any] | None:
    return next((g for g in LOG_GROUPS.values() if g["Properties"]["LogGroupName"] == name), None)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_given_a_function_when_its_log_group_is_looked_up_then_it_exists_with_retention(
    function: str,
) -> None:
    """Given any function of the template (one added later too)
    Then a log group named /aws/lambda/<its name> exists, keeping LogRetentionDays
    (and created under the function's Condition, if it has one)."""
    group = _group_named({"Fn::Sub": f"/aws/lambda/${{{function}}}"})
    assert group is not None, f"add {function[: -len('Function')]}LogGroup next to the others"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # A function that exists only under a condition has its group under the same one.
    assert group.get("Condition") == FUNCTIONS[function].get("Condition")


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_given_a_state_machine_when_read_then_it_is_traced_and_logs_errors_to_its_group(
    machine: str,
) -> None:
    """Given each state machine
    Then X-Ray tracing is on and it logs errors, without execution data (task tokens),
    to a log group of the template that keeps LogRetentionDays."""
    props = MACHINES[machine]["Properties"]
    assert props["Tracing"] == {"Enabled": True}
    logging = props["Logging"]
    assert logging["Level"] in {"ERROR", "ALL"} and logging["IncludeExecutionData"] is False
    [destination] = logging["Destinations"]
    target = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"]
    target = target.split(".") if isinstance(target, str) else target  # !GetAtt A.Arn
    assert target[0] in LOG_GROUPS and target[1] == "Arn"
    assert LOG_GROUPS[target[0]]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_given_the_globals_when_read_then_every_function_is_traced() -> None:
    """Given the template's Globals
    Then functions run with active X-Ray tracing and none turns it off."""
    assert TEMPLATE["Globals"]["Function"]["Tracing"] == "Active"
    assert all("Tracing" not in f["Properties"] for f in FUNCTIONS.values())


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_given_a_state_machine_role_when_read_then_only_log_delivery_takes_any_resource(
    machine: str,
) -> None:
    """Given a state machine's policies
    Then the one statement on Resource "*" grants only the log delivery actions (whose
    API takes no resource ARN)."""
    for policy in MACHINES[machine]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []):
            if statement["Resource"] == "*":
                assert all(a.startswith("logs:") for a in statement["Action"]), statement
                delivery = ("LogDeliver", "DescribeLogGroups", "ResourcePolic")
                assert all(any(d in a for d in delivery) for a in statement["Action"])
