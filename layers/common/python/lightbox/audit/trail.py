"""Append-only, hash-chained audit trail (docs/architecture.md, "Audit record").

Each record carries the hash of its predecessor under the same partition key,
so deleting or editing any record breaks verification of everything after it.
The chain's head item (the last record's seq and hash) moves with every append
in one conditional write, so a deleted or rewritten tail no longer matches it;
a terminal seal (`lightbox.audit.seal`), signed with a key no pipeline role may
use, anchors the head where pipeline roles cannot write. Storage is behind
`AuditStore`; every DynamoDB write is conditional, and pipeline roles hold no
Update/Delete permission.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lightbox.models.audit import AuditEntry, AuditRecord
from lightbox.ports import AuditStore

__all__ = ["AuditEntry", "AuditRecord", "AuditTrail", "verify_anchored", "verify_chain"]

GENESIS_HASH = "0" * 64
RECORD_PREFIX = "rec#"
HEAD_SK = "head"
_HASHED_FIELDS = (
    "pk",
    "sk",
    "seq",
    "ts",
    "stage",
    "actor",
    "decision",
    "reason",
    "details",
    "prev_hash",
)


class AuditConflictError(RuntimeError):
    """Another writer appended to the same chain at the same moment."""


def record_sk(seq: int) -> str:
    """A record's sort key: its sequence number only, so two writers of the same
    sequence number conflict instead of forking the chain."""
    return f"{RECORD_PREFIX}{seq:06d}"


def canonical(value: Any) -> str:
    """Stable JSON: the same content always hashes the same, wherever it is verified."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(item: Mapping[str, Any]) -> str:
    body = {name: item.get(name) for name in _HASHED_FIELDS}
    body["seq"] = int(body["seq"]) if body["seq"] is not None else None
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def agent_actor() -> str:
    """`agent:<function>@<version>` for the Lambda that writes the record."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    return f"agent:{name}@{version}"


def human_actor(reviewer: str) -> str:
    return f"human:{reviewer}"


class AuditTrail:
    """Appends entries to one chain (`pipeline#<execution>` or `sku#<seller>/<sku>`)."""

    def __init__(
        self, store: AuditStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._clock = clock

    def append(self, pk: str, entry: AuditEntry, attempts: int = 5) -> dict[str, Any]:
        for _ in range(attempts):
            head = self._store.head(pk)
            seq = int(head["seq"]) + 1 if head else 1
            ts = self._clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            details = {
                "input_keys": list(entry.input_keys),
                "content_hashes": dict(entry.content_hashes or {}),
                "scores": dict(entry.scores or {}),
                "thresholds_version": entry.thresholds_version,
                **dict(entry.extra or {}),
            }
            unsigned: dict[str, Any] = {
                "pk": pk,
                "sk": record_sk(seq),
                "seq": seq,
                "ts": ts,
                "stage": entry.stage,
                "actor": entry.actor or agent_actor(),
                "decision": entry.decision,
                "reason": entry.reason,
                "details": canonical(details),
                "prev_hash": str(head["hash"]) if head else GENESIS_HASH,
            }
            item = AuditRecord(**unsigned, hash=record_hash(unsigned)).item()
            try:
                self._store.append(item, head)
            except AuditConflictError:
                continue
            return item
        raise AuditConflictError(f"could not append to audit chain {pk} after {attempts} tries")


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    problem: str = ""


def verify_chain(records: Iterable[Mapping[str, Any]]) -> ChainCheck:
    """Check sequence numbers, each record's hash, and the links between them."""
    ordered = sorted(records, key=lambda r: int(r["seq"]))
    previous_hash = GENESIS_HASH
    for expected_seq, record in enumerate(ordered, start=1):
        if int(record["seq"]) != expected_seq:
            return ChainCheck(False, len(ordered), f"sequence gap before seq {record['seq']}")
        if record["prev_hash"] != previous_hash:
            return ChainCheck(False, len(ordered), f"broken link at seq {record['seq']}")
        if record_hash(record) != record["hash"]:
            return ChainCheck(False, len(ordered), f"record seq {record['seq']} was altered")
        previous_hash = record["hash"]
    return ChainCheck(True, len(ordered))


def verify_anchored(
    records: Iterable[Mapping[str, Any]], head: Mapping[str, Any] | None
) -> ChainCheck:
    """`verify_chain`, plus the tail: the head item must name the last record exactly,
    so deleting or rewriting the last record (or every record) is detected too."""
    ordered = sorted(records, key=lambda r: int(r["seq"]))
    check = verify_chain(ordered)
    if not check.ok:
        return check
    if head is None:
        if ordered:
            return ChainCheck(False, len(ordered), "the chain's head item is missing")
        return check
    if not ordered:
        return ChainCheck(False, 0, f"head names seq {head['seq']} but no records remain")
    last = ordered[-1]
    if int(head["seq"]) != int(last["seq"]):
        return ChainCheck(
            False,
            len(ordered),
            f"head names seq {head['seq']} but the last record is seq {last['seq']}",
        )
    if head["hash"] != last["hash"]:
        return ChainCheck(False, len(ordered), f"last record seq {last['seq']} is not the head's")
    return check


def pipeline_pk(execution_name: str) -> str:
    return f"pipeline#{execution_name}"
