"""Enhance: studio white background, light correction, centring and fill."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.pipeline.deps import deps
from lightbox.pipeline.enhance import enhance


@stage_handler("enhance", PipelineState)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = enhance(event, deps())
    logger.info("enhance done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
