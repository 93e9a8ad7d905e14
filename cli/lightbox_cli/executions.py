"""`lightbox executions list|show|history|replay`: find a photo's runs, explain one in a
screen, or replay one as a new, linked execution.

`show` takes an execution name or ARN, an upload key (`incoming/...`) or a
`SELLER/SKU`, and prints the route with per-state durations, every score and
its reason, the decision and who made it, the config version, the audit
records with the chain check, and the output keys (`--json` for scripts).
`replay` starts `{name}-r{n}` with the original's input (`replay_execution`): a
run caught into RecordFailure ended in Fail and cannot be redriven usefully.
"""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.trail import (
    AuditEntry,
    AuditTrail,
    human_actor,
    pipeline_pk,
    verify_anchored,
)
from lightbox.keys import INCOMING_PREFIX, execution_name
from lightbox_cli.context import StackContext
from lightbox_cli.explain import explain, text_lines

out = Console()
ROUTES = ("published", "in_review", "rejected", "quarantined", "failed")


@dataclass(frozen=True)
class Run:
    name: str
    arn: str
    status: str
    started: datetime
    photo: dict[str, Any]
    route: str  # the terminal outcome's status, "" while running


def _readable_prefix(key: str) -> str:
    """The readable part execution names start with, for a key or a key prefix."""
    return execution_name("-", key, None).rsplit("-", 1)[0]


def _execution_arn(ctx: StackContext, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:") + f":{name}"


def _executions(sfn: Any, machine: str, status: str | None) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"stateMachineArn": machine, "maxResults": 100}
    if status:
        kwargs["statusFilter"] = status.upper()
    while True:
        page = sfn.list_executions(**kwargs)
        yield from page["executions"]
        if not page.get("nextToken"):
            return
        kwargs["nextToken"] = page["nextToken"]


def _run(sfn: Any, summary: dict[str, Any]) -> Run:
    desc = sfn.describe_execution(executionArn=summary["executionArn"])
    photo = json.loads(desc.get("input") or "{}").get("photo") or {}
    output = json.loads(desc.get("output") or "{}") if desc.get("output") else {}
    return Run(
        name=summary["name"],
        arn=summary["executionArn"],
        status=summary["status"],
        started=summary["startDate"],
        photo=photo,
        route=str(output.get("status", "")) if isinstance(output, dict) else "",
    )


def find_runs(
    sfn: Any,
    machine: str,
    *,
    status: str | None = None,
    route: str | None = None,
    since: datetime | None = None,
    seller: str | None = None,
    sku: str | None = None,
    key: str | None = None,
    limit: int = 50,
) -> list[Run]:
    """Runs matching every filter given, newest first (the API lists newest first)."""
    if key:
        prefix = _readable_prefix(key)
    elif seller:
        prefix = _readable_prefix(f"{INCOMING_PREFIX}{seller}/{sku or ''}")
    else:
        prefix = ""
    found: list[Run] = []
    for summary in _executions(sfn, machine, status):
        if since and summary["startDate"] < since:
            break
        if prefix and not summary["name"].startswith(prefix):
            continue
        needs_detail = bool(key or seller or sku or route)
        run = (
            _run(sfn, summary)
            if needs_detail
            else Run(
                summary["name"],
                summary["executionArn"],
                summary["status"],
                summary["startDate"],
                {},
                "",
            )
        )
        if key and run.photo.get("key") != key:
            continue
        if seller and run.photo.get("seller") != seller:
            continue
        if sku and run.photo.get("sku") != sku:
            continue
        if route and run.route != route:
            continue
        found.append(run)
        if len(found) >= limit:
            break
    return found


def resolve(ctx: StackContext, target: str) -> list[str]:
    """Execution ARNs for a name/ARN, an upload key or SELLER/SKU (newest first)."""
    sfn, machine = ctx.client("stepfunctions"), ctx.outputs["StateMachineArn"]
    if target.startswith(INCOMING_PREFIX):
        return [r.arn for r in find_runs(sfn, machine, key=target, limit=1)]
    if target.count("/") == 1 and not target.startswith("arn:"):
        seller, sku = target.split("/")
        return [r.arn for r in find_runs(sfn, machine, seller=seller, sku=sku, limit=100)]
    return [_execution_arn(ctx, target)]


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def explanation(ctx: StackContext, arn: str) -> dict[str, Any]:
    sfn = ctx.client("stepfunctions")
    describe = sfn.describe_execution(executionArn=arn)
    store = DynamoAuditStore(ctx.outputs["AuditTableName"], ctx.resource("dynamodb"))
    pk = pipeline_pk(describe["name"])
    records = store.records(pk)
    x = explain(describe, _history(sfn, arn), list(records))
    anchored = verify_anchored(records, store.head(pk))  # the tail too (the chain's head)
    if x.chain_ok and not anchored.ok:
        x.chain_ok, x.chain_problem = False, anchored.problem
    return {"json": x.to_json(), "lines": text_lines(x)}


class ReplayError(RuntimeError):
    """The execution cannot be replayed (still running, or not a pipeline run)."""


def replay_names(original: str) -> Iterator[str]:
    """Candidate names of an execution's replays: `{original}-r1`, `-r2`, ... (80 chars max)."""
    for attempt in range(1, 100):
        yield f"{original[:70]}-r{attempt}"


def replay_execution(sfn: Any, audit: AuditTrail, arn: str, actor: str) -> dict[str, str]:
    """Start a new execution of a finished run's input, linked both ways in the audit.

    The replay's input is the original's with `photo.reprocess` set (so an unchanged
    upload is processed again) and `replay_of` naming the original. Before it starts,
    the replay's own chain gets a first record naming the original, and the chain
    `replays#{original}` a record naming the replay (the original's chain, possibly
    sealed, is left as it was).
    """
    describe = sfn.describe_execution(executionArn=arn)
    if describe["status"] == "RUNNING":
        raise ReplayError(f"{describe['name']} is still running; replay it once it has ended")
    run_input = json.loads(describe.get("input") or "{}")
    if not isinstance(run_input.get("photo"), dict):
        raise ReplayError(f"{describe['name']} has no photo in its input: not a pipeline run")
    original = str(describe["name"])
    machine = str(describe["stateMachineArn"])
    run_input["photo"]["reprocess"] = f"replay of {original}"
    run_input["replay_of"] = {"name": original, "execution_arn": arn}
    for name in replay_names(original):
        candidate = machine.replace(":stateMachine:", ":execution:") + f":{name}"
        try:
            sfn.describe_execution(executionArn=candidate)
        except sfn.exceptions.ExecutionDoesNotExist:
            break
    else:
        raise ReplayError(f"{original} has been replayed too often")
    link = {"replay_of": original, "replay_of_arn": arn, "replay": name}
    key = str(run_input["photo"].get("key", ""))
    audit.append(
        pipeline_pk(name),
        AuditEntry(
            stage="replay",
            decision="replay_started",
            reason=f"replay of {original} ({describe['status']})",
            actor=actor,
            input_keys=(key,) if key else (),
            extra=link,
        ),
    )
    started = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(run_input))
    audit.append(
        f"replays#{original}",
        AuditEntry(
            stage="replay",
            decision="replayed",
            reason=f"replayed as {name}",
            actor=actor,
            input_keys=(key,) if key else (),
            extra={**link, "replay_arn": started["executionArn"]},
        ),
    )
    return {"name": name, "arn": str(started["executionArn"]), "replay_of": original}


def cmd_executions(args: argparse.Namespace, context: Callable[[str], StackContext]) -> int:
    ctx = context(args.env)
    sfn = ctx.client("stepfunctions")
    if args.action == "replay":
        arns = resolve(ctx, args.execution) if args.execution else []
        if not arns:
            out.print(f"no execution found for {args.execution!r}")
            return 1
        trail = AuditTrail(
            DynamoAuditStore(ctx.outputs["AuditTableName"], ctx.resource("dynamodb"))
        )
        try:
            replay = replay_execution(sfn, trail, arns[0], human_actor(getpass.getuser()))
        except ReplayError as exc:
            out.print(str(exc))
            return 1
        out.print(f"started {replay['name']} (replay of {replay['replay_of']})", highlight=False)
        return 0
    if args.action == "list":
        since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
        runs = find_runs(
            sfn,
            ctx.outputs["StateMachineArn"],
            status=args.status,
            route=args.route,
            since=since,
            seller=args.seller,
            sku=args.sku,
            limit=args.limit,
        )
        if args.json:
            rows = [
                {"name": r.name, "status": r.status, "started": r.started.isoformat()}
                | ({"key": r.photo.get("key"), "route": r.route} if r.photo else {})
                for r in runs
            ]
            out.print_json(data=rows)
            return 0
        for r in runs:
            what = f"  {r.route or '-':<12}{r.photo.get('key', '')}" if r.photo else ""
            out.print(
                f"{r.started:%Y-%m-%d %H:%M:%S}  {r.status:<10}{r.name}{what}", highlight=False
            )
        return 0
    arns = resolve(ctx, args.execution)
    if not arns:
        out.print(f"no execution found for {args.execution}")
        return 1
    if args.action == "history":
        for event in _history(sfn, arns[0]):
            detail = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
            name = f" {detail['name']}" if detail else ""
            out.print(f"{event['id']:>4} {event['timestamp']} {event['type']}{name}")
        return 0
    shown = [explanation(ctx, arn) for arn in arns]
    if args.json:
        out.print_json(data=[s["json"] for s in shown] if len(shown) > 1 else shown[0]["json"])
        return 0
    for i, s in enumerate(shown):
        if i:
            out.rule()
        for line in s["lines"]:
            out.print(line, highlight=False, markup=False)
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    ex = sub.add_parser("executions", help="find pipeline runs and explain what happened")
    ex.add_argument("action", choices=["list", "show", "history", "replay"])
    ex.add_argument(
        "execution",
        nargs="?",
        default="",
        help="show/history/replay: name, ARN, incoming/ key (or SELLER/SKU: show, history)",
    )
    ex.add_argument("--status", choices=["running", "succeeded", "failed", "timed_out", "aborted"])
    ex.add_argument("--route", choices=ROUTES, help="list: by outcome")
    ex.add_argument("--since", default=None, help="list: started at or after (ISO date/time, UTC)")
    ex.add_argument("--seller", default=None)
    ex.add_argument("--sku", default=None)
    ex.add_argument("--limit", type=int, default=50, help="list: at most this many (default 50)")
    ex.add_argument("--json", action="store_true", help="machine-readable output")
    ex.add_argument("--env", default="local")
    ex.set_defaults(func=lambda args: cmd_executions(args, context))
