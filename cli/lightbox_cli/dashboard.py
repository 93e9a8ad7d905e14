"""`lightbox dashboard`: the operations dashboard's panels, drawn from the stack's own data.

On AWS the panels are the `OperationsDashboard` in CloudWatch. The emulator does
not turn the functions' EMF log lines into CloudWatch metrics, so this command
reads those same lines from the functions' log groups (`/aws/lambda/lightbox-{env}-*`)
and aggregates them as the CloudWatch panels do; the review backlog, the
dead-letter queue's depth and failed executions come from the review table, SQS
and Step Functions. The page (http://127.0.0.1:8650/) draws each panel as an
SVG chart made here, so nothing is fetched from a CDN, and refreshes every few
seconds, so a batch can be watched while it runs.
"""

from __future__ import annotations

import argparse
import html
import http.server
import json
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
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


# ------------------------------------------------------------------------------ drawing

W, H = 460, 210


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _svg(body: str, height: int = H, label: str = "") -> str:
    return (
        f'<svg viewBox="0 0 {W} {height}" width="100%" role="img" '
        f'aria-label="{_e(label)}">{body}</svg>'
    )


def _bars(items: Sequence[tuple[str, float]], unit: str = "", label: str = "") -> str:
    """Horizontal bars, one per item, scaled to the largest."""
    if not items:
        return '<p class="empty">no data yet</p>'
    top = max(v for _, v in items) or 1
    row = 22
    parts = []
    for i, (name, value) in enumerate(items):
        y = 6 + i * row
        width = max(2.0, (W - 128 - 90) * value / top) if value else 0
        colour = COLOURS[i % len(COLOURS)]
        parts.append(
            f'<text x="120" y="{y + 14}" text-anchor="end" class="axis">{_e(name)}</text>'
            f'<rect class="bar" x="128" y="{y + 2}" width="{width:.1f}" height="{row - 6}" '
            f'fill="{colour}" data-label="{_e(name)}" data-value="{value:g}"/>'
            f'<text x="{132 + width:.1f}" y="{y + 14}" class="value">{value:g}{unit}</text>'
        )
    return _svg("".join(parts), 12 + len(items) * row, label)


def _lines(buckets: list[str], series: dict[str, list[int]], label: str = "") -> str:
    """One line per series over the time buckets, with an axis and a legend."""
    if not any(any(v) for v in series.values()):
        return '<p class="empty">no data yet</p>'
    left, right, top_pad, bottom = 36, W - 10, 10, H - 42
    top = max(max(v) for v in series.values()) or 1
    n = max(len(buckets) - 1, 1)

    def x(i: int) -> float:
        return left + (right - left) * i / n

    def y(v: float) -> float:
        return bottom - (bottom - top_pad) * v / top

    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="grid"/>',
        f'<text x="{left - 4}" y="{y(top) + 4:.1f}" text-anchor="end" class="axis">{top}</text>',
        f'<text x="{left - 4}" y="{bottom + 4}" text-anchor="end" class="axis">0</text>',
        f'<text x="{left}" y="{bottom + 14}" class="axis">{_e(buckets[0])}</text>',
        f'<text x="{right}" y="{bottom + 14}" text-anchor="end" class="axis">'
        f"{_e(buckets[-1])}</text>",
    ]
    lx = float(left)
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x(j):.1f},{y(v):.1f}" for j, v in enumerate(values))
        if len(values) == 1:
            parts.append(f'<circle cx="{x(0):.1f}" cy="{y(values[0]):.1f}" r="3" fill="{colour}"/>')
        parts.append(
            f'<polyline class="series" points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2" data-series="{_e(name)}" data-total="{sum(values)}"/>'
        )
        legend = f"{name} {sum(values)}"
        parts.append(
            f'<rect x="{lx}" y="{H - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{H - 7}" class="axis">{_e(legend)}</text>'
        )
        lx += 24 + 6 * len(legend)  # 11 px text: about 6 px a character
    return _svg("".join(parts), H, label)


def _histograms(confidence: dict[str, dict[str, Any]]) -> str:
    """Small multiples: each category's confidence in ten bins from 0 to 1."""
    if not confidence:
        return '<p class="empty">no data yet</p>'
    cell_w, cell_h = 150, 110
    columns = 3
    parts = []
    for k, (category, stats) in enumerate(confidence.items()):
        ox, oy = (k % columns) * (cell_w + 5), (k // columns) * (cell_h + 8)
        top = max(stats["histogram"]) or 1
        parts.append(
            f'<g class="histogram" data-category="{_e(category)}" data-count="{stats["count"]}">'
            f'<text x="{ox}" y="{oy + 11}" class="axis">{_e(category)} '
            f"n={stats['count']} median {stats['median']:.2f}</text>"
        )
        for i, n in enumerate(stats["histogram"]):
            height = (cell_h - 48) * n / top  # room above for the title and the count
            parts.append(
                f'<rect class="bar" x="{ox + i * 14}" y="{oy + cell_h - 18 - height:.1f}" '
                f'width="12" height="{height:.1f}" fill="{COLOURS[0]}" data-value="{n}"/>'
            )
            if n:
                parts.append(
                    f'<text x="{ox + i * 14 + 6}" y="{oy + cell_h - 21 - height:.1f}" '
                    f'text-anchor="middle" class="value">{n}</text>'
                )
        parts.append(
            f'<text x="{ox}" y="{oy + cell_h - 6}" class="axis">0</text>'
            f'<text x="{ox + 140}" y="{oy + cell_h - 6}" text-anchor="end" class="axis">1</text>'
            "</g>"
        )
    rows = (len(confidence) + columns - 1) // columns
    return _svg("".join(parts), rows * (cell_h + 8), "confidence by category")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _panel(key: str, title: str, body: str, note: str = "") -> str:
    foot = f'<p class="note">{_e(note)}</p>' if note else ""
    return f'<section class="panel" data-panel="{key}"><h2>{_e(title)}</h2>{body}{foot}</section>'


def render_panels(p: dict[str, Any]) -> str:
    """The panels as HTML with inline SVG, in the CloudWatch dashboard's order."""
    t = p["throughput"]
    review = p["review"]
    alarm = review["age_alarm_seconds"]
    age_note = f"alarm above {_duration(alarm)}" if alarm else ""
    failures = p["failures"]
    durations = p["durations"]
    return "".join(
        [
            _panel(
                "throughput",
                f"Throughput (photos per {t['bucket_seconds'] // 60} min)",
                _lines(t["buckets"], t["series"], "throughput"),
            ),
            _panel(
                "routes",
                "Route mix (scoring's decisions)",
                _bars(list(p["routes"].items()), label="route mix")
                if any(p["routes"].values())
                else '<p class="empty">no data yet</p>',
            ),
            _panel("confidence", "Confidence by category", _histograms(p["confidence"])),
            _panel(
                "review",
                "Review backlog",
                f'<p class="big" data-value="{review["waiting"]}">{review["waiting"]} '
                "<small>waiting</small></p>"
                + _bars(
                    [*review["decisions"].items(), ("escalated", review["escalated"])],
                    label="review decisions",
                ),
            ),
            _panel(
                "review_age",
                "Oldest review waiting",
                f'<p class="big" data-value="{review["oldest_age_seconds"]}">'
                f"{_duration(review['oldest_age_seconds']) if review['waiting'] else '—'}</p>",
                age_note,
            ),
            _panel(
                "quarantine",
                "Quarantine reasons",
                _bars(list(p["quarantine"].items()), label="quarantine reasons"),
            ),
            _panel(
                "failures",
                "Failures",
                _bars(
                    [
                        ("pipeline failures", failures["pipeline_failures"]),
                        ("failed executions", failures["failed_executions"]),
                        *((f"{s} errors", n) for s, n in failures["stage_errors"].items()),
                    ],
                    label="failures",
                ),
            ),
            _panel(
                "durations",
                "Stage durations (p90, ms)",
                _bars(
                    [(stage, d["p90"]) for stage, d in durations.items()],
                    unit=" ms",
                    label="stage durations",
                ),
                "p50: " + ", ".join(f"{stage} {d['p50']:.0f}" for stage, d in durations.items())
                if durations
                else "",
            ),
            _panel(
                "dead_letters",
                "Events dead-letter queue (depth)",
                f'<p class="big" data-value="{p["dead_letters"]}">{p["dead_letters"]}</p>',
                "`lightbox dlq list`, then `lightbox dlq replay`" if p["dead_letters"] else "",
            ),
        ]
    )


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


# ------------------------------------------------------------------------------- server

STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


def _static(name: str) -> bytes:
    return resources.files("lightbox_cli").joinpath("static", name).read_bytes()


def make_handler(
    panels: Callable[[], dict[str, Any]], env: str
) -> type[http.server.BaseHTTPRequestHandler]:
    """`/` the page, `/panels` its panels as HTML, `/api/panels` the numbers as JSON."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "lightbox-dashboard"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            try:
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            try:
                if path in ("/", "/index.html"):
                    page = _static("dashboard.html").decode()
                    page = page.replace("{{env}}", _e(env)).replace(
                        "{{refresh}}", str(REFRESH_SECONDS)
                    )
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                elif path.startswith("/static/") and path[8:] in STATIC:
                    self._send(200, _static(path[8:]), f"{STATIC[path[8:]]}; charset=utf-8")
                elif path == "/panels":
                    self._send(200, render_panels(panels()).encode(), "text/html; charset=utf-8")
                elif path == "/api/panels":
                    self._send(200, json.dumps(panels()).encode(), "application/json")
                else:
                    self._send(404, b"not found", "text/plain")
            except Exception as exc:  # the stack went away, a read failed: say so on the page
                message = f'<p class="error">Cannot read the stack: {_e(exc)}</p>'
                self._send(503, message.encode(), "text/html; charset=utf-8")

    return Handler


def serve(
    panels: Callable[[], dict[str, Any]], env: str, host: str, port: int
) -> http.server.ThreadingHTTPServer:
    return http.server.ThreadingHTTPServer((host, port), make_handler(panels, env))


# ---------------------------------------------------------------------------------- CLI


def cmd_dashboard(args: argparse.Namespace, ctx: StackContext) -> int:
    sources = StackSources(ctx)
    sources.panels()  # fail here, with the reason, rather than on the page
    server = serve(sources.panels, ctx.env, args.host, args.port)
    print(
        f"dashboard of {ctx.env} at http://{args.host}:{server.server_port}/ "
        f"(refreshes every {REFRESH_SECONDS} s); Ctrl+C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    dash = sub.add_parser("dashboard", help="the operations dashboard's panels as a local web page")
    dash.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    dash.add_argument("--port", type=int, default=8650, help="port (default 8650)")
    dash.add_argument("--env", default="local")
    dash.set_defaults(func=lambda a: cmd_dashboard(a, context(a.env)))
