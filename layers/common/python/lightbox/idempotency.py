"""Stage handlers that take effect once per input: a retried invocation gets the first result.

Step Functions retries a Lambda task with the very same input (a timeout, a
throttled or lost response), and Lambda itself may run an invocation twice.
For a stage with side effects — an audit record, a published listing, a
notification — a second run would write them twice. `once_per_event` wraps a
handler in Powertools Idempotency, keyed by a hash of the whole event (the
state, execution name included, so two runs never share a key), with its
records in `IdempotencyTable` (`IDEMPOTENCY_TABLE`). A handler that raised
leaves no record, so the retry really runs. Without the variable (unit tests
calling handlers directly) the handler runs as it is.

Not for `request_review`: each attempt of a `.waitForTaskToken` task carries a
new token, which must be stored, so a retry has to run.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent,
)

TABLE_VARIABLE = "IDEMPOTENCY_TABLE"
EXPIRES_AFTER_SECONDS = 2 * 24 * 3600
"""How long a result is replayed: longer than any run's retries (the throttle Retry
waits about an hour on average) and a redrive soon after."""

Handler = Callable[[dict[str, Any], Any], Any]


@functools.cache
def persistence(table: str) -> DynamoDBPersistenceLayer:
    """One store (and boto3 client) per container and table."""
    return DynamoDBPersistenceLayer(table_name=table)


def once_per_event(handler: Handler) -> Handler:
    """Run ``handler`` once per distinct event; retries return the stored result."""

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: Any) -> Any:
        table = os.environ.get(TABLE_VARIABLE)
        if not table:
            return handler(event, context)
        config = IdempotencyConfig(expires_after_seconds=EXPIRES_AFTER_SECONDS)
        guarded = idempotent(persistence_store=persistence(table), config=config)(handler)
        return guarded(event, context)

    return wrapper
