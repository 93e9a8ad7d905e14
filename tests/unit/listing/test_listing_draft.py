from lightbox.listing.draft import TITLE_LIMITS, draft_copy, enrich_copy
from lightbox.models.product import ProductMetadata


def test_given_long_title_when_drafted_then_each_marketplace_limit_respected_at_word_boundary():
    product = ProductMetadata(title="Handmade ceramic coffee mug " * 12, brand="Acme")
    copy = draft_copy(product, "MUG-1", ["amazon", "etsy", "ebay", "shopify"])
    for marketplace, title in copy.per_marketplace_titles.items():
        assert len(title) <= TITLE_LIMITS[marketplace]
        assert not title.endswith(" ")
        assert title.split()[-1] in {"Handmade", "ceramic", "coffee", "mug"}


def test_given_attributes_when_drafted_then_bullets_from_attributes_only():
    product = ProductMetadata(title="Mug", attributes={"capacity_ml": 350, "material": "stoneware"})
    copy = draft_copy(product, "MUG-1", ["amazon"])
    assert copy.bullets == ["Capacity ml: 350", "Material: stoneware"]
    assert "Mug." in copy.description


def test_given_no_title_when_drafted_then_falls_back_to_category_and_sku():
    copy = draft_copy(ProductMetadata(category="home_decor"), "VASE-9", ["etsy"])
    assert copy.title == "Home decor VASE-9"


def test_given_draft_without_colour_when_enriched_then_colour_in_titles_and_bullets():
    draft = draft_copy(ProductMetadata(title="Stoneware mug"), "MUG-1", ["amazon", "ebay"])
    copy = enrich_copy(draft, ["red", "white"])
    assert copy.title == "Stoneware mug - Red"
    assert copy.per_marketplace_titles["ebay"] == "Stoneware mug - Red"
    assert copy.bullets[-1] == "Colour: red"


def test_given_colour_already_named_or_no_room_when_enriched_then_title_unchanged():
    named = draft_copy(ProductMetadata(title="Red stoneware mug"), "MUG-1", ["ebay"])
    assert enrich_copy(named, ["red"]).per_marketplace_titles["ebay"] == "Red stoneware mug"
    long = draft_copy(ProductMetadata(title="x" * 79), "MUG-1", ["ebay"])
    assert enrich_copy(long, ["red"]).per_marketplace_titles["ebay"] == "x" * 79
