"""Hostile product.json: refused naming the field, bounded, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightbox.models.product import MAX_PRODUCT_JSON_BYTES
from lightbox.pipeline.validate import _load_product, validate
from support.stages import StageDriver

MB = "x" * 1_000_000


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"title": 123}, "title"),
        ({"title": ["a"]}, "title"),
        ({"price": "cheap"}, "price"),
        ({"price": {"amount": 1}}, "price"),
        ({"marketplaces": "amazon"}, "marketplaces"),
        ({"attributes": ["colour", "red"]}, "attributes"),
        ({"attributes": {"colour": {"nested": 1}}}, "attributes.colour"),
        ({"title": "Mug\x00\x1b[31m"}, "title"),
        ({"brand": "Acme\u202e"}, "brand"),
        ({"attributes": {"colour": "red\nblue"}}, "attributes"),
        ({"extras": {"ad_poster": {"headline": "Sale\x07"}}}, "extras.ad_poster.headline"),
        ({"title": "t" * 501}, "title"),
        ({"brand": MB[:200]}, "brand"),
        ({MB[:5000]: 1}, "x" * 39 + "…"),
    ],
)
def test_given_hostile_product_json_when_loaded_then_refused_naming_the_field(document, field):
    product, source, problem = _load_product(json.dumps(document))

    assert product is None and source == "product.json"
    assert field in problem, problem
    assert len(problem) < 2000


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"price": NaN}', "NaN is not a number"),
        ('{"price": Infinity}', "Infinity is not a number"),
        ("[" * 100_000 + "]" * 100_000, "the limit is 64 KiB"),
        ("[" * 30_000 + "]" * 30_000, "nested too deeply"),
        ('{"title": "' + MB + '"}', "the limit is 64 KiB"),
        ("{not json", "not valid JSON"),
    ],
)
def test_given_malformed_product_json_when_loaded_then_refused_with_a_reason(text, words):
    product, _, problem = _load_product(text)

    assert product is None
    assert words in problem, problem


def test_given_markup_and_formula_text_when_loaded_then_accepted_for_escaping_at_output():
    document = {"title": "<b>Mug</b> =1+1", "brand": "@acme", "attributes": {"size": "-5cm"}}

    product, _, problem = _load_product(json.dumps(document))

    assert problem == "" and product is not None and product.title == "<b>Mug</b> =1+1"


def test_given_a_product_json_over_the_limit_when_validated_then_refused_before_reading(
    photo: bytes,
):
    driver = StageDriver(photo)
    key = "incoming/acme/mug-01/product.json"
    driver.fakes.objects.put_bytes(key, b" " * (MAX_PRODUCT_JSON_BYTES + 1), "application/json")
    reads: list[str] = []
    original = driver.fakes.objects.get_text_or_none
    driver.fakes.objects.get_text_or_none = lambda k: reads.append(k) or original(k)  # type: ignore[method-assign]

    output = validate(driver.state, driver.deps)

    assert not output.ok and "the limit is 64 KiB" in output.reasons[0]
    assert key not in reads


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = st.sampled_from(
    ["title", "brand", "price", "currency", "category", "attributes", "marketplaces", "extras"]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_FIELDS | st.text(max_size=20), _JSON, max_size=6))
def test_given_any_json_document_when_loaded_then_a_product_or_a_bounded_reason(document):
    product, _, problem = _load_product(json.dumps(document))

    assert (product is None) == bool(problem)
    assert len(problem) < 2000
    if product is not None:
        for text in (product.title, product.brand, *map(str, product.attributes.values())):
            assert not any(ord(c) < 32 or ord(c) == 127 for c in text)


@pytest.mark.parametrize(
    ("reference", "ok"),
    [
        ("assets/look.jpg", True),
        ("assets/Größe Rückseite.jpg", True),
        ("assets/商品 裏.jpg", True),
        ("assets/../x.jpg", False),
        ("assets/", False),
        ("look.jpg", False),
        ("assets/a\\b.jpg", False),
        ("assets/a\x07.jpg", False),
    ],
)
def test_given_an_asset_reference_when_loaded_then_any_seller_file_name_but_no_path_tricks(
    reference: str, ok: bool
):
    document = {"extras": {"lookalike": {"reference": reference}}}

    product, _, problem = _load_product(json.dumps(document))

    assert (product is not None) is ok, problem
    assert ok or "extras.lookalike.reference" in problem
