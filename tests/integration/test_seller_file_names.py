"""Sellers' own file names (Unicode, punctuation) through the real ASL on moto."""

from __future__ import annotations

import json

import pytest

from lightbox.audit.trail import verify_chain
from lightbox.keys import parse_photo_key
from support.images import good_jpeg
from support.names import SELLER_FILE_NAMES

NAMES = SELLER_FILE_NAMES
FOLDER = "incoming/Händler/Größe 42"
_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._ ()+-/")


def _json(pipeline, key: str) -> dict:
    return json.loads(pipeline.s3.get_object(Bucket=pipeline.bucket, Key=key)["Body"].read())


@pytest.mark.reliability(
    case="file names: any printable Unicode",
    expected="published under safe, deterministic keys; name kept",
)
def test_given_sellers_own_file_names_when_uploaded_then_each_published_under_safe_keys(
    moto_pipeline,
):
    moto_pipeline.set_thresholds("v2", auto=0.2, review=0.1)
    moto_pipeline.s3.put_object(
        Bucket=moto_pipeline.bucket,
        Key=f"{FOLDER}/product.json",
        Body=json.dumps({"title": "Tasse „Größe“", "marketplaces": ["amazon", "shopify"]}),
    )
    started = [
        moto_pipeline.upload(f"{FOLDER}/{name}", good_jpeg(seed=i + 1))
        for i, name in enumerate(NAMES)
    ]

    published_keys = set()
    for name, run in zip(NAMES, started, strict=True):
        assert run["action"] == "started", run
        desc = moto_pipeline.wait(moto_pipeline.execution_arn(run["execution_name"]), timeout=180)
        out = json.loads(desc["output"])
        assert out["status"] == "published", (name, out)
        image_key = out["outputs"]["amazon"]
        expected = parse_photo_key(f"{FOLDER}/{name}")
        assert image_key == f"{expected.published_base('amazon')}/{expected.safe_stem}.jpg"
        assert set(image_key) <= _SAFE, image_key
        published_keys.add(image_key)
        records = moto_pipeline.audit(run["execution_name"])
        assert verify_chain(records).ok
        assert records[0]["stage"] == "validate" and f"{FOLDER}/{name}" in records[0]["details"]
    assert len(published_keys) == len(NAMES)
    # One listing for the SKU: every photo's image, under the seller's names.
    expected = parse_photo_key(f"{FOLDER}/{NAMES[0]}")
    listing = _json(moto_pipeline, f"{expected.published_base('amazon')}/listing.json")
    assert (listing["seller"], listing["sku"]) == ("Händler", "Größe 42")
    assert {image["key"] for image in listing["images"]} == published_keys
    assert {(i["file_name"], i["source_key"]) for i in listing["images"]} == {
        (name, f"{FOLDER}/{name}") for name in NAMES
    }
    feed = (
        moto_pipeline.s3.get_object(
            Bucket=moto_pipeline.bucket,
            Key=f"{expected.published_base('shopify')}/feed.shopify.csv",
        )["Body"]
        .read()
        .decode()
    )
    assert "Größe 42" in feed  # the seller's SKU, not its slug


@pytest.mark.reliability(case="file names: backslash path", expected="quarantined with the reason")
def test_given_windows_path_key_when_uploaded_then_quarantined_with_reason(moto_pipeline):
    run = moto_pipeline.upload("incoming/acme/MUG-1/C:\\photos\\front.jpg", good_jpeg())

    desc = moto_pipeline.wait(moto_pipeline.execution_arn(run["execution_name"]))

    out = json.loads(desc["output"])
    assert out["status"] == "quarantined"
    assert "backslash" in out["reason"]
