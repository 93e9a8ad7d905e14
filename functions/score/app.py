"""Score: confidence from measured signals plus the thresholds that route it."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import PipelineState
from lightbox.observability import record_route
from lightbox.pipeline.decide import score
from lightbox.pipeline.deps import deps


@stage_handler("score", PipelineState, idempotent=True)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = score(event, deps())
    record_route(result)
    logger.info("score done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
