"""Studio extras through the real ASL Map: produced, published, and never blocking."""

from __future__ import annotations

import json

from support.images import good_jpeg, jpeg_bytes, product_photo

KEY = "incoming/acme/TEE-1/front.jpg"


def test_given_extras_requested_when_processed_then_outputs_published_and_bad_asset_reported(
    moto_pipeline,
):
    moto_pipeline.set_thresholds("v9", auto=0.2, review=0.1)
    s3, bucket = moto_pipeline.s3, moto_pipeline.bucket
    reference = jpeg_bytes(product_photo(colour=(200, 140, 60), seed=7))
    s3.put_object(Bucket=bucket, Key="incoming/acme/TEE-1/assets/look.jpg", Body=reference)
    product = {
        "title": "Organic cotton tee",
        "marketplaces": ["amazon", "etsy"],
        "extras": {
            "lookalike": {"reference": "assets/look.jpg"},
            "scene": {},
            "mockup": {"graphic": "assets/missing-logo.png"},
        },
    }
    s3.put_object(
        Bucket=bucket, Key="incoming/acme/TEE-1/product.json", Body=json.dumps(product).encode()
    )

    started = moto_pipeline.upload(KEY, good_jpeg(seed=21))
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]), timeout=120)

    out = json.loads(desc["output"])
    assert out["status"] == "published", out
    assert out["outputs"]["lookalike"] == "published/studio/acme/TEE-1/front/lookalike.jpg"
    assert out["outputs"]["scene"] == "published/studio/acme/TEE-1/front/scene.jpg"
    assert "mockup" not in out["outputs"]
    for key in (out["outputs"]["lookalike"], out["outputs"]["scene"]):
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == "image/jpeg" and head["ContentLength"] > 5_000
    audit = moto_pipeline.audit(started["execution_name"])
    score_reason = next(r for r in audit if r["stage"] == "score")["reason"]
    assert "mockup: assets/missing-logo.png is named in product.json but was not uploaded" in (
        score_reason
    )
