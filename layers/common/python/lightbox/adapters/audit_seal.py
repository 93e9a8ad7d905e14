"""Audit seals on AWS: the seal table (DynamoDB) and the HMAC key (KMS)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

MAC_ALGORITHM = "HMAC_SHA_256"


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


class DynamoAuditSeals:
    """`lightbox.audit.seal.AuditSeals`: one item per chain (`pk`), replaced only by a
    seal of a longer chain (a conditional PutItem; no Update, no Delete)."""

    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = (resource or boto3.resource("dynamodb")).Table(table_name)

    def get(self, pk: str) -> Mapping[str, Any] | None:
        found = self._table.get_item(Key={"pk": pk}, ConsistentRead=True)
        return _plain(found["Item"]) if "Item" in found else None

    def put(self, item: Mapping[str, Any]) -> bool:
        try:
            self._table.put_item(
                Item=dict(item),
                ConditionExpression="attribute_not_exists(pk) OR #seq < :seq",
                ExpressionAttributeNames={"#seq": "seq"},
                ExpressionAttributeValues={":seq": item["seq"]},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


class KmsMacSigner:
    """`lightbox.audit.seal.MacSigner` on a KMS HMAC key (HMAC_256, GENERATE_VERIFY_MAC)."""

    def __init__(self, key_id: str, client: Any | None = None) -> None:
        self.key_id = key_id
        self._kms = client or boto3.client("kms")

    def sign(self, message: bytes) -> str:
        mac = self._kms.generate_mac(KeyId=self.key_id, Message=message, MacAlgorithm=MAC_ALGORITHM)
        return base64.b64encode(mac["Mac"]).decode()

    def verify(self, message: bytes, mac: str) -> bool:
        try:
            raw = base64.b64decode(mac, validate=True)
        except ValueError:
            return False
        try:
            found = self._kms.verify_mac(
                KeyId=self.key_id, Message=message, MacAlgorithm=MAC_ALGORITHM, Mac=raw
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "KMSInvalidMacException":
                return False
            raise
        return bool(found.get("MacValid"))
