"""Analyse branch: foreground mask and segmentation confidence."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.pipeline.analyse import segment
from lightbox.pipeline.deps import deps


@stage_handler("segment", PipelineState)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = segment(event, deps())
    logger.info("segment done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
