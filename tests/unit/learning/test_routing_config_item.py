"""What LoadThresholds hands to scoring: the `current` item in attribute-value JSON."""

import json

from lightbox.learning.model import LogisticModel
from lightbox.models.config_version import CategoryRouting, ConfigVersion
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS, config_from_item

MODEL = LogisticModel(
    features=("sharpness",),
    terms=("sharpness",),
    weights=(1.0,),
    bias=0.0,
    means=(0.0,),
    scales=(1.0,),
)


def _as_get_item(item: dict) -> dict:
    return {"Item": {k: {"S": v} for k, v in item.items()}}


def test_given_a_calibrated_current_item_when_read_then_routing_defaults_and_rate_apply():
    version = ConfigVersion(
        version="v4",
        thresholds=DEFAULT_THRESHOLDS,
        routing={"fashion": CategoryRouting(model=MODEL, auto_probability=0.9)},
        defaults={"fashion": {"crop_margin": -0.02}},
        spot_check_rate=0.05,
    )
    stored = version.item()
    pointer = {
        "version": "v4",
        **{k: stored[k] for k in ("thresholds", "routing", "defaults", "spot_check_rate")},
    }
    config = config_from_item(_as_get_item(pointer))
    assert config.version == "v4"
    assert config.routing["fashion"].model == MODEL
    assert config.defaults == {"fashion": {"crop_margin": -0.02}}
    assert config.spot_check_rate == 0.05


def test_given_an_item_from_before_learning_when_read_then_thresholds_only():
    old = {"version": "v1", "thresholds": json.dumps(DEFAULT_THRESHOLDS)}
    config = config_from_item(_as_get_item(old))
    assert config.routing == {} and config.defaults == {} and config.spot_check_rate is None
    assert config.for_category("jewellery").auto == DEFAULT_THRESHOLDS["jewellery"]["auto"]
