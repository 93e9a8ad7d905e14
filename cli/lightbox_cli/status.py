"""`lightbox status SELLER/SKU`: where each photo of a SKU stands, and its listing per marketplace.

Each photo (upload key) appears once, from its newest run that did something (a
re-upload of the same content, `unchanged`, points back to the run whose result
stands): its route (published, in_review, rejected, quarantined, failed, running),
the reason and when. Routes come from the runs (`lightbox executions`) and their
audit chains (the last record's decision, reason and time). The listing state per
marketplace comes from the SKU's listing head in `ListingsTable` (docs/architecture.md,
"Listings: one per SKU"): `ready` with its number of images, or `waiting` with why;
on a stack without that table, from `published/{marketplace}/{seller}/{sku}/listing.json`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from rich.console import Console
from rich.table import Table

from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.trail import pipeline_pk
from lightbox.keys import safe_segment
from lightbox.marketplaces.specs import MARKETPLACES
from lightbox.models.listing import HEAD_SK, listing_pk
from lightbox_cli.context import StackContext
from lightbox_cli.delete import Stack
from lightbox_cli.executions import Run, find_runs

out = Console()
IN_REVIEW = {"review_requested", "escalated"}
ROUTE_STYLE = {
    "published": "green",
    "in_review": "yellow",
    "rejected": "red",
    "quarantined": "magenta",
    "failed": "bold red",
    "running": "cyan",
    "ready": "green",
    "waiting": "yellow",
    "none": "dim",
}


@dataclass(frozen=True)
class PhotoStatus:
    key: str
    file_name: str
    route: str
    reason: str
    at: str
    execution: str


@dataclass
class ListingStatus:
    marketplace: str
    state: str  # ready | waiting
    images: int = 0
    listing_key: str | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class SkuStatus:
    seller: str
    sku: str
    photos: list[PhotoStatus]
    listings: list[ListingStatus]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _last_record(audit: DynamoAuditStore, name: str) -> dict[str, Any]:
    records = sorted(audit.records(pipeline_pk(name)), key=lambda r: int(r["seq"]))
    return dict(records[-1]) if records else {}


def _photo(stack: Stack, audit: DynamoAuditStore, run: Run) -> PhotoStatus | None:
    """The photo's standing after `run`; None for an `unchanged` re-upload (an older run
    of the same key holds the result)."""
    last = _last_record(audit, run.name)
    reason = str(last.get("reason", ""))
    if run.status == "SUCCEEDED":
        if run.route == "unchanged":
            return None
        output = json.loads(
            stack.sfn.describe_execution(executionArn=run.arn).get("output") or "{}"
        )
        route = run.route or "failed"
        reason = str(output.get("reason") or reason)
    elif run.status == "RUNNING":
        route = "in_review" if last.get("decision") in IN_REVIEW else "running"
    else:
        route = "failed"
    return PhotoStatus(
        key=str(run.photo.get("key", "")),
        file_name=str(run.photo.get("filename") or run.photo.get("key", "").rsplit("/", 1)[-1]),
        route=route,
        reason=reason,
        at=str(last.get("ts") or run.started.isoformat()),
        execution=run.name,
    )


def _listings_from_table(stack: Stack, seller: str, sku: str) -> list[ListingStatus] | None:
    if not stack.listings_table:
        return None
    head = (
        stack.dynamodb.Table(stack.listings_table)
        .get_item(Key={"pk": listing_pk(seller, sku), "sk": HEAD_SK}, ConsistentRead=True)
        .get("Item")
    )
    if not head:
        return []
    return [
        ListingStatus(
            marketplace=marketplace,
            state=str(entry.get("state", "waiting")),
            images=len(entry.get("images") or []),
            listing_key=entry.get("listing_key"),
            reasons=[str(r) for r in entry.get("reasons") or []],
        )
        for marketplace, entry in sorted((head.get("marketplaces") or {}).items())
    ]


def _listings_from_documents(stack: Stack, seller: str, sku: str) -> list[ListingStatus]:
    found = []
    for marketplace in MARKETPLACES:
        key = f"published/{marketplace}/{safe_segment(seller)}/{safe_segment(sku)}/listing.json"
        try:
            body = stack.s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()
        except ClientError:
            continue
        document = json.loads(body)
        images = document.get("images") or []
        count = len(images) if isinstance(images, list) else len(images.get("all") or [1])
        found.append(ListingStatus(marketplace, "ready", count, key))
    return found


def sku_status(stack: Stack, seller: str, sku: str) -> SkuStatus:
    audit = DynamoAuditStore(stack.audit_table, stack.dynamodb)
    runs = find_runs(stack.sfn, stack.machine, seller=seller, sku=sku, limit=100_000)
    photos: dict[str, PhotoStatus] = {}
    for run in runs:  # newest first: the first result per key stands
        key = str(run.photo.get("key", ""))
        if key in photos:
            continue
        photo = _photo(stack, audit, run)
        if photo is not None:
            photos[key] = photo
    listings = _listings_from_table(stack, seller, sku)
    if listings is None:
        listings = _listings_from_documents(stack, seller, sku)
    ordered = sorted(photos.values(), key=lambda p: p.file_name)
    return SkuStatus(seller=seller, sku=sku, photos=ordered, listings=listings)


def _styled(word: str) -> str:
    return f"[{ROUTE_STYLE.get(word, 'white')}]{word}[/]"


def print_status(status: SkuStatus) -> None:
    table = Table(title=f"{status.seller}/{status.sku}: photos")
    for column in ("photo", "route", "reason", "at"):
        table.add_column(column, overflow="fold")
    table.add_column("execution", overflow="fold", ratio=1)
    for p in status.photos:
        table.add_row(p.file_name, _styled(p.route), p.reason[:200], p.at[:19], p.execution)
    out.print(table if status.photos else f"{status.seller}/{status.sku}: no photos found")
    if not status.listings:
        out.print("listing: none (no photo of this SKU is publishable yet)")
        return
    for listing in status.listings:
        what = (
            f"with {listing.images} image{'s' if listing.images != 1 else ''}"
            if listing.state == "ready"
            else "- " + "; ".join(listing.reasons)
        )
        where = f" ({listing.listing_key})" if listing.listing_key else ""
        out.print(f"listing {listing.marketplace:<8} {_styled(listing.state)} {what}{where}")


def cmd_status(args: argparse.Namespace, context: Callable[[str], StackContext]) -> int:
    target = str(args.target)
    if target.count("/") != 1 or not all(target.split("/")):
        out.print(f"name the SKU as SELLER/SKU, not {target!r}", highlight=False)
        return 2
    seller, sku = target.split("/")
    status = sku_status(Stack.of(context(args.env)), seller, sku)
    if args.json:
        out.print_json(data=status.to_json())
    else:
        print_status(status)
    return 0 if status.photos or status.listings else 1


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    st = sub.add_parser("status", help="a SKU's photos (route, reason, time) and its listings")
    st.add_argument("target", help="SELLER/SKU")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.add_argument("--env", default="local")
    st.set_defaults(func=lambda args: cmd_status(args, context))
