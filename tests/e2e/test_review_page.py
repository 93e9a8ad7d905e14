"""The review page in a real headless Chromium against the deployed stack.

Four borderline photos go to review. On the page (served by `lightbox review
serve`, signed in with a token from `lightbox review token`) one is approved
with the keyboard and ends published, one is rejected with a reason that
lands in the audit trail, one is corrected (title, crop margin by mouse,
"cut-out too loose") and ends published after its renders were made again,
and one is left alone: it escalates to the next level and is finally
rejected. A screenshot of the page is kept under out/.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoConfigStore, DynamoReviewStore
from lightbox.audit.trail import verify_chain
from lightbox.keys import execution_name
from lightbox_cli.review import mint_token
from support.images import good_jpeg
from support.review_browser import ReviewPage, browser_available, chromium, review_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not browser_available(), reason="needs Debian chromium + chromedriver"),
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "out" / "review-page" / "review-page.png"
CATEGORIES = (
    "general",
    "electronics",
    "cosmetics",
    "fashion",
    "jewellery",
    "home_decor",
    "beverages",
)
SELLER = f"page{int(time.time()) % 1_000_000}"  # this run's tasks only, even on a used stack


def _upload(stack, sku: str, seed: int) -> list[str]:
    key = f"incoming/{SELLER}/{sku}/front.jpg"
    put = stack.ctx.client("s3").put_object(Bucket=stack.bucket, Key=key, Body=good_jpeg(seed))
    return [
        execution_name(stack.bucket, key, v)
        for v in (put.get("VersionId"), put["ETag"].strip('"'))
        if v
    ]


def _pending(stack, names: list[str], timeout: float = 420) -> dict:
    reviews = DynamoReviewStore(
        stack.ctx.outputs["ReviewTableName"], stack.ctx.resource("dynamodb")
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in reviews.tasks_with_status("pending"):
            if task["execution_name"] in names:
                return task
        time.sleep(1)
    raise TimeoutError(f"no review task for {names}")


def _audit(stack, name: str) -> list[dict]:
    store = DynamoAuditStore(stack.ctx.outputs["AuditTableName"], stack.ctx.resource("dynamodb"))
    return sorted(store.records(f"pipeline#{name}"), key=lambda r: r["seq"])


def test_given_borderline_photos_when_reviewed_on_the_page_then_published_rejected_or_escalated(
    deployed_stack, tmp_path
):
    stack = deployed_stack
    DynamoConfigStore(stack.ctx.outputs["ConfigTableName"], stack.ctx.resource("dynamodb")).publish(
        f"v-e2e-page-{int(time.time())}",
        json.dumps({c: {"auto": 0.999, "review": 0.05} for c in CATEGORIES}),
        "e2e: every photo goes to review",
    )
    names = {
        sku: _upload(stack, sku, seed)
        for sku, seed in (("APPROVE", 31), ("REJECT", 32), ("CORRECT", 34), ("IGNORE", 33))
    }
    tasks = {sku: _pending(stack, n) for sku, n in names.items()}
    token = mint_token(stack.ctx, "page-reviewer", 1, 1)

    with (
        review_server(stack.ctx.outputs["ReviewApiUrl"]) as url,
        chromium(tmp_path / "chromium") as driver,
    ):
        page = ReviewPage(driver, url)
        page.sign_in(token)
        page.filter_seller(SELLER)
        page.open_task("APPROVE")
        page.screenshot(SCREENSHOT)
        page.press("a")
        page.wait_status("APPROVE: approved")
        page.open_task("REJECT")
        page.reject("The mug handle is cut off; retake it with the whole mug in frame.")
        page.wait_status("REJECT: rejected")
        page.open_task("CORRECT")
        page.correct("Red stoneware mug, 350 ml", margin_clicks=2, cutout="too_loose")
        page.wait_status("CORRECT: corrected")

    approved = stack.wait_for_execution(names["APPROVE"], timeout=300)
    rejected = stack.wait_for_execution(names["REJECT"], timeout=300)
    assert stack.output(approved)["status"] == "published"
    assert stack.output(rejected)["status"] == "rejected"
    trail = _audit(stack, rejected["name"])
    assert verify_chain(trail).ok
    human = [r for r in trail if r["actor"] == "human:page-reviewer"]
    assert [(r["decision"], r["reason"]) for r in human] == [
        ("rejected", "The mug handle is cut off; retake it with the whole mug in frame.")
    ]
    assert any(r["actor"] == "human:page-reviewer" for r in _audit(stack, approved["name"]))
    corrected = stack.wait_for_execution(names["CORRECT"], timeout=300)
    out = stack.output(corrected)
    assert out["status"] == "published", out
    history = stack.ctx.client("stepfunctions").get_execution_history(
        executionArn=corrected["executionArn"], maxResults=1000
    )["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    assert "ReEnhancePhoto" in entered and "ReRenderMainImage" in entered  # pixels changed
    listing_key = out["outputs"]["listing:amazon"]  # the SKU's one listing
    listing = json.loads(
        stack.ctx.client("s3").get_object(Bucket=stack.bucket, Key=listing_key)["Body"].read()
    )
    assert listing["title"] == "Red stoneware mug, 350 ml"

    # Nobody decides the third: each level times out (ReviewTimeoutSeconds), then reject.
    ignored = stack.wait_for_execution(names["IGNORE"], timeout=900)
    out = stack.output(ignored)
    assert out["status"] == "rejected" and "No reviewer decided in time" in out["reason"]
    decisions = [r["decision"] for r in _audit(stack, ignored["name"])]
    assert decisions[-5:] == [
        "review_requested",
        "escalated",
        "review_requested",
        "review_expired",
        "rejected",
    ]
    assert tasks["IGNORE"]["level"] == 0
    assert SCREENSHOT.stat().st_size > 10_000
