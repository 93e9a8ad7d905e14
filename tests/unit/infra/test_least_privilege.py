"""Least privilege, proved on template.yaml (the emulator does not enforce IAM).

Every function role is read statement by statement, with the few SAM policy
templates it may use expanded to the actions they grant: no wildcard action, no
S3 Delete*, ACL or lifecycle action, object access only under named key
prefixes, the audit table written only with PutItem (the code makes every put
conditional: tests/unit/audit), and review tasks (which hold task tokens) readable
only by the review functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from support.template import load_template, resources_of_type

#: SAM policy templates a function may use -> the actions they expand to
#: (samtranslator's policy_templates.json). Anything else is refused: the CRUD and
#: read templates grant Delete*, ACL or lifecycle actions on a whole bucket or table.
ALLOWED_SAM_TEMPLATES = {
    "StepFunctionsExecutionPolicy": ["states:StartExecution"],
    "StepFunctionsCallbackPolicy": [
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
        "states:SendTaskSuccess",
    ],
    "SNSPublishMessagePolicy": ["sns:Publish"],
    "AWSSecretsManagerGetSecretValuePolicy": ["secretsmanager:GetSecretValue"],
}
REFUSED_SAM_TEMPLATES = {
    "S3CrudPolicy",
    "S3FullAccessPolicy",
    "S3WritePolicy",
    "S3ReadPolicy",
    "DynamoDBCrudPolicy",
    "DynamoDBWritePolicy",
    "AmazonDynamoDBFullAccess",
    "AmazonS3FullAccess",
}
#: The functions that handle review tasks, whose items carry task tokens.
REVIEW_FUNCTIONS = {
    "RequestReviewFunction",
    "EscalateFunction",
    "RecordReviewFunction",
    "ReviewApiFunction",
}
DYNAMODB_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
}
DYNAMODB_READS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
}


@cache
def _functions() -> dict[str, dict[str, Any]]:
    return resources_of_type(load_template(), "AWS::Serverless::Function")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Allow statement of a function's role, SAM templates expanded."""
    found: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies") or []:
        assert isinstance(policy, dict), f"managed policy {policy!r}: name the actions instead"
        ((kind, body),) = policy.items()
        if kind == "Statement":
            found.extend(s for s in _as_list(body) if s.get("Effect") == "Allow")
            continue
        assert kind not in REFUSED_SAM_TEMPLATES, f"{kind} grants more than any function uses"
        assert kind in ALLOWED_SAM_TEMPLATES, f"unknown SAM policy template {kind}"
        found.append({"Sid": kind, "Action": ALLOWED_SAM_TEMPLATES[kind], "Resource": body})
    return found


def _resources(statement: dict[str, Any]) -> list[str]:
    """Resources as text: `AuditTable.Arn`, `${ImagesBucket.Arn}/work/*` ..."""
    out = []
    for resource in _as_list(statement.get("Resource")):
        if isinstance(resource, dict) and "Fn::GetAtt" in resource:
            out.append(str(resource["Fn::GetAtt"]))
        elif isinstance(resource, dict) and "Fn::Sub" in resource:
            out.append(str(resource["Fn::Sub"]))
        else:
            out.append(str(resource))
    return out


def _leading_keys(statement: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for test in (statement.get("Condition") or {}).values():
        keys.extend(_as_list(test.get("dynamodb:LeadingKeys", [])))
    return keys


ALL = sorted(_functions())


@pytest.mark.reliability(
    case="least privilege: wildcard actions", expected="none in any function role"
)
@pytest.mark.parametrize("name", ALL)
def test_given_a_function_role_when_read_then_no_action_is_a_wildcard(name: str) -> None:
    for statement in _statements(_functions()[name]):
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{name} {statement.get('Sid')}: {action}"


@pytest.mark.reliability(
    case="least privilege: bucket delete/ACL/lifecycle", expected="no function may"
)
@pytest.mark.parametrize("name", ALL)
def test_given_a_function_role_when_read_then_it_cannot_delete_or_reconfigure_the_bucket(
    name: str,
) -> None:
    for statement in _statements(_functions()[name]):
        for action in _as_list(statement["Action"]):
            if action.startswith("s3:"):
                assert "Delete" not in action, f"{name}: {action}"
                assert "Acl" not in action, f"{name}: {action}"
                assert "Lifecycle" not in action, f"{name}: {action}"
                assert "Policy" not in action, f"{name}: {action}"


@pytest.mark.parametrize("name", ALL)
def test_given_a_function_role_when_read_then_objects_are_reached_only_under_named_prefixes(
    name: str,
) -> None:
    for statement in _statements(_functions()[name]):
        object_actions = [a for a in _as_list(statement["Action"]) if a.startswith("s3:")]
        object_actions = [a for a in object_actions if a != "s3:ListBucket"]
        for resource in _resources(statement) if object_actions else []:
            prefix = resource.removeprefix("${ImagesBucket.Arn}/")
            assert prefix != resource, f"{name}: {resource} is not in the images bucket"
            assert prefix.endswith("/*") and "*" not in prefix[:-2] and prefix != "/*", (
                f"{name}: {object_actions} on {resource} is not one key prefix"
            )


@pytest.mark.reliability(
    case="least privilege: audit table writes", expected="conditional PutItem only"
)
@pytest.mark.parametrize("name", ALL)
def test_given_a_function_role_when_read_then_the_audit_table_is_written_only_by_put_item(
    name: str,
) -> None:
    for statement in _statements(_functions()[name]):
        if not any("AuditTable" in r for r in _resources(statement)):
            continue
        actions = set(_as_list(statement["Action"]))
        assert actions & DYNAMODB_WRITES <= {"dynamodb:PutItem"}, f"{name}: {actions}"
        assert actions <= DYNAMODB_READS | {"dynamodb:PutItem"}, f"{name}: {actions}"


@pytest.mark.reliability(
    case="least privilege: task tokens", expected="readable by review functions only"
)
@pytest.mark.parametrize("name", ALL)
def test_given_a_function_role_when_read_then_only_review_functions_read_task_tokens(
    name: str,
) -> None:
    for statement in _statements(_functions()[name]):
        on_table = [r for r in _resources(statement) if r == "ReviewTable.Arn"]
        reads = set(_as_list(statement["Action"])) & DYNAMODB_READS
        if not on_table or not reads or name in REVIEW_FUNCTIONS:
            continue
        leading = _leading_keys(statement)
        assert leading, f"{name} reads every review item, task tokens included"
        assert not any(k.startswith("task#") or k == "*" for k in leading), f"{name}: {leading}"


def test_given_the_template_when_read_then_the_review_table_is_never_written_wholesale() -> None:
    for name, function in _functions().items():
        for statement in _statements(function):
            if "ReviewTable.Arn" not in _resources(statement):
                continue
            writes = set(_as_list(statement["Action"])) & DYNAMODB_WRITES
            assert "dynamodb:DeleteItem" not in writes, name
            if writes:
                assert _leading_keys(statement), f"{name} writes any review item: {writes}"


def test_given_the_template_when_read_then_the_refusal_rules_catch_a_crud_policy() -> None:
    crud = {"Properties": {"Policies": [{"S3CrudPolicy": {"BucketName": {"Ref": "B"}}}]}}
    with pytest.raises(AssertionError, match="S3CrudPolicy"):
        _statements(crud)
    wildcard = {
        "Properties": {
            "Policies": [{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]
        }
    }
    (statement,) = _statements(wildcard)
    assert "*" in statement["Action"]


def test_given_the_template_when_read_then_only_the_sealer_writes_seals_or_signs_them() -> None:
    for name, function in _functions().items():
        for statement in _statements(function):
            actions = set(_as_list(statement["Action"]))
            resources = _resources(statement)
            if "AuditSealTable.Arn" in resources and actions & DYNAMODB_WRITES:
                assert name == "AuditSealFunction", f"{name} writes audit seals"
                assert actions & DYNAMODB_WRITES == {"dynamodb:PutItem"}, actions
            if "kms:GenerateMac" in actions:
                assert name == "AuditSealFunction", f"{name} can sign audit seals"
                assert resources == ["AuditSealKey.Arn"], resources


def test_given_the_status_webhook_when_read_then_it_reaches_only_its_secret_and_queues() -> None:
    """Given the optional status webhook function
    Then it reads its own signing secret, consumes its own queue and may only send to its
    dead-letter queue; it is created only when a URL is set, and its event source mapping is
    explicit (a SAM SQS event would attach AWS's managed policy on every queue)."""
    function = _functions()["StatusWebhookFunction"]
    assert function["Condition"] == "StatusWebhookOn"
    assert "Events" not in function["Properties"]
    granted = {
        (action, resource)
        for statement in _statements(function)
        for action in _as_list(statement["Action"])
        for resource in _resources(statement)
    }
    assert granted == {
        ("secretsmanager:GetSecretValue", "{'SecretArn': {'Ref': 'StatusWebhookSecret'}}"),
        ("sqs:ReceiveMessage", "StatusWebhookQueue.Arn"),
        ("sqs:DeleteMessage", "StatusWebhookQueue.Arn"),
        ("sqs:ChangeMessageVisibility", "StatusWebhookQueue.Arn"),
        ("sqs:GetQueueAttributes", "StatusWebhookQueue.Arn"),
        ("sqs:SendMessage", "StatusWebhookDeadLetterQueue.Arn"),
    }
