"""Open a human review task; the execution waits on the task token it carries."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.handler import logger, stage_handler
from lightbox.models.stages import ReviewRequest
from lightbox.pipeline.decide import request_review
from lightbox.pipeline.deps import deps


@stage_handler("request_review", ReviewRequest)
def handler(event: ReviewRequest, context: LambdaContext) -> dict[str, Any]:
    opened = request_review(event.state, event.token, deps(), event.entered_at).model_dump()
    logger.info("review requested", extra=opened)  # never the token: it is not in the answer
    return opened
