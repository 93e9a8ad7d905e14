"""DynamoDB served by moto inside the emulator, and Step Functions on top of both plugins.

Conditional writes fail as on AWS (the audit trail's append-only puts rely on
it), tables with the same name in other accounts and regions stay separate,
CloudFormation creates and deletes a table, and a state machine's DynamoDB
tasks and a failing Lambda reach its Catch with the right error type. One
emulator for this module (the `emulator` fixture in conftest.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from support.local_emulator import (
    create_function,
    unique,
    wait_for,
)
from support.tables import create_pk_sk_table

pytestmark = pytest.mark.e2e


# -- DynamoDB --------------------------------------------------------------------------


def test_given_audit_table_when_record_appended_twice_then_second_write_fails_condition_check(aws):
    ddb = aws.client("dynamodb")
    table = unique("audit")
    create_pk_sk_table(ddb, table)
    item = {"pk": {"S": "pipeline#e1"}, "sk": {"S": "001#1"}, "stage": {"S": "intake"}}
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    ddb.put_item(
        TableName=table,
        Item={**item, "sk": {"S": "002#2"}, "stage": {"S": "validate"}},
        ConditionExpression="attribute_not_exists(pk)",
    )

    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(
            TableName=table,
            Item={**item, "stage": {"S": "tampered"}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    got = ddb.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})["Item"]
    queried = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": item["pk"], ":prefix": {"S": "00"}},
    )["Items"]
    assert got["stage"] == {"S": "intake"}
    assert [i["stage"]["S"] for i in queried] == ["intake", "validate"]


def test_given_same_table_name_in_other_account_and_region_when_written_then_tables_are_isolated(
    aws,
):
    table = unique("config")
    clients = [
        aws.client("dynamodb"),
        aws.client("dynamodb", region="eu-west-1"),
        aws.client("dynamodb", account="111111111111"),
    ]
    for index, ddb in enumerate(clients):
        create_pk_sk_table(ddb, table)
        ddb.put_item(
            TableName=table, Item={"pk": {"S": "k"}, "sk": {"S": "s"}, "n": {"N": str(index)}}
        )

    values = [
        ddb.get_item(TableName=table, Key={"pk": {"S": "k"}, "sk": {"S": "s"}})["Item"]["n"]["N"]
        for ddb in clients
    ]
    arns = [ddb.describe_table(TableName=table)["Table"]["TableArn"] for ddb in clients]

    assert values == ["0", "1", "2"]
    assert ":us-east-1:000000000000:" in arns[0]
    assert ":eu-west-1:000000000000:" in arns[1]
    assert ":us-east-1:111111111111:" in arns[2]


TABLE_TEMPLATE = {
    "Resources": {
        "Reviews": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                "Tags": [{"Key": "project", "Value": "lightbox"}],
            },
        }
    },
    "Outputs": {"TableName": {"Value": {"Ref": "Reviews"}}},
}


def test_given_template_with_dynamodb_table_when_stack_created_then_table_usable_and_deletable(aws):
    cfn = aws.client("cloudformation")
    ddb = aws.client("dynamodb")
    stack = unique("tables")

    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(TABLE_TEMPLATE))
    cfn.get_waiter("stack_create_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
    )
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    table = outputs[0]["OutputValue"]
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "task#1"}})
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
    )

    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    assert table not in ddb.list_tables()["TableNames"]


# -- Step Functions on top of both plugins ---------------------------------------------


def _state_machine(table: str, function: str) -> dict[str, Any]:
    return {
        "StartAt": "RecordIntake",
        "States": {
            "RecordIntake": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.id"}, "sk": {"S": "0"}, "stage": {"S": "intake"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "ResultPath": None,
                "Next": "LoadRecord",
            },
            "LoadRecord": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table,
                    "Key": {"pk": {"S.$": "$.id"}, "sk": {"S": "0"}},
                },
                "ResultSelector": {"stage.$": "$.Item.stage.S"},
                "ResultPath": "$.record",
                "Next": "Validate",
            },
            "Validate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function, "Payload.$": "$"},
                "Catch": [
                    {"ErrorEquals": ["PhotoRejected"], "ResultPath": "$.caught", "Next": "Done"}
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_given_state_machine_with_dynamodb_tasks_and_failing_lambda_then_catch_sees_error_type(aws):
    ddb = aws.client("dynamodb")
    sfn = aws.client("stepfunctions")
    table = unique("pipeline")
    create_pk_sk_table(ddb, table)
    code = (
        "class PhotoRejected(Exception):\n    pass\n\n"
        "def handler(event, context):\n    raise PhotoRejected(event['record']['stage'])\n"
    )
    function = create_function(aws, code)
    machine = sfn.create_state_machine(
        name=unique("sm"),
        definition=json.dumps(_state_machine(table, function)),
        roleArn="arn:aws:iam::000000000000:role/sfn-role",
    )["stateMachineArn"]

    def run(name: str) -> dict[str, Any]:
        arn = sfn.start_execution(stateMachineArn=machine, name=name, input='{"id": "e1"}')

        def finished() -> dict[str, Any] | None:
            description = sfn.describe_execution(executionArn=arn["executionArn"])
            return description if description["status"] != "RUNNING" else None

        return wait_for(finished)

    first = run("first")
    duplicate = run("duplicate")

    assert first["status"] == "SUCCEEDED", first
    caught = json.loads(first["output"])["caught"]
    assert caught["Error"] == "PhotoRejected"
    assert json.loads(caught["Cause"])["errorMessage"] == "intake"
    assert duplicate["status"] == "FAILED"
    assert duplicate["error"] == "DynamoDB.ConditionalCheckFailedException"
