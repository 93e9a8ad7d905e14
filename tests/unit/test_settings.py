"""Settings per role: what a function's environment must hold, checked on first use."""

from __future__ import annotations

import pytest

from lightbox.settings import IntakeSettings, Settings, SettingsError

STAGE_ENV = {
    "BUCKET_NAME": "lightbox-dev-images",
    "AUDIT_TABLE": "lightbox-dev-audit",
    "REVIEW_TABLE": "lightbox-dev-review",
    "CONFIG_TABLE": "lightbox-dev-config",
    "CONTENT_INDEX_TABLE": "lightbox-dev-content-index",
    "ESCALATION_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:lightbox-dev-escalations",
    "STATUS_BUS_NAME": "lightbox-dev-status",
    "LISTINGS_TABLE": "lightbox-dev-listings",
}


def test_given_the_template_environment_when_loaded_then_stage_settings_validate():
    settings = Settings.from_environment({**STAGE_ENV, "MAX_REVIEW_LEVELS": "3"})

    assert settings.bucket == "lightbox-dev-images"
    assert settings.max_review_levels == 3
    assert settings.escalation_topic_arn.endswith(":lightbox-dev-escalations")


@pytest.mark.parametrize("missing", ["ESCALATION_TOPIC_ARN", "CONTENT_INDEX_TABLE"])
def test_given_a_missing_variable_when_loaded_then_the_error_names_it(missing):
    env = {k: v for k, v in STAGE_ENV.items() if k != missing}

    with pytest.raises(SettingsError, match=missing):
        Settings.from_environment(env)


def test_given_an_empty_topic_arn_when_loaded_then_refused_not_silently_blank():
    with pytest.raises(SettingsError, match="ESCALATION_TOPIC_ARN"):
        Settings.from_environment({**STAGE_ENV, "ESCALATION_TOPIC_ARN": ""})


def test_given_intake_without_a_state_machine_when_loaded_then_refused():
    with pytest.raises(SettingsError, match="STATE_MACHINE_ARN"):
        IntakeSettings.from_environment({"BUCKET_NAME": "b"})
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:lightbox-dev-listing-pipeline"
    assert IntakeSettings.from_environment({"STATE_MACHINE_ARN": arn}).state_machine_arn == arn
