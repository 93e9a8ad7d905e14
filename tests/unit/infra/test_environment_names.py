"""Environment names: what the CLI, the deploy and the template accept, and who owns what."""

from __future__ import annotations

import pytest

from lightbox_infra.deploy import (
    ENV_NAME,
    DeployError,
    _owned_by,
    check_env_name,
    resource_suffixes,
)
from support.template import load_template


@pytest.mark.parametrize("name", ["local", "dev", "prod", "pr-42", "alice-eu"])
def test_given_a_lower_case_name_when_checked_then_accepted(name):
    assert check_env_name(name) == name


@pytest.mark.parametrize("name", ["", "x", "Dev", "4dev", "dev_eu", "a" * 22, "dev eu"])
def test_given_a_name_a_bucket_cannot_carry_when_checked_then_refused(name):
    with pytest.raises(DeployError, match="lower-case"):
        check_env_name(name)


def test_given_the_template_when_read_then_its_pattern_is_the_deploys():
    parameter = load_template()["Parameters"]["Environment"]
    assert parameter["AllowedPattern"] == ENV_NAME.pattern
    assert "AllowedValues" not in parameter


def test_given_dev_and_dev_eu_when_cleaning_dev_then_dev_eu_resources_are_not_its():
    assert _owned_by("lightbox-dev-audit", "lightbox-dev-")
    assert _owned_by("lightbox-dev-000000000000-us-east-1", "lightbox-dev-")
    assert not _owned_by("lightbox-dev-eu-audit", "lightbox-dev-")
    assert not _owned_by("lightbox-dev-eu-000000000000-us-east-1", "lightbox-dev-")


def test_given_the_template_when_read_then_cleanup_knows_every_table_it_names():
    suffixes = resource_suffixes()

    assert {"audit", "config", "review"} <= suffixes
    assert all(_owned_by(f"lightbox-pr-7-{s}", "lightbox-pr-7-") for s in suffixes)
    assert not any(_owned_by(f"lightbox-pr-7-{s}", "lightbox-pr-") for s in suffixes)
