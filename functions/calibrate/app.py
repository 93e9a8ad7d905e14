"""Calibrate: learn per-category routing from reviewer feedback; write a new config version.

Runs on the template's schedule (an EventBridge rule) and on demand
(`lightbox calibrate` invokes it with `{"actor": ..., "dry_run": ...}`).
"""

from datetime import UTC, datetime
from typing import Any, get_args

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.learning import DynamoConfigVersions, DynamoFeedbackStore
from lightbox.handler import logger, stage_handler
from lightbox.learning.calibrate import Policy
from lightbox.learning.service import run_calibration
from lightbox.models.product import Category
from lightbox.models.stages import CalibrateRequest
from lightbox.settings import settings


@stage_handler("calibrate", CalibrateRequest)
def handler(event: CalibrateRequest, context: LambdaContext) -> dict[str, Any]:
    s = settings()
    actor = "schedule" if event.source == "aws.events" else event.actor or "invoke"
    result = run_calibration(
        DynamoFeedbackStore(s.review_table),
        DynamoConfigVersions(s.config_table),
        Policy(target_precision=s.target_precision, min_decisions=s.calibration_min_decisions),
        now=datetime.now(UTC).isoformat(),
        actor=f"agent:calibrate ({actor})",
        categories=get_args(Category),
        dry_run=event.dry_run,
    )
    summary = result.summary()
    logger.info("calibrate done", extra={k: summary[k] for k in ("base", "written", "moved")})
    return summary
