"""In-memory stand-ins for S3 and the audit table that count what they are asked.

The benchmark runs the real stage functions (`lightbox.pipeline.*`) against
these, so the request counts priced in the cost estimate are what the stage
code actually does, not a hand count that drifts when a stage changes.
Only the methods the publish path uses are implemented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.costs import dynamodb_item_bytes, read_units, write_units


@dataclass
class S3Counts:
    """S3 requests by price class, and the bytes moved (for the I/O model)."""

    gets: int = 0  # GET + HEAD ("GET and all other requests")
    puts: int = 0  # PUT + COPY
    bytes_read: int = 0
    bytes_written: int = 0

    def snapshot(self) -> S3Counts:
        return S3Counts(self.gets, self.puts, self.bytes_read, self.bytes_written)

    def minus(self, before: S3Counts) -> S3Counts:
        return S3Counts(
            self.gets - before.gets,
            self.puts - before.puts,
            self.bytes_read - before.bytes_read,
            self.bytes_written - before.bytes_written,
        )


@dataclass
class DdbCounts:
    """DynamoDB requests and request units."""

    requests: int = 0
    write_units: int = 0
    read_units: int = 0

    def snapshot(self) -> DdbCounts:
        return DdbCounts(self.requests, self.write_units, self.read_units)

    def minus(self, before: DdbCounts) -> DdbCounts:
        return DdbCounts(
            self.requests - before.requests,
            self.write_units - before.write_units,
            self.read_units - before.read_units,
        )


@dataclass
class HeadInfo:
    """What `ObjectStore.head` returns (duck-typed `ObjectInfo`)."""

    size: int
    etag: str
    version_id: str | None
    content_type: str


@dataclass
class CountingObjects:
    """Duck-typed `lightbox.adapters.s3.ObjectStore` over a dict."""

    bucket: str
    objects: dict[str, bytes] = field(default_factory=dict)
    counts: S3Counts = field(default_factory=S3Counts)

    def head(self, key: str) -> HeadInfo | None:
        self.counts.gets += 1
        data = self.objects.get(key)
        if data is None:
            return None
        return HeadInfo(len(data), "etag", None, "application/octet-stream")

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        self.counts.gets += 1
        data = self.objects[key]
        self.counts.bytes_read += len(data)
        return data

    def get_text_or_none(self, key: str) -> str | None:
        self.counts.gets += 1
        data = self.objects.get(key)
        if data is None:
            return None
        self.counts.bytes_read += len(data)
        return data.decode("utf-8")

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.counts.puts += 1
        self.counts.bytes_written += len(data)
        self.objects[key] = data

    def put_json(self, key: str, document: Any) -> None:
        import json

        body = json.dumps(document, indent=2, sort_keys=True, default=str).encode()
        self.put_bytes(key, body, "application/json")

    def copy(self, source_key: str, dest_key: str, version_id: str | None = None) -> None:
        self.counts.puts += 1  # COPY is billed in the PUT class; no bytes via Lambda
        self.objects[dest_key] = self.objects[source_key]


@dataclass
class CountingAuditStore:
    """Duck-typed `DynamoAuditStore`: conditional puts, last-by-pk."""

    items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    counts: DdbCounts = field(default_factory=DdbCounts)

    def last(self, pk: str) -> Mapping[str, Any] | None:
        self.counts.requests += 1
        found = sorted((sk, item) for (p, sk), item in self.items.items() if p == pk)
        item = found[-1][1] if found else None
        self.counts.read_units += read_units(dynamodb_item_bytes(item) if item else 0)
        return item

    def put_new(self, item: Mapping[str, Any]) -> None:
        from lightbox.audit.trail import AuditConflictError

        self.counts.requests += 1
        self.counts.write_units += write_units(dynamodb_item_bytes(item))
        key = (str(item["pk"]), str(item["sk"]))
        if key in self.items:
            raise AuditConflictError(f"{key} exists")
        self.items[key] = dict(item)

    def records(self, pk: str) -> list[Mapping[str, Any]]:
        self.counts.requests += 1
        return [item for (p, _sk), item in sorted(self.items.items()) if p == pk]


@dataclass
class CountingContentIndex:
    """Duck-typed `lightbox.ports.ContentIndex`: a conditional put, a read on a repeat."""

    first: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: DdbCounts = field(default_factory=DdbCounts)

    def claim(self, seller: str, sha256: str, key: str) -> str | None:
        self.counts.requests += 1
        self.counts.write_units += 1
        earlier = self.first.setdefault((seller, sha256), key)
        if earlier == key:
            return None
        self.counts.requests += 1
        self.counts.read_units += 1
        return earlier


class RecordingExecutions:
    """Duck-typed Step Functions starter for the intake stage."""

    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: dict[str, Any]) -> str | None:
        if name in self.started:
            return None
        self.started[name] = payload
        return f"arn:aws:states:us-east-1:000000000000:execution:bench:{name}"
