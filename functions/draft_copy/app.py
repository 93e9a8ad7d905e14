"""Analyse branch: draft listing copy from product.json, within marketplace limits."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.pipeline.analyse import draft


@stage_handler("draft_copy", PipelineState)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = draft(event)
    logger.info("draft_copy done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json")
