"""The dashboard's numbers: the functions' EMF log lines, parsed and aggregated as the
CloudWatch panels do, plus the review table, the dead-letter queue and failed executions
(`StackSources`). `lightbox_cli.dashboard_charts` draws them; `lightbox_cli.dashboard`
serves the page."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from lightbox.models.product import Category
from lightbox.observability import DECISIONS, NAMESPACE, QUARANTINE_REASONS, ROUTES, backlog
from lightbox_cli.context import StackContext

WINDOW_SECONDS = 3 * 3600
"""How far back the panels look (the CloudWatch dashboard's default range is 3 h)."""
BUCKET_SECONDS = 60
MIN_SPAN_SECONDS = 30 * 60
REFRESH_SECONDS = 5
THROUGHPUT = (
    ("PhotosReceived", "received"),
    ("PhotosPublished", "published"),
    ("PhotosRejected", "rejected"),
    ("PhotosQuarantined", "quarantined"),
    ("PipelineFailures", "failed"),
)
COLOURS = ("#2e5aa8", "#1f7a3a", "#a8322d", "#b8860b", "#6b2fa0", "#0f7c8c", "#555")
CATEGORIES: tuple[str, ...] = get_args(Category)


@dataclass(frozen=True)
class Datum:
    """One metric value from one EMF line."""

    name: str
    dimensions: dict[str, str]
    value: float
    at_ms: int


def parse_emf(message: str, fallback_ms: int) -> list[Datum]:
    """The Lightbox metrics in one log line (none when it is not an EMF document)."""
    text = message.strip()
    if not text.startswith('{"_aws"'):
        return []
    try:
        document = json.loads(text)
        aws = document["_aws"]
        found = []
        for directive in aws["CloudWatchMetrics"]:
            if directive.get("Namespace") != NAMESPACE:
                continue
            for dimension_set in directive["Dimensions"]:
                dims = {name: str(document[name]) for name in dimension_set}
                for metric in directive["Metrics"]:
                    raw = document[metric["Name"]]
                    for value in raw if isinstance(raw, list) else [raw]:
                        at = int(aws.get("Timestamp") or fallback_ms)
                        found.append(Datum(metric["Name"], dims, float(value), at))
        return found
    except (ValueError, KeyError, TypeError):
        return []  # a line that only looks like EMF


class MetricLog:
    """The environment's EMF data points, read incrementally from its functions' log groups."""

    def __init__(self, logs: Any, env: str, window_seconds: int = WINDOW_SECONDS) -> None:
        self._logs = logs
        self._prefix = f"/aws/lambda/lightbox-{env}-"
        self._window_ms = window_seconds * 1000
        self._seen: dict[str, set[str]] = defaultdict(set)
        self._since: dict[str, int] = {}
        self._data: list[Datum] = []
        self._lock = threading.Lock()

    def _groups(self) -> list[str]:
        names: list[str] = []
        kwargs: dict[str, Any] = {"logGroupNamePrefix": self._prefix}
        while True:
            page = self._logs.describe_log_groups(**kwargs)
            names += [g["logGroupName"] for g in page.get("logGroups", [])]
            if not page.get("nextToken"):
                return names
            kwargs["nextToken"] = page["nextToken"]

    def refresh(self, now_ms: int | None = None) -> list[Datum]:
        """Read what was logged since the last refresh; return the window's data points."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        with self._lock:
            for group in self._groups():
                # Overlap by a second: events arrive out of order; ids drop the repeats.
                start = max(self._since.get(group, 0) - 1000, now_ms - self._window_ms)
                kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start}
                while True:
                    page = self._logs.filter_log_events(**kwargs)
                    for event in page.get("events", []):
                        stamp = int(event["timestamp"])
                        event_id = event.get("eventId") or f"{stamp}:{event['message']}"
                        if event_id in self._seen[group]:
                            continue
                        self._seen[group].add(event_id)
                        self._since[group] = max(self._since.get(group, 0), stamp)
                        self._data += parse_emf(event["message"], stamp)
                    token = page.get("nextToken")
                    if not token or token == kwargs.get("nextToken"):
                        break
                    kwargs["nextToken"] = token
            self._data = [d for d in self._data if d.at_ms >= now_ms - self._window_ms]
            return list(self._data)


# ------------------------------------------------------------------------------- panels


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def compute_panels(
    data: Iterable[Datum],
    *,
    waiting_created_at: list[str],
    dlq_depth: int,
    failed_executions: int,
    now: datetime,
    age_alarm_seconds: float | None = None,
) -> dict[str, Any]:
    """The dashboard's panels as numbers, from the same data the CloudWatch panels draw."""
    points = list(data)
    by_name: dict[str, list[Datum]] = defaultdict(list)
    for d in points:
        by_name[d.name].append(d)

    def count(name: str, key: str | None = None) -> Counter[str]:
        counted: Counter[str] = Counter()
        for d in by_name[name]:
            counted[d.dimensions.get(key, "") if key else name] += int(d.value)
        return counted

    now_ms = int(now.timestamp() * 1000)
    # At least the last half hour, so a short batch stands out against the quiet before it.
    first = min([d.at_ms for d in points] + [now_ms - MIN_SPAN_SECONDS * 1000])
    start = (first // 1000 // BUCKET_SECONDS) * BUCKET_SECONDS
    buckets = list(range(start, now_ms // 1000 + 1, BUCKET_SECONDS))[-180:] or [start]
    series = {}
    for name, label in THROUGHPUT:
        per: Counter[int] = Counter()
        for d in by_name[name]:
            per[(d.at_ms // 1000 // BUCKET_SECONDS) * BUCKET_SECONDS] += int(d.value)
        series[label] = [per.get(b, 0) for b in buckets]

    confidence: dict[str, list[float]] = defaultdict(list)
    for d in by_name["Confidence"]:
        confidence[d.dimensions.get("Category", "")].append(d.value)

    durations: dict[str, list[float]] = defaultdict(list)
    for d in by_name["StageDuration"]:
        durations[d.dimensions.get("Stage", "")].append(d.value)

    waiting, oldest = backlog(waiting_created_at, now)
    routes = count("RouteDecisions", "Route")
    decisions = count("ReviewsDecided", "Decision")
    reasons = count("QuarantineReasons", "Reason")
    stage_errors = count("StageErrors", "Stage")
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "data_points": len(points),
        "throughput": {
            "bucket_seconds": BUCKET_SECONDS,
            "buckets": [datetime.fromtimestamp(b, UTC).strftime("%H:%M") for b in buckets],
            "series": series,
            "totals": {label: sum(values) for label, values in series.items()},
        },
        "routes": {r: routes.get(r, 0) for r in ROUTES},
        "confidence": {
            c: {
                "count": len(v),
                "median": round(statistics.median(v), 3),
                "p10": round(_percentile(v, 10), 3),
                "histogram": [sum(1 for x in v if min(int(x * 10), 9) == i) for i in range(10)],
            }
            for c, v in sorted(confidence.items())
            if v
        },
        "review": {
            "waiting": waiting,
            "oldest_age_seconds": round(oldest, 1),
            "age_alarm_seconds": age_alarm_seconds,
            "decisions": {d: decisions.get(d, 0) for d in DECISIONS},
            "escalated": sum(count("ReviewsEscalated").values()),
        },
        "quarantine": {r: reasons[r] for r in QUARANTINE_REASONS if reasons.get(r)},
        "failures": {
            "pipeline_failures": sum(count("PipelineFailures").values()),
            "failed_executions": failed_executions,
            "stage_errors": dict(sorted(stage_errors.items())),
        },
        "durations": {
            stage: {
                "count": len(v),
                "p50": round(_percentile(v, 50), 1),
                "p90": round(_percentile(v, 90), 1),
            }
            for stage, v in sorted(durations.items())
        },
        "dead_letters": dlq_depth,
    }


# ------------------------------------------------------------------------------ sources


@dataclass
class StackSources:
    """What the panels are computed from, on the emulator or in an AWS account."""

    ctx: StackContext
    metric_log: MetricLog = field(init=False)

    def __post_init__(self) -> None:
        self.metric_log = MetricLog(self.ctx.client("logs"), self.ctx.env)

    def panels(self) -> dict[str, Any]:
        from lightbox.adapters.dynamodb import DynamoReviewStore
        from lightbox.observability import BACKLOG_SCAN_LIMIT

        outputs = self.ctx.outputs
        now = datetime.now(UTC)
        data = self.metric_log.refresh(int(now.timestamp() * 1000))
        store = DynamoReviewStore(outputs["ReviewTableName"], self.ctx.resource("dynamodb"))
        waiting = store.tasks_with_status("pending", limit=BACKLOG_SCAN_LIMIT)
        sqs = self.ctx.client("sqs")
        attributes = sqs.get_queue_attributes(
            QueueUrl=outputs["EventsDeadLetterQueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]
        return compute_panels(
            data,
            waiting_created_at=[str(t.get("created_at", "")) for t in waiting],
            dlq_depth=int(attributes.get("ApproximateNumberOfMessages", 0)),
            failed_executions=self._failed_executions(outputs["StateMachineArn"], now),
            now=now,
            age_alarm_seconds=self._age_alarm_seconds(),
        )

    def _failed_executions(self, machine: str, now: datetime) -> int:
        sfn = self.ctx.client("stepfunctions")
        since = now.timestamp() - WINDOW_SECONDS
        count = 0
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=machine, statusFilter="FAILED"
        ):
            count += sum(1 for e in page["executions"] if e["startDate"].timestamp() >= since)
        return count

    def _age_alarm_seconds(self) -> float | None:
        from lightbox_infra.deploy import stack_name

        cfn = self.ctx.client("cloudformation")
        stack = cfn.describe_stacks(StackName=stack_name(self.ctx.env))["Stacks"][0]
        for parameter in stack.get("Parameters", []):
            if parameter["ParameterKey"] == "ReviewBacklogAgeAlarmSeconds":
                return float(parameter["ParameterValue"])
        return None
