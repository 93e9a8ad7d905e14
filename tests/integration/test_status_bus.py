"""The status-bus adapter on moto's EventBridge: what a seller's rule receives."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from lightbox.adapters.status_events import EventBridgeStatusEvents, StatusEventError
from lightbox.models.status import ListingStatusEvent, PhotoStatusEvent

REGION = "us-east-1"


@pytest.fixture
def bus_and_queue():
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name="lightbox-test-status")
        queue_url = sqs.create_queue(QueueName="seller-status")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events.put_rule(
            Name="seller",
            EventBusName="lightbox-test-status",
            EventPattern=json.dumps({"source": ["lightbox"], "detail": {"seller": ["acme"]}}),
        )
        events.put_targets(
            Rule="seller",
            EventBusName="lightbox-test-status",
            Targets=[{"Id": "q", "Arn": queue_arn}],
        )
        yield events, sqs, queue_url


def _received(sqs, queue_url):
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    return [json.loads(m["Body"]) for m in messages]


def test_given_a_sellers_rule_when_a_photo_is_rejected_then_the_rule_receives_the_reasons(
    bus_and_queue,
):
    events, sqs, queue_url = bus_and_queue
    EventBridgeStatusEvents("lightbox-test-status", events).send(
        PhotoStatusEvent(
            environment="local",
            seller="acme",
            sku="mug-01",
            state="rejected",
            photo_key="incoming/acme/mug-01/side.jpg",
            file_name="side.jpg",
            execution="run-1",
            reasons=["The photo is blurred."],
        )
    )
    (event,) = _received(sqs, queue_url)
    assert event["source"] == "lightbox"
    assert event["detail-type"] == "Photo status"
    assert event["detail"]["state"] == "rejected"
    assert event["detail"]["reasons"] == ["The photo is blurred."]
    assert "detail_type" not in event["detail"]


def test_given_a_listing_rebuilt_when_sent_then_its_type_is_listing_status(bus_and_queue):
    events, sqs, queue_url = bus_and_queue
    EventBridgeStatusEvents("lightbox-test-status", events).send(
        ListingStatusEvent(
            environment="local", seller="acme", sku="mug-01", state="ready", marketplace="etsy"
        )
    )
    (event,) = _received(sqs, queue_url)
    assert event["detail-type"] == "Listing status"
    assert event["detail"]["marketplace"] == "etsy"


def test_given_no_such_bus_when_sending_then_the_error_names_the_bus():
    class Refusing:
        def put_events(self, Entries):
            return {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "no bus"}],
            }

    with pytest.raises(StatusEventError, match="lightbox-gone-status"):
        EventBridgeStatusEvents("lightbox-gone-status", Refusing()).send(
            ListingStatusEvent(
                environment="local", seller="a", sku="b", state="waiting", marketplace="ebay"
            )
        )
