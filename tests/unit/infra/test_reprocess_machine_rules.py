"""House rules for the reprocess ASL, plus what makes it run the same on AWS and the emulator."""

import json
import re
from collections.abc import Iterator

from support.template import REPROCESS_ASL, load_template, substitute_definition

THROTTLE = "Lambda.TooManyRequestsException"


def _definition() -> dict:
    props = load_template()["Resources"]["CatalogueReprocess"]["Properties"]
    values = {name: f"arn:{name}" for name in props["DefinitionSubstitutions"]}
    values |= {"ReprocessMaxConcurrency": "2", "ReprocessToleratedFailurePercentage": "5.0"}
    return json.loads(substitute_definition(values, REPROCESS_ASL))


def _states(machine: dict) -> Iterator[tuple[str, dict]]:
    for name, state in machine["States"].items():
        yield name, state
        if "ItemProcessor" in state:
            yield from _states(state["ItemProcessor"])


def _map() -> dict:
    (state,) = [s for _, s in _states(_definition()) if s["Type"] == "Map"]
    return state


def test_given_the_reprocess_machine_when_inspected_then_every_task_and_map_has_retry_and_catch():
    missing = [
        name
        for name, state in _states(_definition())
        if state["Type"] in ("Task", "Map") and not (state.get("Retry") and state.get("Catch"))
    ]
    assert missing == []


def test_given_the_reprocess_machine_when_inspected_then_lambda_throttles_wait_like_the_pipeline():
    for name, state in _states(_definition()):
        if state["Type"] == "Task" and "FunctionArn" in state["Resource"]:
            first = state["Retry"][0]
            assert first["ErrorEquals"] == [THROTTLE], name
            assert first["JitterStrategy"] == "FULL" and first["MaxDelaySeconds"] <= 30, name


def test_given_the_map_when_inspected_then_it_is_a_distributed_map_over_the_seller_prefix():
    state = _map()
    assert state["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",  # the emulator's grammar knows no EXPRESS child workflows
    }
    assert state["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert state["ItemReader"]["Parameters"]["Prefix.$"] == "$.prefix"
    assert state["ResultWriter"]["Parameters"]["Prefix"] == "reports/reprocess"
    assert state["MaxConcurrency"] == 2 and state["ToleratedFailurePercentage"] == 5.0
    assert "ItemBatcher" not in state  # not in the emulator's ASL grammar
    for name, scope in _definition()["States"].items():
        if name.endswith("Scope") and scope["Type"] == "Pass":
            assert scope["Parameters"]["prefix.$"].startswith("States.Format('incoming/{}/")


def test_given_an_item_when_started_then_the_child_is_not_awaited():
    # .sync would hold the item (and the progress bar) through a day-long review.
    resources = [s["Resource"] for _, s in _states(_definition()) if s["Type"] == "Task"]
    assert "arn:aws:states:::states:startExecution" in resources
    assert not [r for r in resources if r.endswith((".sync", ".sync:2", ".waitForTaskToken"))]


def test_given_a_retried_item_when_its_child_exists_then_it_counts_as_started_not_failed():
    start = dict(_states(_definition()))["StartPipeline"]
    first = start["Catch"][0]
    assert first["ErrorEquals"] == ["StepFunctions.ExecutionAlreadyExistsException"]
    assert not any("ExecutionAlreadyExists" in e for r in start["Retry"] for e in r["ErrorEquals"])


def test_given_the_template_when_inspected_then_the_tolerance_parameter_is_always_a_decimal():
    # The emulator's grammar reads ToleratedFailurePercentage 5 as a syntax error; 5.0 is fine.
    parameter = load_template()["Parameters"]["ReprocessToleratedFailurePercentage"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match(parameter["Default"])
    assert not pattern.match("5") and pattern.match("100.0") and not pattern.match("101.0")


def test_given_the_reprocess_role_when_inspected_then_it_is_scoped_to_its_prefixes():
    props = load_template()["Resources"]["CatalogueReprocess"]["Properties"]
    statements = {
        s["Sid"]: s for p in props["Policies"] if "Statement" in p for s in p["Statement"]
    }
    assert statements["ListOriginals"]["Condition"] == {"StringLike": {"s3:prefix": "incoming/*"}}
    assert statements["WriteRunResults"]["Resource"]["Fn::Sub"].endswith("/reports/reprocess/*")
    assert statements["StartPipelineRuns"]["Resource"] == {"Ref": "ListingPipeline"}
    assert "*" not in json.dumps([s["Action"] for s in statements.values()])
