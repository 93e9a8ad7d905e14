"""Learning on the deployed stack: a decision lands in the feedback store, and
`lightbox calibrate` (the deployed Calibrate function) writes a new config version."""

from __future__ import annotations

import argparse
import time

import pytest

from lightbox.adapters.aws import TaskTokens
from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.adapters.learning import DynamoConfigVersions, DynamoFeedbackStore
from lightbox.keys import execution_name
from lightbox.learning.config import next_version
from lightbox.learning.service import roll_back
from lightbox.models.config_version import ConfigVersion
from lightbox.review.service import ReviewService
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from lightbox_cli import learning
from support.images import good_jpeg

pytestmark = pytest.mark.e2e


def test_given_a_spot_check_when_approved_then_feedback_lands_and_calibrate_writes_a_version(
    deployed_stack,
):
    ctx = deployed_stack.ctx
    configs = DynamoConfigVersions(ctx.outputs["ConfigTableName"], ctx.resource("dynamodb"))
    before = configs.current()
    name = next_version([v.version for v in configs.versions()])
    # Every photo that would auto-publish is also checked by a person.
    low = {**DEFAULT_THRESHOLDS, "general": {"auto": 0.2, "review": 0.1}}
    configs.put(
        ConfigVersion(version=name, thresholds=low, spot_check_rate=1.0, note="e2e"),
        before.version if before else None,
    )
    try:
        key = "incoming/e2e-learn/MUG-9/front.jpg"
        put = ctx.client("s3").put_object(
            Bucket=deployed_stack.bucket, Key=key, Body=good_jpeg(seed=19)
        )
        names = [
            execution_name(deployed_stack.bucket, key, v)
            for v in (put.get("VersionId"), put["ETag"].strip('"'))
            if v
        ]
        reviews = DynamoReviewStore(ctx.outputs["ReviewTableName"], ctx.resource("dynamodb"))
        service = ReviewService(reviews, TaskTokens(ctx.client("stepfunctions")))
        deadline, task = time.monotonic() + 180, None
        while task is None and time.monotonic() < deadline:
            task = next((t for t in service.pending() if t["execution_name"] in names), None)
            time.sleep(0.5)
        assert task is not None, "the spot check never reached review"
        assert reviews.get_task(task["task_id"])["spot_check"] is True
        service.decide(task["task_id"], "approved", "e2e-reviewer")
        desc = deployed_stack.wait_for_execution(names)
        assert deployed_stack.output(desc)["status"] == "published"

        feedback = DynamoFeedbackStore(ctx.outputs["ReviewTableName"], ctx.resource("dynamodb"))
        (record,) = [r for r in feedback.records(["general"], 100) if r.execution_name in names]
        assert record.spot_check and record.config_version == name
        assert record.reviewer == "e2e-reviewer" and record.decision == "approved"
        assert "segmentation" in record.components

        args = argparse.Namespace(by="e2e", dry_run=False)
        assert learning.cmd_calibrate(args, ctx) == 0
        written = configs.current()
        assert written.version != name and written.parent == name
        assert written.evidence["general"].spot_checks >= 1
        assert written.content() == configs.get(name).content()  # one decision moves nothing
    finally:
        if before is not None:
            roll_back(configs, before.version, now="e2e", actor="e2e")
        else:
            current = configs.current()
            configs.put(
                ConfigVersion(version=f"{name}-reset", thresholds=DEFAULT_THRESHOLDS),
                current.version if current else None,
            )
