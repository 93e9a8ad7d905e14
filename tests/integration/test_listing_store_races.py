"""The listings table under photos of one SKU committing at once (moto's DynamoDB): a
losing writer's cancelled transaction never takes another writer's entry with it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3

from lightbox.adapters.listings import DynamoListingStore
from lightbox.models.listing import ListingConflictError, ListingHead, PhotoEntry, listing_pk
from support.tables import create_pk_sk_table

PK = listing_pk("acme", "MUG-9")
WRITERS = 12


def _commit_until_it_lands(store: DynamoListingStore, n: int) -> int:
    """What `record_photo` does: read the head, commit on top of it, retry on conflict."""
    entry = PhotoEntry(
        seller="acme",
        sku="MUG-9",
        safe_stem=f"photo-{n}",
        file_name=f"photo-{n}.jpg",
        photo_key=f"incoming/acme/MUG-9/photo-{n}.jpg",
        state="published",
        execution=f"run-{n}",
        updated_at="2026-12-03T00:00:00+00:00",
    )
    conflicts = 0
    while True:
        head, _ = store.load(PK)
        version = head.version if head else 0
        new_head = ListingHead(
            seller="acme", sku="MUG-9", version=version + 1, updated_at=entry.updated_at
        )
        try:
            store.commit(PK, entry, new_head, head.version if head else None)
            return conflicts
        except ListingConflictError:
            conflicts += 1


def test_given_many_photos_committing_at_once_when_some_lose_then_every_entry_survives(moto):
    create_pk_sk_table(boto3.client("dynamodb", region_name="us-east-1"), "listings")
    store = DynamoListingStore("listings", boto3.resource("dynamodb", region_name="us-east-1"))

    with ThreadPoolExecutor(WRITERS) as pool:
        conflicts = sum(pool.map(lambda n: _commit_until_it_lands(store, n), range(WRITERS)))

    head, entries = store.load(PK)
    assert sorted(e.safe_stem for e in entries) == sorted(f"photo-{n}" for n in range(WRITERS))
    assert head is not None and head.version == WRITERS  # every commit counted exactly once
    assert conflicts > 0, "no writer ever lost: the test did not race"
