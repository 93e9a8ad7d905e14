"""What sellers are told: one event per photo and per listing on the stack's status bus.

Every terminal route of a photo (and its entering review) sends a
`PhotoStatusEvent`; every rebuild of a SKU's listing for a marketplace sends a
`ListingStatusEvent`. Both go to the stack's EventBridge bus (output
`StatusBusName`) with source `lightbox` and the detail-type below, so a seller's
integration subscribes with one rule pattern, and the optional webhook
(docs/architecture.md, "Status for sellers") forwards them signed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STATUS_SOURCE = "lightbox"

PhotoState = Literal["published", "in_review", "rejected", "quarantined", "failed"]
ListingState = Literal["ready", "waiting", "withdrawn"]


def _now() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: str
    seller: str
    sku: str
    at: datetime = Field(default_factory=_now)


class PhotoStatusEvent(_Event):
    """A photo reached a route: published, waiting for review, rejected, quarantined, failed."""

    detail_type: Literal["Photo status"] = "Photo status"
    state: PhotoState
    photo_key: str
    file_name: str
    execution: str
    reasons: list[str] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)


class ListingStatusEvent(_Event):
    """A SKU's listing for one marketplace was rebuilt.

    `ready`: its main image is publishable and the listing and feed are written;
    `waiting`: no photo of the SKU is publishable yet (the others are in review
    or were rejected); `withdrawn`: the SKU was deleted on request.
    """

    detail_type: Literal["Listing status"] = "Listing status"
    state: ListingState
    marketplace: str
    listing_key: str | None = None
    feed_key: str | None = None
    images: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


StatusEvent = PhotoStatusEvent | ListingStatusEvent
