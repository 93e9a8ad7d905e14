import json

import pytest

from lightbox.scoring.confidence import ComplianceSummary, framing_signal, score_listing
from lightbox.scoring.thresholds import BUILTIN_VERSION, config_from_item, parse_thresholds

GOOD = {"segmentation": 0.95, "sharpness": 0.9, "exposure": 0.9, "framing": 1.0}
PASS = [ComplianceSummary("amazon", True)]


def test_given_all_strong_signals_when_scored_then_high_confidence_and_no_reasons():
    score = score_listing(GOOD, PASS)
    assert score.confidence > 0.9
    assert score.compliant and score.reasons == []


def test_given_one_weak_signal_when_scored_then_confidence_drops_and_reason_names_it():
    score = score_listing({**GOOD, "sharpness": 0.2}, PASS)
    assert score.confidence < score_listing(GOOD, PASS).confidence - 0.2
    assert any("not fully sharp" in r for r in score.reasons)


def test_given_compliance_failure_when_scored_then_not_compliant_and_failure_is_a_reason():
    failing = [ComplianceSummary("amazon", False, ("Amazon: product fills 71% of the frame",))]
    score = score_listing(GOOD, failing)
    assert not score.compliant
    assert "Amazon: product fills 71% of the frame" in score.reasons
    assert score.components["compliance"] == 0.0


def test_given_no_renders_when_scored_then_never_compliant():
    assert not score_listing(GOOD, []).compliant


@pytest.mark.parametrize(
    ("coverage", "edge", "expected"),
    [
        (0.4, False, 1.0),
        (0.075, False, 0.5),
        (0.4, True, 0.5),
        (0.0, False, 0.0),
        (1.0, False, 0.0),
    ],
)
def test_given_coverage_when_framing_measured_then_small_or_cut_off_products_penalised(
    coverage, edge, expected
):
    assert framing_signal(coverage, edge) == pytest.approx(expected)


def test_given_no_config_item_when_loaded_then_builtin_defaults_named():
    config = config_from_item({})
    assert config.version == BUILTIN_VERSION
    assert config.for_category("jewellery").auto > config.for_category("general").auto


def test_given_config_item_when_loaded_then_version_and_unknown_category_fallback():
    item = {
        "Item": {
            "version": {"S": "v7"},
            "thresholds": {"S": json.dumps({"general": {"auto": 0.7, "review": 0.4}})},
        }
    }
    config = config_from_item(item)
    assert config.version == "v7"
    assert config.for_category("beverages").auto == 0.7


def test_given_review_above_auto_when_parsed_then_refused():
    with pytest.raises(ValueError, match="above auto"):
        parse_thresholds({"general": {"auto": 0.5, "review": 0.6}})


def test_given_a_weak_cutout_and_perfect_other_signals_when_scored_then_it_is_not_rescued():
    perfect = {"segmentation": 0.55, "sharpness": 1.0, "exposure": 1.0, "framing": 1.0}
    score = score_listing(perfect, PASS)
    assert score.confidence <= 0.55
    assert any("separated cleanly" in reason for reason in score.reasons)


def test_given_a_strong_cutout_when_scored_then_the_other_signals_still_pull_it_down():
    score = score_listing({**GOOD, "segmentation": 0.99, "exposure": 0.3}, PASS)
    assert score.confidence < 0.99 - 0.1


def test_given_the_same_highlights_on_a_reflective_product_then_the_studio_check_is_stricter():
    from lightbox.scoring.confidence import studio_signal

    matte, _ = studio_signal(1.0, 0.88, 0.88, specular_fraction=0.06, reflective=False)
    shiny, why = studio_signal(1.0, 0.88, 0.88, specular_fraction=0.06, reflective=True)

    assert shiny < matte
    assert "reflections" in why


def test_given_a_grey_edged_studio_image_when_scored_then_purity_caps_the_listing():
    from lightbox.scoring.confidence import studio_signal

    value, why = studio_signal(0.93, 0.88, 0.88, specular_fraction=0.0, reflective=False)
    score = score_listing({**GOOD, "studio": value}, PASS, {"studio": why})

    assert value < 0.5
    assert score.confidence <= round(value, 4)
    assert any("pure white" in reason for reason in score.reasons)


def test_given_a_product_that_fills_too_little_when_studio_checked_then_fill_is_named():
    from lightbox.scoring.confidence import studio_signal

    full, _ = studio_signal(1.0, 0.86, 0.88, specular_fraction=0.0, reflective=False)
    small, why = studio_signal(1.0, 0.40, 0.88, specular_fraction=0.0, reflective=False)

    assert full == 1.0
    assert small < 0.6 and "fill" in why
