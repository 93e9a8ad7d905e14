"""Score: confidence from measured signals plus the thresholds that route it."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.idempotency import once_per_event
from lightbox.models.stages import PipelineState
from lightbox.pipeline.decide import score
from lightbox.pipeline.deps import deps

logger = Logger()


@logger.inject_lambda_context
@once_per_event
@event_parser(model=PipelineState)
def handler(event: PipelineState, context: LambdaContext) -> dict[str, Any]:
    result = score(event, deps())
    logger.info("score done", extra={"execution": event.execution.name})
    return result.model_dump(mode="json", by_alias=True)
