"""Catalogue reprocessing: which listed originals get a new pipeline run, under which name.

The reprocess state machine lists a seller's originals (S3 ListObjectsV2 in a
Distributed Map) and asks ``plan_item`` about each listed object. A photo gets
the same execution input an upload gets (``pipeline_input``) plus a
``reprocess`` marker, under a name derived from the reprocess run, so it never
meets the upload's own execution name (which Step Functions would refuse as a
duplicate); everything else is skipped with a reason.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any

from lightbox.keys import (
    InvalidKeyError,
    is_product_metadata,
    is_supporting_asset,
    parse_photo_key,
)
from lightbox.models.stages import ReprocessItem, ReprocessPlan
from lightbox.pipeline.intake import pipeline_input

#: Names a photo is uploaded under. Reprocessing judges by name: reading every
#: object's first bytes would cost a GET per listed key. HEIC and AVIF are photos
#: like any other.
PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".webp",
        ".tif",
        ".tiff",
        ".gif",
        ".bmp",
        ".heic",
        ".heif",
        ".avif",
    }
)
MAX_NAME = 80  # Step Functions execution names
RUN_PREFIX_MAX = 40
_NAME_SAFE = re.compile(r"[^A-Za-z0-9-]+")


def skip_reason(key: str) -> str | None:
    """Why a listed key is not a photo to reprocess; None when it is one."""
    if key.endswith("/"):
        return "folder marker"
    if is_product_metadata(key):
        return "product.json is read by each photo's run"
    if is_supporting_asset(key):
        return "studio-extra asset, read by the photo's run"
    try:
        photo = parse_photo_key(key)
    except InvalidKeyError as exc:
        return f"not an incoming/<seller>/<sku>/<file> photo key: {exc}"
    if PurePosixPath(photo.filename).suffix.lower() not in PHOTO_SUFFIXES:
        return "not a photo (by its name)"
    return None


def parse_timestamp(value: Any) -> datetime:
    """An S3 LastModified as the Distributed Map hands it over, or a --since value.

    AWS gives epoch seconds, the emulator an ISO-8601 string; a date alone means
    its midnight UTC, and a time without a zone is UTC.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_prefix(run: str) -> str:
    """The part of every child execution name that identifies the reprocess run."""
    safe = _NAME_SAFE.sub("-", run).strip("-") or "reprocess"
    if len(safe) <= RUN_PREFIX_MAX:
        return safe
    digest = hashlib.sha256(run.encode()).hexdigest()[:12]
    return f"{safe[: RUN_PREFIX_MAX - 13]}-{digest}"


def child_execution_name(run: str, bucket: str, key: str) -> str:
    """Deterministic pipeline execution name for one photo in one reprocess run.

    A retried or redriven item maps to the same name (Step Functions refuses a
    second start); another run, or the upload itself, never does.
    """
    digest = hashlib.sha256(f"reprocess\n{run}\n{bucket}\n{key}".encode()).hexdigest()[:24]
    readable = _NAME_SAFE.sub("-", key.rsplit("/", 1)[-1]).strip("-")
    return f"{run_prefix(run)}-{digest}-{readable}"[:MAX_NAME].rstrip("-")


def run_name(seller: str, now: datetime, token: str) -> str:
    """A reprocess run's execution name: readable, sortable, short enough to prefix."""
    readable = _NAME_SAFE.sub("-", seller).strip("-")[:12] or "seller"
    return run_prefix(f"rp-{readable}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{token}")


def plan_item(item: ReprocessItem) -> ReprocessPlan:
    """What the reprocess run does with one listed object (a Distributed Map item)."""
    listed = item.object
    key = listed.key
    reason = skip_reason(key)
    since = item.request.since if item.request else None
    if reason is None and since:
        modified = parse_timestamp(listed.last_modified)
        if modified < parse_timestamp(since):
            reason = f"last modified {modified:%Y-%m-%dT%H:%M:%SZ}, before {since}"
    if reason is not None:
        return ReprocessPlan(action="skip", key=key, reason=reason)
    etag = (listed.etag or listed.etag_upper or "").strip('"') or None
    payload = pipeline_input(item.bucket, key, None, etag, listed.size)
    payload["reprocess"] = {"run": item.run}
    # Processed even when unchanged since its last run (`ContentIndex.claim`, force).
    payload["photo"]["reprocess"] = f"reprocess run {item.run}"
    return ReprocessPlan(
        action="start",
        key=key,
        name=child_execution_name(item.run, item.bucket, key),
        input=payload,
    )
