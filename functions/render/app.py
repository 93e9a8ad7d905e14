"""Render one marketplace's main image (one Map iteration) and check its compliance."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import RenderRequest
from lightbox.pipeline.deps import deps
from lightbox.pipeline.enhance import render


@stage_handler("render", RenderRequest)
def handler(event: RenderRequest, context: LambdaContext) -> dict[str, Any]:
    result = render(event, deps())
    logger.info(
        "render done",
        extra={"marketplace": event.marketplace, "compliant": result.compliance.ok},
    )
    return result.model_dump(mode="json")
