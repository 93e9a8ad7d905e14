"""Analyse branch: dominant colours and simple image attributes."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.pipeline.analyse import attributes
from lightbox.pipeline.deps import deps


@stage_handler("attributes", PipelineState)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = attributes(event, deps())
    logger.info("attributes done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
