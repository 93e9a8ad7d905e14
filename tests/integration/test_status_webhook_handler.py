"""The status webhook function over an SQS batch: moto's Secrets Manager and SQS, a real
HTTP receiver on 127.0.0.1, the real handler module."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lightbox.status.webhook import SIGNATURE_HEADER, verify
from support.handlers import FakeLambdaContext, load_handler_module

REGION = "us-east-1"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Answers each POST with the status its event's detail names (`answer`)."""
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"headers": dict(self.headers), "body": body})
            self.send_response(int(json.loads(body)["detail"]["answer"]))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


def _record(message_id: str, answer: int) -> dict[str, Any]:
    event = {
        "version": "0",
        "id": f"event-{message_id}",
        "detail-type": "Photo status",
        "source": "lightbox",
        "detail": {"seller": "acme", "sku": "MUG-1", "state": "published", "answer": answer},
    }
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": json.dumps(event),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:lightbox-local-status-webhook",
        "awsRegion": REGION,
    }


def test_given_a_batch_when_forwarded_then_only_transient_failures_return_and_refusals_park(
    receiver: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given three queued status events the receiver answers 200, 503 and 404
    When the webhook function handles the batch
    Then each was POSTed with a signature that verifies under the stack's secret; only
    the 503 is reported as a batch item failure (SQS redelivers it); the 404 is in the
    dead-letter queue with its reason, and the delivered one is simply done."""
    url, got = receiver
    with mock_aws():
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="lightbox-local-status-webhook-signing-key", SecretString="x" * 64
        )
        sqs = boto3.client("sqs", region_name=REGION)
        dlq = sqs.create_queue(QueueName="lightbox-local-status-webhook-dlq")["QueueUrl"]
        for name, value in {
            "STATUS_WEBHOOK_URL": url,
            "STATUS_WEBHOOK_SECRET": secret["ARN"],
            "STATUS_WEBHOOK_DLQ_URL": dlq,
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            monkeypatch.setenv(name, value)
        module = load_handler_module("functions/status_webhook")
        module._adapters.cache_clear()

        event = {"Records": [_record("ok", 200), _record("busy", 503), _record("gone", 404)]}
        result = module.handler(event, FakeLambdaContext("lightbox-local-status-webhook"))

        assert result == {"batchItemFailures": [{"itemIdentifier": "busy"}]}
        assert sorted(json.loads(r["body"])["id"] for r in got) == [
            "event-busy",
            "event-gone",
            "event-ok",
        ]
        for request in got:
            verify(b"x" * 64, request["body"], request["headers"][SIGNATURE_HEADER], time.time())
        (parked,) = sqs.receive_message(
            QueueUrl=dlq, MessageAttributeNames=["All"], MaxNumberOfMessages=10
        )["Messages"]
        assert json.loads(parked["Body"])["id"] == "event-gone"
        assert parked["MessageAttributes"]["REASON"]["StringValue"] == (
            "the webhook answered HTTP 404"
        )
        assert parked["MessageAttributes"]["HTTP_STATUS"]["StringValue"] == "404"
        module._adapters.cache_clear()
