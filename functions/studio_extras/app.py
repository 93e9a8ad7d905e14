"""Produce one studio extra (lookalike, ghost mannequin, mockup, ...) for a photo."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import ExtraRequest
from lightbox.pipeline.deps import deps
from lightbox.pipeline.extras import produce_extra


@stage_handler("studio_extras", ExtraRequest)
def handler(event: ExtraRequest, context: LambdaContext) -> dict[str, Any]:
    result = produce_extra(event, deps())
    logger.info("studio extra", extra={"extra": event.name, "ok": result.ok, "why": result.reason})
    return result.model_dump(mode="json")
