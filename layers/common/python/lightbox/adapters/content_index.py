"""The content index on DynamoDB: first upload of each content hash, per seller."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError


class DynamoContentIndex:
    """`lightbox.ports.ContentIndex`: one item per (seller, sha256), written once."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)

    def claim(self, seller: str, sha256: str, key: str) -> str | None:
        pk = f"{seller}#{sha256}"
        try:
            self._table.put_item(
                Item={"pk": pk, "key": key}, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            found = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item") or {}
            first = str(found.get("key", ""))
            return first if first and first != key else None
        return None
