"""The audit table's contracts: what a stage says it decided (`AuditEntry`) and the
record stored for it (`AuditRecord`, one per decision, hash-chained per partition key).

`lightbox.audit.trail` turns an entry into a record (sequence number, time, actor,
the predecessor's hash) and verifies chains; docs/architecture.md, "Audit record",
describes the fields and the chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class AuditEntry:
    """One decision as a stage states it; `extra` lands in the record's details."""

    stage: str
    decision: str
    reason: str = ""
    actor: str = ""
    input_keys: tuple[str, ...] = ()
    content_hashes: Mapping[str, str] | None = None
    scores: Mapping[str, float] | None = None
    thresholds_version: str | None = None
    extra: Mapping[str, Any] | None = None


class AuditRecord(BaseModel):
    """The stored record (pk `pipeline#<execution>`, `sku#...`, `deletion#...`; sk `rec#<seq>`).

    `details` is canonical JSON (sorted keys) so the hash is the same wherever it
    is verified; `hash` covers every other field, `prev_hash` links the chain.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    pk: str
    sk: str
    seq: int
    ts: str
    stage: str
    actor: str
    decision: str
    reason: str
    details: str
    prev_hash: str
    hash: str

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> AuditRecord:
        return cls.model_validate(dict(item))

    def item(self) -> dict[str, Any]:
        return self.model_dump()

    def details_dict(self) -> dict[str, Any]:
        loaded = json.loads(self.details) if self.details else {}
        return loaded if isinstance(loaded, dict) else {}
