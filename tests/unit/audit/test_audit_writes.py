"""No unconditional write reaches the audit table or the seal table.

The DynamoDB adapters run against a recording table: every write they make is
a PutItem with a ConditionExpression (alone or inside a transaction), and no
Update, Delete or batch write exists. The template test (tests/unit/infra)
proves the roles cannot do anything else either.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from lightbox.adapters import audit_seal, dynamodb
from lightbox.adapters.audit_seal import DynamoAuditSeals
from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.seal import seal_chain
from lightbox.audit.trail import AuditEntry, AuditTrail
from support.fakes import HmacSigner

WRITES = {"put_item", "update_item", "delete_item", "batch_writer", "batch_write_item"}
WRITES |= {"transact_write_items", "execute_statement", "batch_execute_statement"}


class RecordingTable:
    """A boto3 Table stand-in: keeps items by (pk, sk), records every write."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.writes: list[tuple[str, dict[str, Any]]] = []
        self.meta = self  # table.meta.client.transact_write_items
        self.client = self

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        found = self.items.get((Key["pk"], Key.get("sk", "")))
        return {"Item": found} if found else {}

    def query(self, **_: Any) -> dict[str, Any]:
        return {"Items": []}

    def put_item(self, **kwargs: Any) -> None:
        self.writes.append(("put_item", kwargs))
        item = kwargs["Item"]
        self.items[(item["pk"], item.get("sk", ""))] = item

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        for entry in TransactItems:
            ((kind, body),) = entry.items()
            self.writes.append((f"transact:{kind}", body))
            self.items[(body["Item"]["pk"], body["Item"].get("sk", ""))] = body["Item"]

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the adapter called {name}, which no audit writer may use")


class RecordingResource:
    def __init__(self) -> None:
        self.table = RecordingTable()

    def Table(self, name: str) -> RecordingTable:
        return self.table


def test_given_a_chain_appended_and_sealed_when_recorded_then_every_write_is_a_conditional_put():
    audit, seals = RecordingResource(), RecordingResource()
    store = DynamoAuditStore("audit", audit)
    trail = AuditTrail(store)
    for decision in ("accepted", "scored", "published"):
        trail.append("pipeline#r", AuditEntry(stage="s", decision=decision, actor="agent:t@1"))
    seal_chain(
        store, DynamoAuditSeals("seals", seals), HmacSigner(), "pipeline#r", "SUCCEEDED", "t"
    )

    writes = audit.table.writes + seals.table.writes
    assert len(audit.table.writes) == 6  # three records, three head moves
    assert len(seals.table.writes) == 1
    for kind, body in writes:
        assert kind in ("put_item", "transact:Put"), kind
        assert body.get("ConditionExpression"), f"unconditional {kind}: {body['Item']}"


def test_given_the_audit_adapters_when_read_then_no_other_write_call_appears_in_their_code():
    for module, names in ((dynamodb, {"DynamoAuditStore"}), (audit_seal, {"DynamoAuditSeals"})):
        tree = ast.parse(inspect.getsource(module))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name in names):
            called = {
                node.func.attr
                for node in ast.walk(cls)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            }
            assert called & WRITES <= {"put_item", "transact_write_items"}, (cls.name, called)
