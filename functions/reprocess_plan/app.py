"""Reprocess plan: is one listed original a photo to re-run, and under which name?

Pure: no AWS calls and no permissions. The reprocess state machine starts the
pipeline execution itself (states:startExecution), so Step Functions, not this
function, holds the right to start runs.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import ReprocessItem
from lightbox.pipeline.reprocess import plan_item


@stage_handler("reprocess_plan", ReprocessItem)
def handler(event: ReprocessItem, context: LambdaContext) -> dict[str, Any]:
    plan = plan_item(event)
    logger.info("reprocess plan", extra={"key": plan.key, "action": plan.action})
    return plan.model_dump(exclude_none=True)
