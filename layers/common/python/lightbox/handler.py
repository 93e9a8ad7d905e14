"""`stage_handler`: the one decorator every Lambda entry point (`functions/*/app.py`) wears.

It composes, outermost first:

* **Tracer** (`capture_lambda_handler`): an X-Ray subsegment per invocation with a
  cold-start annotation; responses are not attached (they can be large). The
  template turns tracing on for AWS (`Tracing: Active`). Without an X-Ray daemon
  (the emulator, unit tests) Powertools disables the tracer outside Lambda, and
  inside the emulator's Lambda the SDK's segments go to an address nobody listens
  on (UDP, never an error).
* **Logger** (`inject_lambda_context`, state cleared per invocation) plus the
  correlation keys `execution`, `seller` and `sku`, read from the parsed event,
  so every line of a run can be found by its execution name.
* **Metrics**: `StageDuration` and, when the handler raises, `StageErrors`, both
  with the `Stage` dimension (`lightbox.observability`), written even on failure.
* **Parsing** of the event into the stage's pydantic model (`model`); a wrong
  event fails with pydantic's ValidationError before the handler runs.
* **Idempotency** (`idempotent=True`): `lightbox.idempotency.once_per_event`, keyed
  by the raw event, so a retried invocation returns the first result and records
  nothing twice (the metrics the handler body records included).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from lightbox import faults
from lightbox.faults import TransientStageError
from lightbox.idempotency import once_per_event
from lightbox.observability import SERVICE, emit

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)

Handler = Callable[[Any, Any], Any]
STAGE_ATTRIBUTE = "__lightbox_stage__"


def correlation_keys(event: Any) -> dict[str, str]:
    """execution / seller / sku of a parsed stage event, wherever its model keeps them."""
    holder = getattr(event, "state", event)  # ReviewRequest carries the state inside
    keys: dict[str, str] = {}
    execution = getattr(holder, "execution", None)
    if execution is not None and getattr(execution, "name", None):
        keys["execution"] = str(execution.name)
    photo = getattr(holder, "photo", None)
    for name in ("seller", "sku"):
        value = getattr(photo, name, None) if photo is not None else None
        if value:
            keys[name] = str(value)
    return keys


TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "InternalError",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)


def is_transient(exc: ClientError) -> bool:
    """An AWS error that passes (throttled, the service's 5xx) once the SDK's own
    retries are spent: the stage is worth running again."""
    error = exc.response.get("Error", {})
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return error.get("Code", "") in TRANSIENT_CODES or status >= 500


def _photo_key(event: Any) -> str | None:
    photo = getattr(getattr(event, "state", event), "photo", None)
    key = getattr(photo, "key", None)
    return key if isinstance(key, str) else None


def _remaining_ms(context: Any) -> int | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return int(remaining()) if callable(remaining) else None


# Read at import, before any stage builds a boto3 client: an SDK fault hooks the
# default session, and clients copy its hooks when they are created.
faults.switch()


def stage_handler(
    stage: str,
    model: type[BaseModel] | None = None,
    *,
    idempotent: bool = False,
    correlation_id_path: str | None = None,
) -> Callable[[Handler], Handler]:
    """Wrap `fn(event, context)` as the Lambda handler of `stage` (its functions/ folder).

    `model`: the pydantic model the event is parsed into (None: the raw dict).
    `idempotent`: retries of the same event return the first result.
    `correlation_id_path`: a JMESPath for Powertools' correlation id (API Gateway).
    """

    def decorate(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def measured(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                parsed = model.model_validate(event) if model is not None else event
                logger.append_keys(**correlation_keys(parsed))
                faults.switch().before_invocation(stage, _photo_key(parsed), _remaining_ms(context))
                try:
                    if not idempotent:
                        return fn(parsed, context)

                    # Named like `fn`: the idempotency key names the function it guards.
                    @functools.wraps(fn)
                    def first_run(_event: dict[str, Any], _context: Any) -> Any:
                        return fn(parsed, context)

                    return once_per_event(first_run)(event, context)
                except ClientError as exc:
                    if is_transient(exc):
                        # Named so the state machine's Retry runs the stage again.
                        raise TransientStageError(f"{stage}: {exc}") from exc
                    raise
            except Exception:
                emit("StageErrors", 1, Stage=stage)
                raise
            finally:
                emit("StageDuration", (time.perf_counter() - started) * 1000, Stage=stage)

        logged = logger.inject_lambda_context(
            measured, correlation_id_path=correlation_id_path, clear_state=True
        )
        handler = tracer.capture_lambda_handler(logged, capture_response=False)
        setattr(handler, STAGE_ATTRIBUTE, stage)
        return handler

    return decorate
