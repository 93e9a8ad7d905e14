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

Applied by the ``on_infra_start`` hook in ``lightbox_infra.plugins.fidelity``;
behaviour does not change, only the CPU LocalStack spends per state.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)
CLIENT_TTL_S = 300.0
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
