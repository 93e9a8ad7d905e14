"""The adapters a stage may use, built once per Lambda container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lightbox.adapters.aws import Notifier, TaskTokens
from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoReviewStore
from lightbox.adapters.s3 import ObjectStore
from lightbox.audit.trail import AuditTrail
from lightbox.review.service import ReviewService
from lightbox.settings import Settings, settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    objects: ObjectStore
    audit_store: DynamoAuditStore
    audit: AuditTrail
    reviews: DynamoReviewStore
    review_service: ReviewService
    notifier: Notifier


@cache
def deps() -> Deps:
    s = settings()
    audit_store = DynamoAuditStore(s.audit_table)
    reviews = DynamoReviewStore(s.review_table)
    return Deps(
        settings=s,
        objects=ObjectStore(s.bucket),
        audit_store=audit_store,
        audit=AuditTrail(audit_store),
        reviews=reviews,
        review_service=ReviewService(reviews, TaskTokens()),
        notifier=Notifier(s.escalation_topic_arn),
    )
