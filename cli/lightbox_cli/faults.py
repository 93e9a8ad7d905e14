"""`lightbox faults set|clear|list|throttle`: make a test stack's stages fail on purpose.

A fault lives in one stage function's environment (`LIGHTBOX_FAULT`, read by
`lightbox.faults` when an instance starts), so setting or clearing one is a
function configuration update: instances started after it see it. Only a
stack deployed with `AllowFaultInjection=true` (never `prod`) honours them;
`set` refuses any other. `throttle` sets the function's reserved concurrency
to 0 for a while, so Lambda itself refuses its invocations
(`TooManyRequestsException`), then puts back what was there.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_args

from pydantic import ValidationError
from rich.console import Console

from lightbox.faults import ALLOW_VARIABLE, FAULT_VARIABLE, Fault, FaultKind

if TYPE_CHECKING:
    from lightbox_cli.context import StackContext

out = Console()
KINDS: tuple[str, ...] = get_args(FaultKind)


class FaultsError(RuntimeError):
    """A fault that cannot be set or cleared; the message says why."""


def function_name(env: str, stage: str) -> str:
    """`segment`, `draft_copy` or `draft-copy` -> `lightbox-{env}-draft-copy`."""
    return f"lightbox-{env}-{stage.strip().replace('_', '-')}"


def _variables(lam: Any, name: str) -> dict[str, str]:
    try:
        config = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException as exc:
        raise FaultsError(f"no function {name}: name a stage (functions/ folder)") from exc
    return dict((config.get("Environment") or {}).get("Variables") or {})


def _update(lam: Any, name: str, variables: dict[str, str]) -> None:
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )


def set_fault(lam: Any, env: str, stage: str, fault: dict[str, Any]) -> str:
    if fault.get("kind") not in KINDS:
        raise FaultsError(f"kind {fault.get('kind')!r}: one of {', '.join(KINDS)}")
    try:  # the rules the stage itself applies when it reads the fault
        checked = Fault.model_validate(fault)
    except ValidationError as exc:
        raise FaultsError(f"not a fault: {exc}") from exc
    name = function_name(env, stage)
    variables = _variables(lam, name)
    if variables.get(ALLOW_VARIABLE) != "true":
        raise FaultsError(
            f"{name} does not allow fault injection: deploy the stack with "
            "AllowFaultInjection=true (a test or emulator stack; never prod)"
        )
    variables[FAULT_VARIABLE] = checked.model_dump_json()
    _update(lam, name, variables)
    return name


def stack_functions(lam: Any, env: str) -> list[str]:
    prefix = f"lightbox-{env}-"
    names: list[str] = []
    for page in lam.get_paginator("list_functions").paginate():
        names += [f["FunctionName"] for f in page["Functions"]]
    return sorted(n for n in names if n.startswith(prefix))


def faults_set(lam: Any, env: str) -> dict[str, str]:
    """Function name -> its fault, for every function of the stack that has one."""
    found: dict[str, str] = {}
    for name in stack_functions(lam, env):
        fault = _variables(lam, name).get(FAULT_VARIABLE)
        if fault:
            found[name] = fault
    return found


def clear_faults(lam: Any, env: str, stage: str | None = None) -> list[str]:
    names = [function_name(env, stage)] if stage else list(faults_set(lam, env))
    cleared = []
    for name in names:
        variables = _variables(lam, name)
        if variables.pop(FAULT_VARIABLE, None) is not None:
            _update(lam, name, variables)
            cleared.append(name)
    return cleared


def throttle(lam: Any, env: str, stage: str, seconds: float) -> str:
    """Reserved concurrency 0 for `seconds`, then the function's own setting again."""
    name = function_name(env, stage)
    _variables(lam, name)  # a clear error for a wrong stage name
    before = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    try:
        time.sleep(seconds)
    finally:
        if before is None:
            lam.delete_function_concurrency(FunctionName=name)
        else:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=before)
    return name


def cmd_faults(args: argparse.Namespace, ctx: StackContext) -> int:
    lam = ctx.client("lambda")
    try:
        if args.action == "set":
            fault = {"kind": args.kind, "times": args.times, "key_contains": args.key_contains}
            name = set_fault(lam, ctx.env, args.stage, fault)
            out.print(f"{name}: {args.kind} fault set; new invocations see it", markup=False)
        elif args.action == "clear":
            cleared = clear_faults(lam, ctx.env, args.stage or None)
            out.print(f"cleared: {', '.join(cleared) or 'nothing was set'}", markup=False)
        elif args.action == "throttle":
            name = throttle(lam, ctx.env, args.stage, args.seconds)
            out.print(f"{name}: throttled for {args.seconds:g} s, then restored", markup=False)
        else:
            for name, raw in faults_set(lam, ctx.env).items():
                out.print(f"{name}  {raw}", markup=False)
    except FaultsError as exc:
        out.print(f"error: {exc}", markup=False)
        return 2
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    fa = sub.add_parser("faults", help="test stacks: make a stage fail, time out or be throttled")
    fa.add_argument("action", choices=["set", "clear", "list", "throttle"])
    fa.add_argument("stage", nargs="?", default="", help="a functions/ folder, e.g. segment")
    fa.add_argument("kind", nargs="?", default="error", choices=KINDS, help="set: the fault")
    fa.add_argument("--times", type=int, default=0, help="set: first N only (0 = always)")
    fa.add_argument("--key-contains", default="", help="set: only photos whose key holds this")
    fa.add_argument("--seconds", type=float, default=30, help="throttle: for how long")
    fa.add_argument("--env", default="local")
    fa.set_defaults(func=lambda a: cmd_faults(a, context(a.env)))
