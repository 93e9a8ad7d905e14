"""Render defaults learned from repeated corrections shape the first render of a category."""

from __future__ import annotations

import json

from lightbox.pipeline import enhance
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS


def _config(defaults: dict) -> dict:
    """The `current` config item as LoadThresholds hands it over (attribute values)."""
    return {
        "Item": {
            "version": {"S": "v7"},
            "thresholds": {"S": json.dumps(DEFAULT_THRESHOLDS)},
            "defaults": {"S": json.dumps(defaults)},
        }
    }


def test_given_a_learned_margin_for_the_category_when_enhanced_then_the_product_fills_less(
    driver,
):
    state = driver.run_until("analyse")
    plain = enhance.enhance(state, driver.deps)
    category = state.validation.product.category

    state.config = _config({category: {"crop_margin": -0.1}})
    roomier = enhance.enhance(state, driver.deps)

    assert roomier.fill_ratio < plain.fill_ratio - 0.05


def test_given_defaults_for_another_category_when_enhanced_then_nothing_changes(driver):
    state = driver.run_until("analyse")
    plain = enhance.enhance(state, driver.deps)

    state.config = _config({"no-such-category": {"crop_margin": -0.1, "cutout": 1}})

    assert enhance.enhance(state, driver.deps).fill_ratio == plain.fill_ratio
