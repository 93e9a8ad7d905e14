"""Deterministic listing copy from the seller's product.json.

A language model could write livelier copy later behind the same function;
the default must be predictable, testable and never invent product facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lightbox.models.product import ProductMetadata
from lightbox.models.stages import ListingCopy

TITLE_LIMITS: Mapping[str, int] = {"amazon": 200, "etsy": 140, "shopify": 255, "ebay": 80}
MAX_BULLETS = 5
BULLET_LIMIT = 250

_CATEGORY_NOUN: Mapping[str, str] = {
    "general": "product",
    "electronics": "device",
    "cosmetics": "beauty product",
    "fashion": "fashion item",
    "jewellery": "piece of jewellery",
    "home_decor": "home decor piece",
    "beverages": "drink",
}


def _clip(text: str, limit: int) -> str:
    """Cut at a word boundary so a title never ends mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;-")
    return cut or text[:limit]


def _humanise(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def draft_copy(
    product: ProductMetadata, sku: str, marketplaces: Sequence[str], colours: Sequence[str] = ()
) -> ListingCopy:
    base_title = product.title or f"{_humanise(product.category)} {sku}"
    parts = [product.brand, base_title] if product.brand else [base_title]
    if colours and colours[0].lower() not in base_title.lower():
        parts.append(f"- {colours[0].capitalize()}")
    title = " ".join(p for p in parts if p)
    bullets = [
        _clip(f"{_humanise(key)}: {value}", BULLET_LIMIT)
        for key, value in sorted(product.attributes.items())
    ][:MAX_BULLETS]
    noun = _CATEGORY_NOUN.get(product.category, "product")
    description = f"{base_title}. " + (
        " ".join(f"{b}." for b in bullets)
        if bullets
        else f"A {noun} photographed on a clean studio background."
    )
    return ListingCopy(
        title=_clip(title, max(TITLE_LIMITS.values())),
        bullets=bullets,
        description=description.strip(),
        per_marketplace_titles={m: _clip(title, TITLE_LIMITS.get(m, 80)) for m in marketplaces},
    )


def enrich_copy(copy: ListingCopy, colours: Sequence[str]) -> ListingCopy:
    """Add what the image analysis found to a draft written from product.json alone.

    The draft runs in parallel with the colour analysis, so the dominant colour
    is merged in afterwards: appended to titles that do not name it yet (within
    each marketplace's limit) and stated as a bullet if no bullet mentions it.
    """
    if not colours:
        return copy
    colour = colours[0]
    if any(colour.lower() in bullet.lower() for bullet in copy.bullets):
        bullets = list(copy.bullets)
    else:
        bullets = [*copy.bullets, f"Colour: {colour}"][:MAX_BULLETS]

    def titled(title: str, limit: int) -> str:
        if colour.lower() in title.lower():
            return title
        extended = f"{title} - {colour.capitalize()}"
        return extended if len(extended) <= limit else title

    return ListingCopy(
        title=titled(copy.title, max(TITLE_LIMITS.values())),
        bullets=bullets,
        description=copy.description,
        per_marketplace_titles={
            m: titled(t, TITLE_LIMITS.get(m, 80)) for m, t in copy.per_marketplace_titles.items()
        },
    )
