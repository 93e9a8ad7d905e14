"""The status webhook on the emulator: the deployed template with StatusWebhookUrl set.

An environment of its own (`hook`) is deployed next to the shared stack, with its
webhook pointing at an HTTP receiver this test runs on 127.0.0.1 (the emulator's
Lambda workers are local processes, so they reach it). Events travel the real
path: status bus -> rule -> encrypted queue -> event source mapping -> function ->
signed POST; a refusal travels on to the dead-letter queue. The same environment
serves `lightbox status` and `lightbox delete` for the SKU the test uploads.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lightbox.adapters.status_events import EventBridgeStatusEvents
from lightbox.keys import execution_name
from lightbox.models.status import PhotoStatusEvent
from lightbox.status.webhook import EVENT_ID_HEADER, SIGNATURE_HEADER, verify
from lightbox_cli.audit import check_run, verdict
from lightbox_cli.context import StackContext
from lightbox_cli.delete import Scope, Stack, execute, plan
from lightbox_cli.status import sku_status
from lightbox_infra.deploy import delete_local, deploy_local
from support.images import good_jpeg

pytestmark = pytest.mark.e2e

ENV = "hook"
GONE_SKU = "GONE-1"  # the receiver answers 410 for this SKU's events


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        got = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                got.append({"headers": dict(self.headers), "body": body, "at": time.time()})
                gone = json.loads(body).get("detail", {}).get("sku") == GONE_SKU
                self.send_response(410 if gone else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/lightbox"

    def events(self, kind: str | None = None, **detail: str) -> list[dict[str, Any]]:
        """Requests received so far whose event has detail-type `kind` and these details."""
        found = []
        for request in list(self.requests):
            event = json.loads(request["body"])
            if kind and event.get("detail-type") != kind:
                continue
            if all(event.get("detail", {}).get(k) == v for k, v in detail.items()):
                found.append({**request, "event": event})
        return found

    def wait_for(
        self, timeout: float = 180, count: int = 1, kind: str | None = None, **detail: str
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(kind, **detail)
            if len(found) >= count:
                return found
            time.sleep(0.5)
        seen = [json.loads(r["body"]).get("detail") for r in self.requests]
        raise AssertionError(f"no {count} event(s) with {detail} after {timeout}s; got {seen}")


@pytest.fixture(scope="module")
def hooked(deployed_stack: Any) -> Iterator[tuple[StackContext, Receiver]]:
    receiver = Receiver()
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    endpoint = deployed_stack.ctx.endpoint or ""
    try:
        deploy_local(
            endpoint, {"ReviewTimeoutSeconds": "180", "StatusWebhookUrl": receiver.url}, env=ENV
        )
        yield StackContext(ENV, endpoint), receiver
    finally:
        delete_local(endpoint, ENV)
        receiver.server.shutdown()
        receiver.server.server_close()


def _audit_adapters(ctx: StackContext) -> tuple[Any, Any, Any]:
    from lightbox.adapters.audit_seal import DynamoAuditSeals, KmsMacSigner
    from lightbox.adapters.dynamodb import DynamoAuditStore

    dynamodb = ctx.resource("dynamodb")
    return (
        DynamoAuditStore(ctx.outputs["AuditTableName"], dynamodb),
        DynamoAuditSeals(ctx.outputs["AuditSealTableName"], dynamodb),
        KmsMacSigner(ctx.outputs["AuditSealKeyId"], ctx.client("kms")),
    )


def _secret(ctx: StackContext) -> bytes:
    value = ctx.client("secretsmanager").get_secret_value(
        SecretId=ctx.outputs["StatusWebhookSecretArn"]
    )
    return str(value["SecretString"]).encode()


def test_given_a_webhook_when_a_status_event_is_put_on_the_bus_then_it_arrives_signed(
    hooked: tuple[StackContext, Receiver],
) -> None:
    """Given the hook environment with its webhook pointing at the receiver
    When a photo status event is put on its status bus
    Then the receiver gets the EventBridge event, its id in Lightbox-Event-Id, and a
    signature that verifies with the stack's generated secret within the replay window."""
    ctx, receiver = hooked
    bus = EventBridgeStatusEvents(ctx.outputs["StatusBusName"], ctx.client("events"))
    bus.send(
        PhotoStatusEvent(
            environment=ENV,
            seller="acme",
            sku="BUS-1",
            state="rejected",
            photo_key="incoming/acme/BUS-1/front.jpg",
            file_name="front.jpg",
            execution="run-1",
            reasons=["too dark: retake in daylight"],
        )
    )

    (got,) = receiver.wait_for(sku="BUS-1")

    event = got["event"]
    assert (event["source"], event["detail-type"]) == ("lightbox", "Photo status")
    assert event["detail"]["reasons"] == ["too dark: retake in daylight"]
    assert got["headers"][EVENT_ID_HEADER] == event["id"]
    verify(_secret(ctx), got["body"], got["headers"][SIGNATURE_HEADER], now=got["at"])


def test_given_a_webhook_when_a_sku_is_processed_then_deleted_then_the_seller_hears_each_step(
    hooked: tuple[StackContext, Receiver],
) -> None:
    """Given the hook environment
    When a photo is uploaded with a plain S3 client and its run ends
    Then the receiver gets a signed Photo status event naming its execution and route and
    a Listing status event per marketplace, and `lightbox status` reports the same route;
    When the SKU is then deleted on request
    Then a `withdrawn` Listing status arrives, no object version of the SKU remains, and
    `lightbox audit verify` passes for its run (sealed) and for the tombstone."""
    ctx, receiver = hooked
    bucket, key = ctx.outputs["BucketName"], "incoming/acme/HOOK-1/front.jpg"
    put = ctx.client("s3").put_object(Bucket=bucket, Key=key, Body=good_jpeg(seed=31))
    names = [
        execution_name(bucket, key, v) for v in (put.get("VersionId"), put["ETag"].strip('"')) if v
    ]

    (got,) = receiver.wait_for(timeout=300, sku="HOOK-1", photo_key=key)

    detail = got["event"]["detail"]
    assert got["event"]["detail-type"] == "Photo status"
    assert detail["execution"] in names
    assert detail["state"] in ("published", "in_review", "rejected")
    verify(_secret(ctx), got["body"], got["headers"][SIGNATURE_HEADER], now=got["at"])
    listing = receiver.wait_for(timeout=120, kind="Listing status", sku="HOOK-1")
    assert listing[0]["event"]["detail"]["state"] in ("ready", "waiting")

    stack = Stack.of(ctx)
    status = sku_status(stack, "acme", "HOOK-1")
    assert [(p.file_name, p.route) for p in status.photos] == [("front.jpg", detail["state"])]

    deletion = plan(stack, Scope("acme", "HOOK-1"))
    record = execute(stack, deletion, "human:e2e")

    marketplaces = {lst["event"]["detail"]["marketplace"] for lst in listing}
    withdrawn = receiver.wait_for(
        timeout=120, count=len(marketplaces), kind="Listing status", sku="HOOK-1", state="withdrawn"
    )
    assert {w["event"]["detail"]["marketplace"] for w in withdrawn} == marketplaces
    versions = ctx.client("s3").list_object_versions(Bucket=bucket)
    left = [
        v["Key"]
        for v in [*versions.get("Versions", []), *versions.get("DeleteMarkers", [])]
        if "acme/HOOK-1/" in v["Key"] or v["Key"].startswith(f"work/{detail['execution']}/")
    ]
    assert left == []
    store, seals, signer = _audit_adapters(ctx)
    run = detail["execution"]
    deadline = time.monotonic() + 60
    while not verdict(check_run(store, seals, signer, run), require_seal=True)[0]:
        assert time.monotonic() < deadline, verdict(check_run(store, seals, signer, run), True)
        time.sleep(1)  # the seal is written when the run's end reaches the sealer
    assert verdict(check_run(store, seals, signer, record["pk"]), require_seal=False)[0]


def test_given_a_receiver_that_refuses_when_an_event_is_sent_then_it_is_dead_lettered(
    hooked: tuple[StackContext, Receiver],
) -> None:
    """Given the receiver answers 410 Gone for one SKU's events
    When such an event is put on the bus
    Then it is POSTed once and parked in the webhook's dead-letter queue with the reason."""
    ctx, receiver = hooked
    EventBridgeStatusEvents(ctx.outputs["StatusBusName"], ctx.client("events")).send(
        PhotoStatusEvent(
            environment=ENV,
            seller="acme",
            sku=GONE_SKU,
            state="published",
            photo_key=f"incoming/acme/{GONE_SKU}/front.jpg",
            file_name="front.jpg",
            execution="run-2",
        )
    )
    receiver.wait_for(sku=GONE_SKU)
    sqs = ctx.client("sqs")
    deadline, parked = time.monotonic() + 60, []
    while time.monotonic() < deadline and not parked:
        parked = sqs.receive_message(
            QueueUrl=ctx.outputs["StatusWebhookDeadLetterQueueUrl"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=1,
        ).get("Messages", [])
    assert parked, "the refused event did not reach the dead-letter queue"
    assert json.loads(parked[0]["Body"])["detail"]["sku"] == GONE_SKU
    assert parked[0]["MessageAttributes"]["REASON"]["StringValue"] == (
        "the webhook answered HTTP 410"
    )
    assert len(receiver.events(sku=GONE_SKU)) == 1


def test_given_no_webhook_url_when_deployed_then_no_webhook_resource_exists(
    deployed_stack: Any, hooked: tuple[StackContext, Receiver]
) -> None:
    """Given the shared stack deployed with StatusWebhookUrl empty, beside the hook one
    Then the emulator evaluated StatusWebhookOn false there: no webhook outputs, queue or
    function; and true in the hook environment."""
    local, (hook, _) = deployed_stack.ctx, hooked
    assert not [name for name in local.outputs if name.startswith("StatusWebhook")]
    queues = local.client("sqs").list_queues(QueueNamePrefix="lightbox-local-status-webhook")
    assert queues.get("QueueUrls", []) == []
    pages = local.client("lambda").get_paginator("list_functions").paginate()
    functions = {f["FunctionName"] for page in pages for f in page["Functions"]}
    assert "lightbox-local-status-webhook" not in functions
    assert "lightbox-hook-status-webhook" in functions
    assert hook.outputs["StatusWebhookQueueUrl"].endswith("lightbox-hook-status-webhook")
