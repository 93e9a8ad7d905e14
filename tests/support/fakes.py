"""In-memory implementations of every port (`lightbox.ports`), and a `Deps` built from them.

One set for all tests: a stage test builds `fake_deps()` and asserts on what
the fakes recorded. Each fake keeps the contract its port documents
(conditional writes conflict, a second claim of the same bytes returns the
first key, an expired token raises), so a stage cannot pass here and fail on
AWS for a reason the port states.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lightbox.audit.trail import HEAD_SK, RECORD_PREFIX, AuditConflictError, AuditTrail
from lightbox.models.listing import ListingConflictError, ListingHead, PhotoEntry
from lightbox.models.status import StatusEvent
from lightbox.pipeline.deps import Deps
from lightbox.ports import ContentClaim, ObjectInfo
from lightbox.review.service import ReviewService, TokenExpiredError
from lightbox.settings import Settings

BUCKET = "lightbox-test-images"


@dataclass
class InMemoryObjects:
    """`Objects` over a dict of key -> (bytes, content type)."""

    bucket: str = BUCKET
    items: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def head(self, key: str) -> ObjectInfo | None:
        found = self.items.get(key)
        if found is None:
            return None
        return ObjectInfo(len(found[0]), f"etag-{hash(found[0]) & 0xFFFF:x}", None, found[1])

    def exists(self, key: str) -> bool:
        return key in self.items

    def presign_get(self, key: str, version_id: str | None = None, expires: int = 300) -> str:
        return f"https://{self.bucket}.example/{key}?expires={expires}"

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        if key not in self.items:
            raise KeyError(f"no object {key!r} in the fake bucket")
        return self.items[key][0]

    def get_text_or_none(self, key: str) -> str | None:
        found = self.items.get(key)
        return None if found is None else found[0].decode("utf-8")

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.items[key] = (bytes(data), content_type)

    def put_json(self, key: str, document: Any) -> None:
        body = json.dumps(document, indent=2, sort_keys=True, default=str).encode()
        self.put_bytes(key, body, "application/json")

    def copy(self, source_key: str, dest_key: str, version_id: str | None = None) -> None:
        self.items[dest_key] = self.get_bytes(source_key), self.items[source_key][1]

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self.items if k.startswith(prefix))

    def json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))


@dataclass
class InMemoryAuditStore:
    """`AuditStore`: a record and its chain's head move together, only if the record is
    new and the head is still the one the writer read (like the conditional transaction)."""

    items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def head(self, pk: str) -> Mapping[str, Any] | None:
        found = self.items.get((pk, HEAD_SK))
        return dict(found) if found else None

    def append(self, item: Mapping[str, Any], head: Mapping[str, Any] | None) -> None:
        pk, sk = str(item["pk"]), str(item["sk"])
        current = self.items.get((pk, HEAD_SK))
        moved = (current is None) != (head is None) or (
            current is not None
            and head is not None
            and (current["seq"], current["hash"]) != (head["seq"], head["hash"])
        )
        if (pk, sk) in self.items or moved:
            raise AuditConflictError(f"{(pk, sk)} exists or the head moved")
        self.items[(pk, sk)] = dict(item)
        self.items[(pk, HEAD_SK)] = {
            "pk": pk,
            "sk": HEAD_SK,
            "seq": item["seq"],
            "hash": item["hash"],
        }

    def records(self, pk: str) -> list[Mapping[str, Any]]:
        return [
            item
            for (p, sk), item in sorted(self.items.items())
            if p == pk and sk.startswith(RECORD_PREFIX)
        ]

    def decisions(self, pk: str) -> list[tuple[str, str]]:
        """(stage, decision) of a chain's records, in order."""
        return [(str(r["stage"]), str(r["decision"])) for r in self.records(pk)]


@dataclass
class InMemoryAuditSeals:
    """`AuditSeals`: one seal per chain, replaced only by one of a longer chain."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, pk: str) -> Mapping[str, Any] | None:
        found = self.items.get(pk)
        return dict(found) if found else None

    def put(self, item: Mapping[str, Any]) -> bool:
        current = self.items.get(str(item["pk"]))
        if current is not None and int(current["seq"]) >= int(item["seq"]):
            return False
        self.items[str(item["pk"])] = dict(item)
        return True


@dataclass
class HmacSigner:
    """`MacSigner` with a local key (KMS GenerateMac/VerifyMac in the stack)."""

    key: bytes = b"seal-key"

    def sign(self, message: bytes) -> str:
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def verify(self, message: bytes, mac: str) -> bool:
        return hmac.compare_digest(self.sign(message), mac)


@dataclass
class InMemoryContentIndex:
    """`ContentIndex`: one entry per upload key, as `DynamoContentIndex` keeps it."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def claim(
        self, key: str, fingerprint: str, execution: str, force: bool = False
    ) -> ContentClaim:
        found = self.entries.get(key)
        if found and found["execution"] == execution:
            return ContentClaim(supersedes=found.get("supersedes") or None)
        if (
            found
            and not force
            and found["fingerprint"] == fingerprint
            and found["status"] != "failed"
        ):
            return ContentClaim(unchanged_of=found["execution"])
        previous = found["execution"] if found else None
        self.entries[key] = {
            "fingerprint": fingerprint,
            "execution": execution,
            "status": "claimed",
            **({"supersedes": previous} if previous else {}),
        }
        return ContentClaim(supersedes=previous)

    def release(self, key: str, execution: str) -> None:
        found = self.entries.get(key)
        if found and found["execution"] == execution:
            found["status"] = "failed"


@dataclass
class InMemoryReviewStore:
    """`ReviewStore`: tasks by id, transitions conditional on the current status."""

    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    feedback: list[dict[str, Any]] = field(default_factory=list)

    def put_task(self, item: Mapping[str, Any]) -> None:
        self.tasks[str(item["task_id"])] = dict(item)

    def get_task(self, task_id: str) -> dict[str, Any] | None:
        found = self.tasks.get(task_id)
        return None if found is None else dict(found)

    def transition(
        self, task_id: str, from_status: str, to_status: str, fields: Mapping[str, Any]
    ) -> bool:
        task = self.tasks.get(task_id)
        if task is None or task.get("status") != from_status:
            return False
        task.update(fields)
        task["status"] = to_status
        return True

    def tasks_with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        return [dict(t) for t in self.tasks.values() if t.get("status") == status][:limit]

    def put_feedback(self, item: Mapping[str, Any]) -> None:
        self.feedback.append(dict(item))


@dataclass
class RecordingTokens:
    """`Tokens`: keeps (token, output) of every success; raises as AWS does for a token
    the execution stopped waiting on (`expired`, or every token with `expire_all`)."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    expire_all: bool = False

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        if self.expire_all or token in self.expired:
            raise TokenExpiredError("TaskTimedOut")
        self.sent.append((token, output))


@dataclass
class RecordingNotifier:
    """`Notifier`: keeps every notice."""

    topic_arn: str = "arn:aws:sns:us-east-1:000000000000:lightbox-test-escalations"
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, subject: str, message: dict[str, Any]) -> None:
        self.sent.append((subject, message))


@dataclass
class RecordingStatusEvents:
    """`StatusEvents`: keeps every event sent, in order."""

    sent: list[StatusEvent] = field(default_factory=list)

    def send(self, event: StatusEvent) -> None:
        self.sent.append(event)

    def of_type(self, detail_type: str) -> list[StatusEvent]:
        return [e for e in self.sent if e.detail_type == detail_type]


@dataclass
class RecordingExecutions:
    """`Executions`: a second start under the same name returns None."""

    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self, name: str, payload: dict[str, Any]) -> str | None:
        if name in self.started:
            return None
        self.started[name] = payload
        return f"arn:aws:states:us-east-1:000000000000:execution:lightbox-test:{name}"


@dataclass
class InMemoryListingStore:
    """`ListingStore`: per SKU, photo entries and a head that moves only from the version
    the writer read (like the conditional transaction); `conflicts` makes the next
    commits lose, as to a rebuild that got there first."""

    heads: dict[str, ListingHead] = field(default_factory=dict)
    entries: dict[str, dict[str, PhotoEntry]] = field(default_factory=dict)
    conflicts: int = 0

    def load(self, pk: str) -> tuple[ListingHead | None, list[PhotoEntry]]:
        return self.heads.get(pk), list(self.entries.get(pk, {}).values())

    def commit(self, pk: str, entry: PhotoEntry, head: ListingHead, expected: int | None) -> None:
        current = self.heads.get(pk)
        if self.conflicts or (current.version if current else None) != expected:
            self.conflicts = max(0, self.conflicts - 1)
            raise ListingConflictError(f"{pk} moved past {expected}")
        self.entries.setdefault(pk, {})[entry.safe_stem] = entry
        self.heads[pk] = head


def test_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "BUCKET_NAME": BUCKET,
        "AUDIT_TABLE": "lightbox-test-audit",
        "REVIEW_TABLE": "lightbox-test-review",
        "CONFIG_TABLE": "lightbox-test-config",
        "CONTENT_INDEX_TABLE": "lightbox-test-content-index",
        "ESCALATION_TOPIC_ARN": RecordingNotifier.topic_arn,
        "STATUS_BUS_NAME": "lightbox-test-status",
        "LISTINGS_TABLE": "lightbox-test-listings",
        "ENVIRONMENT": "local",
    }
    values.update(overrides)
    return Settings.model_validate(values)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


@dataclass
class Fakes:
    """Every fake a `Deps` is built from, for assertions after a stage ran."""

    objects: InMemoryObjects = field(default_factory=InMemoryObjects)
    audit_store: InMemoryAuditStore = field(default_factory=InMemoryAuditStore)
    content_index: InMemoryContentIndex = field(default_factory=InMemoryContentIndex)
    reviews: InMemoryReviewStore = field(default_factory=InMemoryReviewStore)
    tokens: RecordingTokens = field(default_factory=RecordingTokens)
    notifier: RecordingNotifier = field(default_factory=RecordingNotifier)
    status_events: RecordingStatusEvents = field(default_factory=RecordingStatusEvents)
    listings: InMemoryListingStore = field(default_factory=InMemoryListingStore)
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def deps(self, **settings: Any) -> Deps:
        clock = lambda: self.now  # noqa: E731 - the fakes' shared, settable clock
        return Deps(
            settings=test_settings(**settings),
            objects=self.objects,
            audit=AuditTrail(self.audit_store, clock=clock),
            content_index=self.content_index,
            reviews=self.reviews,
            review_service=ReviewService(self.reviews, self.tokens, clock=clock),
            notifier=self.notifier,
            status_events=self.status_events,
            listings=self.listings,
        )
