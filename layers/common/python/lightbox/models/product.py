"""product.json — the seller's optional metadata beside the photos."""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from lightbox.keys import refused_character

Category = Literal[
    "general", "electronics", "cosmetics", "fashion", "jewellery", "home_decor", "beverages"
]
Marketplace = Literal["amazon", "etsy", "shopify", "ebay"]
DEFAULT_MARKETPLACES: tuple[Marketplace, ...] = ("amazon",)
MAX_PRODUCT_JSON_BYTES = 64 * 1024
"""A product.json larger than this is refused before it is read (checked by validate)."""


def _no_control_characters(value: str) -> str:
    """Text that reaches listings and feeds is one line of printable characters."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in "\u200c\u200d":
            raise ValueError(f"must not contain control characters (found U+{ord(char):04X})")
    return value


#: Seller text for listings and feeds: no control or invisible formatting characters
#: (zero-width joiners, which some scripts need, excepted). Markup and formula-leading
#: text are allowed here and escaped where they are written (`lightbox.listing.feeds`).
Text = Annotated[str, AfterValidator(_no_control_characters)]


class _Extra(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _asset_name(value: str) -> str:
    """`assets/<file>`: one file of the SKU's assets folder, any name a seller's tools
    write (the key contract's characters, `lightbox.keys.refused_character`)."""
    name = value.removeprefix("assets/")
    if name == value or not name.strip() or "/" in name or name in (".", ".."):
        raise ValueError("must name one file as assets/<file>")
    if len(name) > 200:
        raise ValueError("the file name is longer than 200 characters")
    problem = refused_character(name)
    if problem:
        raise ValueError(f"the file name contains {problem}")
    return value  # as written: it must match the uploaded key byte for byte


AssetName = Annotated[str, AfterValidator(_asset_name)]


class LookalikeOptions(_Extra):
    reference: AssetName  # a photo whose colour, tone and light the result should match
    strength: float = Field(default=1.0, ge=0, le=1)


class GhostMannequinOptions(_Extra):
    inner: AssetName  # the garment's inside-back shot


class MockupOptions(_Extra):
    graphic: AssetName  # the seller's print or logo (PNG with transparency)


class GroupShotOptions(_Extra):
    photos: list[AssetName] = Field(min_length=1, max_length=5)


class SceneOptions(_Extra):
    scene: AssetName | None = None  # default: a generated table-top scene


class PosterOptions(_Extra):
    headline: Text = Field(min_length=1, max_length=80)
    price: Text | None = Field(default=None, max_length=20)


class AssetSetOptions(_Extra):
    headline: Text | None = Field(default=None, max_length=80)
    price: Text | None = Field(default=None, max_length=20)
    scene: AssetName | None = None


class StudioExtras(_Extra):
    """Optional studio outputs; supporting files live in incoming/<seller>/<sku>/assets/."""

    lookalike: LookalikeOptions | None = None
    ghost_mannequin: GhostMannequinOptions | None = None
    mockup: MockupOptions | None = None
    group_shot: GroupShotOptions | None = None
    scene: SceneOptions | None = None
    ad_poster: PosterOptions | None = None
    asset_set: AssetSetOptions | None = None

    def requested(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


class ProductMetadata(BaseModel):
    """What a seller tells us about the product; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text = Field(default="", max_length=500)
    category: Category = "general"
    brand: Text = Field(default="", max_length=100)
    price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    marketplaces: list[Marketplace] = Field(default_factory=lambda: list(DEFAULT_MARKETPLACES))
    extras: StudioExtras = Field(default_factory=StudioExtras)
    #: The listing's image order, main image first: the SKU's photo file names as
    #: uploaded (`front.jpg`). Photos not named follow, best-scoring first.
    image_order: list[str] = Field(default_factory=list, max_length=250)

    @field_validator("image_order")
    @classmethod
    def _photo_file_names(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for name in value:
            if not name or "/" in name or name in (".", "..") or len(name) > 200:
                raise ValueError(f"{name[:200]!r} is not a photo's file name (front.jpg)")
            problem = refused_character(name)
            if problem:
                raise ValueError(f"{name[:200]!r} contains {problem}")
            normalised = unicodedata.normalize("NFC", name)
            if normalised in seen:
                raise ValueError(f"{name!r} is named twice")
            seen.add(normalised)
        return [unicodedata.normalize("NFC", name) for name in value]

    @field_validator("marketplaces")
    @classmethod
    def _non_empty_unique(cls, value: list[Marketplace]) -> list[Marketplace]:
        if not value:
            raise ValueError("name at least one marketplace (amazon, etsy, shopify, ebay)")
        return list(dict.fromkeys(value))

    @field_validator("attributes")
    @classmethod
    def _small_attributes(cls, value: dict[str, object]) -> dict[str, object]:
        # Attributes travel in the Step Functions state (256 KB limit) and feeds.
        if len(value) > 50:
            raise ValueError("at most 50 attributes")
        for key, item in value.items():
            if len(key) > 64 or len(str(item)) > 500:
                raise ValueError(f"attribute {key[:64]!r} is too long (key ≤ 64, value ≤ 500)")
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"attribute {key!r} is not a finite number")
            for text in (key, item) if isinstance(item, str) else (key,):
                try:
                    _no_control_characters(text)
                except ValueError as exc:
                    raise ValueError(f"attribute {key[:64]!r} {exc}") from None
        return value
