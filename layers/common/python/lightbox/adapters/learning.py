"""DynamoDB storage for learning: reviewer feedback and routing config versions.

Feedback lives in the review table (`pk = feedback#{category}`,
`sk = {decided_at}#{task_id}`), written once and never changed. Config
versions live in the config table (`pk = config#thresholds`, `sk = v{n}`,
written once) with the `current` pointer (`sk = current`) the pipeline's
`LoadThresholds` state reads: a copy of what routes, not the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from lightbox.adapters.dynamodb import _dynamo, _is_conditional_failure, _plain, _table
from lightbox.learning.config import version_number
from lightbox.learning.service import ConfigConflictError
from lightbox.models.config_version import ConfigVersion
from lightbox.models.feedback import FeedbackRecord

CONFIG_PK = "config#thresholds"
#: What `current` copies from its version: exactly what `config_from_item` reads.
ROUTING_ATTRIBUTES = ("thresholds", "routing", "defaults", "spot_check_rate")


class DynamoFeedbackStore:
    """Append-only reviewer feedback (PutItem with a condition, Query)."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)

    def put(self, record: FeedbackRecord) -> bool:
        """False when this decision was recorded already (a retried Lambda)."""
        try:
            self._table.put_item(
                Item=_dynamo(record.item()),
                ConditionExpression="attribute_not_exists(pk) AND attribute_not_exists(sk)",
            )
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
        return True

    def records(self, categories: Iterable[str], limit: int) -> list[FeedbackRecord]:
        """The newest `limit` records of each category, oldest first."""
        found: list[FeedbackRecord] = []
        for category in categories:
            items: list[dict[str, Any]] = []
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(f"feedback#{category}"),
                "ScanIndexForward": False,
            }
            while len(items) < limit:
                page = self._table.query(**kwargs)
                items.extend(_plain(i) for i in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            found.extend(_record(i) for i in reversed(items[:limit]))
        return found


def _record(item: Mapping[str, Any]) -> FeedbackRecord:
    """Read a stored record; items written before the store existed lack some fields."""
    stamp, _, task = item["sk"].partition("#")
    return FeedbackRecord.from_item(
        {
            "task_id": task or item.get("execution_name", ""),
            "decided_at": stamp,
            "category": item["pk"].removeprefix("feedback#"),
            **item,
        }
    )


class DynamoConfigVersions:
    """Immutable config versions plus the `current` pointer."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)

    def current(self) -> ConfigVersion | None:
        pointer = self._get("current")
        if pointer is None:
            return None
        return self.get(pointer["version"]) or ConfigVersion.from_item(pointer)

    def get(self, version: str) -> ConfigVersion | None:
        item = self._get(version)
        return ConfigVersion.from_item(item) if item and version != "current" else None

    def versions(self) -> list[ConfigVersion]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(CONFIG_PK)}
        while True:
            page = self._table.query(**kwargs)
            items.extend(_plain(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found = [ConfigVersion.from_item(i) for i in items if i["sk"] != "current"]
        return sorted(found, key=lambda v: version_number(v.version))

    def put(self, version: ConfigVersion, expected_current: str | None) -> None:
        """Write `version` (never over another) and point `current` at it, if
        `current` is still `expected_current` (None: there must be no current)."""
        item = {"pk": CONFIG_PK, "sk": version.version, **version.item()}
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if _is_conditional_failure(exc):
                raise ConfigConflictError(f"config version {version.version} exists") from exc
            raise
        pointer = {"pk": CONFIG_PK, "sk": "current", "version": version.version}
        pointer.update({k: item[k] for k in ROUTING_ATTRIBUTES})
        condition = (
            "attribute_not_exists(pk)"
            if expected_current is None
            else "attribute_not_exists(pk) OR version = :expected"
        )
        kwargs: dict[str, Any] = {"Item": pointer, "ConditionExpression": condition}
        if expected_current is not None:
            kwargs["ExpressionAttributeValues"] = {":expected": expected_current}
        try:
            self._table.put_item(**kwargs)
        except ClientError as exc:
            if _is_conditional_failure(exc):
                raise ConfigConflictError(
                    f"the current config moved away from {expected_current} meanwhile; "
                    f"{version.version} was written but is not current"
                ) from exc
            raise

    def _get(self, sk: str) -> dict[str, Any] | None:
        found = self._table.get_item(Key={"pk": CONFIG_PK, "sk": sk}, ConsistentRead=True)
        return _plain(found["Item"]) if "Item" in found else None
