"""The events AWS sends, as the handlers receive them."""

from __future__ import annotations

from typing import Any


def object_created(
    bucket: str,
    key: str,
    size: int,
    etag: str,
    version_id: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The EventBridge "Object Created" event S3 sends for a put object."""
    obj: dict[str, Any] = {"key": key, "size": size, "etag": etag, "sequencer": "0"}
    if version_id is not None:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "id": "1",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": "r",
            "requester": "123456789012",
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }
