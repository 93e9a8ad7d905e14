from lightbox.models.product import ProductMetadata
from lightbox.pipeline.validate import _with_category_defaults
from lightbox.presets import get_preset


def test_given_silent_product_json_when_defaults_applied_then_category_preset_fills_in():
    product = _with_category_defaults(ProductMetadata.model_validate({"category": "electronics"}))
    preset = get_preset("electronics")
    assert product.marketplaces == list(preset.default_marketplaces)
    assert product.extras.requested() == list(preset.default_extras)


def test_given_seller_choices_when_defaults_applied_then_seller_wins():
    product = _with_category_defaults(
        ProductMetadata.model_validate(
            {"category": "electronics", "marketplaces": ["ebay"], "extras": {}}
        )
    )
    assert product.marketplaces == ["ebay"]
    assert product.extras.requested() == []
