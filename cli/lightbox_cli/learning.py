"""`lightbox calibrate` and `lightbox config list|show|diff|rollback`: routing config versions.

`calibrate` invokes the stack's Calibrate function (the same code and
permissions as the scheduled run); the config commands read and write the
config table through `lightbox.adapters.learning.DynamoConfigVersions`.
"""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from lightbox.adapters.learning import DynamoConfigVersions
    from lightbox_cli.context import StackContext

console = Console(stderr=True)
out = Console()


def _versions(ctx: StackContext) -> DynamoConfigVersions:
    from lightbox.adapters.learning import DynamoConfigVersions

    return DynamoConfigVersions(ctx.outputs["ConfigTableName"], ctx.resource("dynamodb"))


def _fmt(value: float | None, pct: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if pct else f"{value:.3f}"


def invoke_calibrate(ctx: StackContext, actor: str, dry_run: bool) -> dict[str, Any]:
    """Run the deployed Calibrate function once and return its summary."""
    response = ctx.client("lambda").invoke(
        FunctionName=ctx.outputs["CalibrateFunctionName"],
        Payload=json.dumps({"source": "lightbox-cli", "actor": actor, "dry_run": dry_run}),
    )
    payload: dict[str, Any] = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RuntimeError(f"Calibrate failed: {payload}")
    return payload


def cmd_calibrate(args: argparse.Namespace, ctx: StackContext) -> int:
    summary = invoke_calibrate(ctx, f"human:{args.by}", args.dry_run)
    table = Table(title=f"Calibration from {summary['base']}")
    for column in ("category", "decisions", "moved", "precision", "review rate", "why"):
        table.add_column(column, overflow="fold")
    for category, ev in sorted(summary["evidence"].items()):
        before, after = ev.get("review_rate_before"), ev.get("expected_review_rate")
        rate = _fmt(before) if after is None else f"{_fmt(before)} -> {_fmt(after)}"
        precision = ev.get("estimated_precision", ev.get("precision_before"))
        table.add_row(
            category,
            f"{ev.get('n', 0)} ({ev.get('spot_checks', 0)} spot)",
            "yes" if ev.get("moved") else "no",
            _fmt(precision),
            rate,
            ev.get("reason", ""),
        )
    out.print(table)
    if summary["written"]:
        out.print(
            f"wrote config {summary['written']} (now current); moved: "
            f"{', '.join(summary['moved']) or 'nothing'}"
        )
    else:
        out.print("nothing written" + (" (dry run)" if args.dry_run else ": no new evidence"))
    return 0


def cmd_config(args: argparse.Namespace, ctx: StackContext) -> int:
    from lightbox.learning.config import diff
    from lightbox.learning.service import roll_back

    store = _versions(ctx)
    current = store.current()
    if args.action == "list":
        table = Table(title="Routing config versions")
        for column in ("version", "", "created", "by", "parent", "note"):
            table.add_column(column, overflow="fold")
        for v in store.versions():
            mark = "current" if current and v.version == current.version else ""
            table.add_row(v.version, mark, v.created_at, v.created_by, v.parent or "", v.note)
        out.print(table)
        return 0
    if args.action == "show":
        name = args.version or (current.version if current else "")
        version = store.get(name) if name else None
        if version is None:
            console.print(f"[red]no config version {name or '(none current)'}[/]")
            return 1
        out.print_json(data=version.model_dump(mode="json", exclude_none=True))
        return 0
    if args.action == "diff":
        a = store.get(args.version)
        b = store.get(args.other) if args.other else current
        if a is None or b is None:
            console.print(f"[red]unknown version: {args.version} / {args.other or 'current'}[/]")
            return 1
        lines = diff(a, b)
        out.print(f"{a.version} -> {b.version}: " + ("no routing difference" if not lines else ""))
        for line in lines:
            out.print(f"  {line}")
        return 0
    try:
        version = roll_back(
            store, args.version, now=datetime.now(UTC).isoformat(), actor=f"human:{args.by}"
        )
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        return 1
    out.print(f"wrote {version.version} routing like {args.version}; it is now current")
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    """Add `calibrate` and `config` to the CLI; `context(env)` gives the StackContext."""
    cal = sub.add_parser("calibrate", help="learn routing from reviewer feedback now")
    cal.add_argument("--dry-run", action="store_true", help="show the evidence, write nothing")
    cal.add_argument("--by", default=getpass.getuser(), help="who asked (for the version)")
    cal.add_argument("--env", default="local")
    cal.set_defaults(func=lambda a: cmd_calibrate(a, context(a.env)))

    cfg = sub.add_parser("config", help="routing config versions")
    cfg.add_argument("action", choices=["list", "show", "diff", "rollback"])
    cfg.add_argument("version", nargs="?", default="", help="show/diff/rollback: a version")
    cfg.add_argument("other", nargs="?", default="", help="diff: compare with (default current)")
    cfg.add_argument("--by", default=getpass.getuser(), help="rollback: who (for the version)")
    cfg.add_argument("--env", default="local")
    cfg.set_defaults(func=lambda a: _config(a, context))


def _config(args: argparse.Namespace, context: Callable[[str], StackContext]) -> int:
    if args.action in ("diff", "rollback") and not args.version:
        console.print(f"[red]name the version: lightbox config {args.action} VERSION[/]")
        return 2
    return cmd_config(args, context(args.env))
