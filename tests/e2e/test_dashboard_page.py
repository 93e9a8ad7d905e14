"""`lightbox dashboard` in a real headless Chromium while a batch runs on the deployed stack.

The page is opened first; then three photos and a text file named like a photo
are uploaded. Without a reload, the page's charts grow by the batch: four
photos received, three scored (route mix, confidence for their category, stage
durations) and one quarantined with the reason code "format". The numbers come
from the functions' EMF log lines, as the CloudWatch dashboard's would. The
screenshot, kept at out/dashboard/dashboard.png, is taken once every scored
photo has ended or waits in review.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from lightbox_cli.dashboard import serve
from lightbox_cli.dashboard_data import StackSources
from support.images import good_jpeg
from support.review_browser import browser_available, chromium, serving

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not browser_available(), reason="needs Debian chromium + chromedriver"),
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "out" / "dashboard" / "dashboard.png"
SELLER = f"dash{int(time.time()) % 1_000_000}"


def dashboard_server(sources: StackSources, env: str) -> AbstractContextManager[str]:
    return serving(serve(sources.panels, env, "127.0.0.1", 0))


def _upload(stack: Any, name: str, body: bytes) -> list[str]:
    return list(stack.put(f"incoming/{SELLER}/BATCH/{name}", body))


def _dom_numbers(driver: Any) -> dict[str, float]:
    """What the page shows now: chart totals read from the drawn SVG elements."""
    script = """
    const one = (sel, attr) => {
      const e = document.querySelector(sel);
      return e ? Number(e.getAttribute(attr)) : 0;
    };
    const sum = (sel, attr) => [...document.querySelectorAll(sel)]
      .reduce((s, e) => s + Number(e.getAttribute(attr)), 0);
    return {
      received: one('[data-panel=throughput] polyline[data-series=received]', 'data-total'),
      ended: ['published', 'rejected'].reduce((n, series) => n + one(
        `[data-panel=throughput] polyline[data-series=${series}]`, 'data-total'), 0),
      reviewed: one('[data-panel=routes] rect[data-label=review]', 'data-value'),
      routed: sum('[data-panel=routes] rect.bar', 'data-value'),
      general: one('[data-panel=confidence] g[data-category=general]', 'data-count'),
      format: one('[data-panel=quarantine] rect[data-label=format]', 'data-value'),
      stages: document.querySelectorAll('[data-panel=durations] rect.bar').length,
      svgs: document.querySelectorAll('#panels svg').length,
    };
    """
    return dict(driver.execute_script(script))


def test_given_the_dashboard_open_when_a_batch_runs_then_its_charts_grow_by_the_batch(
    deployed_stack: Any, tmp_path: Path
) -> None:
    stack = deployed_stack
    sources = StackSources(stack.ctx)
    with (
        dashboard_server(sources, stack.ctx.env) as url,
        chromium(tmp_path / "chromium") as driver,
    ):
        from selenium.webdriver.support.ui import WebDriverWait

        driver.get(url)
        WebDriverWait(driver, 60, poll_frequency=0.5).until(
            lambda d: d.find_elements("css selector", "[data-panel=throughput]"),
            message="the panels never loaded",
        )
        before = _dom_numbers(driver)

        names = [_upload(stack, f"photo-{i}.jpg", good_jpeg(seed=60 + i)) for i in range(3)]
        names.append(_upload(stack, "notes.jpg", b"order,qty\nmug,3\n" * 40))

        def grown(d: Any) -> dict[str, float] | None:
            now = _dom_numbers(d)
            done = (
                now["received"] >= before["received"] + 4
                and now["routed"] >= before["routed"] + 3
                and now["general"] >= before["general"] + 3
                and now["format"] >= before["format"] + 1
                # each scored photo published, rejected or waiting in review
                and (now["ended"] - before["ended"]) + (now["reviewed"] - before["reviewed"]) >= 3
            )
            return now if done else None

        after = WebDriverWait(driver, 480, poll_frequency=1).until(
            grown, message=f"the page never showed the batch (before: {before})"
        )
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.set_window_size(1500, 2200)
        time.sleep(1)  # the resize reflows the grid
        driver.save_screenshot(str(SCREENSHOT))

    assert after["stages"] >= 5  # validate, segment, enhance, render, score at least
    assert after["svgs"] >= 6
    # The JSON behind the page says the same as the drawing.
    panels = sources.panels()
    assert panels["throughput"]["totals"]["received"] >= after["received"]
    assert panels["quarantine"].get("format", 0) >= 1
    # Every execution of the batch exists (the numbers above are this batch's, not a guess).
    sfn = stack.ctx.client("stepfunctions")
    for candidates in names:
        assert any(_exists(sfn, stack.execution_arn(n)) for n in candidates), candidates


def _exists(sfn: Any, arn: str) -> bool:
    try:
        sfn.describe_execution(executionArn=arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True
