"""The status webhook's sender: signatures a receiver can verify, and what each answer means.

The HTTP side runs against a real HTTP server on 127.0.0.1 (the standard library's),
so the urllib client, its timeout and its refusal to follow redirects are exercised
as they run in the Lambda.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lightbox.status.webhook import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    DeliveryRetryError,
    SignatureError,
    WebhookSender,
    classify,
    forward,
    signature_header,
    verify,
)

SECRET = b"s3cr3t-signing-key"
BODY = json.dumps(
    {
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Photo status",
        "source": "lightbox",
        "detail": {"seller": "acme", "sku": "MUG-1", "state": "published"},
    }
)


class Receiver:
    """A webhook endpoint: records each request and answers with the next scripted status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lightbox"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


class ParkedLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int | None]] = []

    def send(self, body: str, reason: str, status: int | None) -> None:
        self.sent.append((body, reason, status))


def test_given_a_signed_body_when_the_receiver_verifies_it_then_it_passes() -> None:
    """Given a body signed at t
    When verified with the same secret within the window
    Then the timestamp comes back."""
    header = signature_header(SECRET, BODY.encode(), 1_800_000_000)
    assert verify(SECRET, BODY.encode(), header, now=1_800_000_060) == 1_800_000_000


@pytest.mark.parametrize(
    ("body", "secret", "now"),
    [
        (BODY.replace("published", "rejected"), SECRET, 1_800_000_000),  # tampered body
        (BODY, b"another-secret", 1_800_000_000),  # someone else's key
        (BODY, SECRET, 1_800_000_301),  # replayed after the window
        (BODY, SECRET, 1_799_999_699),  # dated in the future
    ],
    ids=["tampered-body", "wrong-secret", "replayed-late", "from-the-future"],
)
def test_given_a_tampered_or_stale_request_when_verified_then_it_is_refused(
    body: str, secret: bytes, now: int
) -> None:
    header = signature_header(SECRET, BODY.encode(), 1_800_000_000)
    with pytest.raises(SignatureError):
        verify(secret, body.encode(), header, now=now)


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=soon,v1=abc", "t=1800000000", "t=1,t=2,v1=abc"]
)
def test_given_a_malformed_signature_header_when_verified_then_it_is_refused(header: str) -> None:
    with pytest.raises(SignatureError):
        verify(SECRET, BODY.encode(), header, now=1_800_000_000)


def test_given_a_header_with_two_signatures_when_one_matches_then_it_passes() -> None:
    """During a secret rotation a receiver may hold both keys' signatures."""
    good = signature_header(SECRET, BODY.encode(), 1_800_000_000)
    header = f"{good},v1={'0' * 64}"
    assert verify(SECRET, BODY.encode(), header, now=1_800_000_000) == 1_800_000_000


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (None, "retry"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (301, "dead_letter"),
        (400, "dead_letter"),
        (401, "dead_letter"),
        (404, "dead_letter"),
        (410, "dead_letter"),
    ],
)
def test_given_an_answer_when_classified_then_only_transient_ones_are_retried(
    status: int | None, outcome: str
) -> None:
    assert classify(status) == outcome


def test_given_a_receiver_when_an_event_is_delivered_then_it_verifies_the_exact_bytes(
    receiver: Receiver,
) -> None:
    """Given a running receiver
    When the sender delivers an event
    Then the receiver got the body byte for byte, its event id, and a signature that
    verifies with the shared secret."""
    sender = WebhookSender(receiver.url, lambda: SECRET)
    delivery = forward(BODY, sender, ParkedLetters())
    assert (delivery.outcome, delivery.status) == ("delivered", 200)
    (request,) = receiver.requests
    assert request["body"] == BODY.encode()
    assert request["headers"][EVENT_ID_HEADER] == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert request["headers"]["Content-Type"] == "application/json"
    verify(SECRET, request["body"], request["headers"][SIGNATURE_HEADER], now=time.time())


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_given_a_transient_failure_when_forwarded_then_it_raises_for_a_retry(
    receiver: Receiver, status: int
) -> None:
    receiver.answers = [status]
    letters = ParkedLetters()
    with pytest.raises(DeliveryRetryError, match=str(status)):
        forward(BODY, WebhookSender(receiver.url, lambda: SECRET), letters)
    assert letters.sent == []


@pytest.mark.parametrize("status", [400, 404, 410, 302])
def test_given_a_permanent_refusal_when_forwarded_then_it_goes_to_the_dead_letters_at_once(
    receiver: Receiver, status: int
) -> None:
    """A 4xx (except 408/429) or a redirect will not change by retrying: parked with its status,
    and a redirect is not followed (one request only)."""
    receiver.answers = [status]
    letters = ParkedLetters()
    delivery = forward(BODY, WebhookSender(receiver.url, lambda: SECRET), letters)
    assert delivery.outcome == "dead_letter"
    assert letters.sent == [(BODY, f"the webhook answered HTTP {status}", status)]
    assert len(receiver.requests) == 1


def test_given_a_slow_receiver_when_the_timeout_passes_then_the_event_is_retried(
    receiver: Receiver,
) -> None:
    receiver.delay = 1.0
    sender = WebhookSender(receiver.url, lambda: SECRET, timeout=0.2)
    with pytest.raises(DeliveryRetryError, match="no answer"):
        forward(BODY, sender, ParkedLetters())


def test_given_nobody_listening_when_forwarded_then_the_event_is_retried() -> None:
    receiver = Receiver()
    url = receiver.url
    receiver.server.server_close()  # the port is free again: connection refused
    with pytest.raises(DeliveryRetryError, match="no answer"):
        forward(BODY, WebhookSender(url, lambda: SECRET), ParkedLetters())


def test_given_a_message_that_is_no_event_when_forwarded_then_it_is_parked_unsent(
    receiver: Receiver,
) -> None:
    letters = ParkedLetters()
    delivery = forward("not json", WebhookSender(receiver.url, lambda: SECRET), letters)
    assert delivery.outcome == "dead_letter"
    assert letters.sent == [("not json", "the message is not an EventBridge event", None)]
    assert receiver.requests == []


def test_given_a_url_that_is_not_http_when_the_sender_is_built_then_it_says_so() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookSender("ftp://example.com/hook", lambda: SECRET)
