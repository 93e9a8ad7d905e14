"""Review API authorizer (TOKEN): a signed reviewer token in, an IAM policy out.

Allows the whole API for a valid, unrevoked token and hands the reviewer's name
and level to the API function as the authorizer context; anything else is
"Unauthorized" (API Gateway answers 401). Never logs the token.
"""

import os
import time
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.revocations import DynamoRevocations
from lightbox.adapters.signing_keys import SecretSigningKeys
from lightbox.handler import logger, stage_handler
from lightbox.review.tokens import TokenError, verify


@cache
def _adapters() -> tuple[SecretSigningKeys, DynamoRevocations]:
    return (
        SecretSigningKeys(os.environ["REVIEW_SIGNING_SECRET"]),
        DynamoRevocations(os.environ["REVIEW_TABLE"]),
    )


def _api_arn(method_arn: str) -> str:
    """arn:aws:execute-api:{region}:{account}:{api}/{stage}/{verb}/{path} -> .../{stage}/*"""
    base, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{base}/{stage}/*"


@stage_handler("review_authorizer")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    keys, revocations = _adapters()
    try:
        claims = verify(
            str(event.get("authorizationToken") or ""),
            keys.valid(),
            int(time.time()),
            revocations.is_revoked,
        )
    except TokenError as exc:
        logger.info("token refused", extra={"why": str(exc)})
        raise Exception("Unauthorized") from None  # the exact message API Gateway maps to 401
    logger.info("token accepted", extra={"reviewer": claims.reviewer, "level": claims.level})
    return {
        "principalId": claims.reviewer,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": _api_arn(str(event.get("methodArn", ""))),
                }
            ],
        },
        "context": {
            "reviewer": claims.reviewer,
            "level": claims.level,
            "token_id": claims.token_id,
            "expires_at": claims.expires_at,
        },
    }
