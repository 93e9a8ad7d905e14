"""Human review tasks: open, list, decide — idempotent and expiry-aware.

The task token lives in the review table, never in logs or the audit trail
(whoever holds it can complete the execution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from lightbox.models.review_task import RenderCompliance, ReviewTask, TaskListing
from lightbox.models.stages import PipelineState, ReviewDecision
from lightbox.ports import ReviewStore, Tokens

REVIEW_LEVELS = ("reviewers", "leads", "owners")
Decision = Literal["approved", "rejected", "corrected"]


class ReviewError(RuntimeError):
    """A review action that cannot be carried out; the message says why."""


class TaskNotFoundError(ReviewError):
    """No task by that id."""


class LevelTooLowError(ReviewError):
    """The reviewer's level is below the task's: only level >= N decides a level-N task."""


class AlreadyDecidedError(ReviewError):
    """The task was already decided differently."""


class TaskClosedError(ReviewError):
    """The task escalated or expired: the execution no longer waits for it."""


class TokenExpiredError(RuntimeError):
    """The execution stopped waiting for this task (timed out, escalated or ended)."""


def task_id_for(execution_name: str, level: int) -> str:
    return f"{execution_name}.L{level}"


def assignee_for(level: int) -> str:
    return REVIEW_LEVELS[min(level, len(REVIEW_LEVELS) - 1)]


@dataclass(frozen=True)
class DecideResult:
    task_id: str
    decision: str
    changed: bool  # False when the same decision had already been recorded


class ReviewService:
    def __init__(
        self,
        store: ReviewStore,
        tokens: Tokens,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._clock = clock

    def open_task(
        self,
        state: PipelineState,
        token: str,
        level: int,
        timeout_seconds: int,
        opened_at: datetime | None = None,
    ) -> ReviewTask:
        """Store the task; `opened_at` is when the wait state was entered (its timer starts
        then), so `expires_at` is when Step Functions really times the level out."""
        now = self._clock()
        started = opened_at or now
        score = state.score
        copy = state.analysis.copy_ if state.analysis else None
        task = ReviewTask(
            task_id=task_id_for(state.execution.name, level),
            status="pending",
            token=token,
            level=level,
            assignee=assignee_for(level),
            created_at=now.isoformat(),
            expires_at=(started + timedelta(seconds=timeout_seconds)).isoformat(),
            execution_id=state.execution.id,
            execution_name=state.execution.name,
            seller=state.photo.seller,
            sku=state.photo.sku,
            key=state.photo.key,
            version_id=state.photo.version_id or "",
            category=score.category if score else "general",
            confidence=score.confidence if score else 0.0,
            reasons=list(score.reasons) if score else [],
            spot_check=bool(score.spot_check) if score else False,
            renders={r.marketplace: r.key for r in state.renders or []},
            studio_key=state.studio.studio_key if state.studio else "",
            cutout_key=(state.analysis.segment.cutout_key or "") if state.analysis else "",
            components=dict(score.components) if score else {},
            thresholds=score.thresholds.model_dump() if score else {},
            compliance={
                r.marketplace: RenderCompliance(
                    ok=r.compliance.ok, failures=list(r.compliance.failures)
                )
                for r in state.renders or []
            },
            listing=TaskListing(
                title=copy.title,
                bullets=list(copy.bullets),
                description=copy.description,
                per_marketplace_titles=dict(copy.per_marketplace_titles),
            )
            if copy
            else TaskListing(),
        )
        self._store.put_task(task.item())
        return task

    def pending(self, limit: int = 100) -> list[dict[str, Any]]:
        tasks = self._store.tasks_with_status("pending", limit)
        return [ReviewTask.from_item(t).public() for t in tasks]

    def decide(
        self,
        task_id: str,
        decision: Decision,
        reviewer: str,
        reason: str = "",
        corrections: Mapping[str, Any] | None = None,
        reviewer_level: int | None = None,
    ) -> DecideResult:
        """Send the decision through the task token. `reviewer_level` (from the reviewer's
        credential) must be at least the task's level; the operator CLI passes None."""
        if not reviewer.strip():
            raise ReviewError("A reviewer name is required for the audit trail.")
        if decision == "rejected" and not reason.strip():
            raise ReviewError("Say why the photo is rejected: the seller needs a reason.")
        found = self._store.get_task(task_id)
        if found is None:
            raise TaskNotFoundError(f"No review task {task_id!r}.")
        task = ReviewTask.from_item(found)
        level = task.level
        if reviewer_level is not None and reviewer_level < level:
            raise LevelTooLowError(
                f"Task {task_id} is at level {level} ({assignee_for(level)}); "
                f"your token is level {reviewer_level}."
            )
        if task.status == "decided":
            if task.decision == decision:
                return DecideResult(task_id, decision, changed=False)
            raise AlreadyDecidedError(
                f"Task {task_id} was already {task.decision} by {task.reviewer}."
            )
        if task.status != "pending":
            raise TaskClosedError(f"Task {task_id} is {task.status}; it can no longer be decided.")
        output = ReviewDecision(
            decision=decision,
            reviewer=reviewer,
            reason=reason,
            corrections=dict(corrections or {}),
            task_id=task_id,
        ).model_dump()
        try:
            self._tokens.succeed(task.token, output)
        except TokenExpiredError as exc:
            self._store.transition(task_id, "pending", "expired", {"expired_reason": str(exc)})
            raise TaskClosedError(
                f"Task {task_id} expired before the decision arrived ({exc}); "
                "it was escalated or the execution ended."
            ) from exc
        self._store.transition(
            task_id,
            "pending",
            "decided",
            {
                "decision": decision,
                "reviewer": reviewer,
                "reason": reason,
                "decided_at": self._clock().isoformat(),
            },
        )
        return DecideResult(task_id, decision, changed=True)
