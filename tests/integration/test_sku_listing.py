"""One listing per SKU on the real ASL (moto): photos of one SKU, some finishing at once,
one approved after review and one rejected, make one listing and one feed entry per
marketplace, its images in the seller's order."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlparse

from lightbox.adapters.listings import DynamoListingStore
from lightbox.models.listing import listing_pk
from support.images import good_jpeg

FOLDER = "incoming/acme/MUG-7"
PRODUCT = {
    "title": "Stoneware mug",
    "marketplaces": ["amazon", "shopify"],
    # The seller's choice of main image, whatever the scores say.
    "image_order": ["back.jpg"],
}


def _get(pipeline, key: str) -> bytes:
    return pipeline.s3.get_object(Bucket=pipeline.bucket, Key=key)["Body"].read()


def _listing(pipeline, marketplace: str) -> dict:
    return json.loads(_get(pipeline, f"published/{marketplace}/acme/MUG-7/listing.json"))


def _files(listing: dict) -> list[str]:
    return [image["file_name"] for image in listing["images"]]


def _finish(pipeline, started: dict) -> dict:
    desc = pipeline.wait(pipeline.execution_arn(started["execution_name"]), timeout=180)
    assert desc["status"] == "SUCCEEDED", desc
    return json.loads(desc["output"])


def _key_of(url: str) -> str:
    """The object key a presigned S3 URL points at (path-style or virtual-hosted)."""
    path = urlparse(url).path.lstrip("/")
    return path.split("/", 1)[1] if path.startswith("lightbox-") else path


def test_given_photos_of_one_sku_when_processed_then_one_listing_per_marketplace_in_order(
    moto_pipeline,
):
    moto_pipeline.s3.put_object(
        Bucket=moto_pipeline.bucket, Key=f"{FOLDER}/product.json", Body=json.dumps(PRODUCT)
    )
    moto_pipeline.set_thresholds("v1", auto=0.2, review=0.1)

    # Two photos at once: their rebuilds race on the SKU's listing.
    front = moto_pipeline.upload(f"{FOLDER}/front.jpg", good_jpeg(seed=1))
    back = moto_pipeline.upload(f"{FOLDER}/back.jpg", good_jpeg(seed=2))
    assert _finish(moto_pipeline, front)["status"] == "published"
    assert _finish(moto_pipeline, back)["status"] == "published"

    for marketplace in PRODUCT["marketplaces"]:
        assert _files(_listing(moto_pipeline, marketplace)) == ["back.jpg", "front.jpg"]

    # A third photo goes to review: the listing stays as it is until it is approved.
    side, _, task = moto_pipeline.upload_to_review(f"{FOLDER}/side.jpg", good_jpeg(seed=3))
    assert _files(_listing(moto_pipeline, "amazon")) == ["back.jpg", "front.jpg"]
    moto_pipeline.review_service().decide(task["task_id"], "approved", "rita", "", {})
    assert _finish(moto_pipeline, side)["status"] == "published"

    # A fourth is rejected by its reviewer: it never appears.
    detail, _, task = moto_pipeline.upload_to_review(f"{FOLDER}/detail.jpg", good_jpeg(seed=4))
    moto_pipeline.review_service().decide(task["task_id"], "rejected", "rita", "blurry", {})
    assert _finish(moto_pipeline, detail)["status"] == "rejected"

    for marketplace in PRODUCT["marketplaces"]:
        listing = _listing(moto_pipeline, marketplace)
        files = _files(listing)
        assert files[0] == "back.jpg" and sorted(files) == ["back.jpg", "front.jpg", "side.jpg"]
        assert listing["main"] == f"published/{marketplace}/acme/MUG-7/back.jpg"
        for image in listing["images"]:
            assert _get(moto_pipeline, image["key"])  # every listed image is published
            assert _key_of(image["url"]) == image["key"]

    amazon = json.loads(_get(moto_pipeline, "published/amazon/acme/MUG-7/feed.amazon.json"))
    (message,) = amazon["messages"]
    attributes = message["attributes"]
    urls = [attributes["main_product_image_locator"][0]["media_location"]] + [
        attributes[f"other_product_image_locator_{i}"][0]["media_location"] for i in (1, 2)
    ]
    assert [_key_of(u) for u in urls] == [
        i["key"] for i in _listing(moto_pipeline, "amazon")["images"]
    ]
    assert "other_product_image_locator_3" not in attributes
    rows = list(
        csv.DictReader(
            io.StringIO(
                _get(moto_pipeline, "published/shopify/acme/MUG-7/feed.shopify.csv").decode()
            )
        )
    )
    assert [r["Image Position"] for r in rows] == ["1", "2", "3"]
    assert [r["Variant SKU"] for r in rows] == ["MUG-7", "", ""]

    listed = moto_pipeline.s3.list_objects_v2(Bucket=moto_pipeline.bucket, Prefix="published/")
    assert not [o["Key"] for o in listed["Contents"] if o["Key"].endswith(".listing.json")]
    store = DynamoListingStore(moto_pipeline.tables["ListingsTable"], moto_pipeline.dynamodb)
    head, entries = store.load(listing_pk("acme", "MUG-7"))
    assert head is not None and head.marketplaces["amazon"].state == "ready"
    assert head.version == 6  # 2 published, side in review then published, detail likewise
    assert {e.file_name: e.state for e in entries} == {
        "front.jpg": "published",
        "back.jpg": "published",
        "side.jpg": "published",
        "detail.jpg": "rejected",
    }
