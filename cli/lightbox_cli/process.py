"""`lightbox process`: upload photos, follow their executions, collect the results.

Uploads go to incoming/ exactly as a seller's tooling would; the S3 event
starts each execution. Execution names are deterministic, so the CLI knows
which execution belongs to which upload without listing anything.
"""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.keys import (
    ASSETS_DIR,
    PRODUCT_FILE,
    execution_name,
    parse_photo_key,
    refused_character,
)
from lightbox_cli.context import StackContext

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
}


@dataclass
class Item:
    input: str
    key: str
    execution_name: str = ""
    candidates: list[str] = field(default_factory=list)
    execution_arn: str = ""
    status: str = "uploading"
    reason: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    remote_outputs: dict[str, str] = field(default_factory=dict)
    uploaded: bool = True  # False: the same bytes were already there (a resumed run)

    def report(self) -> dict[str, Any]:
        data = asdict(self)
        for private in ("candidates", "remote_outputs", "execution_name", "uploaded"):
            data.pop(private)
        return data


class ProcessError(RuntimeError):
    pass


def _segment(name: str) -> str:
    """A local file or folder name as a key segment: the seller's own name (NFC),
    with only the characters the key contract refuses (`lightbox.keys.refused_character`)
    replaced, so `Größe.jpg` or `商品.jpg` reaches S3 as it is."""
    name = unicodedata.normalize("NFC", name)
    cleaned = "".join("-" if refused_character(c) else c for c in name).strip()
    return "item" if cleaned in ("", ".", "..") else cleaned


def collect_inputs(paths: Sequence[Path], seller: str | None) -> list[tuple[Path, str]]:
    """(file, key) pairs. A file's folder is its SKU and the folder above its seller,
    unless --seller is given; names are made key-safe."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ProcessError(f"{path}: no such file or directory")
    pairs = []
    for file in files:
        if file.name == PRODUCT_FILE or file.name.startswith("."):
            continue
        if file.parent.name == ASSETS_DIR:
            continue  # studio-extra inputs: uploaded with their SKU's product.json
        owner = seller or _segment(file.parent.parent.name or "local")
        sku = _segment(file.parent.name or "item")
        pairs.append((file, f"incoming/{owner}/{sku}/{_segment(file.name)}"))
    if not pairs:
        raise ProcessError("no photos found in the given paths")
    return pairs


def _content_type(file: Path) -> str:
    if file.suffix.lower() == ".json":
        return "application/json"
    return _CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")


def supporting_files(folder: Path, folder_key: str) -> list[tuple[Path, str]]:
    """A SKU folder's product.json and assets/ files, with their S3 keys."""
    found = []
    if (folder / PRODUCT_FILE).is_file():
        found.append((folder / PRODUCT_FILE, f"{folder_key}/{PRODUCT_FILE}"))
    assets = folder / ASSETS_DIR
    if assets.is_dir():
        for file in sorted(p for p in assets.iterdir() if p.is_file()):
            if not file.name.startswith("."):
                found.append((file, f"{folder_key}/{ASSETS_DIR}/{_segment(file.name)}"))
    return found


UPLOAD_JOBS = 8
"""Parallel PUTs: enough to saturate a link or the emulator, few enough to stay polite."""
POLL_SECONDS = 1.0
DIGEST_METADATA = "sha256"
"""User metadata on every uploaded object: what makes re-running `process` resumable."""


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _put_unless_unchanged(
    s3: Any, bucket: str, key: str, file: Path, force: bool = False
) -> tuple[dict[str, Any], bool]:
    """PUT ``file`` at ``key`` unless the object there has the same content digest.

    Returns the object's version/etag fields and whether it was uploaded now.
    """
    body = file.read_bytes()
    digest = _digest(body)
    if not force:
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError:
            head = None
        if head is not None and head.get("Metadata", {}).get(DIGEST_METADATA) == digest:
            return head, False
    put = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=_content_type(file),
        Metadata={DIGEST_METADATA: digest},
    )
    return put, True


def upload(
    ctx: StackContext,
    pairs: Sequence[tuple[Path, str]],
    jobs: int = UPLOAD_JOBS,
    on_uploaded: Callable[[Item], None] = lambda item: None,
) -> list[Item]:
    """Upload photos with at most ``jobs`` PUTs at once, each SKU's product.json and
    assets/ first (the photo's run reads them).

    Resumable: a photo whose object already holds the same bytes is not sent again
    (its earlier execution is followed instead), unless its SKU's product.json or
    assets changed, which needs a new run.
    """
    s3 = ctx.client("s3")  # boto3 clients are thread-safe
    bucket = ctx.outputs["BucketName"]
    folders: dict[str, Path] = {}
    for file, key in pairs:
        folders.setdefault(key.rsplit("/", 1)[0], file.parent)
    changed_folders = {
        folder_key
        for folder_key, folder in folders.items()
        for extra_file, extra_key in supporting_files(folder, folder_key)
        if _put_unless_unchanged(s3, bucket, extra_key, extra_file)[1]
    }

    def one(pair: tuple[Path, str]) -> Item:
        file, key = pair
        force = key.rsplit("/", 1)[0] in changed_folders
        meta, sent = _put_unless_unchanged(s3, bucket, key, file, force)
        version, etag = meta.get("VersionId"), meta["ETag"].strip('"')
        candidates = [execution_name(bucket, key, v) for v in (version, etag) if v]
        item = Item(input=str(file), key=key, candidates=candidates, status="queued")
        item.uploaded = sent
        on_uploaded(item)
        return item

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, pairs))


def _execution_prefix(ctx: StackContext) -> str:
    return ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")


def _execution_statuses(sfn: Any, state_machine_arn: str) -> dict[str, str]:
    """Every execution's status by name: one paged listing instead of a call per photo."""
    statuses: dict[str, str] = {}
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=state_machine_arn, PaginationConfig={"PageSize": 1000}
    ):
        for execution in page["executions"]:
            statuses.setdefault(execution["name"], execution["status"])
    return statuses


def _through_replays(name: str, statuses: dict[str, str]) -> str:
    """The run that carries an upload on: an aborted run that was replayed (the emulator
    replays what a restart cut off, as `{name}-r{n}`) is followed through its last replay."""
    while statuses.get(name) == "ABORTED":
        replays = [f"{name[:70]}-r{n}" for n in range(1, 100)]
        replayed = [r for r in replays if r in statuses]
        if not replayed:
            break
        name = replayed[-1]
    return name


def _apply_terminal(item: Item, desc: dict[str, Any]) -> None:
    if desc["status"] == "SUCCEEDED":
        out = json.loads(desc.get("output") or "{}")
        item.status = out.get("status", "failed")
        item.reason = out.get("reason", "")
        item.scores = out.get("scores", {})
        # Marketplace renders and studio extras (label -> key); reports and the SKU's
        # listing documents (`listing:{marketplace}`) are not images of this photo.
        item.remote_outputs = {
            k: v
            for k, v in out.get("outputs", {}).items()
            if k not in ("report", "quarantine") and not k.startswith("listing:")
        }
    else:
        item.status = "failed"
        item.reason = f"{desc.get('error', desc['status'])}: {desc.get('cause', '')}".strip()


def _first_result(sfn: Any, prefix: str, desc: dict[str, Any]) -> dict[str, Any]:
    """An unchanged repeat's result is its first run's (whose outputs still stand);
    the reason says so. Any other run's is its own."""
    if desc["status"] != "SUCCEEDED":
        return desc
    out = json.loads(desc.get("output") or "{}")
    first = out.get("outputs", {}).get("unchanged_of") if out.get("status") == "unchanged" else None
    if not first:
        return desc
    earlier = sfn.describe_execution(executionArn=f"{prefix}:{first}")
    if earlier["status"] != "SUCCEEDED":
        return desc
    result = json.loads(earlier.get("output") or "{}")
    result["reason"] = f"unchanged since run {first}: {result.get('reason', '')}".rstrip(": ")
    return {**earlier, "output": json.dumps(result)}


def follow(
    ctx: StackContext,
    items: list[Item],
    timeout: float,
    on_change: Callable[[Item], None] = lambda item: None,
) -> None:
    """Poll until each item is terminal or waiting for a reviewer.

    One ListExecutions pass per second finds what changed; only executions that
    ended are described, so following 200 photos costs the emulator (or the
    account's API quota) a few calls a second, not hundreds.
    """
    sfn = ctx.client("stepfunctions")
    reviews = DynamoReviewStore(ctx.outputs["ReviewTableName"], ctx.resource("dynamodb"))
    prefix = _execution_prefix(ctx)
    deadline = time.monotonic() + timeout
    open_items = list(items)
    while open_items:
        if time.monotonic() > deadline:
            for item in open_items:
                item.status, item.reason = "failed", f"no result within {timeout:.0f}s"
                on_change(item)
            return
        statuses = _execution_statuses(sfn, ctx.outputs["StateMachineArn"])
        pending = None
        for item in list(open_items):
            name = next((n for n in item.candidates if n in statuses), None)
            if name is None:
                continue
            name = _through_replays(name, statuses)
            item.execution_name = name
            item.execution_arn = f"{prefix}:{name}"
            if statuses[name] in TERMINAL:
                desc = sfn.describe_execution(executionArn=item.execution_arn)
                _apply_terminal(item, _first_result(sfn, prefix, desc))
            else:
                if pending is None:
                    pending = {t["execution_name"]: t for t in reviews.tasks_with_status("pending")}
                task = pending.get(name)
                if task is None:
                    if item.status != "running":
                        item.status = "running"
                        on_change(item)
                    continue
                item.status = "in_review"
                item.reason = f"waiting for {task['assignee']} (task {task['task_id']})"
                # Every score the Score stage measured, as for a finished photo.
                item.scores = {
                    "confidence": task.get("confidence", 0.0),
                    **task.get("components", {}),
                }
                item.remote_outputs = dict(task.get("renders", {}))
            open_items.remove(item)
            on_change(item)
        if open_items:
            time.sleep(POLL_SECONDS)


def download(ctx: StackContext, items: list[Item], out_dir: Path) -> None:
    s3 = ctx.client("s3")
    bucket = ctx.outputs["BucketName"]
    for item in items:
        photo = parse_photo_key(item.key)
        # Every photo that reached segmentation kept its transparent cut-out
        # (one quarantined at validation has none).
        if item.status != "quarantined":
            _download_cutout(s3, bucket, photo, out_dir, item)
        for marketplace, key in item.remote_outputs.items():
            name = f"{marketplace}{Path(key).suffix}"
            target = out_dir / photo.seller / photo.sku / photo.stem / name
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
            item.outputs[marketplace] = str(target)


def _download_cutout(s3: Any, bucket: str, photo: Any, out_dir: Path, item: Item) -> None:
    key = photo.output_prefix("cutouts") + ".png"
    target = out_dir / photo.seller / photo.sku / photo.stem / "cutout.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        s3.download_file(bucket, key, str(target))
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
        return
    item.outputs["cutout"] = str(target)


def write_report(items: list[Item], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.json"
    # Sellers' names (`Größe.jpg`) stay readable in the report.
    report = json.dumps({"items": [i.report() for i in items]}, indent=2, ensure_ascii=False)
    path.write_text(report + "\n", encoding="utf-8")
    return path
