"""Make LocalStack's Step Functions interpreter cheap enough for a burst on two cores.

Profiled under a 30-photo burst (py-spy, GIL samples of the LocalStack
process), two costs of LocalStack 2026.3 dominated, neither of them work AWS
would do:

* **JSONPath parsing: ~38% of the GIL.** Every ``$.field`` the interpreter
  evaluates calls ``jsonpath_ng.parse``, which builds a new ply LALR parser,
  tables included, each time. The same few hundred expressions repeat for
  every state of every execution, so the parsed expressions are memoised
  (they are immutable; ``find`` does not change them).
* **A boto3 client per Task: ~12%.** Each Lambda call from a state machine
  assumes the execution role through STS and builds a new client. Clients are
  thread-safe and the emulator's credentials never expire, so one client per
  (service, region, role) is kept for a few minutes.

A third change is one of scheduling, not cost: **a throttled call waits a
little for a free environment** (``LIGHTBOX_THROTTLE_WAIT_S``, default 120 s)
before LocalStack answers ``TooManyRequestsException``. Under a burst, the
state machines' throttle ``Retry`` (full jitter, up to 30 s apart) otherwise
leaves reserved slots idle between attempts and costs LocalStack a full
invoke round trip per attempt: 509 of 811 calls in a 30-photo burst were
throttles. AWS throttles at once; the ASL's Retry still covers a wait that
runs out, and tests of the throttle path set the wait to 0.

Applied by the ``on_infra_start`` hook in ``lightbox_infra.plugins.fidelity``;
results do not change, only the CPU LocalStack spends per state.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

LOG = logging.getLogger(__name__)
CLIENT_TTL_S = 300.0
THROTTLE_WAIT_ENV = "LIGHTBOX_THROTTLE_WAIT_S"
DEFAULT_THROTTLE_WAIT_S = 120.0
PARSE_CACHE_SIZE = 8192


def memoise_parser(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with a bounded cache; idempotent (a memoised parser is returned as is)."""
    if hasattr(parse, "cache_info"):
        return parse
    return functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(parse)


class ClientCache:
    """Clients by key, each rebuilt after ``ttl`` seconds; safe across threads."""

    def __init__(self, build: Callable[..., Any], ttl: float = CLIENT_TTL_S) -> None:
        self._build = build
        self._ttl = ttl
        self._lock = threading.Lock()
        self._clients: dict[tuple, tuple[float, Any]] = {}

    def get(self, key: tuple, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            entry = self._clients.get(key)
            if entry is not None and now - entry[0] < self._ttl:
                return entry[1]
        client = self._build(*args, **kwargs)
        with self._lock:
            self._clients[key] = (now, client)
        return client


def apply() -> None:
    from localstack.services.stepfunctions.asl.component.common.path import result_path
    from localstack.services.stepfunctions.asl.utils import boto_client, json_path

    json_path.parse = memoise_parser(json_path.parse)
    result_path.parse = memoise_parser(result_path.parse)

    build = boto_client.boto_client_for
    if not getattr(build, "_lightbox_cached", False):
        cache = ClientCache(build)

        def cached(service: str, region: str, state_credentials: Any) -> Any:
            key = (service, region, state_credentials.role_arn)
            return cache.get(key, service, region, state_credentials)

        cached._lightbox_cached = True  # type: ignore[attr-defined]
        boto_client.boto_client_for = cached
        _rebind(boto_client, build, cached)
    LOG.info("Step Functions: JSONPath expressions and service clients are reused")


def _rebind(module: Any, old: Any, new: Any) -> None:
    """Modules that did ``from ...boto_client import boto_client_for`` hold their own
    reference: point every loaded Step Functions module at the cached version."""
    for name, loaded in list(sys.modules.items()):
        in_sfn = name.startswith("localstack.services.stepfunctions") and loaded is not module
        if in_sfn and getattr(loaded, "boto_client_for", None) is old:
            loaded.boto_client_for = new


def waiting_lease(
    acquire: Callable[..., Any], throttled: type[Exception], wait_s: float
) -> Callable[..., Any]:
    """``acquire`` (a context-manager factory that raises ``throttled`` when no
    slot is free), retried for up to ``wait_s`` seconds, woken when any lease
    it handed out is released."""
    released = threading.Condition()

    @contextlib.contextmanager
    def lease(*args: Any, **kwargs: Any) -> Iterator[Any]:
        deadline = time.monotonic() + wait_s
        # (service, function, version, ...): a function reserved to 0 never gets a slot,
        # so it is throttled at once, as on AWS (`lightbox faults throttle` relies on it).
        function = args[1] if len(args) > 1 else kwargs.get("function")
        never = getattr(function, "reserved_concurrent_executions", None) == 0
        while True:
            manager = acquire(*args, **kwargs)
            try:
                granted = manager.__enter__()
                break
            except throttled:
                if never:
                    raise
                with released:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise
                    released.wait(min(remaining, 1.0))
        try:
            yield granted
        finally:
            manager.__exit__(None, None, None)
            with released:
                released.notify_all()

    lease._lightbox_waiting = True  # type: ignore[attr-defined]
    return lease


def queue_throttled_invokes() -> None:
    from localstack.aws.api.lambda_ import TooManyRequestsException
    from localstack.services.lambda_.invocation.counting_service import CountingService

    wait_s = float(os.environ.get(THROTTLE_WAIT_ENV) or DEFAULT_THROTTLE_WAIT_S)
    original = CountingService.get_invocation_lease
    if wait_s <= 0 or getattr(original, "_lightbox_waiting", False):
        return
    CountingService.get_invocation_lease = waiting_lease(original, TooManyRequestsException, wait_s)
    LOG.info("Lambda: a throttled call waits up to %.0f s for a free environment", wait_s)
