"""One listing per SKU: the state every photo of a SKU contributes to (docs/architecture.md,
"Listings: one per SKU").

The listings table holds, per SKU (partition key `listing_pk`), one `PhotoEntry`
per photo (sort key `photo#{safe stem}`) and one `ListingHead` (sort key `head`)
whose `version` moves by one on every rebuild, conditionally, so photos of one
SKU finishing at once never overwrite each other's rebuild
(`lightbox.listing.builder`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lightbox.keys import safe_segment

HEAD_SK = "head"
PHOTO_PREFIX = "photo#"

#: How a photo takes part in its SKU's listing: `published` ones are its images,
#: `in_review` ones join when approved, `rejected` ones never appear.
EntryState = Literal["published", "in_review", "rejected"]
#: A marketplace's listing: `ready` (written under published/), `waiting` (its main
#: image is not publishable yet; nothing written for this rebuild).
MarketplaceState = Literal["ready", "waiting"]


def listing_pk(seller: str, sku: str) -> str:
    """The SKU's partition key from the seller's names: `sku#{safe seller}/{safe sku}`,
    the same safe names as its `published/{marketplace}/{seller}/{sku}/` folder."""
    return f"sku#{safe_segment(seller)}/{safe_segment(sku)}"


def photo_sk(safe_stem: str) -> str:
    return f"{PHOTO_PREFIX}{safe_stem}"


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ListingText(_Item):
    """The listing's words and product facts as one photo's run produced them
    (its copy, the reviewer's corrections, product.json)."""

    titles: dict[str, str] = Field(default_factory=dict)  # per marketplace
    title: str = ""
    bullets: list[str] = Field(default_factory=list)
    description: str = ""
    category: str = "general"
    brand: str = ""
    price: float | None = None
    currency: str = "USD"
    attributes: dict[str, Any] = Field(default_factory=dict)
    colours: list[str] = Field(default_factory=list)


class PhotoEntry(_Item):
    """One photo of the SKU as its last run left it (sort key `photo#{safe stem}`)."""

    seller: str
    sku: str
    safe_stem: str
    file_name: str
    photo_key: str
    state: EntryState
    execution: str
    updated_at: str
    confidence: float | None = None
    #: The marketplaces product.json named when this photo ran.
    marketplaces: list[str] = Field(default_factory=list)
    #: marketplace -> published image key (published photos only).
    images: dict[str, str] = Field(default_factory=dict)
    sha256: str | None = None
    config_version: str | None = None
    reasons: list[str] = Field(default_factory=list)
    text: ListingText = Field(default_factory=ListingText)
    #: product.json's `image_order` when this photo ran (file names, main first).
    image_order: list[str] = Field(default_factory=list)


class MarketplaceListing(_Item):
    """One marketplace's listing as the last rebuild composed it."""

    state: MarketplaceState
    main: str | None = None
    images: list[str] = Field(default_factory=list)  # published keys, main first
    listing_key: str | None = None
    feed_key: str | None = None
    reasons: list[str] = Field(default_factory=list)


class ListingHead(_Item):
    """The SKU's head item (sort key `head`): the version every rebuild moves by one."""

    seller: str
    sku: str
    version: int = Field(ge=0)
    updated_at: str
    marketplaces: dict[str, MarketplaceListing] = Field(default_factory=dict)


class ListingConflictError(RuntimeError):
    """Another rebuild of the SKU moved its head first; read again and recompose."""
