"""Score, human review and escalation stages."""

from __future__ import annotations

from datetime import UTC, datetime

from lightbox.audit.trail import AuditEntry, human_actor, pipeline_pk
from lightbox.learning.feedback import feedback_from_state
from lightbox.learning.routing import decide_route
from lightbox.models.stages import (
    EscalationOutput,
    PipelineState,
    ReviewDecision,
    ReviewOpened,
    ScoreOutput,
)
from lightbox.pipeline.deps import Deps
from lightbox.pipeline.outcomes import photo_in_review
from lightbox.presets import get_preset
from lightbox.review.service import assignee_for, task_id_for
from lightbox.scoring.confidence import (
    ComplianceSummary,
    framing_signal,
    score_listing,
    studio_signal,
)
from lightbox.scoring.thresholds import config_from_item


def _touches_edge(bbox: list[int] | None, width: int, height: int) -> bool:
    if not bbox or not width or not height:
        return False
    left, top, right, bottom = bbox
    margin = 2
    return left <= margin or top <= margin or right >= width - margin or bottom >= height - margin


def score(state: PipelineState, deps: Deps) -> ScoreOutput:
    if state.validation is None or state.analysis is None or state.renders is None:
        raise ValueError("scoring needs validation, analysis and renders")
    metrics = state.validation.metrics
    segment = state.analysis.segment
    config = config_from_item(state.config)
    category = state.validation.product.category
    working_w = int(metrics.get("working_width", 0))
    working_h = int(metrics.get("working_height", 0))
    signals = {
        "segmentation": segment.confidence,
        "sharpness": metrics.get("sharpness", 0.0),
        "exposure": metrics.get("exposure", 0.0),
        "framing": framing_signal(
            segment.coverage, _touches_edge(segment.bbox, working_w, working_h)
        ),
    }
    compliance = [
        ComplianceSummary(r.marketplace, r.compliance.ok, tuple(r.compliance.failures))
        for r in state.renders
    ]
    details: dict[str, str] = {}
    if state.studio is not None:
        preset = get_preset(category)
        signals["studio"], details["studio"] = studio_signal(
            state.studio.background_purity,
            state.studio.fill_ratio,
            preset.framing.fill,
            state.studio.specular_fraction,
            reflective=preset.specular,
        )
    result = score_listing(signals, compliance, details)
    thresholds = config.for_category(category)
    components = {k: round(v, 4) for k, v in result.components.items()}
    rate = config.spot_check_rate
    if rate is None:
        rate = deps.settings.spot_check_rate if deps.settings else 0.0
    route = decide_route(
        confidence=result.confidence,
        components=components,
        compliant=result.compliant,
        auto=thresholds.auto,
        review=thresholds.review,
        routing=config.routing.get(category),
        execution_name=state.execution.name,
        spot_check_rate=rate,
    )
    # A failed studio extra is reported to the seller but never decides the route.
    extra_notes = [f"{e.name}: {e.reason}" for e in state.extras or [] if not e.ok]
    output = ScoreOutput(
        confidence=result.confidence,
        compliant=result.compliant,
        components=components,
        reasons=result.reasons + extra_notes,
        category=category,
        thresholds=thresholds,
        config_version=config.version,
        route=route.route,
        approval=None if route.approval is None else round(route.approval, 4),
        spot_check=route.spot_check,
        spot_check_rate=rate if route.spot_check else 0.0,
    )
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="score",
            decision="scored",
            reason="; ".join(output.reasons),
            input_keys=tuple(r.key for r in state.renders),
            scores={"confidence": output.confidence, **output.components},
            thresholds_version=config.version,
            extra={
                "category": category,
                "thresholds": thresholds.model_dump(),
                "route": output.route,
                "approval": output.approval,
                "spot_check": output.spot_check,
            },
        ),
    )
    return output


def current_level(state: PipelineState) -> int:
    return state.escalation.level if state.escalation else 0


def request_review(
    state: PipelineState, token: str, deps: Deps, entered_at: datetime | None = None
) -> ReviewOpened:
    """Open the task; `entered_at` is when WaitForReview was entered (its timer's start)."""
    level = current_level(state)
    task = deps.review_service.open_task(
        state, token, level, deps.settings.review_timeout_seconds, opened_at=entered_at
    )
    # The photo waits in its SKU's listing; told before the audit record, so a retried
    # stage (the status bus refused the event) never audits twice.
    photo_in_review(state, deps, task.task_id, f"{task.assignee}, level {level}")
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="review",
            decision="review_requested",
            reason=f"assigned to {task.assignee} (level {level})",
            input_keys=tuple(task.renders.values()),
            scores={"confidence": state.score.confidence} if state.score else None,
            thresholds_version=state.config_version,
            extra={"task_id": task.task_id, "expires_at": task.expires_at},
        ),
    )
    return ReviewOpened(
        task_id=task.task_id, assignee=task.assignee, level=level, expires_at=task.expires_at
    )


def escalate(state: PipelineState, deps: Deps) -> EscalationOutput:
    level = current_level(state)
    task_id = task_id_for(state.execution.name, level)
    deps.reviews.transition(
        task_id, "pending", "escalated", {"escalated_at": datetime.now(UTC).isoformat()}
    )
    next_level = level + 1
    exhausted = next_level >= deps.settings.max_review_levels
    message = {
        "task_id": task_id,
        "seller": state.photo.seller,
        "sku": state.photo.sku,
        "key": state.photo.key,
        "next_assignee": None if exhausted else assignee_for(next_level),
        "execution": state.execution.id,
    }
    if deps.notifier.topic_arn:
        subject = "Lightbox review expired" if exhausted else "Lightbox review escalated"
        deps.notifier.publish(subject, message)
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="review",
            decision="review_expired" if exhausted else "escalated",
            reason=(
                f"no decision from {assignee_for(level)} in time"
                + ("" if exhausted else f"; escalated to {assignee_for(next_level)}")
            ),
            input_keys=(state.photo.key,),
            extra={"task_id": task_id, "level": level},
        ),
    )
    return EscalationOutput(level=next_level, exhausted=exhausted)


def record_review(state: PipelineState, deps: Deps) -> ReviewDecision:
    if state.review is None:
        raise ValueError("no review decision in the state")
    decision = state.review
    # When the reviewer decided (the task's own record), so a retried call rewrites the
    # same feedback item instead of adding a second one.
    task = deps.reviews.get_task(decision.task_id) or {}
    decided_at = task.get("decided_at") or datetime.now(UTC).isoformat()
    if state.score is not None:
        deps.reviews.put_feedback(feedback_from_state(state, decided_at).item())
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="review",
            decision=decision.decision,
            reason=decision.reason,
            actor=human_actor(decision.reviewer),
            input_keys=(state.photo.key,),
            scores={"confidence": state.score.confidence} if state.score else None,
            thresholds_version=state.config_version,
            extra={"task_id": decision.task_id, "corrections": decision.corrections},
        ),
    )
    return decision
