"""DynamoDB tables: audit (append-only), review tasks, config."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from lightbox.audit.trail import HEAD_SK, RECORD_PREFIX, AuditConflictError


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain wants int/float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_dynamo(v) for v in value]
    return value


def _table(name: str, resource: Any | None) -> Any:
    return (resource or boto3.resource("dynamodb")).Table(name)


def _is_conditional_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoAuditStore:
    """Audit chain storage. Reads with GetItem and Query; writes only with conditional
    PutItem (a record and its chain's head in one transaction), never Update or Delete."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)
        self._name = table_name

    def head(self, pk: str) -> Mapping[str, Any] | None:
        found = self._table.get_item(Key={"pk": pk, "sk": HEAD_SK}, ConsistentRead=True)
        return _plain(found["Item"]) if "Item" in found else None

    def append(self, item: Mapping[str, Any], head: Mapping[str, Any] | None) -> None:
        """The record if it is new, and the head moved from `head` to it: both or neither."""
        new_head = {"pk": item["pk"], "sk": HEAD_SK, "seq": item["seq"], "hash": item["hash"]}
        if head is None:
            head_condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            head_condition = {
                "ConditionExpression": "#seq = :seq AND #hash = :hash",
                "ExpressionAttributeNames": {"#seq": "seq", "#hash": "hash"},
                "ExpressionAttributeValues": {":seq": _dynamo(head["seq"]), ":hash": head["hash"]},
            }
        try:
            self._table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._name,
                            "Item": _dynamo(dict(item)),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self._name, "Item": new_head, **head_condition}},
                ]
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                raise AuditConflictError(str(exc)) from exc
            raise

    def records(self, pk: str) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with(RECORD_PREFIX),
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoReviewStore:
    """Review tasks (pk=`task#<id>`) and recorded reviewer feedback."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)

    def put_task(self, item: Mapping[str, Any]) -> None:
        self._table.put_item(Item=_dynamo(dict(item)))

    def get_task(self, task_id: str) -> dict[str, Any] | None:
        found = self._table.get_item(
            Key={"pk": f"task#{task_id}", "sk": "task"}, ConsistentRead=True
        )
        return _plain(found["Item"]) if "Item" in found else None

    def transition(
        self, task_id: str, from_status: str, to_status: str, fields: Mapping[str, Any]
    ) -> bool:
        """Move a task between statuses atomically; False if it was not in `from_status`."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":from": from_status, ":to": to_status}
        sets = ["#status = :to"]
        for i, (name, value) in enumerate(fields.items()):
            names[f"#f{i}"] = name
            values[f":v{i}"] = _dynamo(value)
            sets.append(f"#f{i} = :v{i}")
        try:
            self._table.update_item(
                Key={"pk": f"task#{task_id}", "sk": "task"},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#status = :from",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def tasks_with_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        page = self._table.query(
            IndexName="by-status",
            KeyConditionExpression=Key("status").eq(status),
            Limit=limit,
        )
        return [_plain(i) for i in page.get("Items", [])]

    def task_page(
        self,
        status: str,
        limit: int,
        start_key: dict[str, Any] | None,
        filters: Mapping[str, Any],
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Up to `limit` tasks with `status` (oldest first) matching `filters` (attribute ==
        value), and the key to continue from (None on the last page). The GSI projects
        no task token."""
        condition: ConditionBase | None = None
        for name, value in filters.items():
            term = Attr(name).eq(value)
            condition = term if condition is None else condition & term
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "by-status",
            "KeyConditionExpression": Key("status").eq(status),
        }
        if condition is not None:
            kwargs["FilterExpression"] = condition
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        while True:
            kwargs["Limit"] = max(limit - len(items), 1) if condition is None else 100
            page = self._table.query(**kwargs)
            for item in page.get("Items", []):
                items.append(_plain(item))
                if len(items) == limit:
                    last = item
                    more = item is not page["Items"][-1] or "LastEvaluatedKey" in page
                    keys = ("pk", "sk", "status", "created_at")
                    return items, ({k: last[k] for k in keys} if more else None)
            if "LastEvaluatedKey" not in page:
                return items, None
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_feedback(self, item: Mapping[str, Any]) -> None:
        self._table.put_item(Item=_dynamo(dict(item)))


class DynamoConfigStore:
    """Versioned threshold configs: immutable `v<n>` items plus a `current` pointer."""

    PK = "config#thresholds"

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)

    def current(self) -> dict[str, Any] | None:
        found = self._table.get_item(Key={"pk": self.PK, "sk": "current"}, ConsistentRead=True)
        return _plain(found["Item"]) if "Item" in found else None

    def publish(self, version: str, thresholds_json: str, note: str) -> bool:
        """Write version `version` (never overwriting) and point `current` at it."""
        try:
            self._table.put_item(
                Item={"pk": self.PK, "sk": version, "thresholds": thresholds_json, "note": note},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        self._table.put_item(
            Item={"pk": self.PK, "sk": "current", "version": version, "thresholds": thresholds_json}
        )
        return True
