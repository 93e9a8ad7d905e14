"""Hostile seller text in every feed: never markup, never a spreadsheet formula."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightbox.listing.feeds import FORMULA_STARTS, ListingFacts, build_feed, csv_safe

FACTS = ListingFacts(
    seller="acme",
    sku='=HYPERLINK("http://evil","x")',
    title="=cmd|' /C calc'!A0",
    description="<script>alert(1)</script> & more",
    bullets=["<img src=x onerror=alert(1)>", "+SUM(A1:A9)"],
    category="home_decor",
    brand="@evil",
    price=18.5,
    currency="USD",
    attributes={"note": "-2+3"},
    colours=["red"],
    image_urls=("https://cdn.example/published/amazon/acme/MUG-1/front.jpg",),
)


def _shopify_row(facts: ListingFacts) -> dict[str, str]:
    (row,) = csv.DictReader(io.StringIO(build_feed("shopify", facts).body.decode()))
    return row


@pytest.mark.reliability(
    case="hostile product.json: formula-leading text", expected="every CSV cell is text"
)
def test_given_formula_leading_text_when_shopify_csv_built_then_every_cell_is_text():
    row = _shopify_row(FACTS)

    assert row["Title"] == "'=cmd|' /C calc'!A0"
    assert row["Variant SKU"].startswith("'=")
    assert row["Vendor"] == "'@evil"
    assert row["Image Alt Text"].startswith("'=")
    assert not any(value.startswith(FORMULA_STARTS) for value in row.values())


@pytest.mark.reliability(case="hostile product.json: HTML/script", expected="escaped in every feed")
def test_given_html_in_description_when_shopify_and_ebay_feeds_built_then_escaped():
    body = _shopify_row(FACTS)["Body (HTML)"]
    ebay = json.loads(build_feed("ebay", FACTS).body)

    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in body
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert ebay["product"]["description"].startswith("&lt;script&gt;")


@pytest.mark.parametrize("marketplace", ["amazon", "etsy", "ebay"])
def test_given_hostile_text_when_json_feed_built_then_it_is_valid_json_carrying_the_text(
    marketplace: str,
):
    document = json.loads(build_feed(marketplace, FACTS).body)

    assert FACTS.title in json.dumps(document, ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(max_size=200),
    description=st.text(max_size=300),
    bullets=st.lists(st.text(max_size=50), max_size=5),
    sku=st.text(min_size=1, max_size=40),
)
def test_given_any_seller_text_when_shopify_csv_built_then_no_cell_is_a_formula_or_markup(
    title: str, description: str, bullets: list[str], sku: str
):
    facts = dataclasses.replace(
        FACTS, title=title, description=description, bullets=bullets, sku=sku
    )

    row = _shopify_row(facts)

    assert not any(value.startswith(FORMULA_STARTS) for value in row.values())
    body = row["Body (HTML)"].removeprefix("'")
    inner = body.replace("<p>", "").replace("</p>", "").replace("<ul>", "").replace("</ul>", "")
    assert "<" not in inner.replace("<li>", "").replace("</li>", "")


@given(st.text(max_size=30))
def test_given_any_cell_when_made_csv_safe_then_text_kept_and_never_a_formula(value: str):
    safe = csv_safe(value)

    assert not safe.startswith(FORMULA_STARTS)
    assert safe.removeprefix("'") == value or safe == value
