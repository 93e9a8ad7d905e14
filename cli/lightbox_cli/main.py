"""`lightbox` — operate the pipeline: emulator, stack, process, executions, review, demo,
calibrate, config."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lightbox_cli.context import StackContext, StackNotFoundError
from lightbox_cli.phases import Phases
from lightbox_cli.process import (
    UPLOAD_JOBS,
    Item,
    ProcessError,
    collect_inputs,
    download,
    follow,
    upload,
    write_report,
)

if TYPE_CHECKING:
    from lightbox.review.service import ReviewService
    from lightbox_cli.reprocess import RunProgress
    from lightbox_infra.emulator import Emulator

console = Console(stderr=True)
out = Console()
STATUS_STYLE = {
    "published": "green",
    "in_review": "yellow",
    "rejected": "red",
    "quarantined": "magenta",
    "failed": "bold red",
}


def _emulator() -> Emulator:
    from lightbox_infra.emulator import Emulator

    return Emulator()


#: Set from `--aws` before a command runs: talk to the AWS account, not the emulator.
_TARGET = {"aws": False}


def _context(env: str) -> StackContext:
    """The stack of environment `env`: on the emulator unless `--aws` was given."""
    if _TARGET["aws"]:
        return StackContext(env)
    status = _emulator().status()
    if not status.running:
        raise StackNotFoundError("the emulator is not running: `lightbox emulator start`")
    return StackContext(env, status.endpoint)


def _env_name(value: str) -> str:
    from lightbox_infra.deploy import ENV_NAME

    if not ENV_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r}: 2-21 lower-case letters, digits or '-', starting with a letter"
        )
    return value


def _with_environment_flags(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Every command that takes `--env` validates the name and takes `--aws` too."""
    for command in sub.choices.values():
        env = next((a for a in command._actions if a.dest == "env"), None)
        if env is None:
            continue
        env.type = _env_name
        env.help = "environment name (default local); any number coexist on the emulator"
        command.add_argument(
            "--aws",
            action="store_true",
            help="the environment's stack in the AWS account (credentials from the environment)",
        )


# --- emulator -----------------------------------------------------------------------------
def cmd_emulator(args: argparse.Namespace) -> int:
    from lightbox_cli.emulator_state import cmd_emulator as run

    return run(args, _emulator(), console, out)


# --- stack --------------------------------------------------------------------------------
def _deploy_local(env: str = "local", phases: Phases | None = None) -> StackContext:
    from lightbox_infra.deploy import deploy_local

    phases = phases or Phases()
    with phases.phase("emulator start"):
        status = _emulator().start()
    with console.status(f"building and deploying template.yaml to the emulator as {env}…"):
        info = deploy_local(status.endpoint, env=env)
    phases.add("sam build", info.build_seconds)
    phases.add("layers", info.package_seconds)
    phases.add("deploy", info.deploy_seconds)
    console.print(
        f"stack {info.stack_name} deployed: build {info.build_seconds:.1f}s, "
        f"layers {info.package_seconds:.1f}s, deploy {info.deploy_seconds:.1f}s"
    )
    ctx = StackContext(env, status.endpoint)
    _seed_thresholds(ctx)
    return ctx


def _seed_thresholds(ctx: StackContext) -> None:
    """A new stack starts at thresholds v1 (the built-in defaults), stored and versioned."""
    from lightbox.adapters.dynamodb import DynamoConfigStore
    from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS

    store = DynamoConfigStore(ctx.outputs["ConfigTableName"], ctx.resource("dynamodb"))
    if store.current() is None:
        store.publish("v1", json.dumps(DEFAULT_THRESHOLDS, sort_keys=True), "initial defaults")


def cmd_stack(args: argparse.Namespace) -> int:
    from lightbox_infra.deploy import AWS_ENVIRONMENTS, delete_local, deploy_aws

    if args.action == "deploy":
        if not args.aws:
            _deploy_local(args.env)
        elif args.env not in AWS_ENVIRONMENTS:
            console.print(
                f"refusing: samconfig.toml configures {', '.join(AWS_ENVIRONMENTS)} for AWS; "
                "add a section for another environment first"
            )
            return 2
        else:
            deploy_aws(args.env)
            _seed_thresholds(StackContext(args.env))
    elif args.action == "delete":
        if args.aws:
            console.print(
                "refusing: delete AWS stacks with `sam delete --config-env ENV` "
                "after exporting the audit table"
            )
            return 2
        delete_local(_context(args.env).endpoint or "", args.env)
        console.print(f"stack lightbox-{args.env} deleted; other environments are untouched")
    else:
        out.print_json(data=_context(args.env).outputs)
    return 0


def _progress() -> Progress:
    """The progress display of long commands: a bar per phase, with a note."""
    return Progress(
        TextColumn("{task.description:<11}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
    )


# --- process ------------------------------------------------------------------------------
def run_process(
    ctx: StackContext,
    paths: list[Path],
    out_dir: Path,
    seller: str | None,
    timeout: float,
    jobs: int = UPLOAD_JOBS,
    phases: Phases | None = None,
) -> list[dict[str, Any]]:
    phases = phases or Phases()
    pairs = collect_inputs(paths, seller)
    with _progress() as progress:
        sent = progress.add_task("uploading", total=len(pairs), note="")
        finished = progress.add_task("processing", total=len(pairs), note="")
        counts: dict[str, int] = {}
        unchanged = 0

        def uploaded(item: Item) -> None:
            nonlocal unchanged
            unchanged += not item.uploaded
            note = f"{unchanged} unchanged, not sent again" if unchanged else ""
            progress.update(sent, advance=1, note=note)

        with phases.phase("upload"):
            items = upload(ctx, pairs, jobs, uploaded)
        done: set[str] = set()

        def changed(item: Item) -> None:
            if item.status not in ("running", "queued") and item.key not in done:
                done.add(item.key)
                counts[item.status] = counts.get(item.status, 0) + 1
                note = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                progress.update(finished, advance=1, note=note)
                progress.console.print(
                    f"  [{STATUS_STYLE.get(item.status, 'white')}]{item.status:<11}[/] {item.key}"
                )

        with phases.phase("pipeline drain"):
            follow(ctx, items, timeout, changed)
        progress.update(finished, description="downloading")
        with phases.phase("download"):
            download(ctx, items, out_dir)
    write_report(items, out_dir)
    return [i.report() for i in items]


def print_summary(items: list[dict[str, Any]]) -> None:
    table = Table(title="Lightbox results")
    for column in ("input", "status", "confidence", "reason"):
        table.add_column(column, overflow="fold")
    for item in items:
        conf = item["scores"].get("confidence")
        table.add_row(
            Path(item["input"]).name,
            f"[{STATUS_STYLE.get(item['status'], 'white')}]{item['status']}[/]",
            f"{conf:.2f}" if conf is not None else "-",
            item["reason"][:160],
        )
    out.print(table)


def cmd_process(args: argparse.Namespace) -> int:
    ctx = _context(args.env)
    items = run_process(ctx, args.paths, args.out, args.seller, args.timeout, args.jobs)
    print_summary(items)
    totals = ", ".join(
        f"{sum(i['status'] == s for i in items)} {s}"
        for s in dict.fromkeys(i["status"] for i in items)
    )
    out.print(f"{len(items)} photos: {totals}")
    out.print(f"report: {args.out / 'report.json'}")
    return 1 if any(i["status"] == "failed" for i in items) else 0


# --- reprocess ----------------------------------------------------------------------------
def cmd_reprocess(args: argparse.Namespace) -> int:
    from lightbox_cli import reprocess

    ctx = _context(args.env)
    run = reprocess.start_run(ctx, args.seller, args.sku, args.since)
    console.print(f"reprocess run {run.run}")
    with _progress() as progress:
        bar = progress.add_task("starting", total=None, note="")

        def shown(p: RunProgress) -> None:
            note = f"{p.started} started, {p.skipped} skipped, {p.failed} failed"
            progress.update(bar, total=p.total or None, completed=p.done + p.failed, note=note)

        reprocess.wait_for_run(ctx, run, args.timeout, shown)
        items = reprocess.child_items(ctx, run) if run.children and args.follow else []
        if items:
            done = progress.add_task("processing", total=len(items), note="")
            counts: dict[str, int] = {}

            def changed(item: Item) -> None:
                if item.status not in ("running", "queued"):
                    counts[item.status] = counts.get(item.status, 0) + 1
                    note = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                    progress.update(done, advance=1, note=note)

            follow(ctx, items, args.timeout, changed)
    out.print(
        f"run {run.run}: {run.status.lower()}; {run.total} items: {run.started} started, "
        f"{run.skipped} skipped, {run.failed} failed"
    )
    if run.results_key:
        out.print(f"item results: s3://{ctx.outputs['BucketName']}/{run.results_key}")
    if items:
        totals = ", ".join(
            f"{sum(i.status == s for i in items)} {s}"
            for s in dict.fromkeys(i.status for i in items)
        )
        out.print(f"pipeline results: {totals}")
    if run.error:
        console.print(f"[red]run failed:[/] {run.error}")
    failed = run.status != "SUCCEEDED" or any(i.status == "failed" for i in items)
    return 1 if failed else 0


# --- review -------------------------------------------------------------------------------
def _review_service(ctx: StackContext) -> ReviewService:
    from lightbox.adapters.aws import TaskTokens
    from lightbox.adapters.dynamodb import DynamoReviewStore
    from lightbox.review.service import ReviewService

    store = DynamoReviewStore(ctx.outputs["ReviewTableName"], ctx.resource("dynamodb"))
    return ReviewService(store, TaskTokens(ctx.client("stepfunctions")))


def cmd_review_access(args: argparse.Namespace) -> int:
    """token, revoke, rotate-key, serve: reviewer credentials and the local review page."""
    from lightbox.review.tokens import TokenError
    from lightbox_cli import review

    ctx = _context(args.env)
    try:
        if args.action == "token":
            print(review.mint_token(ctx, args.reviewer, args.level, args.ttl_hours))
        elif args.action == "revoke":
            console.print(review.revoke(ctx, args.token, args.reviewer or None, "cli"))
        elif args.action == "rotate-key":
            console.print(review.rotate_key(ctx, args.retire_previous))
        else:
            server = review.serve(review.review_api_url(ctx), args.host, args.port)
            console.print(
                f"review page at http://{args.host}:{server.server_port}/ "
                f"(API {review.review_api_url(ctx)}); Ctrl+C stops"
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                server.server_close()
    except TokenError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from lightbox.review.service import ReviewError

    if args.action in ("token", "revoke", "rotate-key", "serve"):
        return cmd_review_access(args)
    service = _review_service(_context(args.env))
    if args.action == "list":
        table = Table(title="Pending reviews")
        for column in ("task", "sku", "confidence", "assignee", "expires", "reasons"):
            table.add_column(column, overflow="fold")
        for t in service.pending():
            table.add_row(
                t["task_id"],
                f"{t['seller']}/{t['sku']}",
                f"{t['confidence']:.2f}",
                t["assignee"],
                t["expires_at"],
                "; ".join(t.get("reasons", []))[:120],
            )
        out.print(table)
        return 0
    decision: Literal["approved", "rejected"] = (
        "approved" if args.action == "approve" else "rejected"
    )
    try:
        result = service.decide(args.task, decision, args.reviewer, args.reason or "")
    except ReviewError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    note = "" if result.changed else " (already recorded; nothing changed)"
    out.print(f"{result.task_id}: {result.decision}{note}")
    return 0


# --- demo ---------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from lightbox_cli.contact_sheet import write_contact_sheet
    from lightbox_infra.paths import state_dir
    from lightbox_samples import cached_samples

    phases = Phases()
    emulator = _emulator()
    try:
        ctx = _deploy_local(phases=phases)
        samples_dir = args.out / "samples"
        with phases.phase("samples"):
            samples = cached_samples(samples_dir, state_dir() / "cache" / "samples")
        console.print(f"generated {len(samples)} sample uploads in {samples_dir}")
        items = run_process(ctx, [samples_dir], args.out, None, args.timeout, phases=phases)
    finally:
        if not args.keep_running:
            from lightbox_cli.emulator_state import stop_emulator

            with phases.phase("emulator stop"):
                stop_emulator(emulator, console)  # says which runs the stop cuts off
    print_summary(items)
    with phases.phase("contact sheet"):
        sheet = write_contact_sheet(items, args.out, "Lightbox demo")
    out.print(phases.table("Where the demo's time went"))
    timings = phases.write(args.out / "phases.json")
    out.print(f"report: {args.out / 'report.json'}\ncontact sheet: {sheet}\nphases: {timings}")
    out.print(f"demo finished in {phases.total:.1f}s")
    if args.keep_running:
        out.print(
            "emulator still running: `lightbox review token --reviewer NAME` and "
            "`lightbox review serve` (the review page), then `lightbox emulator stop`"
        )
    return 1 if any(i["status"] == "failed" for i in items) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lightbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    emu = sub.add_parser("emulator", help="the embedded LocalStack (host mode)")
    emu.add_argument(
        "action",
        choices=["start", "stop", "status", "reset"],
        help="state is kept across stop/start; reset stops and discards it",
    )
    emu.set_defaults(func=cmd_emulator)

    stack = sub.add_parser("stack", help="deploy/delete the stack for an environment")
    stack.add_argument("action", choices=["deploy", "delete", "outputs"])
    stack.add_argument("--env", default="local")
    stack.set_defaults(func=cmd_stack)

    proc = sub.add_parser("process", help="upload photos and collect the results")
    proc.add_argument("paths", nargs="+", type=Path)
    proc.add_argument("--out", type=Path, required=True)
    proc.add_argument(
        "--seller", default=None, help="seller id (default: the folder above each SKU folder)"
    )
    proc.add_argument("--env", default="local")
    proc.add_argument("--timeout", type=float, default=600)
    proc.add_argument(
        "--jobs", type=int, default=UPLOAD_JOBS, help=f"parallel uploads (default {UPLOAD_JOBS})"
    )
    proc.set_defaults(func=cmd_process)

    rep = sub.add_parser("reprocess", help="re-run the pipeline for a seller's originals")
    rep.add_argument("--seller", required=True)
    rep.add_argument("--sku", default=None, help="only this SKU")
    rep.add_argument("--since", default=None, help="only originals modified since (date/time)")
    rep.add_argument("--env", default="local")
    rep.add_argument("--timeout", type=float, default=600)
    rep.add_argument(
        "--no-follow", dest="follow", action="store_false", help="do not wait for the results"
    )
    rep.set_defaults(func=cmd_reprocess)

    from lightbox_cli import audit, delete, dlq, executions, faults, status

    executions.register(sub, _context)
    faults.register(sub, _context)
    audit.register(sub, _context)
    dlq.register(sub, _context)
    status.register(sub, _context)
    delete.register(sub, _context)

    rv = sub.add_parser("review", help="human review tasks")
    rv.add_argument(
        "action", choices=["list", "approve", "reject", "token", "revoke", "rotate-key", "serve"]
    )
    rv.add_argument("task", nargs="?", default="")
    rv.add_argument("--reviewer", default="")
    rv.add_argument("--reason", default="")
    rv.add_argument("--level", type=int, default=0, help="token: review level 0-2 (default 0)")
    rv.add_argument("--ttl-hours", type=float, default=12, help="token: lifetime (default 12)")
    rv.add_argument("--token", default=None, help="revoke: this token")
    rv.add_argument(
        "--retire-previous", action="store_true", help="rotate-key: invalidate every old token"
    )
    rv.add_argument("--host", default="127.0.0.1", help="serve: address (default 127.0.0.1)")
    rv.add_argument("--port", type=int, default=8642, help="serve: port (default 8642)")
    rv.add_argument("--env", default="local")
    rv.set_defaults(func=cmd_review)

    demo = sub.add_parser("demo", help="emulator + deploy + sample photos, end to end")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    demo.add_argument("--timeout", type=float, default=600)
    demo.add_argument("--keep-running", action="store_true")
    demo.set_defaults(func=cmd_demo)

    from lightbox_cli import dashboard, learning

    learning.register(sub, _context)
    dashboard.register(sub, _context)
    _with_environment_flags(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _TARGET["aws"] = bool(getattr(args, "aws", False))
    if args.command == "review" and args.action in ("approve", "reject") and not args.task:
        parser.error("name the task: lightbox review approve|reject TASK --reviewer NAME")
    if args.command == "review" and args.action == "token" and not args.reviewer:
        parser.error("name the reviewer: lightbox review token --reviewer NAME [--level N]")
    if args.command == "review" and args.action == "revoke" and not (args.token or args.reviewer):
        parser.error("lightbox review revoke --token TOKEN | --reviewer NAME")
    if args.command == "faults" and args.action in ("set", "throttle") and not args.stage:
        parser.error("name the stage: lightbox faults set|throttle STAGE ...")
    if args.command == "executions" and args.action != "list" and not args.execution:
        parser.error("name the execution (its name or ARN)")
    from lightbox_infra.deploy import DeployError
    from lightbox_infra.emulator import EmulatorError

    try:
        code: int = args.func(args)  # every subcommand's cmd_* returns its exit code
        return code
    except (StackNotFoundError, ProcessError, DeployError, EmulatorError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
