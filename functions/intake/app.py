"""Start one pipeline execution per uploaded object version (EventBridge target).

The execution name is derived from bucket, key and version, so a duplicate
event finds the existing execution instead of starting a second run.
"""

from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.aws import StepFunctionsExecutions
from lightbox.adapters.s3 import ObjectStore
from lightbox.handler import logger, stage_handler
from lightbox.observability import record_received
from lightbox.pipeline.intake import start_for_upload
from lightbox.settings import intake_settings


@cache
def _executions() -> StepFunctionsExecutions:
    return StepFunctionsExecutions(intake_settings().state_machine_arn)


@stage_handler("intake", S3EventNotificationEventBridgeModel)
def handler(event: S3EventNotificationEventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    detail = event.detail
    key = detail.object.key
    # Some producers URL-encode keys; trust whichever form actually exists.
    store = ObjectStore(detail.bucket.name)
    if store.head(key) is None and store.head(unquote_plus(key)) is not None:
        key = unquote_plus(key)
    result = start_for_upload(
        _executions(),
        detail.bucket.name,
        key,
        detail.object.version_id,
        detail.object.etag,
        int(detail.object.size) if detail.object.size is not None else None,
    )
    if result.action == "started":
        record_received()
    logger.info(
        "intake",
        extra={"key": key, "action": result.action, "execution_name": result.execution_name},
    )
    return {"action": result.action, "execution_name": result.execution_name}
