"""Business and stage metrics (CloudWatch EMF via Powertools), one registry for all of them.

Every metric the pipeline emits is declared once in `METRICS`: its name, unit and
the dimensions it carries besides the two every metric carries (`BASE_DIMENSIONS`:
`Environment`, the deployment's name, and Powertools' `service`). `emit` refuses a
metric or a dimension set that is not declared, and the template's dashboard and
alarms may only name declared metrics with their exact dimension sets
(tests/unit/observability), so a renamed metric cannot leave a panel silently empty.

Each metric is written at once as its own EMF line (`single_metric`) rather than
collected and flushed when the handler returns: metrics with different dimension
sets cannot share one EMF document, and a stage that raises still reports its
duration and its error. The emulator does not turn these lines into CloudWatch
metrics; `lightbox dashboard` reads them from the functions' log groups instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from lightbox.models.stages import Outcome, PipelineState, ReviewDecision, ScoreOutput

NAMESPACE: Final = "Lightbox"
SERVICE: Final = "lightbox"
BASE_DIMENSIONS: Final = ("Environment", "service")


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: MetricUnit
    dimensions: tuple[str, ...]
    what: str


def _spec(name: str, unit: MetricUnit, what: str, *dimensions: str) -> MetricSpec:
    return MetricSpec(name, unit, dimensions, what)


METRICS: Final[Mapping[str, MetricSpec]] = {
    s.name: s
    for s in (
        _spec("PhotosReceived", MetricUnit.Count, "an upload started a pipeline run (intake)"),
        _spec("PhotosPublished", MetricUnit.Count, "a run ended published"),
        _spec("PhotosRejected", MetricUnit.Count, "a run ended rejected"),
        _spec("PhotosQuarantined", MetricUnit.Count, "a run ended quarantined"),
        _spec("PipelineFailures", MetricUnit.Count, "a run failed after retries"),
        _spec(
            "QuarantineReasons",
            MetricUnit.Count,
            "a quarantined upload, by reason code",
            "Reason",
        ),
        _spec(
            "RouteDecisions",
            MetricUnit.Count,
            "where scoring sent a photo: publish, review or reject",
            "Route",
        ),
        _spec("Confidence", MetricUnit.NoUnit, "a scored photo's confidence (0-1)", "Category"),
        _spec("ReviewsDecided", MetricUnit.Count, "a reviewer's decision", "Decision"),
        _spec("ReviewsEscalated", MetricUnit.Count, "a review level timed out"),
        _spec("ReviewBacklog", MetricUnit.Count, "review tasks waiting for a person"),
        _spec(
            "OldestReviewAge",
            MetricUnit.Seconds,
            "how long the oldest waiting review task has waited",
        ),
        _spec("StageDuration", MetricUnit.Milliseconds, "one handler invocation", "Stage"),
        _spec("StageErrors", MetricUnit.Count, "a handler invocation that raised", "Stage"),
    )
}

Route = Literal["publish", "review", "reject"]
ROUTES: Final[tuple[Route, ...]] = ("publish", "review", "reject")
DECISIONS: Final = ("approved", "rejected", "corrected")
OUTCOME_METRICS: Final = {
    "published": "PhotosPublished",
    "rejected": "PhotosRejected",
    "quarantined": "PhotosQuarantined",
    "failed": "PipelineFailures",
}
#: Quarantine reason codes, in the order the validate stage checks (`quarantine_reason`).
QUARANTINE_REASONS: Final = (
    "upload_key",
    "missing",
    "too_large",
    "product_json",
    "format",
    "corrupt",
    "too_small",
    "blurry",
    "exposure",
    "other",
)


def environment() -> str:
    """The deployment's name (`ENVIRONMENT`, set for every function by template.yaml)."""
    return os.environ.get("ENVIRONMENT") or "local"


def emit(name: str, value: float, **dimensions: str) -> None:
    """Write one metric now, as an EMF line on stdout, with its declared dimensions."""
    spec = METRICS.get(name)
    if spec is None:
        raise ValueError(f"metric {name!r} is not declared in lightbox.observability.METRICS")
    if set(dimensions) != set(spec.dimensions):
        raise ValueError(
            f"metric {name} carries dimensions {sorted(spec.dimensions)}, got {sorted(dimensions)}"
        )
    with single_metric(
        name=name,
        unit=spec.unit,
        value=value,
        namespace=NAMESPACE,
        default_dimensions={"Environment": environment(), "service": SERVICE},
    ) as metric:
        for key in spec.dimensions:
            metric.add_dimension(name=key, value=dimensions[key])


# ----------------------------------------------------------------- what the handlers record


def record_received() -> None:
    emit("PhotosReceived", 1)


def record_outcome(outcome: Outcome) -> None:
    """A terminal stage's result (`unchanged` and `in_review` are not outcomes here)."""
    name = OUTCOME_METRICS.get(outcome.status)
    if name:
        emit(name, 1)


def record_route(score: ScoreOutput) -> None:
    emit("RouteDecisions", 1, Route=score.route)
    emit("Confidence", score.confidence, Category=score.category)


def record_quarantine(state: PipelineState, outcome: Outcome) -> None:
    record_outcome(outcome)
    emit("QuarantineReasons", 1, Reason=quarantine_reason(state))


def record_review_decision(decision: ReviewDecision | None) -> None:
    if decision is not None:
        emit("ReviewsDecided", 1, Decision=decision.decision)


def record_escalation() -> None:
    emit("ReviewsEscalated", 1)


def record_backlog(waiting: int, oldest_age_seconds: float) -> None:
    emit("ReviewBacklog", waiting)
    emit("OldestReviewAge", oldest_age_seconds)


BACKLOG_SCAN_LIMIT: Final = 1000
"""Pending review tasks read per backlog measurement (one page of the by-status index,
oldest first, so the oldest task is always among them; a count past it reads as this)."""


def backlog(created_at: list[str], now: datetime) -> tuple[int, float]:
    """(tasks waiting, seconds the oldest has waited) from the tasks' ISO `created_at`."""
    stamps = [datetime.fromisoformat(c.replace("Z", "+00:00")) for c in created_at if c]
    if not stamps:
        return len(created_at), 0.0
    oldest = min(s if s.tzinfo else s.replace(tzinfo=now.tzinfo) for s in stamps)
    return len(created_at), max((now - oldest).total_seconds(), 0.0)


def quarantine_reason(state: PipelineState) -> str:
    """A short code for why validation refused the upload (one of `QUARANTINE_REASONS`).

    The reasons are sentences written for the seller; the code groups them for the
    dashboard. Structured facts decide first (a broken key, a product.json at fault,
    whether the photo was decoded at all), then the sentence's wording.
    """
    validation = state.validation
    if state.photo.key_error:
        return "upload_key"
    if validation is None or not validation.reasons:
        return "other"
    text = " ".join(validation.reasons).lower()
    checks = (
        ("missing", "disappeared"),
        ("too_large", "mib; the limit"),
        ("too_large", "too many pixels"),
        ("product_json", "product.json"),
        ("format", "can't use"),
        ("corrupt", "corrupt"),
        ("too_small", "too small"),
        ("blurry", "blurry"),
        ("exposure", "exposure"),
    )
    for code, phrase in checks:
        if phrase in text:
            return code
    if validation.format is None and not validation.metrics:
        return "format"  # not an image the sniffer recognised
    return "other"
