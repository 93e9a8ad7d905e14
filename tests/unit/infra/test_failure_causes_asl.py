"""Failures inside a Parallel branch or a Map iteration reach RecordFailure with the
real error and cause, not a fixed "see its logs"."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from support.template import ASL, substitute_definition


def _definition() -> dict[str, Any]:
    names = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", ASL.read_text()))
    return dict(json.loads(substitute_definition({n: "1" for n in names})))


def _nested(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for state in machine["States"].values():
        for inner in [*state.get("Branches", []), state.get("ItemProcessor")]:
            if inner:
                yield from inner["States"].items()
                yield from _nested(inner)


def test_given_the_pipeline_when_inspected_then_nested_fail_states_pass_on_the_real_error():
    fails = {name: s for name, s in _nested(_definition()) if s["Type"] == "Fail"}
    assert fails, "no nested Fail states: the rule is checking nothing"
    for name, state in fails.items():
        assert state.get("ErrorPath") == "$.error.Error", name
        assert "$.error.Cause" in state.get("CausePath", ""), name
        assert "Cause" not in state and "Error" not in state, name


def test_given_the_pipeline_when_inspected_then_catches_into_nested_fail_states_keep_the_error():
    nested = dict(_nested(_definition()))
    for name, state in nested.items():
        for catch in state.get("Catch", []):
            if nested.get(catch["Next"], {}).get("Type") == "Fail":
                assert catch.get("ResultPath") == "$.error", name
