from datetime import UTC, datetime

import pytest

from lightbox.models.stages import ExecutionRef, PhotoRef, PipelineState
from lightbox.review.service import ReviewError, ReviewService, TokenExpiredError


class MemoryReviewStore:
    def __init__(self):
        self.tasks: dict[str, dict] = {}

    def put_task(self, item):
        self.tasks[item["task_id"]] = dict(item)

    def get_task(self, task_id):
        return dict(self.tasks[task_id]) if task_id in self.tasks else None

    def transition(self, task_id, from_status, to_status, fields):
        task = self.tasks.get(task_id)
        if not task or task["status"] != from_status:
            return False
        task.update(fields, status=to_status)
        return True

    def tasks_with_status(self, status, limit=100):
        return [dict(t) for t in self.tasks.values() if t["status"] == status][:limit]


class RecordingTokens:
    def __init__(self, expired: bool = False):
        self.sent: list[tuple[str, dict]] = []
        self.expired = expired

    def succeed(self, token, output):
        if self.expired:
            raise TokenExpiredError("TaskTimedOut")
        self.sent.append((token, output))


def _state() -> PipelineState:
    return PipelineState(
        photo=PhotoRef(bucket="b", key="incoming/a/S/f.jpg", seller="a", sku="S", filename="f.jpg"),
        execution=ExecutionRef(id="arn:exec", name="exec-1"),
    )


def _service(tokens=None):
    store = MemoryReviewStore()
    service = ReviewService(
        store, tokens or RecordingTokens(), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    )
    task = service.open_task(_state(), "secret-token", level=0, timeout_seconds=3600)
    return service, store, task


def test_given_open_task_when_listed_then_pending_without_token():
    service, _, task = _service()
    (listed,) = service.pending()
    assert listed["task_id"] == task["task_id"] == "exec-1.L0"
    assert "token" not in listed
    assert listed["expires_at"] == "2026-01-01T01:00:00+00:00"


def test_given_pending_task_when_approved_twice_then_second_is_noop():
    tokens = RecordingTokens()
    service, store, task = _service(tokens)
    first = service.decide(task["task_id"], "approved", "rita")
    second = service.decide(task["task_id"], "approved", "rita")
    assert first.changed and not second.changed
    assert len(tokens.sent) == 1
    assert tokens.sent[0][1]["decision"] == "approved"
    assert store.tasks[task["task_id"]]["status"] == "decided"


def test_given_decided_task_when_opposite_decision_then_refused_naming_first_reviewer():
    service, _, task = _service()
    service.decide(task["task_id"], "approved", "rita")
    with pytest.raises(ReviewError, match="already approved by rita"):
        service.decide(task["task_id"], "rejected", "sam", reason="blurry")


def test_given_rejection_without_reason_when_decided_then_refused():
    service, _, task = _service()
    with pytest.raises(ReviewError, match="Say why"):
        service.decide(task["task_id"], "rejected", "rita")


def test_given_expired_token_when_decided_then_task_marked_expired_and_clear_error():
    service, store, task = _service(RecordingTokens(expired=True))
    with pytest.raises(ReviewError, match="expired"):
        service.decide(task["task_id"], "approved", "rita")
    assert store.tasks[task["task_id"]]["status"] == "expired"


def test_given_unknown_task_when_decided_then_clear_error():
    service, _, _ = _service()
    with pytest.raises(ReviewError, match="No review task"):
        service.decide("nope", "approved", "rita")
