"""Lambda TOKEN authorizers for REST APIs on the emulator, as API Gateway runs them.

LocalStack's community edition (2026.3) stores a REST API's authorizers (the
SAM ``Auth.Authorizers`` of ``ReviewApi`` arrive as OpenAPI
``x-amazon-apigateway-authorizer``) but never calls them: every method marked
``CUSTOM`` would be open. The review API must refuse a missing or bad token the
same way here as on AWS, so this patch adds the authorizer step to the REST
invocation chain (its ``preprocess_request`` handlers, the extension point
LocalStack leaves for it), following AWS's documented behaviour:

* the identity source header is missing or empty → 401 (authorizer not called);
* the function raises ``Unauthorized`` → 401; any other function error → 500;
* the returned policy must Allow ``execute-api:Invoke`` on the method's ARN
  (wildcards ``*`` and ``?``) and no statement Deny it, else 403;
* the policy's ``principalId`` and ``context`` become
  ``requestContext.authorizer`` of the integration's event, context values as
  strings (numbers and booleans are stringified, as on AWS).

Results are not cached (the template sets ``ReauthorizeEvery: 0``). Only TOKEN
authorizers are implemented; a REQUEST or Cognito authorizer answers 500 so an
unsupported configuration never silently lets requests through.
"""

from __future__ import annotations

import fnmatch
import json
import logging
from typing import Any

LOG = logging.getLogger(__name__)
PATCHED = "_lightbox_authorizers"


def method_arn(region: str, account: str, api_id: str, stage: str, verb: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{verb}{path}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, arn: str) -> bool:
    return fnmatch.fnmatchcase(arn, pattern)


def policy_allows(policy: dict[str, Any] | None, arn: str) -> bool:
    """An IAM policy document's verdict on invoking `arn`: an explicit Deny wins."""
    allowed = False
    for statement in _as_list((policy or {}).get("Statement", [])):
        if not isinstance(statement, dict):
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        if not any(a in ("execute-api:invoke", "execute-api:*", "*") for a in actions):
            continue
        if not any(_matches(str(r), arn) for r in _as_list(statement.get("Resource", []))):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return False
        allowed = allowed or effect == "allow"
    return allowed


def authorizer_context(result: dict[str, Any]) -> dict[str, str]:
    context = result.get("context") or {}
    values = {
        k: (json.dumps(v) if isinstance(v, bool) else str(v))
        for k, v in context.items()
        if isinstance(v, str | int | float | bool)
    }
    return {"principalId": str(result.get("principalId", "")), **values}


def apply() -> None:
    from localstack.services.apigateway.next_gen.execute_api import handlers

    if any(getattr(h, PATCHED, False) for h in handlers.preprocess_request.handlers):
        return
    handler = _token_authorizer
    setattr(handler, PATCHED, True)
    handlers.preprocess_request.append(handler)
    LOG.info("lightbox: REST API Lambda TOKEN authorizers enabled")


def _invoke(function_arn: str, payload: dict[str, Any], source_arn: str) -> tuple[bool, Any]:
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import extract_region_from_arn
    from localstack.utils.aws.client_types import ServicePrincipal

    client = connect_to(region_name=extract_region_from_arn(function_arn)).lambda_
    result = client.request_metadata(
        service_principal=ServicePrincipal.apigateway, source_arn=source_arn
    ).invoke(FunctionName=function_arn, Payload=json.dumps(payload).encode())
    body = result["Payload"].read() if result.get("Payload") else b""
    try:
        decoded = json.loads(body or b"null")
    except json.JSONDecodeError:
        decoded = None
    return "FunctionError" in result, decoded


def _token_authorizer(chain: Any, context: Any, response: Any) -> None:
    from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
        AccessDeniedError,
        AuthorizerConfigurationError,
        UnauthorizedError,
    )

    method = context.resource_method or {}
    if method.get("authorizationType") != "CUSTOM":
        return
    authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
    if not authorizer or authorizer.get("type") != "TOKEN":
        LOG.warning("lightbox authorizers: unsupported authorizer %s", authorizer)
        raise AuthorizerConfigurationError("Internal server error")
    source = authorizer.get("identitySource", "method.request.header.Authorization")
    header = source.removeprefix("method.request.header.")
    token = context.invocation_request["headers"].get(header) or ""
    if not token.strip():
        raise UnauthorizedError("Unauthorized")
    pattern = authorizer.get("identityValidationExpression")
    if pattern:
        import re

        if not re.fullmatch(pattern, token):
            raise UnauthorizedError("Unauthorized")
    arn = method_arn(
        context.region,
        context.account_id,
        context.api_id,
        context.stage,
        method.get("httpMethod", context.request.method),
        context.resource["path"],
    )
    uri = authorizer.get("authorizerUri", "")
    function_arn = (
        uri.split("functions/")[1].removesuffix("/invocations") if "functions/" in uri else ""
    )
    if not function_arn:
        raise AuthorizerConfigurationError("Internal server error")
    event = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
    try:
        failed, result = _invoke(function_arn, event, arn)
    except Exception as exc:  # the function could not be called at all
        LOG.warning("lightbox authorizers: invoking %s failed: %s", function_arn, exc)
        raise AuthorizerConfigurationError("Internal server error") from exc
    if failed:
        message = result.get("errorMessage") if isinstance(result, dict) else None
        if message == "Unauthorized":
            raise UnauthorizedError("Unauthorized")
        raise AuthorizerConfigurationError("Internal server error")
    if not isinstance(result, dict) or not policy_allows(result.get("policyDocument"), arn):
        raise AccessDeniedError("User is not authorized to access this resource")
    context.context_variables["authorizer"] = authorizer_context(result)
