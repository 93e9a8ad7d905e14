"""The ports: what the domain asks of the outside world, one Protocol per store or service.

Stage functions (`lightbox.pipeline`) and domain services depend on these
Protocols only; `lightbox.adapters` implements them on AWS (S3, DynamoDB,
Step Functions, SNS) and `tests/support/fakes.py` in memory. A new adapter
(another cloud, a cache) has to satisfy exactly what is written here, and a
stage that needs something new adds it here first. No module in this file
imports boto3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lightbox.models.listing import ListingHead, PhotoEntry
    from lightbox.models.status import StatusEvent


@dataclass(frozen=True)
class ObjectInfo:
    """What a HEAD of a stored object tells."""

    size: int
    etag: str
    version_id: str | None
    content_type: str


class Objects(Protocol):
    """The images bucket: originals, intermediates, renders, reports."""

    @property
    def bucket(self) -> str: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def exists(self, key: str) -> bool: ...

    def presign_get(self, key: str, version_id: str | None = None, expires: int = 300) -> str:
        """A short-lived GET link; the bucket itself stays private."""
        ...

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes: ...

    def get_text_or_none(self, key: str) -> str | None: ...

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Write (server-side encrypted); overwrites."""
        ...

    def put_json(self, key: str, document: Any) -> None: ...

    def copy(self, source_key: str, dest_key: str, version_id: str | None = None) -> None: ...


class AuditStore(Protocol):
    """Append-only records, one hash chain per partition key (`lightbox.audit`)."""

    def head(self, pk: str) -> Mapping[str, Any] | None:
        """The chain's head item (`seq`, `hash` of its last record), None for a new chain."""
        ...

    def append(self, item: Mapping[str, Any], head: Mapping[str, Any] | None) -> None:
        """Write record `item` and move the head to it, atomically and only if the record
        is new and the head is still `head`; raise AuditConflictError otherwise."""
        ...

    def records(self, pk: str) -> list[Mapping[str, Any]]:
        """The chain's records (not its head), in any order."""
        ...


@dataclass(frozen=True)
class ContentClaim:
    """What the content index answered a run that claimed an upload key."""

    unchanged_of: str | None = None
    """An earlier run already processed this key with the same content: this run is a repeat."""
    supersedes: str | None = None
    """The earlier run at this key, of other content (or forced): its outputs are superseded."""


class ContentIndex(Protocol):
    """Which run processed each upload key, with which content (`lightbox.pipeline.validate`).

    The fingerprint covers the photo's bytes, its product.json and the config
    version; the same bytes under another key are never compared.
    """

    def claim(
        self, key: str, fingerprint: str, execution: str, force: bool = False
    ) -> ContentClaim:
        """Record `execution` as the run of `key` with `fingerprint`, unless a run with the
        same fingerprint is recorded (and did not fail): then answer `unchanged_of` it.

        Atomic: two runs of the same content at once agree on which is first.
        Idempotent: the same execution claiming again gets the same answer. `force`
        (reprocessing, replay) always takes the key over.
        """
        ...

    def release(self, key: str, execution: str) -> None:
        """The run failed: a later upload of the same content is processed again.
        Does nothing when another run holds the key by now."""
        ...


class ReviewStore(Protocol):
    """Review tasks (with their task tokens) and reviewers' feedback."""

    def put_task(self, item: Mapping[str, Any]) -> None: ...

    def get_task(self, task_id: str) -> dict[str, Any] | None: ...

    def transition(
        self, task_id: str, from_status: str, to_status: str, fields: Mapping[str, Any]
    ) -> bool:
        """Move a task from one status to another; False if it was not in `from_status`."""
        ...

    def tasks_with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def put_feedback(self, item: Mapping[str, Any]) -> None:
        """Record a reviewer's decision with the inputs routing used."""
        ...


class Tokens(Protocol):
    """Step Functions task tokens: resume the execution waiting on one."""

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        """Raise TokenExpiredError when the execution no longer waits for it."""
        ...


class Notifier(Protocol):
    """Notices to people (escalations)."""

    @property
    def topic_arn(self) -> str: ...

    def publish(self, subject: str, message: dict[str, Any]) -> None: ...


class Executions(Protocol):
    """Starts pipeline executions under deterministic names."""

    def start(self, name: str, payload: dict[str, Any]) -> str | None:
        """The execution's ARN, or None when one of that name already exists."""
        ...


class StatusEvents(Protocol):
    """Status for sellers (`lightbox.models.status`): the stack's event bus."""

    def send(self, event: StatusEvent) -> None:
        """Deliver one event; raise when the bus refused it (the stage's Retry sends again)."""
        ...


class ListingStore(Protocol):
    """One listing per SKU (`lightbox.models.listing`): photo entries and a versioned head."""

    def load(self, pk: str) -> tuple[ListingHead | None, list[PhotoEntry]]:
        """The SKU's head (None before its first rebuild) and photo entries, read consistently."""
        ...

    def commit(self, pk: str, entry: PhotoEntry, head: ListingHead, expected: int | None) -> None:
        """Write `entry` and `head` together, only if the stored head's version is still
        `expected` (None: no head yet); raise ListingConflictError otherwise."""
        ...
