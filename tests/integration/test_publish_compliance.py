"""Publish re-checks every render against its marketplace's rules (real ASL on moto)."""

from __future__ import annotations

import io
import json

from PIL import Image

from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _framed_jpeg() -> bytes:
    """A render that breaks the main-image rules: small product, grey frame, not white."""
    img = Image.new("RGB", (1200, 1200), (128, 128, 128))
    img.paste((255, 255, 255), (60, 60, 1140, 1140))
    img.paste((30, 60, 150), (500, 500, 700, 700))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def test_given_an_approved_task_whose_render_fails_its_rules_when_publishing_then_rejected_with_why(
    moto_pipeline,
):
    started, arn, task = moto_pipeline.upload_to_review(KEY, good_jpeg(), "v5")
    render_key = task["renders"]["amazon"]
    # The render changed after scoring: publish must judge the bytes it would publish.
    moto_pipeline.s3.put_object(Bucket=moto_pipeline.bucket, Key=render_key, Body=_framed_jpeg())

    moto_pipeline.review_service().decide(task["task_id"], "approved", "rita")
    desc = moto_pipeline.wait(arn)

    out = json.loads(desc["output"])
    assert desc["status"] == "SUCCEEDED"
    assert out["status"] == "rejected"
    assert out["reasons"][0].startswith("Not published: the render fails its marketplace's rules.")
    assert "Amazon" in out["reasons"][0]
    listed = moto_pipeline.s3.list_objects_v2(Bucket=moto_pipeline.bucket, Prefix="published/")
    assert listed.get("KeyCount", 0) == 0
    decisions = [r["decision"] for r in moto_pipeline.audit(started["execution_name"])]
    assert decisions[-2:] == ["approved", "rejected"]
