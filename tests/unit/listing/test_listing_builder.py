"""One listing per SKU: each photo's route rebuilds its SKU's listing (lightbox.listing.builder)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

import pytest

from lightbox.listing.builder import compose, record_photo
from lightbox.models.listing import (
    ListingConflictError,
    ListingHead,
    ListingText,
    PhotoEntry,
    listing_pk,
)
from support.fakes import Fakes, InMemoryListingStore

FOLDER = "published/{}/acme/MUG-1"


def _entry(
    name: str,
    confidence: float,
    state: str = "published",
    marketplaces: tuple[str, ...] = ("amazon", "shopify"),
    order: tuple[str, ...] = (),
    at: str = "2026-01-05T09:00:00+00:00",
) -> PhotoEntry:
    stem = name.rsplit(".", 1)[0]
    images = (
        {m: f"{FOLDER.format(m)}/{stem}.jpg" for m in marketplaces} if state == "published" else {}
    )
    return PhotoEntry(
        seller="acme",
        sku="MUG-1",
        safe_stem=stem,
        file_name=name,
        photo_key=f"incoming/acme/MUG-1/{name}",
        state=state,  # type: ignore[arg-type]
        execution=f"run-{stem}",
        updated_at=at,
        confidence=confidence,
        marketplaces=list(marketplaces),
        images=images,
        text=ListingText(title=f"Mug from {name}", titles={"amazon": f"Amazon mug {name}"}),
        image_order=list(order),
    )


def _record(fakes: Fakes, *entries: PhotoEntry) -> None:
    deps = fakes.deps()
    for entry in entries:
        record_photo(entry, deps)


def _listing(fakes: Fakes, marketplace: str = "amazon") -> dict:
    return fakes.objects.json(f"{FOLDER.format(marketplace)}/listing.json")


def test_given_three_published_photos_when_rebuilt_then_one_listing_per_marketplace_best_first():
    """Given three photos of one SKU published one after the other
    When each rebuilds the listing
    Then each marketplace has one listing.json and one feed, the best-scoring image main
    and the others by confidence, and no per-photo listing documents."""
    fakes = Fakes()

    _record(fakes, _entry("side.jpg", 0.7), _entry("front.jpg", 0.9), _entry("back.jpg", 0.8))

    for marketplace in ("amazon", "shopify"):
        listing = _listing(fakes, marketplace)
        assert [i["file_name"] for i in listing["images"]] == ["front.jpg", "back.jpg", "side.jpg"]
        assert listing["main"] == f"{FOLDER.format(marketplace)}/front.jpg"
        assert listing["version"] == 3
    assert _listing(fakes)["title"] == "Amazon mug front.jpg"  # the main photo's text
    assert _listing(fakes, "shopify")["title"] == "Mug from front.jpg"
    written = fakes.objects.keys("published/amazon/")
    assert written == [
        f"{FOLDER.format('amazon')}/feed.amazon.json",
        f"{FOLDER.format('amazon')}/listing.json",
    ]
    feed = json.loads(fakes.objects.get_bytes(f"{FOLDER.format('amazon')}/feed.amazon.json"))
    (message,) = feed["messages"]
    attributes = message["attributes"]
    assert "front.jpg" in attributes["main_product_image_locator"][0]["media_location"]
    assert "back.jpg" in attributes["other_product_image_locator_1"][0]["media_location"]
    assert "side.jpg" in attributes["other_product_image_locator_2"][0]["media_location"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                fakes.objects.get_bytes(f"{FOLDER.format('shopify')}/feed.shopify.csv").decode()
            )
        )
    )
    assert [r["Image Position"] for r in rows] == ["1", "2", "3"]
    assert {r["Handle"] for r in rows} == {rows[0]["Handle"]}


def test_given_every_rebuild_when_done_then_a_listing_event_per_marketplace_tells_its_state():
    fakes = Fakes()

    _record(fakes, _entry("front.jpg", 0.9, state="in_review"), _entry("back.jpg", 0.8))

    events = fakes.status_events.of_type("Listing status")
    assert [(e.marketplace, e.state) for e in events] == [  # type: ignore[union-attr]
        ("amazon", "waiting"),
        ("shopify", "waiting"),
        ("amazon", "ready"),
        ("shopify", "ready"),
    ]
    assert "1 in review" in events[0].reasons[0]  # type: ignore[union-attr]
    assert events[-1].images == [f"{FOLDER.format('shopify')}/back.jpg"]  # type: ignore[union-attr]


def test_given_the_sellers_image_order_when_rebuilt_then_it_beats_the_scores():
    order = ("side.jpg", "back.jpg")
    fakes = Fakes()

    _record(
        fakes,
        _entry("front.jpg", 0.95, order=order),
        _entry("back.jpg", 0.6, order=order),
        _entry("side.jpg", 0.5, order=order),
    )

    assert [i["file_name"] for i in _listing(fakes)["images"]] == [
        "side.jpg",
        "back.jpg",
        "front.jpg",
    ]


def test_given_the_chosen_main_image_in_review_when_rebuilt_then_waiting_until_approved():
    """Given product.json names front.jpg first and front.jpg went to review
    When the other photos publish
    Then the listing waits (nothing written) and goes out with front.jpg as main once approved."""
    order = ("front.jpg",)
    fakes = Fakes()

    _record(
        fakes,
        _entry("front.jpg", 0.5, state="in_review", order=order),
        _entry("back.jpg", 0.9, order=order),
    )

    assert not fakes.objects.keys("published/")
    head, _ = fakes.listings.load(listing_pk("acme", "MUG-1"))
    assert head is not None and head.marketplaces["amazon"].state == "waiting"
    assert "front.jpg" in head.marketplaces["amazon"].reasons[0]

    _record(fakes, _entry("front.jpg", 0.5, order=order, at="2026-01-05T10:00:00+00:00"))

    assert [i["file_name"] for i in _listing(fakes)["images"]] == ["front.jpg", "back.jpg"]


def test_given_the_main_photo_rejected_when_rebuilt_then_the_next_one_is_main():
    fakes = Fakes()
    _record(fakes, _entry("front.jpg", 0.9), _entry("back.jpg", 0.8))

    _record(fakes, _entry("front.jpg", 0.9, state="rejected", at="2026-01-05T10:00:00+00:00"))

    listing = _listing(fakes)
    assert [i["file_name"] for i in listing["images"]] == ["back.jpg"]
    assert listing["main"].endswith("/back.jpg")


def test_given_more_photos_than_slots_when_composed_then_each_marketplace_keeps_its_limit():
    entries = [
        _entry(f"p{i:02}.jpg", 0.5 + i / 100, marketplaces=("amazon", "etsy")) for i in range(25)
    ]

    composed = {c.marketplace: c for c in compose(entries)}

    assert len(composed["amazon"].summary.images) == 9  # main + 8
    assert len(composed["etsy"].summary.images) == 20
    assert composed["amazon"].summary.main.endswith("/p24.jpg")  # type: ignore[union-attr]


def test_given_a_public_base_url_when_feeds_written_then_they_link_it_else_presigned_urls():
    with_cdn = Fakes()
    record_photo(
        _entry("front view.jpg", 0.9),
        with_cdn.deps(PUBLIC_BASE_URL="https://cdn.example.com/shop/"),
    )
    presigned = Fakes()
    record_photo(_entry("front.jpg", 0.9), presigned.deps(FEED_URL_EXPIRY_SECONDS="3600"))

    (image,) = _listing(with_cdn)["images"]
    assert image["url"] == (
        "https://cdn.example.com/shop/published/amazon/acme/MUG-1/front%20view.jpg"
    )
    (image,) = _listing(presigned)["images"]
    assert image["url"].endswith("published/amazon/acme/MUG-1/front.jpg?expires=3600")


@dataclass
class RacingStore(InMemoryListingStore):
    """A store where another photo's rebuild commits right after ours and wrote its
    documents before we wrote ours (the race `_settle` repairs)."""

    rival: PhotoEntry | None = None
    loads: list[int] = field(default_factory=list)

    def commit(self, pk: str, entry: PhotoEntry, head: ListingHead, expected: int | None) -> None:
        super().commit(pk, entry, head, expected)
        if self.rival is not None:
            rival, self.rival = self.rival, None
            super().commit(
                pk, rival, head.model_copy(update={"version": head.version + 1}), head.version
            )


def test_given_a_rebuild_racing_ours_when_settled_then_the_documents_hold_both_photos():
    fakes = Fakes(listings=RacingStore(rival=_entry("back.jpg", 0.8)))

    record_photo(_entry("front.jpg", 0.9), fakes.deps())

    listing = _listing(fakes)
    assert [i["file_name"] for i in listing["images"]] == ["front.jpg", "back.jpg"]
    assert listing["version"] == 2


def test_given_conflicting_commits_when_rebuilt_then_read_again_and_retried():
    fakes = Fakes(listings=InMemoryListingStore(conflicts=3))

    record_photo(_entry("front.jpg", 0.9), fakes.deps())

    assert _listing(fakes)["version"] == 1


def test_given_endless_conflicts_when_rebuilt_then_the_error_reaches_the_stage():
    fakes = Fakes(listings=InMemoryListingStore(conflicts=1000))

    with pytest.raises(ListingConflictError, match="lost to others"):
        record_photo(_entry("front.jpg", 0.9), fakes.deps())
    assert not fakes.objects.keys("published/")
