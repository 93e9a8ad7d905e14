"""`lightbox process`: upload photos, follow their executions, collect the results.

Uploads go to incoming/ exactly as a seller's tooling would; the S3 event
starts each execution. Execution names are deterministic, so the CLI knows
which execution belongs to which upload without listing anything.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lightbox.adapters.dynamodb import DynamoReviewStore
from lightbox.keys import ASSETS_DIR, PRODUCT_FILE, execution_name, parse_photo_key
from lightbox_cli.context import StackContext

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")
_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
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

    def report(self) -> dict[str, Any]:
        data = asdict(self)
        for private in ("candidates", "remote_outputs", "execution_name"):
            data.pop(private)
        return data


class ProcessError(RuntimeError):
    pass


def _segment(name: str) -> str:
    cleaned = _UNSAFE.sub("-", name).strip(" .-") or "item"
    return cleaned if cleaned[0].isalnum() else f"x{cleaned}"


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


def upload(ctx: StackContext, pairs: Iterable[tuple[Path, str]]) -> list[Item]:
    s3 = ctx.client("s3")
    bucket = ctx.outputs["BucketName"]
    items: list[Item] = []
    seen_folders: set[str] = set()
    for file, key in pairs:
        folder_key = key.rsplit("/", 1)[0]
        # product.json and assets/ first: the photo's run reads them.
        if folder_key not in seen_folders:
            seen_folders.add(folder_key)
            for extra_file, extra_key in supporting_files(file.parent, folder_key):
                s3.put_object(
                    Bucket=bucket,
                    Key=extra_key,
                    Body=extra_file.read_bytes(),
                    ContentType=_content_type(extra_file),
                )
        body = file.read_bytes()
        put = s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=_content_type(file),
        )
        version = put.get("VersionId")
        etag = put["ETag"].strip('"')
        candidates = [execution_name(bucket, key, v) for v in (version, etag) if v]
        items.append(Item(input=str(file), key=key, candidates=candidates, status="queued"))
    return items


def _execution_prefix(ctx: StackContext) -> str:
    return ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")


def _find_execution(sfn: Any, prefix: str, item: Item) -> dict[str, Any] | None:
    for name in item.candidates:
        try:
            desc = sfn.describe_execution(executionArn=f"{prefix}:{name}")
        except sfn.exceptions.ExecutionDoesNotExist:
            continue
        item.execution_name = name
        item.execution_arn = desc["executionArn"]
        return desc
    return None


def _apply_terminal(item: Item, desc: dict[str, Any]) -> None:
    if desc["status"] == "SUCCEEDED":
        out = json.loads(desc.get("output") or "{}")
        item.status = out.get("status", "failed")
        item.reason = out.get("reason", "")
        item.scores = out.get("scores", {})
        # Marketplace renders and studio extras (label -> key); reports are not images.
        item.remote_outputs = {
            k: v for k, v in out.get("outputs", {}).items() if k not in ("report", "quarantine")
        }
    else:
        item.status = "failed"
        item.reason = f"{desc.get('error', desc['status'])}: {desc.get('cause', '')}".strip()


def follow(
    ctx: StackContext,
    items: list[Item],
    timeout: float,
    on_change: Callable[[Item], None] = lambda item: None,
) -> None:
    """Poll until each item is terminal or waiting for a reviewer."""
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
        pending = None
        for item in list(open_items):
            desc = _find_execution(sfn, prefix, item)
            if desc is None:
                continue
            if desc["status"] in TERMINAL:
                _apply_terminal(item, desc)
            else:
                if pending is None:
                    pending = {t["execution_name"]: t for t in reviews.tasks_with_status("pending")}
                task = pending.get(item.execution_name)
                if task is None:
                    if item.status != "running":
                        item.status = "running"
                        on_change(item)
                    continue
                item.status = "in_review"
                item.reason = f"waiting for {task['assignee']} (task {task['task_id']})"
                item.scores = {"confidence": task.get("confidence", 0.0)}
                item.remote_outputs = dict(task.get("renders", {}))
            open_items.remove(item)
            on_change(item)
        if open_items:
            time.sleep(0.25)


def download(ctx: StackContext, items: list[Item], out_dir: Path) -> None:
    s3 = ctx.client("s3")
    bucket = ctx.outputs["BucketName"]
    for item in items:
        photo = parse_photo_key(item.key)
        for marketplace, key in item.remote_outputs.items():
            name = f"{marketplace}{Path(key).suffix}"
            target = out_dir / photo.seller / photo.sku / photo.stem / name
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
            item.outputs[marketplace] = str(target)


def write_report(items: list[Item], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.json"
    path.write_text(json.dumps({"items": [i.report() for i in items]}, indent=2) + "\n")
    return path
