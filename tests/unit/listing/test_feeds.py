import csv
import dataclasses
import io
import json

import pytest

from lightbox.listing.feeds import SHOPIFY_COLUMNS, ListingFacts, build_feed

FACTS = ListingFacts(
    seller="acme",
    sku="MUG-1",
    title="Acme Stoneware Mug",
    description="A mug.",
    bullets=["Capacity ml: 350"],
    category="home_decor",
    brand="Acme",
    price=18.5,
    currency="USD",
    attributes={"capacity_ml": 350},
    colours=["red"],
    image_urls=("https://cdn.example/published/amazon/acme/MUG-1/front.jpg",),
)


def test_given_facts_when_amazon_feed_built_then_listing_message_carries_sku_title_image():
    feed = build_feed("amazon", FACTS)
    doc = json.loads(feed.body)
    (message,) = doc["messages"]
    assert feed.filename_suffix == ".amazon.json"
    assert message["sku"] == "MUG-1" and message["operationType"] == "UPDATE"
    assert message["attributes"]["item_name"][0]["value"] == "Acme Stoneware Mug"
    assert message["attributes"]["main_product_image_locator"][0]["media_location"].endswith(
        "front.jpg"
    )
    assert message["attributes"]["purchasable_offer"][0]["currency"] == "USD"


def test_given_facts_when_ebay_feed_built_then_aspects_from_attributes_brand_colour():
    product = json.loads(build_feed("ebay", FACTS).body)["product"]
    assert product["aspects"] == {"Capacity Ml": ["350"], "Brand": ["Acme"], "Color": ["red"]}


def test_given_facts_when_etsy_feed_built_then_draft_with_tags_within_limits():
    doc = json.loads(build_feed("etsy", FACTS).body)
    assert doc["state"] == "draft" and all(len(t) <= 20 for t in doc["tags"])


def test_given_facts_when_shopify_feed_built_then_importable_csv_row():
    feed = build_feed("shopify", FACTS)
    rows = list(csv.DictReader(io.StringIO(feed.body.decode())))
    assert tuple(rows[0]) == SHOPIFY_COLUMNS
    assert rows[0]["Variant SKU"] == "MUG-1" and rows[0]["Variant Price"] == "18.50"


def test_given_unknown_marketplace_when_feed_built_then_error():
    with pytest.raises(KeyError):
        build_feed("walmart", FACTS)


def test_given_several_images_when_feeds_built_then_every_marketplace_lists_them_in_order():
    """Given a listing with a main image and two more
    When each marketplace's feed is built
    Then each carries all three, main first, in its own fields."""
    urls = tuple(f"https://cdn.example/published/x/acme/MUG-1/{n}.jpg" for n in ("a", "b", "c"))
    facts = dataclasses.replace(FACTS, image_urls=urls)

    amazon = json.loads(build_feed("amazon", facts).body)["messages"][0]["attributes"]
    assert [amazon["main_product_image_locator"][0]["media_location"]] + [
        amazon[f"other_product_image_locator_{i}"][0]["media_location"] for i in (1, 2)
    ] == list(urls)
    assert "other_product_image_locator_3" not in amazon
    assert json.loads(build_feed("ebay", facts).body)["product"]["imageUrls"] == list(urls)
    assert json.loads(build_feed("etsy", facts).body)["images"] == list(urls)
    rows = list(csv.DictReader(io.StringIO(build_feed("shopify", facts).body.decode())))
    assert [(r["Image Src"], r["Image Position"]) for r in rows] == [
        (url, str(i)) for i, url in enumerate(urls, 1)
    ]
    assert rows[1]["Title"] == "" and rows[1]["Handle"] == rows[0]["Handle"]
