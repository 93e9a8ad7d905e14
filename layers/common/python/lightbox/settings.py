"""Runtime settings from the Lambda environment (set by template.yaml), one model per role.

A function reads the settings of its role: `Settings` for the pipeline
stages, `IntakeSettings` for the upload intake. Names and ARNs may not be
empty, so a template that forgets one fails on the first invocation with a
message naming the variable, instead of running with "" and failing later
at an AWS call (or, for an SNS topic, silently sending nothing).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Arn = Annotated[str, StringConstraints(pattern=r"^arn:[a-z0-9-]+:[a-z0-9-]+:")]


class SettingsError(RuntimeError):
    """The function's environment lacks a setting its role needs (a template fault)."""


class _FromEnvironment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise SettingsError(f"{cls.__name__} from the environment: {problems}") from exc


class Settings(_FromEnvironment):
    """The pipeline stages (Globals in template.yaml give every function these)."""

    bucket: Name = Field(alias="BUCKET_NAME")
    audit_table: Name = Field(alias="AUDIT_TABLE")
    review_table: Name = Field(alias="REVIEW_TABLE")
    config_table: Name = Field(alias="CONFIG_TABLE")
    content_index_table: Name = Field(alias="CONTENT_INDEX_TABLE")
    escalation_topic_arn: Arn = Field(alias="ESCALATION_TOPIC_ARN")
    status_bus: Name = Field(alias="STATUS_BUS_NAME")
    listings_table: Name = Field(alias="LISTINGS_TABLE")
    #: Feed image URLs (template parameters PublicBaseUrl, FeedUrlExpirySeconds):
    #: `{public_base_url}/{key}` when set, else presigned GETs valid this long.
    public_base_url: str = Field(
        default="", pattern=r"^(https?://[^\s?#]+)?$", alias="PUBLIC_BASE_URL"
    )
    feed_url_expiry_seconds: int = Field(
        default=604800, ge=60, le=604800, alias="FEED_URL_EXPIRY_SECONDS"
    )
    environment: Name = Field(default="local", alias="ENVIRONMENT")
    review_timeout_seconds: int = Field(default=86400, gt=0, alias="REVIEW_TIMEOUT_SECONDS")
    max_review_levels: int = Field(default=2, ge=1, alias="MAX_REVIEW_LEVELS")
    # Learning (template parameters SpotCheckRate, TargetPrecision, CalibrationMinDecisions).
    spot_check_rate: float = Field(default=0.02, ge=0, le=1, alias="SPOT_CHECK_RATE")
    target_precision: float = Field(default=0.98, gt=0.5, lt=1, alias="TARGET_PRECISION")
    calibration_min_decisions: int = Field(default=50, ge=1, alias="CALIBRATION_MIN_DECISIONS")


class IntakeSettings(_FromEnvironment):
    """The upload intake: which state machine each upload starts."""

    state_machine_arn: Arn = Field(alias="STATE_MACHINE_ARN")


class SealSettings(_FromEnvironment):
    """The audit sealer: the chains it reads, where seals go, the key that signs them."""

    audit_table: Name = Field(alias="AUDIT_TABLE")
    seal_table: Name = Field(alias="AUDIT_SEAL_TABLE")
    seal_key_id: Name = Field(alias="AUDIT_SEAL_KEY_ID")


@cache
def settings() -> Settings:
    return Settings.from_environment()


@cache
def intake_settings() -> IntakeSettings:
    return IntakeSettings.from_environment()


@cache
def seal_settings() -> SealSettings:
    return SealSettings.from_environment()
