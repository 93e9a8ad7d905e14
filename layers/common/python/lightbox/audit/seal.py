"""Terminal seals: a chain's head, signed where no pipeline role can write or sign.

When a pipeline execution ends, the AuditSeal function (an EventBridge rule on the
state machine's status changes) signs the chain's head (`pk`, `seq`, `hash`) with
a KMS HMAC key only it may use, and keeps the seal in a table only it may write.
A pipeline role that rewrites records *and* the head still cannot produce a seal
that verifies, so `verify_sealed` detects a rewritten or truncated tail too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lightbox.audit.trail import ChainCheck, canonical, verify_anchored
from lightbox.ports import AuditStore


class AuditSeals(Protocol):
    """Seal items, one per chain; written only by the seal function."""

    def get(self, pk: str) -> Mapping[str, Any] | None: ...

    def put(self, item: Mapping[str, Any]) -> bool:
        """Write the seal if the chain has none or an older one (lower `seq`); False if not."""
        ...


class MacSigner(Protocol):
    """An HMAC key held outside the pipeline (KMS GenerateMac/VerifyMac)."""

    def sign(self, message: bytes) -> str: ...

    def verify(self, message: bytes, mac: str) -> bool: ...


def seal_message(pk: str, seq: int, head_hash: str, status: str) -> bytes:
    return canonical({"pk": pk, "seq": int(seq), "hash": head_hash, "status": status}).encode()


def seal_chain(
    store: AuditStore, seals: AuditSeals, signer: MacSigner, pk: str, status: str, now: str
) -> dict[str, Any] | None:
    """Sign the chain's current head; None when the chain has no records yet."""
    head = store.head(pk)
    if head is None:
        return None
    seq, head_hash = int(head["seq"]), str(head["hash"])
    item: dict[str, Any] = {
        "pk": pk,
        "seq": seq,
        "hash": head_hash,
        "status": status,
        "sealed_at": now,
        "mac": signer.sign(seal_message(pk, seq, head_hash, status)),
    }
    seals.put(item)
    return item


@dataclass(frozen=True)
class TrailCheck:
    """A chain's verdict: `chain` covers records and head; `sealed` whether a seal exists."""

    chain: ChainCheck
    sealed: bool
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problem


def verify_sealed(
    records: list[Mapping[str, Any]],
    head: Mapping[str, Any] | None,
    seal: Mapping[str, Any] | None,
    signer: MacSigner,
) -> TrailCheck:
    """Records, links, head, and (when sealed) the signed head against the last record."""
    chain = verify_anchored(records, head)
    if seal is None:
        return TrailCheck(chain, sealed=False, problem=chain.problem)
    message = seal_message(str(seal["pk"]), int(seal["seq"]), str(seal["hash"]), seal["status"])
    if not signer.verify(message, str(seal.get("mac", ""))):
        return TrailCheck(chain, sealed=True, problem="the seal's signature does not verify")
    ordered = sorted(records, key=lambda r: int(r["seq"]))
    last = ordered[-1] if ordered else None
    if last is None or int(last["seq"]) != int(seal["seq"]) or last["hash"] != seal["hash"]:
        where = f"seq {last['seq']}" if last else "no records"
        return TrailCheck(
            chain,
            sealed=True,
            problem=f"the seal names seq {seal['seq']} but the chain ends at {where}",
        )
    return TrailCheck(chain, sealed=True, problem=chain.problem)
