"""`lightbox reprocess`: re-run the pipeline for a seller's originals (after a rule change).

Starts the reprocess state machine (a Distributed Map over the S3 originals),
shows its map run's item counters while it plans and starts one pipeline
execution per photo, then follows those executions like `lightbox process`
does. Child executions are found by name: every one starts with the run's
prefix (lightbox.pipeline.reprocess.run_prefix).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lightbox.keys import InvalidKeyError, parse_photo_key
from lightbox.pipeline.reprocess import parse_timestamp, run_name, run_prefix
from lightbox_cli.context import StackContext
from lightbox_cli.process import TERMINAL, Item, ProcessError

POLL_SECONDS = 1.0


@dataclass
class RunProgress:
    """Where a reprocess run stands; counts are items of the Distributed Map."""

    run: str
    execution_arn: str
    status: str = "RUNNING"
    total: int = 0
    done: int = 0  # planned and started or skipped
    failed: int = 0
    started: int = 0  # pipeline executions of this run
    error: str = ""
    results_key: str = ""
    children: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return max(self.done - self.started, 0)


def reprocess_input(seller: str, sku: str | None, since: str | None) -> dict[str, Any]:
    """The run's input, checked the way upload keys are (a seller id cannot widen the prefix)."""
    try:
        parse_photo_key(f"incoming/{seller}/{sku or 'sku'}/photo.jpg")
    except InvalidKeyError as exc:
        raise ProcessError(f"--seller/--sku: {exc}") from exc
    if since:
        try:
            since = parse_timestamp(since).isoformat().replace("+00:00", "Z")
        except ValueError as exc:
            raise ProcessError(f"--since {since!r}: use a date or an ISO 8601 time") from exc
    return {"seller": seller, "sku": sku, "since": since}


def start_run(
    ctx: StackContext, seller: str, sku: str | None = None, since: str | None = None
) -> RunProgress:
    payload = reprocess_input(seller, sku, since)
    name = run_name(seller, datetime.now(UTC), secrets.token_hex(2))
    sfn = ctx.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=ctx.outputs["ReprocessStateMachineArn"],
        name=name,
        input=json.dumps(payload),
    )
    return RunProgress(run=name, execution_arn=started["executionArn"])


def child_names(sfn: Any, pipeline_arn: str, run: str) -> list[str]:
    """Pipeline executions this run started (one paged listing)."""
    prefix = run_prefix(run) + "-"
    names: list[str] = []
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=pipeline_arn, PaginationConfig={"PageSize": 1000}
    ):
        names.extend(e["name"] for e in page["executions"] if e["name"].startswith(prefix))
    return sorted(names)


def refresh(ctx: StackContext, progress: RunProgress) -> RunProgress:
    sfn = ctx.client("stepfunctions")
    desc = sfn.describe_execution(executionArn=progress.execution_arn)
    progress.status = desc["status"]
    runs = sfn.list_map_runs(executionArn=progress.execution_arn).get("mapRuns", [])
    if runs:
        counts = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])["itemCounts"]
        progress.total = counts["total"]
        progress.failed = counts["failed"] + counts["timedOut"] + counts["aborted"]
        progress.done = counts["succeeded"]
    progress.children = child_names(sfn, ctx.outputs["StateMachineArn"], progress.run)
    progress.started = len(progress.children)
    if progress.status == "SUCCEEDED":
        output = json.loads(desc.get("output") or "{}")
        progress.results_key = output.get("results", {}).get("Key", "")
    elif progress.status in TERMINAL:
        progress.error = f"{desc.get('error', progress.status)}: {desc.get('cause', '')}".strip()
    return progress


def wait_for_run(
    ctx: StackContext,
    progress: RunProgress,
    timeout: float,
    on_progress: Callable[[RunProgress], None] = lambda p: None,
) -> RunProgress:
    """Poll until the reprocess execution ends (every item started, skipped or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        refresh(ctx, progress)
        on_progress(progress)
        if progress.status in TERMINAL:
            return progress
        if time.monotonic() > deadline:
            progress.error = f"the run was still going after {timeout:.0f}s"
            return progress
        time.sleep(POLL_SECONDS)


def child_items(ctx: StackContext, progress: RunProgress) -> list[Item]:
    """One `process` Item per started execution, for lightbox_cli.process.follow."""
    sfn = ctx.client("stepfunctions")
    prefix = ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")
    items = []
    for name in progress.children:
        desc = sfn.describe_execution(executionArn=f"{prefix}:{name}")
        key = json.loads(desc["input"])["photo"]["key"]
        items.append(Item(input=key, key=key, candidates=[name], status="queued"))
    return items
