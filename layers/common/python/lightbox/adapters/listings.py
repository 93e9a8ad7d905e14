"""`ListingStore` on the listings table: one partition per SKU (`lightbox.models.listing`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from lightbox.adapters.dynamodb import _plain
from lightbox.models.listing import (
    HEAD_SK,
    PHOTO_PREFIX,
    ListingConflictError,
    ListingHead,
    PhotoEntry,
    photo_sk,
)


def _item(pk: str, sk: str, model: PhotoEntry | ListingHead) -> dict[str, Any]:
    """The model as a DynamoDB item (floats as Decimal, None attributes left out)."""
    document = json.loads(model.model_dump_json(exclude_none=True), parse_float=Decimal)
    return {"pk": pk, "sk": sk, **document}


class DynamoListingStore:
    """Reads with Query (consistent); writes only with a transaction of two PutItems,
    the photo's entry and the head, the head's guarded by the version read."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)
        self._name = table_name

    def load(self, pk: str) -> tuple[ListingHead | None, list[PhotoEntry]]:
        head: ListingHead | None = None
        entries: list[PhotoEntry] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk),
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**kwargs)
            for raw in page.get("Items", []):
                item = _plain(raw)
                if item["sk"] == HEAD_SK:
                    head = ListingHead.model_validate(item)
                elif str(item["sk"]).startswith(PHOTO_PREFIX):
                    entries.append(PhotoEntry.model_validate(item))
            if "LastEvaluatedKey" not in page:
                return head, entries
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def commit(self, pk: str, entry: PhotoEntry, head: ListingHead, expected: int | None) -> None:
        if expected is None:
            guard: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            guard = {
                "ConditionExpression": "#v = :expected",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":expected": expected},
            }
        entry_put = {"TableName": self._name, "Item": _item(pk, photo_sk(entry.safe_stem), entry)}
        head_put: dict[str, Any] = {"TableName": self._name, "Item": _item(pk, HEAD_SK, head)}
        head_put |= guard
        client: Any = self._table.meta.client  # the resource's: it serialises the items
        try:
            client.transact_write_items(TransactItems=[{"Put": entry_put}, {"Put": head_put}])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                raise ListingConflictError(
                    f"the listing {pk} moved past version {expected} meanwhile"
                ) from exc
            raise
