"""Marketplace listing feeds: one document per marketplace in the shape it ingests.

These are the payloads a seller (or a later publishing integration) submits:
Amazon's JSON listings feed message, an eBay inventory item, an Etsy listing
draft, and a Shopify product-import CSV row. Only facts from product.json,
the reviewer's corrections and the image analysis are used — nothing invented.

Seller text is data, never markup or a formula, wherever it lands: fields a
marketplace renders as HTML (Shopify's "Body (HTML)", eBay's description) get
it HTML-escaped (`html.escape`), and every CSV cell that a spreadsheet would
read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
return, or their full-width forms) gets a leading `'` (`csv_safe`, OWASP's
advice on CSV injection). JSON feeds carry plain text, escaped by JSON itself.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

AMAZON_MARKETPLACE_ID = "ATVPDKIKX0DER"  # amazon.com; other locales are a config change
SHOPIFY_COLUMNS = (
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Tags",
    "Published",
    "Variant SKU",
    "Variant Price",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Status",
)


@dataclass(frozen=True)
class ListingFacts:
    seller: str
    sku: str
    title: str
    description: str
    bullets: Sequence[str]
    category: str
    brand: str
    price: float | None
    currency: str
    attributes: Mapping[str, Any]
    colours: Sequence[str]
    #: The listing's images as URLs a marketplace can fetch, main image first
    #: (`lightbox.listing.urls`), already capped at its image slots.
    image_urls: Sequence[str]

    @property
    def main_image_url(self) -> str:
        return self.image_urls[0] if self.image_urls else ""


@dataclass(frozen=True)
class Feed:
    filename_suffix: str  # appended to `feed` in the SKU's folder: feed.amazon.json
    content_type: str
    body: bytes


#: What makes a spreadsheet cell a formula (OWASP, "CSV Injection"), and the
#: full-width forms some spreadsheets also read as one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading `'` before a formula start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _handle(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:200] or "item"


def amazon_feed(facts: ListingFacts) -> dict[str, Any]:
    def value(v: Any) -> list[dict[str, Any]]:
        return [{"value": v, "marketplace_id": AMAZON_MARKETPLACE_ID, "language_tag": "en_US"}]

    attributes: dict[str, Any] = {
        "item_name": value(facts.title),
        "product_description": value(facts.description),
        "bullet_point": [b for bullet in facts.bullets for b in value(bullet)],
        "main_product_image_locator": [
            {"media_location": facts.main_image_url, "marketplace_id": AMAZON_MARKETPLACE_ID}
        ],
    }
    # Amazon's other images: other_product_image_locator_1 .. _8 (PT01-PT08).
    for position, url in enumerate(facts.image_urls[1:9], start=1):
        attributes[f"other_product_image_locator_{position}"] = [
            {"media_location": url, "marketplace_id": AMAZON_MARKETPLACE_ID}
        ]
    if facts.brand:
        attributes["brand"] = value(facts.brand)
    if facts.colours:
        attributes["color"] = value(facts.colours[0])
    if facts.price is not None:
        attributes["purchasable_offer"] = [
            {
                "marketplace_id": AMAZON_MARKETPLACE_ID,
                "currency": facts.currency,
                "our_price": [{"schedule": [{"value_with_tax": facts.price}]}],
            }
        ]
    return {
        "header": {"sellerId": facts.seller, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": 1,
                "sku": facts.sku,
                "operationType": "UPDATE",
                "productType": "PRODUCT",
                "requirements": "LISTING",
                "attributes": attributes,
            }
        ],
    }


def ebay_feed(facts: ListingFacts) -> dict[str, Any]:
    aspects = {k.replace("_", " ").title(): [str(v)] for k, v in facts.attributes.items()}
    if facts.brand:
        aspects["Brand"] = [facts.brand]
    if facts.colours:
        aspects.setdefault("Color", [facts.colours[0]])
    return {
        "sku": facts.sku,
        "condition": "NEW",
        "availability": {"shipToLocationAvailability": {"quantity": 1}},
        "product": {
            "title": facts.title,
            # eBay renders the description as HTML.
            "description": html.escape(facts.description),
            "aspects": aspects,
            "imageUrls": list(facts.image_urls),
        },
    }


def etsy_feed(facts: ListingFacts) -> dict[str, Any]:
    tags = [t[:20] for t in (facts.category.replace("_", " "), *facts.colours[:3]) if t][:13]
    return {
        "quantity": 1,
        "title": facts.title,
        "description": facts.description,
        "price": facts.price,
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "tags": tags,
        "sku": [facts.sku],
        "images": list(facts.image_urls),
        "state": "draft",
    }


def shopify_feed(facts: ListingFacts) -> str:
    body = "<p>" + html.escape(facts.description) + "</p>"
    if facts.bullets:
        body += "<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in facts.bullets) + "</ul>"
    row = {
        "Handle": _handle(f"{facts.sku}-{facts.title}"),
        "Title": facts.title,
        "Body (HTML)": body,
        "Vendor": facts.brand or facts.seller,
        "Product Category": facts.category.replace("_", " "),
        "Tags": ", ".join(facts.colours),
        "Published": "FALSE",
        "Variant SKU": facts.sku,
        "Variant Price": "" if facts.price is None else f"{facts.price:.2f}",
        "Image Src": facts.main_image_url,
        "Image Position": "1",
        "Image Alt Text": facts.title[:512],
        "Status": "draft",
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SHOPIFY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow({column: csv_safe(value) for column, value in row.items()})
    # Shopify's product CSV: each further image is a row with the product's Handle,
    # its Image Src and Image Position, and every other column empty.
    for position, url in enumerate(facts.image_urls[1:], start=2):
        image_row = dict.fromkeys(SHOPIFY_COLUMNS, "")
        image_row |= {
            "Handle": row["Handle"],
            "Image Src": url,
            "Image Position": str(position),
            "Image Alt Text": facts.title[:512],
        }
        writer.writerow({column: csv_safe(value) for column, value in image_row.items()})
    return buffer.getvalue()


def feed_suffix(marketplace: str) -> str:
    """`.shopify.csv` for Shopify's CSV import, `.{marketplace}.json` for the others."""
    return ".shopify.csv" if marketplace == "shopify" else f".{marketplace}.json"


def build_feed(marketplace: str, facts: ListingFacts) -> Feed:
    if marketplace == "shopify":
        return Feed(feed_suffix(marketplace), "text/csv", shopify_feed(facts).encode())
    builders = {"amazon": amazon_feed, "ebay": ebay_feed, "etsy": etsy_feed}
    document = builders[marketplace](facts)
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return Feed(feed_suffix(marketplace), "application/json", body)
