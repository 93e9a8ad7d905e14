"""The dashboard's charts: each panel drawn as an inline SVG from `compute_panels`'
numbers, so the page fetches nothing from a CDN."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from lightbox_cli.dashboard_data import COLOURS

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
