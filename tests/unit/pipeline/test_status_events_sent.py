"""Status for sellers: each photo route sends a PhotoStatusEvent, and the routes that
change a SKU's listing (publish, reject, entering review) rebuild it and send a
ListingStatusEvent per marketplace."""

from __future__ import annotations

from lightbox.models.listing import listing_pk
from lightbox.models.stages import ValidationOutput
from lightbox.pipeline import outcomes


def _photo_events(driver):
    return driver.fakes.status_events.of_type("Photo status")


def test_given_a_published_photo_when_done_then_the_seller_hears_photo_and_listing_ready(driver):
    state = driver.run_until("score")

    outcome = outcomes.publish(state, driver.deps)

    (photo,) = _photo_events(driver)
    assert (photo.state, photo.file_name, photo.sku) == ("published", "front.jpg", "mug-01")
    assert photo.outputs["amazon"] == outcome.outputs["amazon"]
    listings = driver.fakes.status_events.of_type("Listing status")
    assert {(e.marketplace, e.state) for e in listings} == {("amazon", "ready"), ("etsy", "ready")}
    assert outcome.outputs["listing:amazon"] == "published/amazon/acme/mug-01/listing.json"
    listing = driver.fakes.objects.json("published/amazon/acme/mug-01/listing.json")
    assert listing["images"][0]["key"] == outcome.outputs["amazon"]
    assert listing["images"][0]["source_key"] == driver.key
    assert not [k for k in driver.fakes.objects.keys("published/") if ".listing.json" in k]


def test_given_a_rejected_photo_when_done_then_the_reasons_reach_the_seller(driver):
    state = driver.run_until("score")

    outcome = outcomes.reject(state, driver.deps)

    (photo,) = _photo_events(driver)
    assert photo.state == "rejected" and photo.reasons == outcome.reasons
    _, entries = driver.fakes.listings.load(listing_pk("acme", "mug-01"))
    assert [e.state for e in entries] == ["rejected"]


def test_given_quarantine_or_failure_when_done_then_photo_events_only(driver):
    state = driver.state
    state.validation = ValidationOutput(ok=False, reasons=["too blurry to list"])
    outcomes.quarantine(state, driver.deps)
    state.error = {"Error": "Lambda.Unknown", "Cause": "out of memory"}
    outcomes.record_failure(state, driver.deps)

    assert [(e.state, e.reasons[0][:18]) for e in _photo_events(driver)] == [
        ("quarantined", "too blurry to list"),
        ("failed", "Processing failed "),
    ]
    assert not driver.fakes.status_events.of_type("Listing status")
    assert driver.fakes.listings.load(listing_pk("acme", "mug-01")) == (None, [])
