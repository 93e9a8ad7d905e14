"""The audit adapters on moto's DynamoDB and KMS: conditional transactions, conflicts,
tail anchoring and KMS-signed seals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lightbox.adapters.audit_seal import DynamoAuditSeals, KmsMacSigner
from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.seal import seal_chain, verify_sealed
from lightbox.audit.trail import AuditConflictError, AuditEntry, AuditTrail, record_hash
from support.template import load_template

REGION = "us-east-1"
PK = "pipeline#run-1"


@pytest.fixture
def aws(moto: None) -> Iterator[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    resources = load_template()["Resources"]
    for logical, name in (("AuditTable", "audit"), ("AuditSealTable", "seals")):
        props = resources[logical]["Properties"]
        ddb.create_table(
            TableName=name,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
    kms = boto3.client("kms", region_name=REGION)
    key = resources["AuditSealKey"]["Properties"]
    key_id = kms.create_key(KeySpec=key["KeySpec"], KeyUsage=key["KeyUsage"])["KeyMetadata"][
        "KeyId"
    ]
    resource = boto3.resource("dynamodb", region_name=REGION)
    yield {
        "store": DynamoAuditStore("audit", resource),
        "seals": DynamoAuditSeals("seals", resource),
        "signer": KmsMacSigner(key_id, kms),
        "table": resource.Table("audit"),
    }


def _run(aws: dict[str, Any]) -> None:
    trail = AuditTrail(aws["store"])
    for stage, decision in (
        ("validate", "accepted"),
        ("score", "scored"),
        ("publish", "published"),
    ):
        trail.append(PK, AuditEntry(stage=stage, decision=decision, actor="agent:test@1"))
    seal_chain(aws["store"], aws["seals"], aws["signer"], PK, "SUCCEEDED", "2026-01-01T00:00:00Z")


def _verify(aws: dict[str, Any]) -> Any:
    store = aws["store"]
    return verify_sealed(
        list(store.records(PK)), store.head(PK), aws["seals"].get(PK), aws["signer"]
    )


def test_given_a_sealed_run_on_dynamodb_when_verified_then_records_head_and_kms_seal_agree(aws):
    _run(aws)
    check = _verify(aws)
    assert check.ok and check.sealed and check.chain.count == 3


def test_given_a_stale_head_when_appending_then_the_transaction_conflicts(aws):
    _run(aws)
    store = aws["store"]
    stale = {"seq": 2, "hash": store.records(PK)[1]["hash"]}
    item = {"pk": PK, "sk": "rec#000004", "seq": 4, "hash": "x", "prev_hash": "y"}
    with pytest.raises(AuditConflictError):
        store.append(item, stale)
    with pytest.raises(AuditConflictError):
        store.append({**item, "sk": "rec#000003", "seq": 3}, store.head(PK))
    assert len(store.records(PK)) == 3


@pytest.mark.reliability(case="audit: a record deleted", expected="detected by verify")
@pytest.mark.parametrize("seq", [1, 2, 3], ids=["first", "middle", "last"])
def test_given_a_record_deleted_in_the_table_when_verified_then_it_is_detected(aws, seq):
    _run(aws)
    aws["table"].delete_item(Key={"pk": PK, "sk": f"rec#{seq:06d}"})
    assert not _verify(aws).ok


@pytest.mark.reliability(case="audit: a record edited", expected="detected by verify")
@pytest.mark.parametrize("seq", [1, 2, 3], ids=["first", "middle", "last"])
def test_given_a_record_rewritten_in_the_table_when_verified_then_it_is_detected(aws, seq):
    _run(aws)
    store = aws["store"]
    record = dict(next(r for r in store.records(PK) if r["seq"] == seq))
    record["decision"] = "rejected"
    record["hash"] = record_hash(record)
    aws["table"].put_item(Item=record)
    aws["table"].put_item(Item={"pk": PK, "sk": "head", "seq": 3, "hash": record["hash"]})
    assert not _verify(aws).ok


def _cli_ctx(pipeline: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        client=lambda service: boto3.client(service, region_name=REGION),
        resource=lambda service: pipeline.dynamodb,
        outputs={
            "AuditTableName": pipeline.tables["AuditTable"],
            "AuditSealTableName": pipeline.tables["AuditSealTable"],
            "AuditSealKeyId": __import__("os").environ["AUDIT_SEAL_KEY_ID"],
        },
    )


def _verify_cli(pipeline: Any, name: str) -> int:
    from argparse import Namespace

    from lightbox_cli.audit import cmd_audit

    args = Namespace(executions=[name], require_seal=True, json=False)
    return cmd_audit(args, _cli_ctx(pipeline))


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_given_a_finished_run_sealed_when_a_record_is_deleted_then_audit_verify_fails(
    moto_pipeline, which
):
    import json

    from support.images import good_jpeg

    moto_pipeline.set_thresholds("v1", auto=0.05, review=0.01)
    started = moto_pipeline.upload("incoming/acme/MUG-1/front.jpg", good_jpeg())
    name = started["execution_name"]
    desc = moto_pipeline.wait(moto_pipeline.execution_arn(name))
    event = {
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {"name": name, "status": desc["status"]},
    }
    response = moto_pipeline.lambda_client.invoke(
        FunctionName="lightbox-local-audit-seal", Payload=json.dumps(event).encode()
    )
    assert "FunctionError" not in response, response["Payload"].read()
    assert _verify_cli(moto_pipeline, name) == 0

    records = moto_pipeline.audit(name)
    assert len(records) >= 3
    seq = {"first": 1, "middle": len(records) // 2 + 1, "last": len(records)}[which]
    table = moto_pipeline.dynamodb.Table(moto_pipeline.tables["AuditTable"])
    table.delete_item(Key={"pk": f"pipeline#{name}", "sk": f"rec#{seq:06d}"})
    assert _verify_cli(moto_pipeline, name) == 1


def test_given_a_run_whose_last_record_was_deleted_when_shown_then_the_chain_is_broken(
    moto_pipeline,
):
    from types import SimpleNamespace

    from lightbox_cli.executions import explanation
    from support.images import good_jpeg

    moto_pipeline.set_thresholds("v1", auto=0.05, review=0.01)
    name = moto_pipeline.upload("incoming/acme/MUG-1/front.jpg", good_jpeg())["execution_name"]
    arn = moto_pipeline.execution_arn(name)
    moto_pipeline.wait(arn)
    ctx = SimpleNamespace(
        client=lambda service: moto_pipeline.sfn,
        resource=lambda service: moto_pipeline.dynamodb,
        outputs={"AuditTableName": moto_pipeline.tables["AuditTable"]},
    )
    assert explanation(ctx, arn)["json"]["chain_ok"]
    last = moto_pipeline.audit(name)[-1]
    table = moto_pipeline.dynamodb.Table(moto_pipeline.tables["AuditTable"])
    table.delete_item(Key={"pk": f"pipeline#{name}", "sk": last["sk"]})
    shown = explanation(ctx, arn)
    assert not shown["json"]["chain_ok"]
    assert any("CHAIN BROKEN" in line for line in shown["lines"])
