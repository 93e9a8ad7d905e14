"""What a stage may use, typed by the ports (`lightbox.ports`), built once per container.

`deps()` wires the AWS adapters from the settings; tests build a `Deps` from
the in-memory fakes in `tests/support/fakes.py` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lightbox.adapters.aws import Notifier as SnsNotifier
from lightbox.adapters.aws import TaskTokens
from lightbox.adapters.content_index import DynamoContentIndex
from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoReviewStore
from lightbox.adapters.listings import DynamoListingStore
from lightbox.adapters.s3 import ObjectStore
from lightbox.adapters.status_events import EventBridgeStatusEvents
from lightbox.audit.trail import AuditTrail
from lightbox.ports import (
    ContentIndex,
    ListingStore,
    Notifier,
    Objects,
    ReviewStore,
    StatusEvents,
)
from lightbox.review.service import ReviewService
from lightbox.settings import Settings, settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    objects: Objects
    audit: AuditTrail
    content_index: ContentIndex
    reviews: ReviewStore
    review_service: ReviewService
    notifier: Notifier
    status_events: StatusEvents
    listings: ListingStore


@cache
def deps() -> Deps:
    s = settings()
    reviews = DynamoReviewStore(s.review_table)
    return Deps(
        settings=s,
        objects=ObjectStore(s.bucket),
        audit=AuditTrail(DynamoAuditStore(s.audit_table)),
        content_index=DynamoContentIndex(s.content_index_table),
        reviews=reviews,
        review_service=ReviewService(reviews, TaskTokens()),
        notifier=SnsNotifier(s.escalation_topic_arn),
        status_events=EventBridgeStatusEvents(s.status_bus),
        listings=DynamoListingStore(s.listings_table),
    )
