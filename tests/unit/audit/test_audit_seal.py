"""Tampering with the first, a middle or the last record is detected: the chain's
links catch the first two, the head item and the signed terminal seal the tail."""

from __future__ import annotations

from typing import Any

import pytest

from lightbox.audit.seal import TrailCheck, seal_chain, verify_sealed
from lightbox.audit.trail import AuditEntry, AuditTrail, record_hash
from support.fakes import HmacSigner, InMemoryAuditSeals, InMemoryAuditStore

PK = "pipeline#run-1"


def _sealed_run() -> tuple[InMemoryAuditStore, InMemoryAuditSeals, HmacSigner]:
    store, seals, signer = InMemoryAuditStore(), InMemoryAuditSeals(), HmacSigner()
    trail = AuditTrail(store)
    for stage, decision in (
        ("validate", "accepted"),
        ("score", "scored"),
        ("publish", "published"),
    ):
        trail.append(PK, AuditEntry(stage=stage, decision=decision, actor="agent:test@1"))
    seal_chain(store, seals, signer, PK, "SUCCEEDED", "2026-01-01T00:00:00Z")
    return store, seals, signer


def _check(store: InMemoryAuditStore, seals: InMemoryAuditSeals, signer: HmacSigner) -> TrailCheck:
    return verify_sealed(list(store.records(PK)), store.head(PK), seals.get(PK), signer)


def _record(store: InMemoryAuditStore, seq: int) -> dict[str, Any]:
    return store.items[(PK, f"rec#{seq:06d}")]


def test_given_an_untouched_sealed_run_when_verified_then_it_passes() -> None:
    check = _check(*_sealed_run())
    assert check.ok and check.sealed and check.chain.count == 3


@pytest.mark.parametrize("seq", [1, 2, 3], ids=["first", "middle", "last"])
def test_given_a_deleted_record_when_verified_then_it_is_detected(seq: int) -> None:
    store, seals, signer = _sealed_run()
    del store.items[(PK, f"rec#{seq:06d}")]
    assert not _check(store, seals, signer).ok


@pytest.mark.parametrize("seq", [1, 2, 3], ids=["first", "middle", "last"])
def test_given_an_edited_record_when_verified_then_it_is_detected(seq: int) -> None:
    store, seals, signer = _sealed_run()
    _record(store, seq)["decision"] = "rejected"
    assert not _check(store, seals, signer).ok


@pytest.mark.parametrize("seq", [1, 2, 3], ids=["first", "middle", "last"])
def test_given_an_edited_and_rehashed_record_when_verified_then_it_is_detected(seq: int) -> None:
    store, seals, signer = _sealed_run()
    record = _record(store, seq)
    record["decision"] = "rejected"
    record["hash"] = record_hash(record)
    assert not _check(store, seals, signer).ok


def test_given_the_tail_deleted_and_the_head_rewritten_when_verified_then_the_seal_catches_it() -> (
    None
):
    store, seals, signer = _sealed_run()
    del store.items[(PK, "rec#000003")]
    second = _record(store, 2)
    store.items[(PK, "head")] = {"pk": PK, "sk": "head", "seq": 2, "hash": second["hash"]}
    check = _check(store, seals, signer)
    assert check.chain.ok  # records and head agree: only the seal knows better
    assert not check.ok and "seal names seq 3" in check.problem


def test_given_the_last_record_rewritten_with_its_head_when_verified_then_the_seal_catches_it() -> (
    None
):
    store, seals, signer = _sealed_run()
    last = _record(store, 3)
    last["decision"] = "rejected"
    last["hash"] = record_hash(last)
    store.items[(PK, "head")] = {"pk": PK, "sk": "head", "seq": 3, "hash": last["hash"]}
    assert not _check(store, seals, signer).ok


def test_given_a_forged_seal_when_verified_then_its_signature_fails() -> None:
    store, seals, signer = _sealed_run()
    seals.items[PK]["seq"] = 2
    check = _check(store, seals, signer)
    assert not check.ok and "signature" in check.problem


def test_given_an_unsealed_run_with_its_tail_deleted_when_verified_then_the_head_catches_it() -> (
    None
):
    store, signer = InMemoryAuditStore(), HmacSigner()
    trail = AuditTrail(store)
    for decision in ("accepted", "scored"):
        trail.append(PK, AuditEntry(stage="s", decision=decision, actor="agent:test@1"))
    del store.items[(PK, "rec#000002")]
    check = verify_sealed(list(store.records(PK)), store.head(PK), None, signer)
    assert not check.ok and not check.sealed and "head names seq 2" in check.problem


def test_given_a_run_resealed_when_it_grew_then_the_longer_seal_replaces_the_shorter() -> None:
    store, seals, signer = _sealed_run()
    AuditTrail(store).append(PK, AuditEntry(stage="failure", decision="failed"))
    seal_chain(store, seals, signer, PK, "SUCCEEDED", "2026-01-01T00:01:00Z")
    assert seals.get(PK)["seq"] == 4 and _check(store, seals, signer).ok
    seals.put({**seals.items[PK], "seq": 3})
    assert seals.get(PK)["seq"] == 4
