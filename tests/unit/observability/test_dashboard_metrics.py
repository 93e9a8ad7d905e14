"""The dashboard and alarms in template.yaml name only metrics the code emits.

A Lightbox metric on a panel or alarm must be declared in
`lightbox.observability.METRICS` with exactly the dimensions it is drawn with
(plus Environment and service), and its dimension values must be ones the code
produces (stages that exist, categories, routes, decisions, reason codes).
test_metrics_emitted.py proves each declared metric is really emitted.
"""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest

from lightbox.models.product import Category
from lightbox.observability import (
    BASE_DIMENSIONS,
    DECISIONS,
    METRICS,
    QUARANTINE_REASONS,
    ROUTES,
)
from support.template import ROOT, load_template, resources_of_type

STAGES = {p.parent.name for p in (ROOT / "functions").glob("*/app.py")}
KNOWN_VALUES: dict[str, set[str]] = {
    "Stage": STAGES,
    "Category": set(get_args(Category)),
    "Route": set(ROUTES),
    "Decision": set(DECISIONS),
    "Reason": set(QUARANTINE_REASONS),
    "Environment": {"${Environment}"},
    "service": {"lightbox"},
}


def _dashboard() -> dict[str, Any]:
    dashboard = load_template()["Resources"]["OperationsDashboard"]["Properties"]
    body = dashboard["DashboardBody"]["Fn::Sub"]
    # Numbers substituted by !Sub stand unquoted; any number keeps the JSON readable.
    return json.loads(re.sub(r"(?<!\")\$\{[A-Za-z]+\}(?!\")", "0", body))


def _dashboard_metrics() -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, name, dimensions) of every metric line on every panel."""
    found = []
    for widget in _dashboard()["widgets"]:
        for line in widget["properties"].get("metrics", []):
            namespace, name, *pairs = [part for part in line if not isinstance(part, dict)]
            found.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return found


def _alarm_metrics() -> list[tuple[str, str, str, dict[str, str]]]:
    """(alarm, namespace, name, dimensions) of every metric an alarm reads."""
    found = []
    for alarm, resource in resources_of_type(load_template(), "AWS::CloudWatch::Alarm").items():
        props = resource["Properties"]
        stats = [props] if "MetricName" in props else []
        stats += [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        for stat in stats:
            dims = {d["Name"]: _text(d["Value"]) for d in stat.get("Dimensions", [])}
            found.append((alarm, stat["Namespace"], stat["MetricName"], dims))
    return found


def _text(value: Any) -> str:
    if isinstance(value, dict) and value.get("Ref") == "Environment":
        return "${Environment}"
    return value if isinstance(value, str) else json.dumps(value)


def _check(where: str, name: str, dims: dict[str, str]) -> None:
    spec = METRICS.get(name)
    assert spec is not None, f"{where}: {name} is not a metric the code declares"
    expected = set(spec.dimensions) | set(BASE_DIMENSIONS)
    assert set(dims) == expected, (
        f"{where}: {name} drawn with {sorted(dims)}, emitted with {sorted(expected)}"
    )
    for key, value in dims.items():
        assert value in KNOWN_VALUES[key], f"{where}: {name} {key}={value} is never emitted"


def test_given_the_dashboard_when_its_panels_are_read_then_each_lightbox_metric_is_emitted() -> (
    None
):
    """Given OperationsDashboard's body
    When every metric line is read
    Then each Lightbox one is declared, with its exact dimension set and known values."""
    lines = [m for m in _dashboard_metrics() if m[0] == "Lightbox"]
    assert lines
    for _, name, dims in lines:
        _check("dashboard", name, dims)


def test_given_the_dashboard_when_read_then_it_has_every_panel_an_operator_needs() -> None:
    """Given the dashboard
    Then it shows throughput, route mix, confidence per category, review backlog and
    age, quarantine reasons, stage durations, failures and the dead-letter queue."""
    drawn = {(ns, name) for ns, name, _ in _dashboard_metrics()}
    needed = {
        ("Lightbox", "PhotosReceived"),
        ("Lightbox", "PhotosPublished"),
        ("Lightbox", "RouteDecisions"),
        ("Lightbox", "Confidence"),
        ("Lightbox", "ReviewBacklog"),
        ("Lightbox", "OldestReviewAge"),
        ("Lightbox", "QuarantineReasons"),
        ("Lightbox", "StageDuration"),
        ("Lightbox", "PipelineFailures"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    }
    assert needed <= drawn, needed - drawn
    categories = {d["Category"] for _, n, d in _dashboard_metrics() if n == "Confidence"}
    assert categories == set(get_args(Category))
    reasons = {d["Reason"] for _, n, d in _dashboard_metrics() if n == "QuarantineReasons"}
    assert reasons == set(QUARANTINE_REASONS)


def test_given_the_alarms_when_read_then_every_lightbox_metric_they_watch_is_emitted() -> None:
    """Given every AWS::CloudWatch::Alarm
    Then the Lightbox metrics they watch are declared with their exact dimensions, and
    there are alarms on failures, backlog age, auto-publish drift and quarantine spikes."""
    watched = _alarm_metrics()
    for alarm, namespace, name, dims in watched:
        if namespace == "Lightbox":
            _check(alarm, name, dims)
    by_alarm = {(alarm, name) for alarm, _, name, _ in watched}
    assert ("PipelineFailedAlarm", "ExecutionsFailed") in by_alarm
    assert ("ReviewBacklogAgeAlarm", "OldestReviewAge") in by_alarm
    assert ("AutoPublishRateDriftAlarm", "RouteDecisions") in by_alarm
    assert ("QuarantineSpikeAlarm", "PhotosQuarantined") in by_alarm


@pytest.mark.parametrize("broken", ["PhotosPublishd", "RouteDecisions"])
def test_given_a_wrong_metric_when_checked_then_the_check_fails(broken: str) -> None:
    """Given a misspelt metric, or a declared one drawn without its dimension
    Then the check refuses it (the checks above can fail)."""
    with pytest.raises(AssertionError):
        _check("test", broken, {"Environment": "${Environment}", "service": "lightbox"})
