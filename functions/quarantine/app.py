"""Quarantine: keep the refused upload and the reason; terminal for bad input."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_quarantine
from lightbox.pipeline.deps import deps
from lightbox.pipeline.outcomes import quarantine


@stage_handler("quarantine", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = quarantine(event, deps())
    record_quarantine(event, result)
    logger.info("quarantine done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
