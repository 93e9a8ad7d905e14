"""`lightbox dashboard`: panels computed from the EMF lines the code writes, drawn as SVG."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from lightbox.observability import emit
from lightbox_cli.dashboard_charts import render_panels
from lightbox_cli.dashboard_data import MetricLog, compute_panels, parse_emf

NOW = datetime.now(UTC)  # the EMF lines below carry the real time


def _lines(*metrics: tuple[str, float, dict[str, str]]) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for name, value, dims in metrics:
            emit(name, value, **dims)
    return out.getvalue().splitlines()


BATCH = _lines(
    ("PhotosReceived", 1, {}),
    ("PhotosReceived", 1, {}),
    ("PhotosReceived", 1, {}),
    ("RouteDecisions", 1, {"Route": "publish"}),
    ("RouteDecisions", 1, {"Route": "review"}),
    ("Confidence", 0.91, {"Category": "home_decor"}),
    ("Confidence", 0.55, {"Category": "home_decor"}),
    ("PhotosPublished", 1, {}),
    ("PhotosQuarantined", 1, {}),
    ("QuarantineReasons", 1, {"Reason": "blurry"}),
    ("StageDuration", 120.0, {"Stage": "validate"}),
    ("StageDuration", 80.0, {"Stage": "validate"}),
    ("StageErrors", 1, {"Stage": "render"}),
    ("ReviewsDecided", 1, {"Decision": "approved"}),
)


def _data() -> list[Any]:
    stamp = int(NOW.timestamp() * 1000)
    return [d for line in BATCH for d in parse_emf(line, stamp)]


def test_given_a_batchs_emf_lines_when_panels_are_computed_then_they_count_what_happened() -> None:
    """Given the EMF lines a small batch writes (3 received, 1 published, 1 quarantined
    as blurry, routes, confidences, durations, an error, a decision)
    When the dashboard computes its panels, with one review waiting for an hour
    Then every panel holds those numbers."""
    opened = (NOW - timedelta(hours=1)).isoformat()
    panels = compute_panels(
        _data(), waiting_created_at=[opened], dlq_depth=2, failed_executions=1, now=NOW
    )
    assert panels["throughput"]["totals"] == {
        "received": 3,
        "published": 1,
        "rejected": 0,
        "quarantined": 1,
        "failed": 0,
    }
    assert panels["routes"] == {"publish": 1, "review": 1, "reject": 0}
    home = panels["confidence"]["home_decor"]
    assert home["count"] == 2 and home["median"] == 0.73
    assert home["histogram"][9] == 1 and home["histogram"][5] == 1
    assert panels["quarantine"] == {"blurry": 1}
    assert panels["durations"]["validate"]["p50"] == 100.0
    assert panels["failures"] == {
        "pipeline_failures": 0,
        "failed_executions": 1,
        "stage_errors": {"render": 1},
    }
    assert panels["review"]["waiting"] == 1 and panels["review"]["oldest_age_seconds"] == 3600
    assert panels["review"]["decisions"]["approved"] == 1
    assert panels["dead_letters"] == 2


def test_given_panels_when_drawn_then_each_is_an_svg_chart_carrying_its_values() -> None:
    """Given the same panels
    When they are rendered
    Then every CloudWatch panel is there, the charts are inline SVG (nothing fetched),
    and the bars and lines carry the batch's values."""
    panels = compute_panels(
        _data(), waiting_created_at=[], dlq_depth=0, failed_executions=0, now=NOW
    )
    page = render_panels(panels)
    for key in (
        "throughput",
        "routes",
        "confidence",
        "review",
        "review_age",
        "quarantine",
        "failures",
        "durations",
        "dead_letters",
    ):
        assert f'data-panel="{key}"' in page
    assert page.count("<svg") >= 6 and "http" not in page
    assert 'data-series="received" data-total="3"' in page
    assert 'data-label="blurry" data-value="1"' in page
    assert 'data-category="home_decor" data-count="2"' in page


def test_given_no_data_when_drawn_then_panels_say_so() -> None:
    """Given a fresh stack with nothing logged
    Then the panels render and say there is no data yet."""
    page = render_panels(
        compute_panels([], waiting_created_at=[], dlq_depth=0, failed_executions=0, now=NOW)
    )
    assert "no data yet" in page
    assert "p50:" not in page


class _Logs:
    """A log service holding events per group, answering by start time, in pages of two."""

    def __init__(self, groups: dict[str, list[dict[str, Any]]]) -> None:
        self.groups = groups

    def describe_log_groups(self, logGroupNamePrefix: str, **_: Any) -> dict[str, Any]:
        names = [g for g in self.groups if g.startswith(logGroupNamePrefix)]
        return {"logGroups": [{"logGroupName": g} for g in names]}

    def filter_log_events(
        self, logGroupName: str, startTime: int, nextToken: str | None = None
    ) -> dict[str, Any]:
        events = [e for e in self.groups[logGroupName] if e["timestamp"] >= startTime]
        offset = int(nextToken or 0)
        page: dict[str, Any] = {"events": events[offset : offset + 2]}
        if offset + 2 < len(events):
            page["nextToken"] = str(offset + 2)
        return page


def test_given_log_groups_when_read_twice_then_each_line_counts_once_and_others_are_ignored() -> (
    None
):
    """Given two of the environment's function log groups (plain log lines mixed in) and
    another environment's group
    When the metric log is refreshed, a line is added, and it is refreshed again
    Then every EMF line counts once, the other environment's never."""
    stamp = int(NOW.timestamp() * 1000)

    def events(lines: list[str], first_id: int) -> list[dict[str, Any]]:
        return [
            {"eventId": str(first_id + i), "timestamp": stamp + i, "message": line}
            for i, line in enumerate(lines)
        ]

    received = BATCH[0]
    logs = _Logs(
        {
            "/aws/lambda/lightbox-qa-intake": events([received, "START", received], 0),
            "/aws/lambda/lightbox-qa-score": events(BATCH[3:6], 10),
            "/aws/lambda/lightbox-prod-intake": events([received], 20),
        }
    )
    metric_log = MetricLog(logs, "qa")
    assert len(metric_log.refresh(stamp + 10)) == 5
    logs.groups["/aws/lambda/lightbox-qa-intake"] += events([received], 30)
    data = metric_log.refresh(stamp + 20)
    assert [d.name for d in data].count("PhotosReceived") == 3
    assert all(d.dimensions["Environment"] for d in data)
