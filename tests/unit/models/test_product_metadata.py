import pytest
from pydantic import ValidationError

from lightbox.models.product import ProductMetadata


def test_given_minimal_document_when_parsed_then_defaults_fill_in():
    product = ProductMetadata.model_validate({})
    assert product.category == "general" and product.marketplaces == ["amazon"]
    assert product.extras.requested() == []


def test_given_extras_when_parsed_then_requested_in_declared_order():
    product = ProductMetadata.model_validate(
        {
            "extras": {
                "ad_poster": {"headline": "New!", "price": "$18"},
                "lookalike": {"reference": "assets/look.jpg"},
            }
        }
    )
    assert product.extras.requested() == ["lookalike", "ad_poster"]


@pytest.mark.reliability(
    case="hostile product.json: wrong types, huge strings", expected="refused with the field named"
)
@pytest.mark.parametrize(
    "document",
    [
        {"category": "spaceships"},
        {"marketplaces": []},
        {"marketplaces": ["walmart"]},
        {"unknown_field": 1},
        {"extras": {"lookalike": {"reference": "../../etc/passwd"}}},
        {"extras": {"mockup": {}}},
        {"extras": {"group_shot": {"photos": []}}},
        {"price": -1},
    ],
)
def test_given_invalid_document_when_parsed_then_refused(document):
    with pytest.raises(ValidationError):
        ProductMetadata.model_validate(document)


def test_given_duplicate_marketplaces_when_parsed_then_deduplicated_in_order():
    product = ProductMetadata.model_validate({"marketplaces": ["etsy", "amazon", "etsy"]})
    assert product.marketplaces == ["etsy", "amazon"]
