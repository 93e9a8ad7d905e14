"""Two places where LocalStack (2026.3) differs from AWS in ways a burst of uploads hits.

Both are patched when LocalStack's infrastructure starts (a ``on_infra_start``
hook, registered in ``infra/pyproject.toml``), so the same template and ASL
behave here as on AWS:

1. **Lambda service errors in Step Functions.** On AWS a Task whose
   ``Resource`` is a function ARN fails with ``Lambda.TooManyRequestsException``
   when the function is throttled, ``Lambda.ServiceException`` and so on - the
   names the ASL's ``Retry`` blocks list. LocalStack names every such client
   error ``Exception`` for the function-ARN form (its ``lambda:invoke``
   integration already says ``Lambda.<code>``), so a throttle that AWS would
   retry fails the state here. The patch maps a ``ClientError`` from the invoke
   to ``Lambda.<code>``; function errors and timeouts keep LocalStack's mapping.

2. **``ReservedConcurrentExecutions`` in CloudFormation.** LocalStack's
   ``AWS::Lambda::Function`` provider accepts the property and ignores it, so
   the template's per-function limits never reach the Lambda service. The
   patch applies it after create and update (``PutFunctionConcurrency``, or
   ``DeleteFunctionConcurrency`` when it was removed), as AWS does.
"""

from __future__ import annotations

import logging
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
PATCHED = "_lightbox_patched"


def lambda_error_name(code: str) -> str:
    """The Step Functions error name for a Lambda API error code."""
    return f"Lambda.{code}"


def reserved_concurrency(properties: dict[str, Any] | None) -> int | None:
    """The template's ``ReservedConcurrentExecutions`` as a number (parameters are text)."""
    value = (properties or {}).get("ReservedConcurrentExecutions")
    return None if value in (None, "") else int(value)


@hooks.on_infra_start()
def aws_fidelity() -> None:
    from lightbox_infra.plugins import authorizers, cfn_polling, speedups

    cfn_polling.apply()
    authorizers.apply()  # REST API Lambda TOKEN authorizers (see authorizers.py)
    _name_lambda_service_errors()
    _apply_reserved_concurrency()
    speedups.apply()
    speedups.queue_throttled_invokes()


def _patch(cls: type, name: str, wrapper: Any) -> None:
    if getattr(getattr(cls, name), PATCHED, False):
        return
    setattr(wrapper, PATCHED, True)
    setattr(cls, name, wrapper)


def _name_lambda_service_errors() -> None:
    from botocore.exceptions import ClientError
    from localstack.aws.api.stepfunctions import HistoryEventType, LambdaFunctionFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name import (
        custom_error_name,
        failure_event,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_task import (
        state_task_lambda,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    task_cls = state_task_lambda.StateTaskLambda
    original = task_cls._from_error

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, ClientError):
            return original(self, env, ex)
        details = ex.response.get("Error", {})
        error = lambda_error_name(details.get("Code", "Unknown"))
        return failure_event.FailureEvent(
            env=env,
            error_name=custom_error_name.CustomErrorName(error),
            event_type=HistoryEventType.LambdaFunctionFailed,
            event_details=EventDetails(
                lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(
                    error=error, cause=details.get("Message", str(ex))
                )
            ),
        )

    _patch(task_cls, "_from_error", _from_error)
    LOG.info("Step Functions: Lambda service errors are named Lambda.<code>, as on AWS")


def _apply_reserved_concurrency() -> None:
    from localstack.services.cloudformation.resource_provider import OperationStatus
    from localstack.services.lambda_.resource_providers import aws_lambda_function

    provider_cls = aws_lambda_function.LambdaFunctionProvider
    create, update = provider_cls.create, provider_cls.update

    def _sync(request: Any, event: Any, desired: dict[str, Any], previous: dict | None) -> Any:
        if event.status != OperationStatus.SUCCESS:
            return event
        client = request.aws_client_factory.lambda_
        name = (event.resource_model or {}).get("FunctionName") or desired.get("FunctionName")
        limit = reserved_concurrency(desired)
        if limit is not None:
            client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=limit)
        elif reserved_concurrency(previous) is not None:
            client.delete_function_concurrency(FunctionName=name)
        return event

    def _create(self: Any, request: Any) -> Any:
        event = create(self, request)
        return _sync(request, event, request.desired_state, None)

    def _update(self: Any, request: Any) -> Any:
        event = update(self, request)
        return _sync(request, event, request.desired_state, request.previous_state)

    _patch(provider_cls, "create", _create)
    _patch(provider_cls, "update", _update)
    LOG.info("CloudFormation: ReservedConcurrentExecutions is applied to functions, as on AWS")
