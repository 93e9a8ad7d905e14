"""product.json — the seller's optional metadata beside the photos."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal[
    "general", "electronics", "cosmetics", "fashion", "jewellery", "home_decor", "beverages"
]
Marketplace = Literal["amazon", "etsy", "shopify", "ebay"]
DEFAULT_MARKETPLACES: tuple[Marketplace, ...] = ("amazon",)


class ProductMetadata(BaseModel):
    """What a seller tells us about the product; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(default="", max_length=500)
    category: Category = "general"
    brand: str = Field(default="", max_length=100)
    price: float | None = Field(default=None, ge=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    marketplaces: list[Marketplace] = Field(default_factory=lambda: list(DEFAULT_MARKETPLACES))

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
        return value
