"""Score, review request, escalation and review record: routing decisions and their audit."""

from __future__ import annotations

from lightbox.models.stages import ReviewDecision
from lightbox.pipeline import decide


def test_given_rendered_photo_when_scored_then_route_follows_the_thresholds(driver):
    state = driver.run_until("render")

    output = decide.score(state, driver.deps)

    assert 0.0 <= output.confidence <= 1.0
    assert output.compliant
    assert set(output.components) >= {"segmentation", "sharpness", "exposure", "framing"}
    if output.confidence >= output.thresholds.auto:
        assert output.route in ("publish", "review")  # review only as a spot check
        assert output.route == "publish" or output.spot_check
    elif output.confidence >= output.thresholds.review:
        assert output.route == "review"
    else:
        assert output.route == "reject"


def test_given_a_scored_photo_when_review_is_requested_then_a_pending_task_holds_the_token(
    driver,
):
    state = driver.run_until("score")

    opened = decide.request_review(state, "token-123", driver.deps)

    task = driver.fakes.reviews.get_task(opened.task_id)
    assert task is not None and task["status"] == "pending"
    assert task["token"] == "token-123"
    assert driver.fakes.audit_store.decisions(driver.audit_pk)[-1] == ("review", "review_requested")


def test_given_an_unanswered_task_when_escalated_then_the_next_level_is_notified(driver):
    state = driver.run_until("score")
    decide.request_review(state, "token-1", driver.deps)

    output = decide.escalate(state, driver.deps)

    assert output.level == 1
    assert not output.exhausted
    subject, message = driver.fakes.notifier.sent[-1]
    assert "escalated" in subject and message["seller"] == "acme"
    task = driver.fakes.reviews.get_task(message["task_id"])
    assert task is not None and task["status"] == "escalated"


def test_given_the_last_level_unanswered_when_escalated_then_review_is_exhausted(driver):
    state = driver.run_until("score")
    levels = driver.deps.settings.max_review_levels
    for _ in range(levels):
        output = decide.escalate(state, driver.deps)
        state.escalation = output

    assert state.escalation is not None and state.escalation.exhausted
    assert driver.fakes.audit_store.decisions(driver.audit_pk)[-1] == ("review", "review_expired")


def test_given_a_reviewer_decision_when_recorded_then_feedback_and_audit_carry_it(driver):
    state = driver.run_until("score")
    opened = decide.request_review(state, "token-9", driver.deps)
    state.review = ReviewDecision(
        decision="rejected", reviewer="ana", reason="scratched glaze", task_id=opened.task_id
    )

    decide.record_review(state, driver.deps)

    assert driver.fakes.reviews.feedback, "the decision was not kept for learning"
    records = driver.fakes.audit_store.records(driver.audit_pk)
    assert records[-1]["stage"] == "review"
    assert "scratched glaze" in str(records[-1]["reason"])
