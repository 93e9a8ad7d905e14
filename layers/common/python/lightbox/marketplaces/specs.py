"""Marketplace main-image rules: the one place they live.

The renderer reads these to decide what to produce, the compliance checker
reads the same objects to decide what to accept, so the two cannot drift.
Values follow each marketplace's public seller documentation (explained in
docs/limits-and-rules.md, "Marketplace main-image rules", which points here);
where the docs give a range, the field comment says which end we use and why.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_000_000  # decimal megabytes: the smaller reading of "10 MB" is the safe one


@dataclass(frozen=True)
class MarketplaceSpec:
    """What one marketplace accepts as a listing's main image.

    name: key used across the pipeline ("amazon").
    label: how sellers know it ("Amazon"), for messages.
    formats: Pillow format names the marketplace accepts.
    output_format: the one we render (JPEG everywhere: universally accepted,
        smallest for photos; WebP would save bytes on Shopify only).
    canvas: (width, height) we render to.
    min_long_side / max_long_side: accepted longest side in px (max None =
        no published limit).
    max_bytes: file size cap.
    max_megapixels: pixel-count cap, None if unpublished.
    min_fill_ratio: product bbox long side / frame side, None if no rule.
    requires_pure_white_background: border must be RGB 255.
    requires_square: width == height.
    forbids_borders: no frame around the photo.
    srgb_required: colour must be (or be tagged as) sRGB.
    jpeg_quality / min_jpeg_quality: where the encoder starts and how far it
        may step down to fit `max_bytes`.
    """

    name: str
    label: str
    formats: frozenset[str]
    output_format: str
    canvas: tuple[int, int]
    min_long_side: int
    max_long_side: int | None
    max_bytes: int
    max_megapixels: float | None = None
    min_fill_ratio: float | None = None
    requires_pure_white_background: bool = False
    requires_square: bool = False
    forbids_borders: bool = False
    srgb_required: bool = True
    jpeg_quality: int = 92
    min_jpeg_quality: int = 70

    @property
    def long_side(self) -> int:
        return max(self.canvas)


SPECS: dict[str, MarketplaceSpec] = {
    spec.name: spec
    for spec in (
        MarketplaceSpec(
            name="amazon",
            label="Amazon",
            formats=frozenset({"JPEG", "PNG", "TIFF", "GIF"}),
            output_format="JPEG",
            # 2000 px: top of the recommended 1600-2000 range, enables zoom.
            canvas=(2000, 2000),
            min_long_side=1000,
            max_long_side=10000,
            # Amazon's main-image rules give no byte cap; its image guide caps files at
            # 10 MB, and our renders are far below it anyway.
            max_bytes=10 * MB,
            min_fill_ratio=0.85,
            requires_pure_white_background=True,
        ),
        MarketplaceSpec(
            name="etsy",
            label="Etsy",
            formats=frozenset({"JPEG", "PNG", "GIF"}),
            output_format="JPEG",
            canvas=(3000, 2250),  # Etsy's recommended 4:3 listing image
            # Etsy *recommends* >= 2000 px; we hold our renders to it.
            min_long_side=2000,
            max_long_side=None,
            max_bytes=10 * MB,
        ),
        MarketplaceSpec(
            name="shopify",
            label="Shopify",
            formats=frozenset({"JPEG", "PNG", "WEBP", "GIF"}),
            output_format="JPEG",
            canvas=(2048, 2048),
            # No published minimum; 800 px is Shopify's zoom threshold and a
            # sane floor for a main image.
            min_long_side=800,
            max_long_side=5000,
            max_bytes=20 * MB,
            max_megapixels=25.0,
            requires_square=True,
        ),
        MarketplaceSpec(
            name="ebay",
            label="eBay",
            formats=frozenset({"JPEG", "PNG", "TIFF", "BMP", "GIF"}),
            output_format="JPEG",
            canvas=(1600, 1600),
            min_long_side=500,
            max_long_side=None,
            max_bytes=12 * MB,
            forbids_borders=True,
        ),
    )
}

MARKETPLACES: tuple[str, ...] = tuple(SPECS)

#: Images one listing may carry, main image included: a SKU's listing keeps its
#: first this many (docs/limits-and-rules.md, "Image slots per listing").
IMAGE_SLOTS: dict[str, int] = {
    # Seller Central's image guide: a MAIN image and up to 8 others (PT01-PT08); the
    # listings feed has main_product_image_locator + other_product_image_locator_1..8.
    "amazon": 9,
    # Etsy's Help Center: up to 20 photos per listing (10 until 2024's raise); the
    # listing video is separate.
    "etsy": 20,
    # Shopify's help: up to 250 media (images, videos, 3D models) per product.
    "shopify": 250,
    # eBay's picture policy: up to 24 photos per listing, free.
    "ebay": 24,
}


def get_spec(marketplace: str) -> MarketplaceSpec:
    """The spec for `marketplace`, with an error that lists the known ones."""
    try:
        return SPECS[marketplace]
    except KeyError:
        known = ", ".join(MARKETPLACES)
        raise ValueError(f"unknown marketplace {marketplace!r}; known: {known}") from None
