"""`lightbox emulator start|stop|status|reset`: the embedded emulator and its saved state.

The emulator keeps its state across a stop, a restart and a killed process
(`lightbox_infra.plugins.persistence`). What it cannot keep is said before it
is lost: `stop` names the executions still running (they are marked ABORTED
and replayed as linked executions on the next start), and when the state
would not be kept - saving is failing for a service, or `reset` discards it
on purpose - every environment's audit trail is first exported to
`.lightbox/exports/audit-<env>-<time>.jsonl`. `start` reports what was
restored and which runs were replayed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from lightbox_infra.emulator import Emulator

STACK_PREFIX = "lightbox-"


def _age(saved_at: Any, now: float) -> str:
    if not isinstance(saved_at, int | float):
        return "never"
    return f"{max(0.0, now - saved_at):.0f} s ago"


def describe_saved(report: dict[str, Any], now: float) -> list[str]:
    """Lines for humans about the saved state (``Emulator.saved_state()``)."""
    generation = report.get("generation")
    if not generation:
        return ["no saved state: the emulator starts empty"]
    lines = [
        f"saved state: {len(generation.get('services', []))} services, "
        f"{generation.get('objects', 0)} S3 objects, "
        f"{generation.get('bytes', 0) / 1e6:.1f} MB, saved {_age(generation.get('saved_at'), now)}"
    ]
    loaded = report.get("loaded") or {}
    if loaded.get("services"):
        lines.append(
            f"restored at start: {', '.join(loaded['services'])} "
            f"in {loaded.get('seconds', 0):.1f} s"
        )
    for replay in report.get("replays") or []:
        if replay.get("error"):
            lines.append(f"NOT replayed: {replay['original']} ({replay['error']})")
        else:
            lines.append(
                f"replayed {replay['original']} (cut off by the restart) as {replay['replay']}"
            )
    for service, problem in sorted((generation.get("problems") or {}).items()):
        lines.append(f"NOT SAVED: {service}: {problem} (its previous saved state is kept)")
    return lines


def save_problems(report: dict[str, Any]) -> dict[str, str]:
    """Services whose state the last save could not write: a stop would lose their changes."""
    last = report.get("last_save") or {}
    problems = dict((report.get("generation") or {}).get("problems") or {})
    problems.update(last.get("problems") or {})
    return problems


def running_executions(endpoint: str) -> list[str]:
    """Names of the executions running now on the emulator (every state machine)."""
    from lightbox_infra.deploy import local_client

    sfn = local_client("stepfunctions", endpoint)
    names = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            runs = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )
            names += [run["name"] for result in runs for run in result["executions"]]
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(v if isinstance(v, str) else _plain(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    raise TypeError(f"cannot export {type(value).__name__}")


def audit_tables(endpoint: str) -> Iterator[tuple[str, str]]:
    """(environment, audit table) of every Lightbox stack on the emulator."""
    from lightbox_infra.deploy import local_client

    cfn = local_client("cloudformation", endpoint)
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            if stack["StackName"].startswith(STACK_PREFIX) and "AuditTableName" in outputs:
                yield stack["StackName"].removeprefix(STACK_PREFIX), outputs["AuditTableName"]


def export_audit(endpoint: str, out_dir: Path, now: float | None = None) -> list[Path]:
    """Every environment's audit table as JSON lines, one item a line; returns the files."""
    from lightbox_infra.deploy import local_client

    table_service = local_client("dynamodb", endpoint, kind="resource")
    stamp = datetime.fromtimestamp(now or time.time(), tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for env, table_name in audit_tables(endpoint):
        table = table_service.Table(table_name)
        path = out_dir / f"audit-{env}-{stamp}.jsonl"
        staging = path.with_suffix(".partial")
        with staging.open("w") as file:
            kwargs: dict[str, Any] = {}
            while True:
                page = table.scan(**kwargs)
                for item in page["Items"]:
                    file.write(json.dumps(item, default=_plain, sort_keys=True) + "\n")
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        staging.replace(path)
        files.append(path)
    return files


def _warn_and_export(emulator: Emulator, console: Console, discard: bool) -> None:
    """Before a stop or reset: say what will be lost and export the audit trail if at risk."""
    status = emulator.status()
    if not status.ready:
        return
    try:
        running = running_executions(status.endpoint)
    except Exception as exc:  # a stop must not depend on the emulator answering
        console.print(f"could not list the running executions ({exc})", highlight=False)
        running = []
    if running and not discard:
        console.print(
            f"{len(running)} executions are running: they cannot resume, so the next start "
            f"marks them ABORTED and replays each as a linked execution: {', '.join(running)}",
            highlight=False,
        )
    problems = save_problems(emulator.saved_state())
    for service, problem in sorted(problems.items()):
        console.print(
            f"[red]the state of {service} cannot be saved ({problem}): changes since "
            "its last save will be lost[/red]",
            highlight=False,
        )
    if discard or problems:
        files = export_audit(status.endpoint, emulator.home / ".lightbox" / "exports")
        for path in files:
            console.print(f"audit trail exported first: {path}", highlight=False)


def stop_emulator(emulator: Emulator, console: Console) -> None:
    """Stop the emulator, saying first what the stop cuts off (``lightbox emulator stop``
    and the end of ``lightbox demo``)."""
    _warn_and_export(emulator, console, discard=False)
    emulator.stop()
    console.print("emulator stopped; its state is kept for the next start")
    for line in describe_saved(emulator.saved_state(), time.time())[:1]:
        console.print(line, highlight=False)


def cmd_emulator(
    args: argparse.Namespace, emulator: Emulator, console: Console, out: Console
) -> int:
    now = time.time()
    if args.action == "start":
        started = time.monotonic()
        status = emulator.start()
        console.print(
            f"emulator ready at {status.endpoint} (pid {status.pid}) "
            f"in {time.monotonic() - started:.1f}s; log {status.log_path}"
        )
        for line in describe_saved(emulator.saved_state(), now):
            console.print(line, highlight=False)
    elif args.action in ("stop", "reset"):
        if args.action == "reset":
            _warn_and_export(emulator, console, discard=True)
            emulator.reset()
            console.print(f"emulator stopped; saved state discarded ({emulator.state.root})")
        else:
            stop_emulator(emulator, console)
    else:
        status = emulator.status()
        state = "running" if status.running else "stopped"
        out.print(f"{state} endpoint={status.endpoint} pid={status.pid} log={status.log_path}")
        for line in describe_saved(emulator.saved_state(), now):
            out.print(line, highlight=False)
        return 0 if status.running else 3
    return 0
