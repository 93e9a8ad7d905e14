"""One listing per SKU: record a photo's route, rebuild the SKU's listing, write it out.

Every photo of a SKU writes its `PhotoEntry` (published, in review, rejected)
and rebuilds the listing from all entries (docs/architecture.md, "Listings:
one per SKU"): per marketplace, the published photos' images in order (the
seller's `image_order`, then by confidence), capped at the marketplace's image
slots, the main photo's text; `listing.json` and the feed are written when
the listing has its main image. The entry and the head (version + 1) are
committed together only if no other rebuild moved the head since it was read,
so photos finishing at once never overwrite each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lightbox.keys import PhotoKey, safe_segment
from lightbox.listing.draft import enrich_copy
from lightbox.listing.feeds import ListingFacts, build_feed, feed_suffix
from lightbox.listing.urls import image_url
from lightbox.marketplaces.specs import IMAGE_SLOTS
from lightbox.models.listing import (
    EntryState,
    ListingConflictError,
    ListingHead,
    ListingText,
    MarketplaceListing,
    PhotoEntry,
    listing_pk,
)
from lightbox.models.stages import PipelineState
from lightbox.models.status import ListingStatusEvent
from lightbox.pipeline.deps import Deps

#: Rebuilds of one SKU that may race this one before it gives up (the stage's Retry
#: then runs it again): far more photos of one SKU than finish at the same moment.
MAX_ATTEMPTS = 10
LISTING_FILE = "listing.json"
FEED_STEM = "feed"


@dataclass(frozen=True)
class Composed:
    """One marketplace's listing: its summary for the head and its images' entries."""

    marketplace: str
    summary: MarketplaceListing
    photos: tuple[PhotoEntry, ...]  # main first; empty when waiting


def published_folder(marketplace: str, seller: str, sku: str) -> str:
    """`published/{marketplace}/{seller}/{sku}` with safe names (`PhotoKey.published_base`)."""
    return f"published/{marketplace}/{safe_segment(seller)}/{safe_segment(sku)}"


def _latest(entries: list[PhotoEntry]) -> PhotoEntry:
    return max(entries, key=lambda e: (e.updated_at, e.file_name))


def _order(entries: list[PhotoEntry], image_order: list[str]) -> list[PhotoEntry]:
    """The seller's order first, then best confidence first, ties by file name."""
    position = {name: i for i, name in enumerate(image_order)}

    def key(entry: PhotoEntry) -> tuple[float, float, str]:
        confidence = entry.confidence if entry.confidence is not None else 0.0
        return (position.get(entry.file_name, math.inf), -confidence, entry.file_name)

    return sorted(entries, key=key)


def compose(entries: list[PhotoEntry]) -> list[Composed]:
    """Each marketplace's listing from the SKU's photo entries."""
    if not entries:
        return []
    latest = _latest(entries)
    image_order = latest.image_order
    marketplaces = sorted({m for e in entries for m in (*e.marketplaces, *e.images)})
    composed: list[Composed] = []
    for marketplace in marketplaces:
        folder = published_folder(marketplace, latest.seller, latest.sku)
        live = [e for e in entries if e.state != "rejected"]
        ordered = _order(live, image_order)
        chosen = next((e for e in ordered if e.file_name in image_order), None)
        published = [e for e in ordered if e.state == "published" and marketplace in e.images]
        if chosen is not None and chosen.state == "in_review":
            reasons = [
                f"The main image {chosen.file_name} (first in product.json's image_order) "
                "is in review; the listing goes out when it is approved."
            ]
            summary = MarketplaceListing(state="waiting", reasons=reasons)
            composed.append(Composed(marketplace, summary, ()))
            continue
        if not published:
            in_review = sum(1 for e in entries if e.state == "in_review")
            rejected = sum(1 for e in entries if e.state == "rejected")
            reasons = [
                f"No photo of the SKU is publishable for {marketplace} yet "
                f"({in_review} in review, {rejected} rejected)."
            ]
            summary = MarketplaceListing(state="waiting", reasons=reasons)
            composed.append(Composed(marketplace, summary, ()))
            continue
        photos = tuple(published[: IMAGE_SLOTS.get(marketplace, 1)])
        images = [p.images[marketplace] for p in photos]
        summary = MarketplaceListing(
            state="ready",
            main=images[0],
            images=images,
            listing_key=f"{folder}/{LISTING_FILE}",
            feed_key=f"{folder}/{FEED_STEM}{feed_suffix(marketplace)}",
        )
        composed.append(Composed(marketplace, summary, photos))
    return composed


def _document(composed: Composed, version: int, urls: list[str]) -> dict[str, Any]:
    main = composed.photos[0]
    text = main.text
    return {
        "marketplace": composed.marketplace,
        "seller": main.seller,
        "sku": main.sku,
        "state": "ready",
        "version": version,
        "title": text.titles.get(composed.marketplace, text.title),
        "bullets": text.bullets,
        "description": text.description,
        "category": text.category,
        "brand": text.brand,
        "price": text.price,
        "currency": text.currency,
        "attributes": text.attributes,
        "colours": text.colours,
        "main": composed.summary.main,
        "images": [
            {
                "position": position,
                "key": photo.images[composed.marketplace],
                "url": url,
                "file_name": photo.file_name,
                "source_key": photo.photo_key,
                "sha256": photo.sha256,
                "confidence": photo.confidence,
            }
            for position, (photo, url) in enumerate(zip(composed.photos, urls, strict=True), 1)
        ],
        "config_version": main.config_version,
        "published_at": datetime.now(UTC).isoformat(),
    }


def write_documents(composed: list[Composed], version: int, deps: Deps) -> None:
    """`listing.json` and the feed of every ready marketplace (a waiting one: nothing)."""
    for listing in composed:
        summary = listing.summary
        if summary.state != "ready" or summary.listing_key is None or summary.feed_key is None:
            continue
        urls = [image_url(key, deps.objects, deps.settings) for key in summary.images]
        document = _document(listing, version, urls)
        deps.objects.put_json(summary.listing_key, document)
        facts = ListingFacts(
            seller=document["seller"],
            sku=document["sku"],
            title=document["title"],
            description=document["description"],
            bullets=document["bullets"],
            category=document["category"],
            brand=document["brand"],
            price=document["price"],
            currency=document["currency"],
            attributes=document["attributes"],
            colours=document["colours"],
            image_urls=urls,
        )
        feed = build_feed(listing.marketplace, facts)
        deps.objects.put_bytes(summary.feed_key, feed.body, feed.content_type)


def record_photo(entry: PhotoEntry, deps: Deps) -> ListingHead:
    """Record `entry` in its SKU's listing, rebuild and write the listing, tell the seller.

    Raises ListingConflictError when other rebuilds kept winning (the stage's Retry
    runs it again).
    """
    pk = listing_pk(entry.seller, entry.sku)
    for _ in range(MAX_ATTEMPTS):
        head, entries = deps.listings.load(pk)
        entries = [e for e in entries if e.safe_stem != entry.safe_stem] + [entry]
        composed = compose(entries)
        new_head = ListingHead(
            seller=entry.seller,
            sku=entry.sku,
            version=(head.version if head else 0) + 1,
            updated_at=datetime.now(UTC).isoformat(),
            marketplaces={c.marketplace: c.summary for c in composed},
        )
        try:
            deps.listings.commit(pk, entry, new_head, head.version if head else None)
        except ListingConflictError:
            continue
        break
    else:
        raise ListingConflictError(f"{pk}: {MAX_ATTEMPTS} rebuilds in a row lost to others")
    write_documents(composed, new_head.version, deps)
    _settle(pk, new_head.version, deps)
    for listing in composed:
        deps.status_events.send(
            ListingStatusEvent(
                environment=deps.settings.environment,
                seller=entry.seller,
                sku=entry.sku,
                state=listing.summary.state,
                marketplace=listing.marketplace,
                listing_key=listing.summary.listing_key,
                feed_key=listing.summary.feed_key,
                images=listing.summary.images,
                reasons=listing.summary.reasons,
            )
        )
    return new_head


def _settle(pk: str, written: int, deps: Deps) -> None:
    """Another rebuild may have committed after ours and written its documents before
    ours: while the head is past what we wrote, write again from the newest state."""
    for _ in range(MAX_ATTEMPTS):
        head, entries = deps.listings.load(pk)
        if head is None or head.version <= written:
            return
        written = head.version
        write_documents(compose(entries), written, deps)
    raise ListingConflictError(f"{pk}: the listing kept moving while its documents were written")


def listing_text(state: PipelineState) -> ListingText:
    """The listing's words as this photo's run produced them: its copy (with the
    product's own colours), the reviewer's corrections, product.json's facts."""
    if state.validation is None or state.analysis is None:
        return ListingText()
    product = state.validation.product
    corrections = state.review.corrections if state.review else {}
    measured = state.analysis.segment.colours or state.analysis.attributes.colours
    colours = [c.name for c in measured]
    copy = enrich_copy(state.analysis.copy_, colours)
    titles = {} if corrections.get("title") else dict(copy.per_marketplace_titles)
    return ListingText(
        titles=titles,
        title=corrections.get("title") or copy.title,
        bullets=corrections.get("bullets") or copy.bullets,
        description=corrections.get("description") or copy.description,
        category=corrections.get("category") or product.category,
        brand=product.brand,
        price=product.price,
        currency=product.currency,
        attributes=dict(product.attributes),
        colours=colours,
    )


def photo_entry(
    state: PipelineState,
    photo: PhotoKey,
    entry_state: EntryState,
    images: dict[str, str] | None = None,
    reasons: list[str] | None = None,
) -> PhotoEntry:
    """This run's photo as its SKU's listing records it."""
    product = state.validation.product if state.validation else None
    return PhotoEntry(
        seller=state.photo.seller,
        sku=state.photo.sku,
        safe_stem=photo.safe_stem,
        file_name=state.photo.filename,
        photo_key=state.photo.key,
        state=entry_state,
        execution=state.execution.name,
        updated_at=datetime.now(UTC).isoformat(),
        confidence=state.score.confidence if state.score else None,
        marketplaces=list(product.marketplaces) if product else [],
        images=images or {},
        sha256=state.validation.sha256 if state.validation else None,
        config_version=state.config_version,
        reasons=reasons or [],
        text=listing_text(state),
        image_order=list(product.image_order) if product else [],
    )
