"""A reviewer's correction on the real ASL (moto): pixel corrections re-render before publish."""

from __future__ import annotations

import json

from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _object(pipeline, key: str) -> bytes:
    return pipeline.s3.get_object(Bucket=pipeline.bucket, Key=key)["Body"].read()


def test_given_a_crop_and_cutout_correction_when_decided_then_rerendered_and_published_corrected(
    moto_pipeline,
):
    started, arn, task = moto_pipeline.upload_to_review(KEY, good_jpeg(), "v7")
    before = _object(moto_pipeline, task["renders"]["amazon"])

    moto_pipeline.review_service().decide(
        task["task_id"],
        "corrected",
        "rita",
        "tighter crop, trim the halo",
        {
            "crop_margin": 0.05,
            "cutout": "too_loose",
            "title": "Blue stoneware mug",
            "bullets": ["Holds 350 ml", "Dishwasher safe"],
        },
    )
    desc = moto_pipeline.wait(arn, timeout=120)

    out = json.loads(desc["output"])
    assert out["status"] == "published", out
    states = moto_pipeline.history_states(arn)
    assert (
        states.index("ReEnhancePhoto")
        < states.index("ReRenderMainImage")
        < states.index("PublishListing")
    )
    assert _object(moto_pipeline, out["outputs"]["amazon"]) != before
    listing = json.loads(_object(moto_pipeline, "published/amazon/acme/MUG-1/listing.json"))
    assert listing["title"] == "Blue stoneware mug"
    assert listing["bullets"] == ["Holds 350 ml", "Dishwasher safe"]
    corrected = [
        r for r in moto_pipeline.audit(started["execution_name"]) if r["decision"] == "corrected"
    ]
    assert corrected and corrected[0]["actor"] == "human:rita"


def test_given_a_text_only_correction_when_decided_then_published_without_rerendering(
    moto_pipeline,
):
    _, arn, task = moto_pipeline.upload_to_review(KEY, good_jpeg(), "v8")

    moto_pipeline.review_service().decide(
        task["task_id"], "corrected", "rita", "", {"category": "general"}
    )
    desc = moto_pipeline.wait(arn, timeout=120)

    assert json.loads(desc["output"])["status"] == "published"
    assert "ReEnhancePhoto" not in moto_pipeline.history_states(arn)
