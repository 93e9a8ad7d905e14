"""`lightbox delete --seller S [--sku K] [--yes]`: remove a seller's (or one SKU's) data on request.

A dry run by default: it lists what would go, counted per area. With `--yes` it
stops the scope's running executions, then deletes every object *version* and
delete marker (the bucket is versioned) under every area of the bucket layout
for the scope (`AREAS`; docs/architecture.md, "S3 key layout"), the review tasks
of its runs, its listing state (`ListingsTable`) and its content-index items (so
a re-upload is processed again), sends a `withdrawn` listing status per
marketplace it was listed on, and finally appends a tombstone record to the audit
chain `deletion#{seller}[/{sku}]` (safe names): what (the scope and the counts),
when, and who (`--actor`, else the caller's STS identity).

The per-photo audit chains are kept as they are: their records name keys and
content hashes, never image bytes, and verifying them (hashes, head, KMS seal)
needs no object, so `lightbox audit verify` still passes for every run; the
tombstone's own chain verifies the same way. Pipeline roles have no
`s3:DeleteObject` by design: this runs with the operator's credentials (the IAM it
needs is in the README, "Deleting a seller's data").
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from rich.console import Console

from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.trail import AuditEntry, AuditTrail, human_actor
from lightbox.keys import INCOMING_PREFIX, is_product_metadata, is_supporting_asset, safe_segment
from lightbox.marketplaces.specs import MARKETPLACES
from lightbox.models.listing import HEAD_SK, listing_pk
from lightbox.models.status import ListingStatusEvent
from lightbox_cli.context import StackContext
from lightbox_cli.executions import find_runs
from lightbox_infra.deploy import local_client

out = Console()


def other_client(ctx: StackContext, service: Literal["events", "sts"]) -> Any:
    """A client for a service `StackContext.client` does not name (events, sts)."""
    if ctx.endpoint:
        return local_client(service, ctx.endpoint)
    return boto3.client(service)


#: Every area of the bucket's key layout (docs/architecture.md, "S3 key layout") and
#: where a scope's keys are in it. tests/integration/test_delete_on_request.py fails
#: when the layout names an area this does not know.
AREAS: dict[str, str] = {
    "incoming": "incoming/{seller}/{sku}/: the originals, product.json and assets, as uploaded",
    "work": "work/{execution}/: intermediates of the scope's runs",
    "cutouts": "cutouts/{seller}/{sku}/: the transparent cut-outs",
    "renders": "renders/{seller}/{sku}/: marketplace renders and studio extras",
    "published": "published/{marketplace}/{seller}/{sku}/, published/studio/...: images, "
    "listings, feeds, asset sets, extras",
    "reports": "reports/{seller}/{sku}/: rejection reports",
    "quarantine": "quarantine/{seller}/{sku}/: quarantined originals and their reasons",
}
#: The highest review level a task can have (template: MaxReviewLevels <= 3).
MAX_REVIEW_LEVELS = 3
_DELETE_BATCH = 1000  # S3 DeleteObjects' limit


class DeletionError(RuntimeError):
    """Something of the scope could not be deleted; the tombstone says what was."""


@dataclass(frozen=True)
class Scope:
    """Who asked: a seller, or one SKU of theirs (the seller's own names)."""

    seller: str
    sku: str | None = None

    def __post_init__(self) -> None:
        for name in (self.seller, self.sku):
            if name is not None and (not name.strip() or "/" in name or name in (".", "..")):
                raise ValueError(f"{name!r} is not a seller or SKU name")

    @property
    def label(self) -> str:
        return f"{self.seller}/{self.sku}" if self.sku else f"{self.seller} (every SKU)"

    def folder(self, area: str) -> str:
        """`{area}/{safe seller}/[{safe sku}/]`: the scope's folder in an output area."""
        sku = f"{safe_segment(self.sku)}/" if self.sku else ""
        return f"{area}/{safe_segment(self.seller)}/{sku}"

    def incoming(self) -> list[str]:
        """The upload folder as the seller may have written it (NFC and NFD are one name)."""
        raw = f"{INCOMING_PREFIX}{self.seller}/" + (f"{self.sku}/" if self.sku else "")
        forms = (unicodedata.normalize(form, raw) for form in ("NFC", "NFD"))
        return list(dict.fromkeys([raw, *forms]))

    @property
    def chain(self) -> str:
        """The tombstone's audit chain."""
        sku = f"/{safe_segment(self.sku)}" if self.sku else ""
        return f"deletion#{safe_segment(self.seller)}{sku}"


@dataclass
class Stack:
    """The clients and names deletion works on (from a stack's outputs, or a test's moto)."""

    s3: Any
    bucket: str
    sfn: Any
    machine: str
    dynamodb: Any
    audit_table: str
    content_index_table: str
    review_table: str
    listings_table: str | None = None
    events: Any | None = None
    status_bus: str | None = None
    environment: str = "local"

    @classmethod
    def of(cls, ctx: StackContext) -> Stack:
        o = ctx.outputs
        return cls(
            s3=ctx.client("s3"),
            bucket=o["BucketName"],
            sfn=ctx.client("stepfunctions"),
            machine=o["StateMachineArn"],
            dynamodb=ctx.resource("dynamodb"),
            audit_table=o["AuditTableName"],
            content_index_table=o.get("ContentIndexTableName")
            or f"lightbox-{ctx.env}-content-index",
            review_table=o["ReviewTableName"],
            listings_table=o.get("ListingsTableName"),
            events=other_client(ctx, "events") if o.get("StatusBusName") else None,
            status_bus=o.get("StatusBusName"),
            environment=ctx.env,
        )


@dataclass
class Plan:
    """What deleting a scope removes; nothing is touched while planning."""

    scope: Scope
    versions: dict[str, list[dict[str, str]]]  # area -> [{"Key", "VersionId"}]
    executions: list[str]
    running: list[str]  # ARNs of runs still going
    review_tasks: list[str]
    listing_items: list[dict[str, str]]
    listed_on: list[str]  # marketplaces the SKUs' listings had
    upload_keys: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {f"objects.{area}": len(v) for area, v in self.versions.items()}
        return counts | {
            "executions": len(self.executions),
            "running_stopped": len(self.running),
            "review_tasks": len(self.review_tasks),
            "listing_items": len(self.listing_items),
            "content_index": len(self.upload_keys),
        }


def _is_photo(key: str) -> bool:
    """An upload that started a run (and so has a content-index item)."""
    return not (is_product_metadata(key) or is_supporting_asset(key))


def _versions(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, str]]:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            yield {"Key": version["Key"], "VersionId": version["VersionId"]}


def _published_folders(s3: Any, bucket: str) -> set[str]:
    """`published/{marketplace}/` folders: the known marketplaces, studio, and any found."""
    found = {f"published/{m}/" for m in (*MARKETPLACES, "studio")}
    pages = s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix="published/", Delimiter="/"
    )
    for page in pages:
        found.update(p["Prefix"] for p in page.get("CommonPrefixes", []))
    return found


def prefixes(stack: Stack, scope: Scope, executions: list[str]) -> dict[str, list[str]]:
    """Every key prefix of the scope, per area of `AREAS`."""
    seller_sku = scope.folder("x").removeprefix("x/")
    return {
        "incoming": scope.incoming(),
        "work": [f"work/{name}/" for name in executions],
        "cutouts": [scope.folder("cutouts")],
        "renders": [scope.folder("renders")],
        "published": sorted(
            f"{folder}{seller_sku}" for folder in _published_folders(stack.s3, stack.bucket)
        ),
        "reports": [scope.folder("reports")],
        "quarantine": [scope.folder("quarantine")],
    }


def _listing_items(stack: Stack, scope: Scope) -> list[dict[str, Any]]:
    if not stack.listings_table:
        return []
    table = stack.dynamodb.Table(stack.listings_table)
    items: list[dict[str, Any]] = []
    if scope.sku:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(listing_pk(scope.seller, scope.sku)),
            "ConsistentRead": True,
        }
        call = table.query
    else:  # every SKU of the seller: partition keys share the seller's prefix
        prefix = listing_pk(scope.seller, "x")[: -len("x")]
        kwargs = {"FilterExpression": Attr("pk").begins_with(prefix), "ConsistentRead": True}
        call = table.scan
    while True:
        page = call(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _review_tasks(stack: Stack, executions: list[str]) -> list[str]:
    table = stack.dynamodb.Table(stack.review_table)
    found = []
    for name in executions:
        for level in range(MAX_REVIEW_LEVELS):
            pk = f"task#{name}.L{level}"
            if table.get_item(Key={"pk": pk, "sk": "task"}, ProjectionExpression="pk").get("Item"):
                found.append(pk)
    return found


def plan(stack: Stack, scope: Scope) -> Plan:
    runs = find_runs(stack.sfn, stack.machine, seller=scope.seller, sku=scope.sku, limit=100_000)
    executions = [r.name for r in runs]
    versions: dict[str, list[dict[str, str]]] = {}
    for area, area_prefixes in prefixes(stack, scope, executions).items():
        seen: dict[tuple[str, str], dict[str, str]] = {}
        for prefix in area_prefixes:
            for v in _versions(stack.s3, stack.bucket, prefix):
                seen[(v["Key"], v["VersionId"])] = v
        versions[area] = list(seen.values())
    listing = _listing_items(stack, scope)
    listed_on = sorted(
        {
            f"{item['sku']}\t{marketplace}"
            for item in listing
            if item["sk"] == HEAD_SK
            for marketplace in (item.get("marketplaces") or {})
        }
    )
    return Plan(
        scope=scope,
        versions=versions,
        executions=executions,
        running=[r.arn for r in runs if r.status == "RUNNING"],
        review_tasks=_review_tasks(stack, executions),
        listing_items=[{"pk": i["pk"], "sk": i["sk"]} for i in listing],
        listed_on=listed_on,
        upload_keys=sorted({v["Key"] for v in versions["incoming"] if _is_photo(v["Key"])}),
    )


def _delete_versions(stack: Stack, versions: list[dict[str, str]]) -> None:
    for start in range(0, len(versions), _DELETE_BATCH):
        batch = versions[start : start + _DELETE_BATCH]
        answer = stack.s3.delete_objects(
            Bucket=stack.bucket, Delete={"Objects": batch, "Quiet": True}
        )
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise DeletionError(
                f"S3 refused to delete {len(answer['Errors'])} object versions, e.g. "
                f"{first.get('Key')} ({first.get('Code')}: {first.get('Message')})"
            )


def _withdraw(stack: Stack, scope: Scope, listed_on: list[str]) -> int:
    if not (stack.events and stack.status_bus):
        return 0
    from lightbox.adapters.status_events import EventBridgeStatusEvents

    bus = EventBridgeStatusEvents(stack.status_bus, stack.events)
    for entry in listed_on:
        sku, marketplace = entry.split("\t")
        bus.send(
            ListingStatusEvent(
                environment=stack.environment,
                seller=scope.seller,
                sku=sku,
                state="withdrawn",
                marketplace=marketplace,
                reasons=["deleted on request"],
            )
        )
    return len(listed_on)


def execute(stack: Stack, deletion: Plan, actor: str) -> dict[str, Any]:
    """Delete everything `deletion` names, then append the tombstone (also when a step
    failed: it then records what was done and the error, and the error is raised)."""
    done: dict[str, int] = {}
    error = ""
    try:
        for arn in deletion.running:
            stack.sfn.stop_execution(
                executionArn=arn, error="Lightbox.Deleted", cause="deleted on request"
            )
            done["running_stopped"] = done.get("running_stopped", 0) + 1
        review = stack.dynamodb.Table(stack.review_table)
        for pk in deletion.review_tasks:
            review.delete_item(Key={"pk": pk, "sk": "task"})
            done["review_tasks"] = done.get("review_tasks", 0) + 1
        for area, versions in deletion.versions.items():
            _delete_versions(stack, versions)
            done[f"objects.{area}"] = len(versions)
        index = stack.dynamodb.Table(stack.content_index_table)
        for key in deletion.upload_keys:
            index.delete_item(Key={"pk": f"key#{key}"})
            done["content_index"] = done.get("content_index", 0) + 1
        if deletion.listing_items and stack.listings_table:
            listings = stack.dynamodb.Table(stack.listings_table)
            with listings.batch_writer() as batch:
                for item in deletion.listing_items:
                    batch.delete_item(Key=item)
            done["listing_items"] = len(deletion.listing_items)
        done["withdrawn_events"] = _withdraw(stack, deletion.scope, deletion.listed_on)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise DeletionError(f"deletion of {deletion.scope.label} stopped: {error}") from exc
    finally:
        record = tombstone(stack, deletion, done, actor, error)
    return record


def tombstone(
    stack: Stack, deletion: Plan, done: dict[str, int], actor: str, error: str = ""
) -> dict[str, Any]:
    scope = deletion.scope
    trail = AuditTrail(DynamoAuditStore(stack.audit_table, stack.dynamodb))
    return trail.append(
        scope.chain,
        AuditEntry(
            stage="deletion",
            decision="deleted" if not error else "deletion_incomplete",
            reason=f"deleted on request: {scope.label}"
            + (f"; stopped by {error}" if error else ""),
            actor=actor,
            extra={
                "scope": {"seller": scope.seller, "sku": scope.sku},
                "planned": deletion.counts(),
                "deleted": done,
                "executions": deletion.executions,
                "upload_keys": deletion.upload_keys,
            },
        ),
    )


def operator(ctx: StackContext, given: str | None) -> str:
    """`human:<--actor>`, else `human:<the caller's STS ARN>`."""
    if given:
        return human_actor(given)
    identity = other_client(ctx, "sts").get_caller_identity()
    return human_actor(str(identity["Arn"]))


def cmd_delete(args: argparse.Namespace, context: Callable[[str], StackContext]) -> int:
    ctx = context(args.env)
    try:
        scope = Scope(args.seller, args.sku)
    except ValueError as exc:
        out.print(f"refusing: {exc}", highlight=False)
        return 2
    stack = Stack.of(ctx)
    deletion = plan(stack, scope)
    counts = deletion.counts()
    if args.json and not args.yes:
        out.print_json(data={"scope": scope.label, "dry_run": True, "counts": counts})
        return 0
    if not args.json:
        verb = "deleting" if args.yes else "would delete (dry run; --yes deletes)"
        out.print(f"{verb} {scope.label} in {ctx.env}:", highlight=False)
        for name, count in counts.items():
            out.print(f"  {name:<22}{count:>7}", highlight=False)
    if not args.yes:
        return 0
    try:
        record = execute(stack, deletion, operator(ctx, args.actor))
    except DeletionError as exc:
        out.print(f"[red]{exc}[/]; the tombstone in {scope.chain} records what was deleted")
        return 1
    if args.json:
        out.print_json(data={"scope": scope.label, "counts": counts, "tombstone": record["pk"]})
    else:
        out.print(
            f"done; tombstone {record['pk']} seq {record['seq']} "
            f"(`lightbox audit verify '{record['pk']}'`)",
            highlight=False,
        )
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    de = sub.add_parser(
        "delete", help="delete a seller's or a SKU's photos, outputs and listings on request"
    )
    de.add_argument("--seller", required=True, help="the seller's name, as in incoming/")
    de.add_argument("--sku", default=None, help="only this SKU (default: every SKU)")
    de.add_argument("--yes", action="store_true", help="delete (default: a dry run)")
    de.add_argument(
        "--actor", default=None, help="who asks, for the tombstone (default: STS identity)"
    )
    de.add_argument("--json", action="store_true", help="machine-readable output")
    de.add_argument("--env", default="local")
    de.set_defaults(func=lambda args: cmd_delete(args, context))
