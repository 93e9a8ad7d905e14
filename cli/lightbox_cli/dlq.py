"""`lightbox dlq list|replay`: events EventBridge could not deliver, and their redelivery.

The queue (`EventsDeadLetterQueue`) holds each undelivered event as the message
body, with why in its attributes (`RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`,
`ERROR_MESSAGE`). `replay` invokes the event's target function with the event
again and deletes the message once the function succeeds (intake's execution
names are deterministic, so a replayed upload that did start a run before is
refused as a duplicate rather than processed twice).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from lightbox_cli.context import StackContext

out = Console()
#: How long `list` hides the messages it reads before handing them back.
PEEK_SECONDS = 30


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt: str
    target: str
    rule: str
    error: str
    event: dict[str, Any]

    @property
    def summary(self) -> str:
        detail = self.event.get("detail") or {}
        what = (detail.get("object") or {}).get("key") or detail.get("name") or ""
        target = self.target.rsplit(":", 1)[-1]
        return f"{self.message_id}  {target}  {what}  {self.error}"


def _attribute(message: dict[str, Any], name: str) -> str:
    return str((message.get("MessageAttributes") or {}).get(name, {}).get("StringValue", ""))


def receive_all(sqs: Any, queue_url: str, hide_seconds: int) -> list[DeadLetter]:
    """Every message now in the queue (each hidden for `hide_seconds` while it is read)."""
    letters: dict[str, DeadLetter] = {}
    while True:
        page = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=hide_seconds,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        )
        messages = page.get("Messages", [])
        if not messages:
            return list(letters.values())
        for m in messages:
            try:
                event = json.loads(m.get("Body") or "{}")
            except ValueError:
                event = {"body": m.get("Body")}
            letters[m["MessageId"]] = DeadLetter(
                message_id=m["MessageId"],
                receipt=m["ReceiptHandle"],
                target=_attribute(m, "TARGET_ARN"),
                rule=_attribute(m, "RULE_ARN"),
                error=" ".join(
                    p for p in (_attribute(m, "ERROR_CODE"), _attribute(m, "ERROR_MESSAGE")) if p
                ),
                event=event if isinstance(event, dict) else {"body": event},
            )


def list_dead_letters(sqs: Any, queue_url: str) -> list[DeadLetter]:
    """Read every message and make it visible again at once."""
    letters = receive_all(sqs, queue_url, PEEK_SECONDS)
    for letter in letters:
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=letter.receipt, VisibilityTimeout=0
        )
    return letters


@dataclass(frozen=True)
class Replayed:
    message_id: str
    ok: bool
    detail: str


def replay_dead_letters(
    sqs: Any, lam: Any, queue_url: str, only: set[str] | None = None
) -> list[Replayed]:
    """Invoke each message's target with its event; delete the messages that succeeded."""
    results: list[Replayed] = []
    for letter in receive_all(sqs, queue_url, 300):
        if (only and letter.message_id not in only) or not letter.target:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=letter.receipt, VisibilityTimeout=0
            )
            if not letter.target and (not only or letter.message_id in only):
                results.append(Replayed(letter.message_id, False, "no TARGET_ARN attribute"))
            continue
        response = lam.invoke(FunctionName=letter.target, Payload=json.dumps(letter.event).encode())
        payload = response["Payload"].read().decode(errors="replace")
        if "FunctionError" in response:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=letter.receipt, VisibilityTimeout=0
            )
            results.append(Replayed(letter.message_id, False, payload[:500]))
            continue
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=letter.receipt)
        results.append(Replayed(letter.message_id, True, payload[:500]))
    return results


def cmd_dlq(args: argparse.Namespace, ctx: StackContext) -> int:
    sqs, url = ctx.client("sqs"), ctx.outputs["EventsDeadLetterQueueUrl"]
    if args.action == "list":
        letters = list_dead_letters(sqs, url)
        if args.json:
            out.print_json(data=[{**vars(x), "receipt": None} for x in letters])
        else:
            for letter in letters:
                out.print(letter.summary, highlight=False, markup=False)
            out.print(f"{len(letters)} undelivered event(s)")
        return 0
    results = replay_dead_letters(sqs, ctx.client("lambda"), url, set(args.ids) or None)
    for r in results:
        out.print(f"{r.message_id}: {'replayed' if r.ok else 'FAILED'} {r.detail}", markup=False)
    out.print(f"{sum(r.ok for r in results)} of {len(results)} replayed")
    return 0 if all(r.ok for r in results) else 1


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    dl = sub.add_parser("dlq", help="events not delivered after retries: list or replay them")
    dl.add_argument("action", choices=["list", "replay"])
    dl.add_argument("ids", nargs="*", help="replay: only these message ids (default all)")
    dl.add_argument("--json", action="store_true", help="list: machine-readable output")
    dl.add_argument("--env", default="local")
    dl.set_defaults(func=lambda a: cmd_dlq(a, context(a.env)))
