from datetime import UTC, datetime, timedelta

import pytest

from lightbox.audit.trail import (
    GENESIS_HASH,
    AuditConflictError,
    AuditEntry,
    AuditTrail,
    verify_chain,
)
from support.fakes import InMemoryAuditStore


def _clock():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = iter(range(1000))
    return lambda: start + timedelta(milliseconds=next(ticks))


def _trail_with_three_records():
    store = InMemoryAuditStore()
    trail = AuditTrail(store, clock=_clock())
    for stage in ("validate", "score", "publish"):
        trail.append("pipeline#x", AuditEntry(stage=stage, decision=stage, actor="agent:test@1"))
    return store


def test_given_three_appends_when_verified_then_chain_links_from_genesis():
    store = _trail_with_three_records()
    records = store.records("pipeline#x")
    check = verify_chain(records)
    assert check.ok and check.count == 3
    first = min(records, key=lambda r: r["seq"])
    assert first["prev_hash"] == GENESIS_HASH


def test_given_edited_record_when_verified_then_alteration_detected():
    store = _trail_with_three_records()
    records = sorted(store.records("pipeline#x"), key=lambda r: r["seq"])
    records[1]["decision"] = "published"
    assert verify_chain(records).problem == "record seq 2 was altered"


def test_given_deleted_record_when_verified_then_gap_detected():
    store = _trail_with_three_records()
    records = sorted(store.records("pipeline#x"), key=lambda r: r["seq"])
    del records[1]
    assert not verify_chain(records).ok


def test_given_rehashed_forgery_when_verified_then_broken_link_detected():
    from lightbox.audit.trail import record_hash

    store = _trail_with_three_records()
    records = sorted(store.records("pipeline#x"), key=lambda r: r["seq"])
    records[1]["reason"] = "forged"
    records[1]["hash"] = record_hash(records[1])
    assert verify_chain(records).problem == "broken link at seq 3"


def test_given_store_conflict_when_appending_then_retries_and_gives_up_clearly():
    class AlwaysConflict(InMemoryAuditStore):
        def append(self, item, head):
            raise AuditConflictError("race")

    trail = AuditTrail(AlwaysConflict())
    with pytest.raises(AuditConflictError, match="after 3 tries"):
        trail.append("pipeline#x", AuditEntry(stage="s", decision="d"), attempts=3)


def test_given_entry_without_actor_when_appended_then_agent_actor_names_function(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lightbox-dev-score")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    store = InMemoryAuditStore()
    item = AuditTrail(store).append("pipeline#y", AuditEntry(stage="score", decision="scored"))
    assert item["actor"] == "agent:lightbox-dev-score@7"


def test_given_two_writers_of_the_same_seq_when_appending_then_the_second_conflicts_and_retries():
    store = InMemoryAuditStore()
    first = AuditTrail(store, clock=_clock())
    first.append("pipeline#x", AuditEntry(stage="validate", decision="accepted"))

    class Interleaved(InMemoryAuditStore):
        """Another writer appends between this writer's read of the head and its write."""

        raced = False

        def append(self, item, head):
            if not self.raced:
                self.raced = True
                first.append("pipeline#x", AuditEntry(stage="score", decision="scored"))
            store.append(item, head)

        def head(self, pk):
            return store.head(pk)

    AuditTrail(Interleaved(), clock=_clock()).append(
        "pipeline#x", AuditEntry(stage="review", decision="approved")
    )
    records = sorted(store.records("pipeline#x"), key=lambda r: r["seq"])
    assert [r["decision"] for r in records] == ["accepted", "scored", "approved"]
    assert verify_chain(records).ok


def test_given_a_record_when_appended_then_its_sort_key_is_the_sequence_number_only():
    store = _trail_with_three_records()
    assert [r["sk"] for r in store.records("pipeline#x")] == [
        "rec#000001",
        "rec#000002",
        "rec#000003",
    ]
    assert store.head("pipeline#x")["seq"] == 3
