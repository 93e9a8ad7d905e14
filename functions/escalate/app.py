"""Escalate: a review timed out; notify and hand it to the next level."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_escalation
from lightbox.pipeline.decide import escalate
from lightbox.pipeline.deps import deps


@stage_handler("escalate", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = escalate(event, deps())
    record_escalation()
    logger.info("escalate done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
