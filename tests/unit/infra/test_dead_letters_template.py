"""Nothing dropped: every EventBridge rule's target keeps what it could not deliver in the
dead-letter queue, and a message there raises an alarm to the team's topic."""

from __future__ import annotations

from support.template import load_template, resources_of_type


def test_given_every_eventbridge_rule_target_when_read_then_it_retries_then_dead_letters():
    rules = [
        (name, event)
        for name, function in resources_of_type(
            load_template(), "AWS::Serverless::Function"
        ).items()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "EventBridgeRule"
    ]
    assert {name for name, _ in rules} >= {"IntakeFunction", "AuditSealFunction"}
    for name, event in rules:
        props = event["Properties"]
        assert props["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": "EventsDeadLetterQueue.Arn"}}, (
            name
        )
        assert props["RetryPolicy"]["MaximumRetryAttempts"] > 0, name


def test_given_the_dead_letter_queue_when_a_message_arrives_then_an_alarm_tells_the_team():
    resources = load_template()["Resources"]
    alarm = resources["EventsDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": "EventsDeadLetterQueue.QueueName"}}
    ]
    assert (
        alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    )
    assert alarm["AlarmActions"] == [{"Ref": "EscalationTopic"}]
    (statement,) = resources["EventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert load_template()["Outputs"]["EventsDeadLetterQueueUrl"]["Value"] == {
        "Ref": "EventsDeadLetterQueue"
    }
