"""Every declared metric is really emitted by a handler, with its declared dimensions.

The real handler modules (functions/*/app.py) run over the in-memory fakes; their
stdout is read as CloudWatch would read it (EMF). Together with
test_dashboard_metrics.py (the template only names declared metrics) this proves
every dashboard panel and alarm is fed by some code path.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from lightbox.models.stages import ReviewDecision
from lightbox.observability import BASE_DIMENSIONS, METRICS, QUARANTINE_REASONS
from support.emf import EmittedMetric, emf_metrics
from support.events import object_created
from support.fakes import BUCKET, RecordingExecutions
from support.handlers import FakeLambdaContext, load_handler_module
from support.images import good_jpeg
from support.stages import StageDriver

PRODUCT = {"title": "Red ceramic mug", "category": "home_decor", "marketplaces": ["amazon"]}


class Run:
    """Invoke real handlers with their dependencies swapped for the fakes; keep their EMF
    (Powertools prints each EMF document to the current sys.stdout)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch
        self.metrics: list[EmittedMetric] = []

    def handler(self, name: str, event: Any, **patches: Any) -> Any:
        module = load_handler_module(f"functions/{name}")
        for attribute, value in patches.items():
            self.monkeypatch.setattr(module, attribute, value)
        out = io.StringIO()
        context = FakeLambdaContext(f"lightbox-unit-{name}", aws_request_id=str(uuid.uuid4()))
        try:
            with contextlib.redirect_stdout(out):
                return module.handler(event, context)
        finally:
            self.metrics += emf_metrics(out.getvalue())


@pytest.fixture(scope="module")
def scored() -> StageDriver:
    driver = StageDriver(good_jpeg(seed=5), product=PRODUCT)
    driver.run_until("score")
    return driver


@pytest.fixture(scope="module")
def emitted(scored: StageDriver) -> Iterator[list[EmittedMetric]]:
    """Run every handler that records a metric once, through the paths a batch takes."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ENVIRONMENT", "unit")
        monkeypatch.delenv("IDEMPOTENCY_TABLE", raising=False)
        run = Run(monkeypatch)
        fakes = scored.fakes
        deps = scored.deps
        uses_deps = {"deps": lambda: deps}

        # Intake: an upload starts a run.
        key = "incoming/acme/mug-02/front.jpg"
        fakes.objects.put_bytes(key, good_jpeg(seed=6), "image/jpeg")
        run.handler(
            "intake",
            object_created(BUCKET, key, size=10, etag="e"),
            _executions=lambda: RecordingExecutions(),
            ObjectStore=lambda bucket: fakes.objects,
        )
        # Score, then each end a scored photo can reach.
        state = scored.as_event()
        run.handler("score", state, **uses_deps)
        run.handler("publish", state, **uses_deps)
        run.handler("reject", state, **uses_deps)
        run.handler("record_failure", {**state, "error": {"Error": "X", "Cause": "y"}}, **uses_deps)
        # Review: open a task, let it time out once, then decide it.
        token = "token-1"
        task = run.handler("request_review", {"token": token, "state": state}, **uses_deps)
        run.handler("escalate", state, **uses_deps)
        decided = ReviewDecision(decision="approved", reviewer="ana", task_id=task["task_id"])
        reviewed = {**state, "review": decided.model_dump()}
        run.handler("record_review", reviewed, **uses_deps)
        fakes.reviews.put_task(
            {"task_id": "waiting", "status": "pending", "created_at": fakes.now.isoformat()}
        )
        run.handler("review_backlog", {}, _tasks=lambda: fakes.reviews)
        # A refused upload is quarantined with a reason code.
        refused = {**state, "validation": {"ok": False, "reasons": ["The photo is too blurry"]}}
        run.handler("quarantine", refused, **uses_deps)
        # A stage that raises.
        with pytest.raises(Exception):
            run.handler("validate", {"photo": {}}, **uses_deps)
        yield run.metrics


@pytest.mark.parametrize("name", sorted(METRICS))
def test_given_a_batch_through_the_handlers_when_their_output_is_read_then_each_metric_appears(
    name: str, emitted: list[EmittedMetric]
) -> None:
    """Given the handlers a batch runs through (intake to publish, review, quarantine, failure)
    When their stdout is read as EMF
    Then every declared metric appears in namespace Lightbox with exactly its declared
    dimensions plus Environment and service."""
    spec = METRICS[name]
    found = [m for m in emitted if m.name == name]
    assert found, f"no handler emitted {name}"
    for metric in found:
        assert metric.namespace == "Lightbox"
        assert metric.dimension_names == frozenset(spec.dimensions + BASE_DIMENSIONS)
        assert metric.dimensions["Environment"] == "unit"


def test_given_the_batch_when_routes_and_reasons_are_read_then_values_are_the_known_ones(
    emitted: list[EmittedMetric], scored: StageDriver
) -> None:
    """Given the same batch
    Then the route is the score's, confidence carries its category, the quarantine
    reason is a known code, and every stage's duration names its stage."""
    assert scored.state.score is not None
    [route] = [m for m in emitted if m.name == "RouteDecisions"]
    assert route.dimensions["Route"] == scored.state.score.route
    [confidence] = [m for m in emitted if m.name == "Confidence"]
    assert confidence.dimensions["Category"] == "home_decor"
    assert confidence.values == [pytest.approx(scored.state.score.confidence)]
    [reason] = [m for m in emitted if m.name == "QuarantineReasons"]
    assert reason.dimensions["Reason"] == "blurry" and "blurry" in QUARANTINE_REASONS
    stages = {m.dimensions["Stage"] for m in emitted if m.name == "StageDuration"}
    assert {"intake", "score", "publish", "review_backlog", "validate"} <= stages
    [error] = [m for m in emitted if m.name == "StageErrors"]
    assert error.dimensions["Stage"] == "validate"
    [waiting] = [m for m in emitted if m.name == "ReviewBacklog"]
    assert waiting.values == [1.0]  # the escalated task no longer waits; the one put here does
    [oldest] = [m for m in emitted if m.name == "OldestReviewAge"]
    assert oldest.values[0] > timedelta(days=1).total_seconds()  # created at the fakes' 2026-01-05
