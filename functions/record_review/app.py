"""Record a reviewer's decision as audit and calibration feedback."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_review_decision
from lightbox.pipeline.decide import record_review
from lightbox.pipeline.deps import deps


@stage_handler("record_review", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = record_review(event, deps())
    record_review_decision(event.review)
    logger.info("record_review done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
