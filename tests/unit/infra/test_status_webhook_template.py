"""The optional status webhook in template.yaml: off by default, encrypted, dead-lettered."""

from __future__ import annotations

from typing import Any

from support.template import load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
WEBHOOK = {name: r for name, r in RESOURCES.items() if name.startswith("StatusWebhook")}


def test_given_no_url_when_deployed_then_nothing_of_the_webhook_is_created() -> None:
    """Given the default StatusWebhookUrl (empty)
    Then every StatusWebhook* resource and output hangs on StatusWebhookOn, which is
    true only for a non-empty URL."""
    assert TEMPLATE["Parameters"]["StatusWebhookUrl"]["Default"] == ""
    assert TEMPLATE["Conditions"]["StatusWebhookOn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "StatusWebhookUrl"}, ""]}]
    }
    assert {"Function", "Queue", "DeadLetterQueue", "Rule", "Secret", "EventSource"} <= {
        name.removeprefix("StatusWebhook") for name in WEBHOOK
    }
    for name, resource in WEBHOOK.items():
        assert resource.get("Condition") == "StatusWebhookOn", name
    for name, output in TEMPLATE["Outputs"].items():
        if name.startswith("StatusWebhook"):
            assert output.get("Condition") == "StatusWebhookOn", name


def test_given_the_webhook_queues_when_read_then_they_are_encrypted_and_tls_only() -> None:
    for name in ("StatusWebhookQueue", "StatusWebhookDeadLetterQueue"):
        assert WEBHOOK[name]["Properties"]["SqsManagedSseEnabled"] is True, name
    statements = WEBHOOK["StatusWebhookQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "sqs:*" and deny["Principal"] == "*"
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": "StatusWebhookRule.Arn"}}
    }


def test_given_a_failing_receiver_when_read_then_events_are_retried_then_dead_lettered() -> None:
    """Given the queue and its consumer
    Then a failed item is redelivered up to maxReceiveCount, then moved to the dead-letter
    queue, which raises an alarm to the team; only failed items of a batch come back."""
    queue = WEBHOOK["StatusWebhookQueue"]["Properties"]
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": "StatusWebhookDeadLetterQueue.Arn"}
    assert 3 <= redrive["maxReceiveCount"] <= 20
    timeout = WEBHOOK["StatusWebhookFunction"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    mapping = WEBHOOK["StatusWebhookEventSource"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": "StatusWebhookQueue.Arn"}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    alarm = WEBHOOK["StatusWebhookDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": "StatusWebhookDeadLetterQueue.QueueName"}}
    ]
    assert alarm["AlarmActions"] == [{"Ref": "EscalationTopic"}]


def test_given_the_rule_when_read_then_every_status_event_reaches_the_queue() -> None:
    rule = WEBHOOK["StatusWebhookRule"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "StatusBus"}
    assert rule["EventPattern"] == {"source": ["lightbox"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": "StatusWebhookQueue.Arn"}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": "StatusWebhookDeadLetterQueue.Arn"}}
