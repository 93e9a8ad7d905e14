"""Entering review: the photo waits in its SKU's listing (it joins when approved), and the
seller hears why (a PhotoStatusEvent `in_review`, ListingStatusEvents `waiting`)."""

from __future__ import annotations

from lightbox.models.listing import listing_pk
from lightbox.pipeline import decide


def _photo_events(driver):
    return driver.fakes.status_events.of_type("Photo status")


def test_given_a_photo_sent_to_review_when_opened_then_it_waits_in_its_listing(driver):
    state = driver.run_until("score")

    decide.request_review(state, "token-1", driver.deps)

    (photo,) = _photo_events(driver)
    assert photo.state == "in_review" and photo.reasons[0].startswith("Waiting for a reviewer")
    _, entries = driver.fakes.listings.load(listing_pk("acme", "mug-01"))
    assert [(e.file_name, e.state) for e in entries] == [("front.jpg", "in_review")]
    listings = driver.fakes.status_events.of_type("Listing status")
    assert {e.state for e in listings} == {"waiting"}
    assert not driver.fakes.objects.keys("published/")
