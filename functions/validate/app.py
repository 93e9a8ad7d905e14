"""Validate: format, limits, colour, orientation, blur/exposure, duplicates, metadata."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.pipeline.deps import deps
from lightbox.pipeline.validate import validate


@stage_handler("validate", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = validate(event, deps())
    logger.info("validate done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
