"""`DeadLetters` on an SQS queue: the status webhook parks what retrying cannot deliver."""

from __future__ import annotations

from typing import Any

import boto3


class SqsDeadLetters:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = client or boto3.client("sqs")

    def send(self, body: str, reason: str, status: int | None) -> None:
        attributes = {"REASON": {"DataType": "String", "StringValue": reason[:1000]}}
        if status is not None:
            attributes["HTTP_STATUS"] = {"DataType": "Number", "StringValue": str(status)}
        self._sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=body, MessageAttributes=attributes
        )
