"""Turn an S3 "Object Created" event into exactly one pipeline execution."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from typing import Any

from lightbox.keys import (
    InvalidKeyError,
    execution_name,
    is_product_metadata,
    is_supporting_asset,
    parse_photo_key,
)
from lightbox.models.stages import PhotoRef
from lightbox.ports import Executions


@dataclass(frozen=True)
class IntakeResult:
    action: str  # started | duplicate | skipped
    execution_name: str = ""
    execution_arn: str = ""
    reason: str = ""


def photo_ref(
    bucket: str, key: str, version_id: str | None, etag: str | None, size: int | None
) -> PhotoRef:
    """Describe the upload; a key that breaks the contract still gets a run (and a
    quarantine record) instead of being dropped."""
    upload = partial(PhotoRef, bucket=bucket, key=key, version_id=version_id, etag=etag, size=size)
    try:
        parsed = parse_photo_key(key)
    except InvalidKeyError as exc:
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return upload(seller="_invalid", sku=digest, filename="original", key_error=str(exc))
    return upload(seller=parsed.seller, sku=parsed.sku, filename=parsed.filename)


def pipeline_input(
    bucket: str, key: str, version_id: str | None, etag: str | None, size: int | None
) -> dict[str, Any]:
    """The ListingPipeline's execution input for one object (uploads and reprocessing)."""
    return {"photo": photo_ref(bucket, key, version_id, etag, size).model_dump()}


def start_for_upload(
    executions: Executions,
    bucket: str,
    key: str,
    version_id: str | None,
    etag: str | None,
    size: int | None,
) -> IntakeResult:
    if is_product_metadata(key):
        return IntakeResult("skipped", reason="product.json is read by each photo's run")
    if is_supporting_asset(key):
        return IntakeResult("skipped", reason="studio-extra assets are read by the photo's run")
    name = execution_name(bucket, key, version_id or etag)
    arn = executions.start(name, pipeline_input(bucket, key, version_id, etag, size))
    if arn is None:
        return IntakeResult("duplicate", name, reason="this upload already has an execution")
    return IntakeResult("started", name, arn)
