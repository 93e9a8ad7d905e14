"""`StatusEvents` on an EventBridge bus."""

from __future__ import annotations

from typing import Any

import boto3

from lightbox.models.status import STATUS_SOURCE, StatusEvent


class StatusEventError(RuntimeError):
    """The bus refused an event (throttled or invalid); the stage's Retry sends it again."""


class EventBridgeStatusEvents:
    def __init__(self, bus_name: str, client: Any | None = None) -> None:
        self.bus_name = bus_name
        self._events = client or boto3.client("events")

    def send(self, event: StatusEvent) -> None:
        entry = {
            "EventBusName": self.bus_name,
            "Source": STATUS_SOURCE,
            "DetailType": event.detail_type,
            "Detail": event.model_dump_json(exclude={"detail_type"}),
        }
        response = self._events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            failed = response["Entries"][0]
            raise StatusEventError(
                f"status bus {self.bus_name} refused a {event.detail_type!r} event: "
                f"{failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
            )
