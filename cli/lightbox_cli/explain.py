"""What happened to one photo, and why: an execution's history, state and audit trail in one record.

Pure functions over what Step Functions and the audit table return, so the
same explanation serves `lightbox executions show` (text) and `--json`
(scripts), and is unit-tested without a stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from lightbox.audit.trail import verify_chain


@dataclass
class StateVisit:
    """A state of the route: when it was first entered, for how long, how often."""

    name: str
    entered: datetime
    seconds: float | None  # summed over every visit; None if it never exited
    visits: int = 1
    failed: bool = False


@dataclass
class AuditLine:
    seq: int
    ts: str
    stage: str
    decision: str
    actor: str
    reason: str


@dataclass
class Explanation:
    execution: str
    status: str
    started: datetime | None
    stopped: datetime | None
    photo: dict[str, Any]
    route: list[StateVisit]
    validation: dict[str, Any] = field(default_factory=dict)
    score: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] = field(default_factory=dict)
    outcome: dict[str, Any] = field(default_factory=dict)
    decided_by: str = ""
    audit: list[AuditLine] = field(default_factory=list)
    chain_ok: bool = True
    chain_problem: str = ""
    error: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float | None:
        if self.started and self.stopped:
            return (self.stopped - self.started).total_seconds()
        return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = self.seconds
        plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
        return plain


def _state_name(event: Mapping[str, Any]) -> str | None:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        details = event.get(key)
        if details:
            return str(details["name"])
    return None


def state_visits(events: Iterable[Mapping[str, Any]]) -> list[StateVisit]:
    """The route through the state machine, in the order states were first entered.

    A state entered several times (a Map's iterations, a review level after an
    escalation) is one line with its visit count and summed duration; a task
    whose attempt failed (caught or retried) is marked.
    """
    visits: dict[str, StateVisit] = {}
    open_since: dict[str, list[datetime]] = {}
    current: str | None = None
    for event in events:
        kind = str(event.get("type", ""))
        name = _state_name(event)
        ts: datetime = event["timestamp"]
        if kind.endswith("StateEntered") and name:
            current = name
            open_since.setdefault(name, []).append(ts)
            if name in visits:
                visits[name].visits += 1
            else:
                visits[name] = StateVisit(name, ts, None, 1)
        elif kind.endswith("StateExited") and name and open_since.get(name):
            began = open_since[name].pop()
            visit = visits[name]
            visit.seconds = (visit.seconds or 0.0) + (ts - began).total_seconds()
        elif kind in ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed") and current:
            visits[current].failed = True
    return sorted(visits.values(), key=lambda v: v.entered)


def last_state(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The fullest execution state seen: the output of the last state that exited."""
    state: dict[str, Any] = {}
    for event in events:
        details = event.get("stateExitedEventDetails")
        if not details or "output" not in details:
            continue
        try:
            output = json.loads(details["output"])
        except (TypeError, ValueError):
            continue
        if isinstance(output, dict) and "photo" in output:
            state = output
    return state


def explain(
    describe: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    audit_records: Sequence[Mapping[str, Any]],
) -> Explanation:
    """One photo's run from DescribeExecution, its history and its audit records."""
    state = last_state(events)
    try:
        run_input = json.loads(describe.get("input") or "{}")
    except ValueError:
        run_input = {}
    try:
        outcome = json.loads(describe.get("output") or "{}")
    except ValueError:
        outcome = {}
    ordered = sorted(audit_records, key=lambda r: int(r["seq"]))
    check = verify_chain(ordered)
    lines = [
        AuditLine(
            seq=int(r["seq"]),
            ts=str(r.get("ts", "")),
            stage=str(r.get("stage", "")),
            decision=str(r.get("decision", "")),
            actor=str(r.get("actor", "")),
            reason=str(r.get("reason", "")),
        )
        for r in ordered
    ]
    # Who decided: the reviewer when a person did, else the stage that ended the run.
    people = [line for line in lines if line.actor.startswith("human:")]
    terminal = people[-1] if people else (lines[-1] if lines else None)
    error: dict[str, str] = {}
    if describe.get("error") or describe.get("cause"):
        error = {"error": str(describe.get("error", "")), "cause": str(describe.get("cause", ""))}
    return Explanation(
        execution=str(describe.get("name", "")),
        status=str(describe.get("status", "")),
        started=describe.get("startDate"),
        stopped=describe.get("stopDate"),
        photo=dict(state.get("photo") or run_input.get("photo") or {}),
        route=state_visits(events),
        validation=dict(state.get("validation") or {}),
        score=dict(state.get("score") or {}),
        review=dict(state.get("review") or {}),
        outcome=outcome if isinstance(outcome, dict) else {},
        decided_by=terminal.actor if terminal else "",
        audit=lines,
        chain_ok=check.ok,
        chain_problem=check.problem,
        error=error,
    )


def text_lines(x: Explanation) -> list[str]:
    """The one-screen explanation, as plain lines (the CLI adds colour)."""
    photo = x.photo
    took = f"{x.seconds:.1f} s" if x.seconds is not None else "still running"
    out = [
        f"{photo.get('key', '?')}  ({photo.get('seller', '?')}/{photo.get('sku', '?')})",
        f"execution {x.execution}: {x.status}, {took}",
    ]
    outcome = x.outcome
    if outcome:
        reason = outcome.get("reason") or "; ".join(outcome.get("reasons") or [])
        out.append(f"outcome   {outcome.get('status', '?')}" + (f": {reason}" if reason else ""))
    if x.decided_by:
        out.append(f"decided by {x.decided_by}")
    if x.error:
        out.append(f"error     {x.error['error']}: {x.error['cause'][:300]}")
    out.append("")
    out.append("route")
    for visit in x.route:
        took_state = "" if visit.seconds is None else f"{visit.seconds:7.2f} s"
        times = f" x{visit.visits}" if visit.visits > 1 else ""
        flag = "  (an attempt failed)" if visit.failed else ""
        out.append(f"  {visit.name:<28}{took_state}{times}{flag}")
    validation = x.validation
    if validation and not validation.get("ok", True):
        out.append("")
        out.append("refused at validation: " + "; ".join(validation.get("reasons") or []))
    score = x.score
    if score:
        out.append("")
        thresholds = score.get("thresholds") or {}
        out.append(
            f"scores    confidence {score.get('confidence', 0):.3f}"
            f" (auto >= {thresholds.get('auto', '?')}, review >= {thresholds.get('review', '?')},"
            f" config {score.get('config_version', '?')}, category {score.get('category', '?')})"
        )
        for name, value in sorted((score.get("components") or {}).items()):
            out.append(f"  {name:<16}{value:.3f}")
        route = score.get("route")
        if route:
            spot = " (spot check)" if score.get("spot_check") else ""
            out.append(f"  route -> {route}{spot}")
        for reason in score.get("reasons") or []:
            out.append(f"  - {reason}")
    review = x.review
    if review:
        out.append("")
        out.append(
            f"review    {review.get('decision', '?')} by {review.get('reviewer', '?')}"
            + (f": {review['reason']}" if review.get("reason") else "")
        )
    out.append("")
    chain = "chain verified" if x.chain_ok else f"CHAIN BROKEN: {x.chain_problem}"
    out.append(f"audit     {len(x.audit)} records, {chain}")
    for line in x.audit:
        reason = f" - {line.reason}" if line.reason else ""
        out.append(
            f"  {line.seq:>2} {line.ts[:19]} {line.stage}/{line.decision} by {line.actor}{reason}"
        )
    outputs = (outcome or {}).get("outputs") or {}
    if outputs:
        out.append("")
        out.append("outputs")
        for label, key in sorted(outputs.items()):
            out.append(f"  {label:<24}{key}")
    return out
