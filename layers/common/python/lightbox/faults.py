"""Fault injection for emulator and test stacks: make a stage fail the way production does.

A stack deployed with `AllowFaultInjection=true` (refused for `prod` by the
template's Rules) gives every function `ALLOW_FAULT_INJECTION=true`; `lightbox
faults set STAGE KIND` then puts one fault in that stage's function
environment (`LIGHTBOX_FAULT`, JSON), and `lightbox faults clear` takes it out.
Without the allowance a fault in the environment is ignored with a warning,
so a copied variable can never break a production stage.

Kinds, and what the pipeline is expected to do with them:

* `error`: the stage raises `InjectedFault` — a bug or bad data. Not retried;
  caught into RecordFailure, the upload is quarantined with the error, and
  `lightbox executions replay` runs it again once the fault is gone.
* `transient`: raises `TransientStageError` — a passing failure. The state
  machine's Retry runs the stage again.
* `timeout`: the stage sleeps past its function timeout; Lambda ends it
  (`Sandbox.Timedout`), the Retry runs it twice more, and the upload is
  quarantined with the timeout as its reason. Always permanent: a timed-out
  instance is replaced, so no instance could count its way out of it.
* `s3` / `dynamodb`: that service answers throttling errors (S3 `SlowDown`
  503, DynamoDB `ThrottlingException` 400) before any request leaves the
  function, so the SDK's own retries, then the stage's Retry, see exactly
  what AWS sends.

`times` bounds a fault to the first N invocations (for `s3`/`dynamodb`: the
first N requests) of each function instance; 0 means every time — a
permanent fault. `key_contains` limits it to photos whose upload key holds
that text. Throttling of the function itself needs no switch here: `lightbox
faults throttle STAGE` sets its reserved concurrency to 0 for a while and
Lambda refuses invocations with `TooManyRequestsException`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

FAULT_VARIABLE = "LIGHTBOX_FAULT"
ALLOW_VARIABLE = "ALLOW_FAULT_INJECTION"

FaultKind = Literal["error", "transient", "timeout", "s3", "dynamodb"]
SDK_KINDS = ("s3", "dynamodb")


class InjectedFault(RuntimeError):
    """A permanent fault a test put in this stage (`lightbox faults`)."""


class TransientStageError(RuntimeError):
    """The stage failed for a reason that passes (throttled, a service's 5xx): the
    state machine's Retry runs it again (ErrorEquals `TransientStageError`)."""


class Fault(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FaultKind
    times: int = Field(default=0, ge=0)
    key_contains: str = ""

    @model_validator(mode="after")
    def _timeouts_are_permanent(self) -> Fault:
        if self.kind == "timeout" and self.times:
            raise ValueError(
                "a timeout fault cannot be limited with times: the timed-out instance is "
                "replaced, so every retry would time out again"
            )
        return self

    def describe(self) -> str:
        scope = f"the first {self.times}" if self.times else "every"
        unit = "request" if self.kind in SDK_KINDS else "invocation"
        where = f" of photos whose key holds {self.key_contains!r}" if self.key_contains else ""
        return f"{self.kind} on {scope} {unit}{'s' if self.times != 1 else ''}{where}"


class FaultConfigError(ValueError):
    """`LIGHTBOX_FAULT` is not a fault this module understands."""


def parse_fault(raw: str) -> Fault:
    try:
        return Fault.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise FaultConfigError(f"{FAULT_VARIABLE}={raw!r} is not a fault: {exc}") from exc


class FaultSwitch:
    """The fault of one function instance, with its counters."""

    def __init__(self, fault: Fault | None) -> None:
        self.fault = fault
        self._lock = threading.Lock()
        self._invocations = 0
        self._requests = 0
        self._armed = False

    def _counts(self, seen: int) -> bool:
        assert self.fault is not None
        return not self.fault.times or seen <= self.fault.times

    def before_invocation(self, stage: str, key: str | None, remaining_ms: int | None) -> None:
        """Raise, stall or arm the SDK hook as the fault says (nothing without one)."""
        fault = self.fault
        self._armed = False
        if fault is None or (fault.key_contains and fault.key_contains not in (key or "")):
            return
        if fault.kind in SDK_KINDS:
            self._armed = True
            return
        with self._lock:
            self._invocations += 1
            hit = self._counts(self._invocations)
        if not hit:
            return
        what = f"injected {fault.kind} fault in {stage} ({fault.describe()})"
        if fault.kind == "error":
            raise InjectedFault(what)
        if fault.kind == "transient":
            raise TransientStageError(what)
        # timeout: outlive the function's deadline; Lambda ends the invocation.
        time.sleep((remaining_ms if remaining_ms is not None else 900_000) / 1000 + 5)

    def take_request(self, service: str) -> bool:
        """Whether this SDK request to `service` fails (counted per function instance)."""
        fault = self.fault
        if fault is None or not self._armed or fault.kind != service:
            return False
        with self._lock:
            self._requests += 1
            return self._counts(self._requests)


class _Body:
    """The raw body botocore reads a short-circuited response from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def throttled_response(service: str, url: str) -> Any:
    """What the service answers a client that is sending too fast."""
    from botocore.awsrequest import AWSResponse

    if service == "s3":
        body = (
            b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
            b"<Message>Please reduce your request rate. (injected fault)</Message></Error>"
        )
        return AWSResponse(url, 503, cast(Any, {"Content-Type": "application/xml"}), _Body(body))
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "message": "Rate of requests exceeds the allowed throughput. (injected fault)",
        }
    ).encode()
    headers = cast(Any, {"Content-Type": "application/x-amz-json-1.0"})
    return AWSResponse(url, 400, headers, _Body(body))


def install_sdk_hook(switch: FaultSwitch, service: str, session: Any | None = None) -> None:
    """Answer `service` requests from every client `session` (boto3's default session:
    the stages build their clients on first use) creates after this with the
    service's throttling error while the switch says so."""
    import boto3

    def before_send(request: Any, **_: Any) -> Any:
        if switch.take_request(service):
            return throttled_response(service, request.url)
        return None

    if session is None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register(f"before-send.{service}", before_send)


@functools.cache
def switch() -> FaultSwitch:
    """This function instance's switch, from its environment (read once)."""
    raw = os.environ.get(FAULT_VARIABLE, "")
    if not raw:
        return FaultSwitch(None)
    if os.environ.get(ALLOW_VARIABLE, "").lower() != "true":
        logging.getLogger(__name__).warning(
            "%s is set but this stack does not allow fault injection "
            "(AllowFaultInjection=false); ignored.",
            FAULT_VARIABLE,
        )
        return FaultSwitch(None)
    fault = parse_fault(raw)
    result = FaultSwitch(fault)
    if fault.kind in SDK_KINDS:
        install_sdk_hook(result, fault.kind)
    return result
