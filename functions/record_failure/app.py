"""Failure handler: a stage failed for good; quarantine, audit, alert."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_outcome
from lightbox.pipeline.deps import deps
from lightbox.pipeline.outcomes import record_failure


@stage_handler("record_failure", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = record_failure(event, deps())
    record_outcome(result)
    logger.info("record_failure done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
