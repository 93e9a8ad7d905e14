"""The explanation of one run, from history events and audit records (no stack)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from lightbox.audit.trail import AuditEntry, AuditTrail
from lightbox_cli.explain import explain, state_visits, text_lines
from support.fakes import InMemoryAuditStore

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _event(n: int, kind: str, name: str, seconds: float, output: dict | None = None) -> dict:
    key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
    details: dict = {"name": name}
    if output is not None:
        details["output"] = json.dumps(output)
    return {"id": n, "type": kind, "timestamp": T0 + timedelta(seconds=seconds), key: details}


STATE = {
    "photo": {"key": "incoming/acme/MUG-1/a.jpg", "seller": "acme", "sku": "MUG-1"},
    "score": {
        "confidence": 0.71,
        "components": {"segmentation": 0.64, "sharpness": 0.93},
        "reasons": ["segmentation confidence 0.64 is low: the outline is uncertain"],
        "thresholds": {"auto": 0.9, "review": 0.5},
        "config_version": "v3",
        "category": "general",
        "route": "review",
    },
}

EVENTS = [
    _event(1, "TaskStateEntered", "ValidatePhoto", 0.0),
    _event(2, "TaskStateExited", "ValidatePhoto", 1.5),
    _event(3, "MapStateEntered", "RenderForMarketplaces", 2.0),
    _event(4, "TaskStateEntered", "RenderMainImage", 2.1),
    _event(5, "TaskStateEntered", "RenderMainImage", 2.1),
    _event(6, "TaskStateExited", "RenderMainImage", 2.6),
    {"id": 7, "type": "TaskFailed", "timestamp": T0 + timedelta(seconds=2.7)},
    _event(8, "TaskStateExited", "RenderMainImage", 3.1),
    _event(9, "MapStateExited", "RenderForMarketplaces", 3.2),
    _event(10, "TaskStateEntered", "ScoreListing", 3.3),
    _event(11, "TaskStateExited", "ScoreListing", 3.5, output=STATE),
]


def _audit() -> list:
    store = InMemoryAuditStore()
    trail = AuditTrail(store, clock=lambda: T0)
    trail.append("pipeline#run-1", AuditEntry(stage="validate", decision="accepted"))
    trail.append(
        "pipeline#run-1",
        AuditEntry(stage="review", decision="rejected", reason="glaze chipped", actor="human:ana"),
    )
    trail.append(
        "pipeline#run-1",
        AuditEntry(stage="reject", decision="rejected", reason="glaze chipped", actor="agent:rej"),
    )
    return list(store.records("pipeline#run-1"))


def _describe(**extra) -> dict:
    return {
        "name": "run-1",
        "status": "SUCCEEDED",
        "startDate": T0,
        "stopDate": T0 + timedelta(seconds=40),
        "input": json.dumps({"photo": STATE["photo"]}),
        "output": json.dumps({"status": "rejected", "reason": "glaze chipped"}),
        **extra,
    }


def test_given_map_iterations_when_the_route_is_built_then_one_line_per_state_in_entry_order():
    visits = state_visits(EVENTS)

    assert [v.name for v in visits] == [
        "ValidatePhoto",
        "RenderForMarketplaces",
        "RenderMainImage",
        "ScoreListing",
    ]
    render = visits[2]
    assert render.visits == 2
    assert render.seconds is not None and abs(render.seconds - 1.5) < 1e-6  # 0.5 + 1.0
    assert render.failed
    assert not visits[0].failed


def test_given_a_reviewed_run_when_explained_then_scores_reasons_and_decider_are_on_screen():
    x = explain(_describe(), EVENTS, _audit())
    text = "\n".join(text_lines(x))

    assert x.decided_by == "human:ana"
    assert x.chain_ok
    assert "outcome   rejected: glaze chipped" in text
    assert "config v3" in text and "route -> review" in text
    assert "the outline is uncertain" in text
    assert "40.0 s" in text
    assert x.to_json()["score"]["components"]["segmentation"] == 0.64


def test_given_an_edited_audit_record_when_explained_then_the_broken_chain_is_shown():
    records = _audit()
    records[0] = {**records[0], "reason": "rewritten later"}

    x = explain(_describe(), EVENTS, records)

    assert not x.chain_ok
    assert "CHAIN BROKEN" in "\n".join(text_lines(x))
