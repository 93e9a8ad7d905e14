"""Review API: list, read and decide review tasks; serves the review page and /openapi.json.

The routes and their contract are `lightbox.review.api`; the reviewer comes from
the TOKEN authorizer's context (functions/review_authorizer).
"""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.aws import TaskTokens
from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.adapters.s3 import ObjectStore
from lightbox.handler import stage_handler
from lightbox.review.api import ApiDeps, build_app
from lightbox.review.service import ReviewService


@cache
def _deps() -> ApiDeps:
    store = DynamoReviewStore(os.environ["REVIEW_TABLE"])
    return ApiDeps(
        tasks=store,
        service=ReviewService(store, TaskTokens()),
        links=ObjectStore(os.environ["BUCKET_NAME"]),
    )


app = build_app(_deps)


@stage_handler("review_api", correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
