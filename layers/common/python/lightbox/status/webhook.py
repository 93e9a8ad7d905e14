"""The status webhook: sign a status event, POST it, and say what to do with the answer.

Every event on the stack's status bus (`lightbox.models.status`) reaches the
webhook function through an SQS queue; the body POSTed is the EventBridge event
exactly as the queue delivered it, and the header

    Lightbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

lets the receiver prove it came from this stack and is recent (`verify`, and
docs/architecture.md, "Status for sellers"). What an answer means
(`classify`): 2xx delivered; 408, 429, 5xx, a timeout or a network error are
worth retrying (the message becomes visible again and is redelivered until the
queue's maxReceiveCount sends it to the dead-letter queue); any other status
(3xx, 4xx) will not change by retrying, so the message goes to the dead-letter
queue at once, with the status as its reason.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

SIGNATURE_HEADER = "Lightbox-Signature"
EVENT_ID_HEADER = "Lightbox-Event-Id"
SIGNATURE_VERSION = "v1"
REPLAY_WINDOW_SECONDS = 300
"""A receiver refuses signatures older (or newer) than this: a captured request
cannot be replayed later."""
TIMEOUT_SECONDS = 10.0
"""How long one POST may take before it counts as failed (and is retried)."""
RETRYABLE_STATUSES = frozenset({408, 429})

Outcome = Literal["delivered", "retry", "dead_letter"]


class SignatureError(ValueError):
    """The signature header is missing, malformed, outside the replay window or wrong."""


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, body: bytes, timestamp: int) -> str:
    """The `Lightbox-Signature` value: `t=<timestamp>,v1=<signature>`."""
    return f"t={timestamp},{SIGNATURE_VERSION}={signature(secret, body, timestamp)}"


def verify(
    secret: bytes,
    body: bytes,
    header: str,
    now: float,
    tolerance: int = REPLAY_WINDOW_SECONDS,
) -> int:
    """What a receiver runs: check `header` against the raw `body`; returns the timestamp.

    Raises SignatureError when the header is malformed, its time is more than
    `tolerance` seconds from `now`, or no `v1` signature matches (compared in
    constant time; several `v1=` entries are allowed, as during a secret rotation).
    """
    fields: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(name, []).append(value)
    stamps = fields.get("t", [])
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise SignatureError(f"{SIGNATURE_HEADER} has no timestamp (t=<unix seconds>)")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"{SIGNATURE_HEADER} is {int(now - timestamp)} s old, outside the {tolerance} s window"
        )
    expected = signature(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, given) for given in fields.get(SIGNATURE_VERSION, [])):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
    return timestamp


def classify(status: int | None) -> Outcome:
    """What an HTTP answer means for the event; None is a timeout or network error."""
    if status is None or status >= 500 or status in RETRYABLE_STATUSES:
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    return "dead_letter"


class Poster(Protocol):
    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST `body`; return the HTTP status, or raise OSError on a network error or timeout."""
        ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a detour: a POST is never re-sent elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def urllib_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:  # a non-2xx answer is a status, not an error
        exc.close()
        return int(exc.code)


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    status: int | None
    detail: str

    @property
    def reason(self) -> str:
        return f"{self.outcome}: {self.detail}"


class WebhookSender:
    """Signs and POSTs one event body to the subscriber's URL; never raises for an answer."""

    def __init__(
        self,
        url: str,
        secret: Callable[[], bytes],
        post: Poster = urllib_post,
        clock: Callable[[], float] = time.time,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"the status webhook URL must be http(s)://..., not {url!r}")
        self.url = url
        self._secret = secret
        self._post = post
        self._clock = clock
        self._timeout = timeout

    def headers(self, body: bytes, event_id: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Lightbox-Webhook/1",
            SIGNATURE_HEADER: signature_header(self._secret(), body, int(self._clock())),
            EVENT_ID_HEADER: event_id,
        }

    def deliver(self, body: bytes, event_id: str) -> Delivery:
        headers = self.headers(body, event_id)
        try:
            status = self._post(self.url, body, headers, self._timeout)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # refused, unreachable, TLS, timed out, a garbled answer
            return Delivery("retry", None, f"no answer from the webhook: {exc}")
        outcome = classify(status)
        return Delivery(outcome, status, f"the webhook answered HTTP {status}")


class DeadLetters(Protocol):
    def send(self, body: str, reason: str, status: int | None) -> None:
        """Park an event that retrying cannot deliver, with why."""
        ...


class DeliveryRetryError(RuntimeError):
    """The webhook did not take the event yet; SQS redelivers it after the visibility timeout."""


def event_id(body: str) -> str:
    """The EventBridge event's `id` (receivers deduplicate on it: delivery is at least once)."""
    try:
        event = json.loads(body)
    except ValueError:
        return ""
    return str(event.get("id") or "") if isinstance(event, dict) else ""


def forward(body: str, sender: WebhookSender, dead_letters: DeadLetters) -> Delivery:
    """Deliver one queued event: delivered, or parked in the dead-letter queue, or raise
    DeliveryRetryError so the batch reports it as failed and SQS retries it."""
    identifier = event_id(body)
    if not identifier:
        delivery = Delivery("dead_letter", None, "the message is not an EventBridge event")
    else:
        delivery = sender.deliver(body.encode(), identifier)
    if delivery.outcome == "retry":
        raise DeliveryRetryError(delivery.detail)
    if delivery.outcome == "dead_letter":
        dead_letters.send(body, delivery.detail, delivery.status)
    return delivery
