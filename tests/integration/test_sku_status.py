"""`lightbox status SELLER/SKU`: each photo's route, reason and time, and the listing state,
from the runs, their audit chains and the listing state, on moto with the real ASL."""

from __future__ import annotations

from typing import Any

from lightbox_cli.status import sku_status
from support.images import good_jpeg

SKU = "incoming/acme/MUG-1"


def _finish(pipeline: Any, key: str, data: bytes) -> None:
    started = pipeline.upload(key, data)
    desc = pipeline.wait(pipeline.execution_arn(started["execution_name"]), timeout=120)
    assert desc["status"] == "SUCCEEDED", desc


def test_given_photos_routed_differently_when_status_is_asked_then_each_route_and_reason_shows(
    moto_pipeline: Any,
) -> None:
    """Given acme/MUG-1 with one photo published, one quarantined, one rejected and one
    waiting for a reviewer (and a photo of another SKU)
    When `lightbox status acme/MUG-1` reads the stack
    Then each photo of that SKU appears once with its route, the reason the seller can act
    on and when it happened, and the listing is ready with the one published image."""
    p = moto_pipeline
    p.set_thresholds("v2", auto=0.2, review=0.1)
    _finish(p, f"{SKU}/front.jpg", good_jpeg(seed=1))
    _finish(p, f"{SKU}/front.jpg", good_jpeg(seed=1))  # the same bytes again: unchanged
    _finish(p, f"{SKU}/broken.jpg", b"this is not an image at all")
    _finish(p, "incoming/acme/MUG-2/front.jpg", good_jpeg(seed=3))
    p.set_thresholds("v3", auto=0.9999, review=0.9998)
    _finish(p, f"{SKU}/side.jpg", good_jpeg(seed=2))
    _, in_review, task = p.upload_to_review(f"{SKU}/back.jpg", good_jpeg(seed=4), version="v4")

    status = sku_status(p.operator_stack(), "acme", "MUG-1")

    routes = {photo.file_name: photo.route for photo in status.photos}
    assert routes == {
        "back.jpg": "in_review",
        "broken.jpg": "quarantined",
        "front.jpg": "published",
        "side.jpg": "rejected",
    }
    by_name = {photo.file_name: photo for photo in status.photos}
    assert "not an image" in by_name["broken.jpg"].reason
    assert by_name["side.jpg"].reason
    assert all(photo.at.startswith("20") and photo.execution for photo in status.photos)
    assert all(photo.key.startswith(f"{SKU}/") for photo in status.photos)
    amazon = next(lst for lst in status.listings if lst.marketplace == "amazon")
    assert (amazon.state, amazon.images) == ("ready", 1)
    assert amazon.listing_key == "published/amazon/acme/MUG-1/listing.json"
    assert status.to_json()["photos"][0]["file_name"] == "back.jpg"

    # A run left waiting would time out later and write into the next test's moto.
    p.review_service().decide(task["task_id"], "rejected", "ana", "test over")
    assert p.wait(in_review)["status"] == "SUCCEEDED"
