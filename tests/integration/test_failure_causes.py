"""A stage failing inside the analysis Parallel or the render Map: RecordFailure and the
audit carry the real error and its cause (the real ASL on moto)."""

from __future__ import annotations

import json

import pytest

from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


@pytest.mark.reliability(
    case="nothing dropped: Parallel/Map failure", expected="real error and cause in the audit"
)
@pytest.mark.parametrize(
    ("module", "function", "step"),
    [
        ("lightbox.pipeline.analyse", "segment_foreground", "FindProduct"),
        ("lightbox.pipeline.enhance", "render_for_marketplace", "RenderMainImage"),
    ],
    ids=["parallel-branch", "map-iteration"],
)
def test_given_a_nested_stage_crashes_when_running_then_the_audit_names_its_real_error(
    moto_pipeline, monkeypatch, module, function, step
):
    import importlib

    def broken(*_args, **_kwargs):
        raise RuntimeError("the model file is truncated")

    monkeypatch.setattr(importlib.import_module(module), function, broken)
    started = moto_pipeline.upload(KEY, good_jpeg())
    arn = moto_pipeline.execution_arn(started["execution_name"])
    assert moto_pipeline.wait(arn)["status"] == "FAILED"

    last = moto_pipeline.audit(started["execution_name"])[-1]
    details = json.loads(last["details"])
    assert (last["stage"], last["decision"]) == ("failure", "failed")
    assert details["error"] == "RuntimeError"
    assert details["cause"].startswith(f"{step} failed after retries: ")
    assert "the model file is truncated" in details["cause"]
    assert "RuntimeError" in last["reason"]
