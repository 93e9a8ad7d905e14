"""Runtime settings from the Lambda environment (set by template.yaml)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    bucket: str = Field(alias="BUCKET_NAME")
    audit_table: str = Field(alias="AUDIT_TABLE")
    review_table: str = Field(alias="REVIEW_TABLE")
    config_table: str = Field(alias="CONFIG_TABLE")
    content_index_table: str = Field(alias="CONTENT_INDEX_TABLE")
    escalation_topic_arn: str = Field(default="", alias="ESCALATION_TOPIC_ARN")
    environment: str = Field(default="local", alias="ENVIRONMENT")
    review_timeout_seconds: int = Field(default=86400, alias="REVIEW_TIMEOUT_SECONDS")
    max_review_levels: int = Field(default=2, alias="MAX_REVIEW_LEVELS")
    state_machine_arn: str = Field(default="", alias="STATE_MACHINE_ARN")
    # Learning (template parameters SpotCheckRate, TargetPrecision, CalibrationMinDecisions).
    spot_check_rate: float = Field(default=0.02, ge=0, le=1, alias="SPOT_CHECK_RATE")
    target_precision: float = Field(default=0.98, gt=0.5, lt=1, alias="TARGET_PRECISION")
    calibration_min_decisions: int = Field(default=50, ge=1, alias="CALIBRATION_MIN_DECISIONS")


@cache
def settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
