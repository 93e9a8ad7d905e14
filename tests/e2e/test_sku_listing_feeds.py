"""A SKU of three photos on the deployed stack: one listing per marketplace, its images in
the seller's order, and every image URL in its feeds fetches the published image."""

from __future__ import annotations

import json
import urllib.request

import pytest

from support.images import good_jpeg

pytestmark = pytest.mark.e2e

FOLDER = "incoming/acme-e2e/MUG-TRIO"
ORDER = ["side.jpg", "front.jpg", "back.jpg"]


def _get(stack, key: str) -> bytes:
    return stack.ctx.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()


def _fetch(url: str) -> bytes:
    """What a marketplace does with a feed's image URL: a plain HTTP GET, no credentials."""
    assert url.startswith("http"), url
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
        return response.read()


def test_given_a_three_photo_sku_when_processed_then_one_listing_whose_feed_urls_fetch(
    deployed_stack,
):
    """Given product.json naming the three photos' order and thresholds that publish them
    When the three photos are uploaded at once with a plain S3 client
    Then each marketplace has one listing.json with the three images in that order, and
    every image URL in each feed fetches exactly the published render's bytes."""
    from lightbox.adapters.dynamodb import DynamoConfigStore

    store = DynamoConfigStore(
        deployed_stack.ctx.outputs["ConfigTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    store.publish("v-e2e-trio", json.dumps({"general": {"auto": 0.2, "review": 0.1}}), "e2e")
    s3 = deployed_stack.ctx.client("s3")
    product = {"title": "Trio mug", "marketplaces": ["amazon", "ebay"], "image_order": ORDER}
    s3.put_object(
        Bucket=deployed_stack.bucket, Key=f"{FOLDER}/product.json", Body=json.dumps(product)
    )

    runs = [
        deployed_stack.put(f"{FOLDER}/{name}", good_jpeg(seed=40 + i))
        for i, name in enumerate(ORDER)
    ]
    for names in runs:
        desc = deployed_stack.wait_for_execution(names, timeout=300)
        assert deployed_stack.output(desc)["status"] == "published", desc

    base = "published/{}/acme-e2e/MUG-TRIO"
    for marketplace in ("amazon", "ebay"):
        listing = json.loads(_get(deployed_stack, f"{base.format(marketplace)}/listing.json"))
        assert [image["file_name"] for image in listing["images"]] == ORDER
        for image in listing["images"]:
            assert _fetch(image["url"]) == _get(deployed_stack, image["key"])

    amazon = json.loads(_get(deployed_stack, f"{base.format('amazon')}/feed.amazon.json"))
    (message,) = amazon["messages"]
    attributes = message["attributes"]
    urls = [attributes["main_product_image_locator"][0]["media_location"]] + [
        attributes[f"other_product_image_locator_{i}"][0]["media_location"] for i in (1, 2)
    ]
    ebay = json.loads(_get(deployed_stack, f"{base.format('ebay')}/feed.ebay.json"))
    for marketplace, feed_urls in (("amazon", urls), ("ebay", ebay["product"]["imageUrls"])):
        expected = [f"{base.format(marketplace)}/{name}" for name in ORDER]
        assert [_fetch(u) for u in feed_urls] == [_get(deployed_stack, k) for k in expected]
    # The renders differ (three photos), so the order checked above is real.
    assert len({_get(deployed_stack, f"{base.format('amazon')}/{n}") for n in ORDER}) == 3
