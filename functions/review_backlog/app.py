"""Review backlog: how many review tasks wait for a person, and how long the oldest has.

Runs on the template's schedule (`ReviewBacklogSchedule`, every 5 minutes). Its two
metrics, ReviewBacklog and OldestReviewAge, feed the dashboard's review panel and
the backlog-age alarm; `lightbox dashboard` computes the same two numbers with the
same function (`lightbox.observability.backlog`) from the review table.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.handler import logger, stage_handler
from lightbox.observability import BACKLOG_SCAN_LIMIT, backlog, record_backlog
from lightbox.settings import settings


@cache
def _tasks() -> DynamoReviewStore:
    return DynamoReviewStore(settings().review_table)


@stage_handler("review_backlog")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    waiting = _tasks().tasks_with_status("pending", limit=BACKLOG_SCAN_LIMIT)
    count, oldest = backlog([str(t.get("created_at", "")) for t in waiting], datetime.now(UTC))
    record_backlog(count, oldest)
    summary = {"waiting": count, "oldest_age_seconds": round(oldest, 1)}
    logger.info("review backlog", extra=summary)
    return summary
