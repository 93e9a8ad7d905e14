"""`lightbox audit verify NAME...`: is a run's audit chain whole, tail included?

NAME is a run (execution name or ARN) or a chain of its own, such as the
`deletion#{seller}[/{sku}]` tombstones `lightbox delete` writes (never sealed: no
run ends there).

Checks every record's hash and link, the chain's head item (the last record's
seq and hash), and the run's seal: the head signed with the stack's KMS HMAC key
when the run ended (`lightbox.audit.seal`). Exits non-zero when any run fails.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console

from lightbox.audit.seal import TrailCheck, verify_sealed
from lightbox.audit.trail import pipeline_pk

if TYPE_CHECKING:
    from lightbox.audit.seal import AuditSeals, MacSigner
    from lightbox.ports import AuditStore
    from lightbox_cli.context import StackContext

out = Console()


#: Chains that belong to no run, verified by their own key (`lightbox delete`'s tombstones).
OWN_CHAINS = ("deletion#",)


def check_run(store: AuditStore, seals: AuditSeals, signer: MacSigner, name: str) -> TrailCheck:
    pk = name if name.startswith(OWN_CHAINS) else pipeline_pk(name)
    return verify_sealed(list(store.records(pk)), store.head(pk), seals.get(pk), signer)


def verdict(check: TrailCheck, require_seal: bool) -> tuple[bool, str]:
    """(passes, one line) for a run's check."""
    if not check.ok:
        return False, f"TAMPERED: {check.problem}"
    count = check.chain.count
    if not check.sealed:
        line = f"ok, {count} records; not sealed (still running, or the seal is pending)"
        return not require_seal, line
    return True, f"ok, {count} records, sealed"


def _adapters(ctx: StackContext) -> tuple[Any, Any, Any]:
    from lightbox.adapters.audit_seal import DynamoAuditSeals, KmsMacSigner
    from lightbox.adapters.dynamodb import DynamoAuditStore

    dynamodb = ctx.resource("dynamodb")
    return (
        DynamoAuditStore(ctx.outputs["AuditTableName"], dynamodb),
        DynamoAuditSeals(ctx.outputs["AuditSealTableName"], dynamodb),
        KmsMacSigner(ctx.outputs["AuditSealKeyId"], ctx.client("kms")),
    )


def cmd_audit(args: argparse.Namespace, ctx: StackContext) -> int:
    store, seals, signer = _adapters(ctx)
    failed = 0
    rows = []
    for target in args.executions:
        name = target.rsplit(":", 1)[-1]  # an execution ARN ends with its name
        passes, line = verdict(check_run(store, seals, signer, name), args.require_seal)
        failed += not passes
        rows.append({"execution": name, "ok": passes, "verdict": line})
    if args.json:
        out.print_json(data=rows)
    else:
        for row in rows:
            out.print(f"{row['execution']}: {row['verdict']}", highlight=False, markup=False)
    return 1 if failed else 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    au = sub.add_parser("audit", help="verify runs' audit chains (records, head and seal)")
    au.add_argument("action", choices=["verify"])
    au.add_argument(
        "executions", nargs="+", help="execution names or ARNs, or deletion#... tombstone chains"
    )
    au.add_argument("--require-seal", action="store_true", help="an unsealed run fails too")
    au.add_argument("--json", action="store_true", help="machine-readable output")
    au.add_argument("--env", default="local")
    au.set_defaults(func=lambda a: cmd_audit(a, context(a.env)))
