"""Poll CloudFormation resources being created every 0.1 s instead of every second.

LocalStack's CloudFormation engine creates a stack's resources one at a time
and, while a resource reports IN_PROGRESS, sleeps a fixed second before asking
again. A Lambda function is ``Pending`` for a fraction of a second after
CreateFunction (the local executor merges its layers), so each of the
template's functions cost a whole second or more of napping: most of a stack
create on the emulator. The timeout per resource is unchanged (LocalStack
derives the number of polls from it); only the interval shrinks.

Applied by the ``on_infra_start`` hook in ``lightbox_infra.plugins.fidelity``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)
POLL_S = 0.1
#: deploy_loop(self, resource_provider, resource, raw_payload, max_timeout, sleep_time)
_SLEEP_TIME_POSITION = 5


def with_poll_interval(deploy_loop: Callable[..., Any], sleep_time: float) -> Callable[..., Any]:
    """``deploy_loop`` polling every ``sleep_time`` s unless its caller passes one; idempotent."""
    if getattr(deploy_loop, "_lightbox_poll_s", None) is not None:
        return deploy_loop

    @functools.wraps(deploy_loop)
    def polled(*args: Any, **kwargs: Any) -> Any:
        if len(args) <= _SLEEP_TIME_POSITION:
            kwargs.setdefault("sleep_time", sleep_time)
        return deploy_loop(*args, **kwargs)

    polled._lightbox_poll_s = sleep_time  # type: ignore[attr-defined]
    return polled


def apply() -> None:
    from localstack.services.cloudformation.resource_provider import ResourceProviderExecutor

    ResourceProviderExecutor.deploy_loop = with_poll_interval(
        ResourceProviderExecutor.deploy_loop, POLL_S
    )
    LOG.info("CloudFormation: resources being created are polled every %.1f s", POLL_S)
