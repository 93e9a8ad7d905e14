"""The Calibrate function in template.yaml: scheduled by a rule that fires on the emulator,
least privilege on the two tables it touches."""

from support.template import load_template


def _calibrate() -> dict:
    return load_template()["Resources"]["CalibrateFunction"]["Properties"]


def test_given_the_template_when_inspected_then_calibrate_runs_on_an_eventbridge_rule():
    (event,) = _calibrate()["Events"].values()
    # SAM's `Schedule` becomes an AWS::Events::Rule with a ScheduleExpression, which fires
    # on the emulator; `ScheduleV2` (EventBridge Scheduler) would not.
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {"Ref": "CalibrationSchedule"}
    assert load_template()["Parameters"]["CalibrationSchedule"]["Default"].startswith("rate(")


def test_given_the_template_when_inspected_then_calibrate_reads_feedback_and_writes_versions_only():
    (policy,) = _calibrate()["Policies"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"ReadFeedback", "ConfigVersions"}
    feedback, config = statements["ReadFeedback"], statements["ConfigVersions"]
    assert feedback["Action"] == ["dynamodb:Query"]
    assert feedback["Resource"] == {"Fn::GetAtt": "ReviewTable.Arn"}
    assert feedback["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == [
        "feedback#*"
    ]
    assert set(config["Action"]) == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}
    assert config["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == [
        "config#thresholds"
    ]


def test_given_the_template_when_inspected_then_learning_knobs_are_parameters():
    parameters = load_template()["Parameters"]
    assert parameters["SpotCheckRate"]["Default"] == "0.02"
    assert parameters["TargetPrecision"]["Default"] == "0.98"
    score_env = load_template()["Resources"]["ScoreFunction"]["Properties"]["Environment"]
    assert score_env["Variables"]["SPOT_CHECK_RATE"] == {"Ref": "SpotCheckRate"}
