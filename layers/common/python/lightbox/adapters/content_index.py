"""The content index on DynamoDB: which run processed each upload key, with which content."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from lightbox.ports import ContentClaim

KEY_PREFIX = "key#"
_ATTEMPTS = 5


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoContentIndex:
    """`lightbox.ports.ContentIndex`: one item per upload key (`pk = key#{key}`), moved
    only by conditional puts naming the run that held it (PutItem and GetItem only)."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)

    def _get(self, pk: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def claim(
        self, key: str, fingerprint: str, execution: str, force: bool = False
    ) -> ContentClaim:
        pk = KEY_PREFIX + key
        for _ in range(_ATTEMPTS):
            found = self._get(pk)
            if found and found.get("execution") == execution:
                return ContentClaim(supersedes=found.get("supersedes") or None)
            if (
                found
                and not force
                and found.get("fingerprint") == fingerprint
                and found.get("status") != "failed"
            ):
                return ContentClaim(unchanged_of=str(found["execution"]))
            item = {
                "pk": pk,
                "fingerprint": fingerprint,
                "execution": execution,
                "status": "claimed",
            }
            previous = str(found["execution"]) if found else None
            if previous:
                item["supersedes"] = previous
            try:
                if previous:
                    self._table.put_item(
                        Item=item,
                        ConditionExpression="#e = :previous",
                        ExpressionAttributeNames={"#e": "execution"},
                        ExpressionAttributeValues={":previous": previous},
                    )
                else:
                    self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise
                continue  # another run moved the key meanwhile: look again
            return ContentClaim(supersedes=previous)
        raise RuntimeError(f"could not claim {key} after {_ATTEMPTS} attempts")

    def release(self, key: str, execution: str) -> None:
        found = self._get(KEY_PREFIX + key)
        if not found or found.get("execution") != execution:
            return
        try:
            self._table.put_item(
                Item={**found, "status": "failed"},
                ConditionExpression="#e = :mine",
                ExpressionAttributeNames={"#e": "execution"},
                ExpressionAttributeValues={":mine": execution},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
