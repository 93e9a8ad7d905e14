"""The one handler decorator: every functions/*/app.py wears it, and what it adds."""

from __future__ import annotations

import ast
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from lightbox.handler import STAGE_ATTRIBUTE, correlation_keys, stage_handler
from lightbox.models.stages import PipelineState
from support.emf import emf_metrics
from support.handlers import FakeLambdaContext
from support.template import ROOT

FUNCTIONS = sorted(p.parent for p in (ROOT / "functions").glob("*/app.py"))

STATE = {
    "photo": {
        "bucket": "b",
        "key": "incoming/acme/mug-01/front.jpg",
        "seller": "acme",
        "sku": "mug-01",
        "filename": "front.jpg",
    },
    "execution": {"id": "arn:aws:states:::execution:p:run-1", "name": "run-1"},
}


def _handler_decorators(app: Path) -> list[ast.expr]:
    tree = ast.parse(app.read_text())
    handlers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handler"]
    assert len(handlers) == 1, f"{app}: one module-level `handler` function"
    return handlers[0].decorator_list


@pytest.mark.parametrize("folder", FUNCTIONS, ids=lambda p: p.name)
def test_given_any_function_when_its_handler_is_read_then_stage_handler_is_its_only_decorator(
    folder: Path,
) -> None:
    """Given a functions/<name>/app.py (also one added later)
    When its handler's decorators are read
    Then the only one is @stage_handler("<name>", ...), and the module builds no Logger
    of its own (the decorator's logger carries the correlation keys)."""
    app = folder / "app.py"
    decorators = _handler_decorators(app)
    assert len(decorators) == 1, f"{app}: only @stage_handler(...)"
    call = decorators[0]
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    assert call.func.id == "stage_handler"
    first = call.args[0]
    assert isinstance(first, ast.Constant) and first.value == folder.name
    assert "Logger(" not in app.read_text()


def test_given_a_decorated_stage_when_it_runs_then_logs_carry_the_run_and_duration_is_emitted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a stage parsed into PipelineState in environment "qa"
    When it is invoked with a raw state
    Then the handler gets the model, its log line carries execution/seller/sku,
    and StageDuration is emitted with the Stage and Environment dimensions."""
    monkeypatch.setenv("ENVIRONMENT", "qa")
    from lightbox.handler import logger

    lines = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", lines)

    @stage_handler("score", PipelineState)
    def handler(event: PipelineState, context: Any) -> dict[str, str]:
        logger.info("scored")
        return {"seen": event.photo.sku}

    assert handler(STATE, FakeLambdaContext("lightbox-qa-score")) == {"seen": "mug-01"}
    assert getattr(handler, STAGE_ATTRIBUTE) == "score"
    out = capsys.readouterr().out
    logged = [json.loads(line) for line in lines.getvalue().splitlines() if "scored" in line]
    assert len(logged) == 1
    assert (logged[0]["execution"], logged[0]["seller"], logged[0]["sku"]) == (
        "run-1",
        "acme",
        "mug-01",
    )
    [duration] = [m for m in emf_metrics(out) if m.name == "StageDuration"]
    assert duration.dimensions == {"Environment": "qa", "service": "lightbox", "Stage": "score"}
    assert duration.values[0] >= 0


def test_given_a_stage_that_raises_when_invoked_then_the_error_is_counted_and_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given a stage whose body raises
    When it is invoked
    Then the exception reaches Lambda unchanged, with StageErrors and StageDuration emitted."""

    @stage_handler("publish", PipelineState)
    def handler(event: PipelineState, context: Any) -> None:
        raise RuntimeError("S3 is down")

    with pytest.raises(RuntimeError, match="S3 is down"):
        handler(STATE, FakeLambdaContext("f"))
    names = [m.name for m in emf_metrics(capsys.readouterr().out)]
    assert sorted(names) == ["StageDuration", "StageErrors"]


def test_given_an_event_that_breaks_the_model_when_invoked_then_validation_fails_first() -> None:
    """Given an event without the photo
    When a PipelineState stage is invoked
    Then pydantic refuses it before the body runs."""
    ran: list[bool] = []

    @stage_handler("validate", PipelineState)
    def handler(event: PipelineState, context: Any) -> None:
        ran.append(True)

    with pytest.raises(ValidationError):
        handler({"execution": STATE["execution"]}, FakeLambdaContext("f"))
    assert ran == []


def test_given_an_idempotent_stage_without_a_table_when_invoked_twice_then_both_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given idempotent=True and no IDEMPOTENCY_TABLE (unit tests)
    When invoked twice
    Then the body runs twice (the guard needs its table; tests/integration cover it)."""
    monkeypatch.delenv("IDEMPOTENCY_TABLE", raising=False)
    calls: list[str] = []

    @stage_handler("reject", PipelineState, idempotent=True)
    def handler(event: PipelineState, context: Any) -> str:
        calls.append(event.execution.name)
        return "done"

    assert handler(STATE, FakeLambdaContext("f")) == "done"
    assert handler(STATE, FakeLambdaContext("f")) == "done"
    assert calls == ["run-1", "run-1"]


def test_given_a_review_request_when_correlated_then_keys_come_from_its_state() -> None:
    """Given the WaitForReview payload (the state nested under `state`)
    When its correlation keys are read
    Then they are the run's execution, seller and sku; a raw dict has none."""
    from lightbox.models.stages import ReviewRequest

    request = ReviewRequest.model_validate({"token": "t", "state": STATE})
    assert correlation_keys(request) == {"execution": "run-1", "seller": "acme", "sku": "mug-01"}
    assert correlation_keys({"detail": {}}) == {}


def test_given_the_tracer_outside_lambda_when_a_handler_runs_then_nothing_needs_x_ray(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Given no X-Ray daemon and no Lambda environment (as in these tests)
    When a traced handler runs
    Then it returns normally and the tracer reports itself disabled."""
    from lightbox.handler import tracer

    @stage_handler("draft_copy")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    with caplog.at_level(logging.ERROR):
        assert handler({}, FakeLambdaContext("f")) == "ok"
    assert tracer.disabled
    assert not [r for r in caplog.records if "xray" in r.name.lower()]
