from datetime import UTC, datetime

import pytest

from lightbox.models.stages import ExecutionRef, PhotoRef, PipelineState
from lightbox.review.service import ReviewError, ReviewService
from support.fakes import InMemoryReviewStore, RecordingTokens


def _state() -> PipelineState:
    return PipelineState(
        photo=PhotoRef(bucket="b", key="incoming/a/S/f.jpg", seller="a", sku="S", filename="f.jpg"),
        execution=ExecutionRef(id="arn:exec", name="exec-1"),
    )


def _service(tokens=None):
    store = InMemoryReviewStore()
    service = ReviewService(
        store, tokens or RecordingTokens(), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    )
    task = service.open_task(_state(), "secret-token", level=0, timeout_seconds=3600)
    return service, store, task


def test_given_open_task_when_listed_then_pending_without_token():
    service, _, task = _service()
    (listed,) = service.pending()
    assert listed["task_id"] == task.task_id == "exec-1.L0"
    assert "token" not in listed
    assert listed["expires_at"] == "2026-01-01T01:00:00+00:00"


def test_given_pending_task_when_approved_twice_then_second_is_noop():
    tokens = RecordingTokens()
    service, store, task = _service(tokens)
    first = service.decide(task.task_id, "approved", "rita")
    second = service.decide(task.task_id, "approved", "rita")
    assert first.changed and not second.changed
    assert len(tokens.sent) == 1
    assert tokens.sent[0][1]["decision"] == "approved"
    assert store.tasks[task.task_id]["status"] == "decided"


def test_given_decided_task_when_opposite_decision_then_refused_naming_first_reviewer():
    service, _, task = _service()
    service.decide(task.task_id, "approved", "rita")
    with pytest.raises(ReviewError, match="already approved by rita"):
        service.decide(task.task_id, "rejected", "sam", reason="blurry")


def test_given_rejection_without_reason_when_decided_then_refused():
    service, _, task = _service()
    with pytest.raises(ReviewError, match="Say why"):
        service.decide(task.task_id, "rejected", "rita")


def test_given_expired_token_when_decided_then_task_marked_expired_and_clear_error():
    service, store, task = _service(RecordingTokens(expire_all=True))
    with pytest.raises(ReviewError, match="expired"):
        service.decide(task.task_id, "approved", "rita")
    assert store.tasks[task.task_id]["status"] == "expired"


def test_given_unknown_task_when_decided_then_clear_error():
    service, _, _ = _service()
    with pytest.raises(ReviewError, match="No review task"):
        service.decide("nope", "approved", "rita")
