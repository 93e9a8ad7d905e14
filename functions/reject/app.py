"""Reject: tell the seller why and what to retake."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_outcome
from lightbox.pipeline.deps import deps
from lightbox.pipeline.outcomes import reject


@stage_handler("reject", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = reject(event, deps())
    record_outcome(result)
    logger.info("reject done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
