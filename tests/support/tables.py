"""The project's table shape for tests: string `pk` hash key, string `sk` range key,
on-demand (the audit, review, config and listings tables all have it)."""

from __future__ import annotations

from typing import Any


def create_pk_sk_table(ddb: Any, name: str) -> None:
    """Create table `name` with a boto3 DynamoDB client or resource (same call)."""
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
