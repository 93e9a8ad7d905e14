"""Review timers on the real ASL (moto): a level ends at its timeout, and the task says when.

Times are compared from the execution history's own event timestamps and the
task items, never from the test's wall clock.
"""

from __future__ import annotations

import json
from datetime import datetime

from lightbox.adapters.dynamodb import DynamoReviewStore
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"
TIMEOUT = 3


def _history(pipeline, arn: str) -> list[dict]:
    return pipeline.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def test_given_nobody_reviews_when_each_level_times_out_then_escalates_at_expires_at_then_rejects(
    moto_pipeline_factory,
):
    pipeline = moto_pipeline_factory(review_timeout=TIMEOUT)
    pipeline.set_thresholds("v9", auto=0.999, review=0.05)

    started = pipeline.upload(KEY, good_jpeg())
    arn = pipeline.execution_arn(started["execution_name"])
    desc = pipeline.wait(arn, timeout=90)

    out = json.loads(desc["output"])
    assert out["status"] == "rejected"
    assert "No reviewer decided in time" in out["reason"]
    events = _history(pipeline, arn)
    entered = [
        e["timestamp"]
        for e in events
        if e["type"] == "TaskStateEntered"
        and e["stateEnteredEventDetails"]["name"] == "WaitForReview"
    ]
    timed_out = [e["timestamp"] for e in events if e["type"] == "TaskTimedOut"]
    assert len(entered) == len(timed_out) == 2  # level 0, then level 1, then reject
    store = DynamoReviewStore(pipeline.tables["ReviewTable"], pipeline.dynamodb)
    tasks = [store.get_task(f"{started['execution_name']}.L{level}") for level in (0, 1)]
    assert [t["status"] for t in tasks] == ["escalated", "escalated"]
    for task, start, end in zip(tasks, entered, timed_out, strict=True):
        expires = datetime.fromisoformat(task["expires_at"])
        # The shown expiry is the wait's start plus the timeout, which is when the
        # history says the level really timed out (no heartbeat ends it earlier).
        assert abs((expires - start).total_seconds() - TIMEOUT) < 0.01
        assert abs((end - expires).total_seconds()) < 1.0
    decisions = [r["decision"] for r in pipeline.audit(started["execution_name"])]
    assert decisions[-5:] == [
        "review_requested",
        "escalated",
        "review_requested",
        "review_expired",
        "rejected",
    ]
