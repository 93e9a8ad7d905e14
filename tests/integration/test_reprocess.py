"""Catalogue reprocessing on moto: the real reprocess ASL and plan handler, the real pipeline.

moto interprets Distributed Maps with an ItemReader over S3 (ListObjectsV2),
ItemSelector, MaxConcurrency and a ResultWriter (it writes the manifest only);
its child pipeline executions run the real ASL too. One gap is patched here:
moto's engine hands the states:startExecution parameters to botocore as written
in the ASL (StateMachineArn, Name, Input) where botocore wants stateMachineArn,
name, input; LocalStack and AWS accept the ASL as it is.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lightbox.pipeline.reprocess import run_prefix
from support.images import good_jpeg
from support.template import REPROCESS_ASL, load_template, substitute_definition

SELLER = "acme"


def _create_reprocess_machine(pipeline: Any) -> str:
    props = load_template()["Resources"]["CatalogueReprocess"]["Properties"]
    plan_function = pipeline.lambda_client.get_function(
        FunctionName="lightbox-local-reprocess-plan"
    )["Configuration"]["FunctionArn"]
    values = {
        "BucketName": pipeline.bucket,
        "ReprocessPlanFunctionArn": plan_function,
        "ListingPipelineArn": pipeline.state_machine_arn,
        "ReprocessMaxConcurrency": "2",
        "ReprocessToleratedFailurePercentage": "5.0",
    }
    assert set(values) == set(props["DefinitionSubstitutions"])
    return pipeline.sfn.create_state_machine(
        name="lightbox-local-reprocess",
        definition=substitute_definition(values, REPROCESS_ASL),
        roleArn="arn:aws:iam::123456789012:role/lightbox-test",
    )["stateMachineArn"]


def _wait(sfn: Any, arn: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return desc
        time.sleep(0.2)
    raise TimeoutError(arn)


def _children(sfn: Any, pipeline_arn: str, run: str) -> dict[str, dict[str, Any]]:
    prefix = run_prefix(run) + "-"
    names = [
        e["executionArn"]
        for e in sfn.list_executions(stateMachineArn=pipeline_arn, maxResults=1000)["executions"]
        if e["name"].startswith(prefix)
    ]
    return {arn: json.loads(sfn.describe_execution(executionArn=arn)["input"]) for arn in names}


def _patch_moto_start_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_task,
    )

    original = sfn_task.StateTaskServiceSfn._normalise_parameters

    def normalise(self, parameters, boto_service_name=None, service_action_name=None):
        original(self, parameters, boto_service_name, service_action_name)
        for key in [k for k in parameters if k[:1].isupper()]:
            parameters[key[0].lower() + key[1:]] = parameters.pop(key)

    monkeypatch.setattr(sfn_task.StateTaskServiceSfn, "_normalise_parameters", normalise)


@pytest.fixture
def catalogue(moto_pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    _patch_moto_start_execution(monkeypatch)
    pipeline = moto_pipeline
    pipeline.set_thresholds("v1", auto=0.2, review=0.1)
    keys = [f"incoming/{SELLER}/MUG-{i}/front.jpg" for i in range(3)]
    for seed, key in enumerate(keys):
        pipeline.s3.put_object(Bucket=pipeline.bucket, Key=key, Body=good_jpeg(seed=seed))
    extras = {
        f"incoming/{SELLER}/MUG-0/product.json": b'{"title": "Mug"}',
        f"incoming/{SELLER}/MUG-0/assets/logo.png": good_jpeg(seed=9),
        f"incoming/{SELLER}/MUG-1/notes.txt": b"shoot again in May",
        "incoming/other/MUG-9/front.jpg": good_jpeg(seed=7),
    }
    for key, body in extras.items():
        pipeline.s3.put_object(Bucket=pipeline.bucket, Key=key, Body=body)
    pipeline.reprocess_arn = _create_reprocess_machine(pipeline)
    pipeline.photo_keys = keys
    return pipeline


def test_given_a_sellers_catalogue_when_reprocessed_then_each_photo_gets_a_marked_pipeline_run(
    catalogue: Any,
):
    sfn = catalogue.sfn
    run = "rp-acme-20260101T000000Z-test"
    started = sfn.start_execution(
        stateMachineArn=catalogue.reprocess_arn,
        name=run,
        input=json.dumps({"seller": SELLER, "sku": None, "since": None}),
    )
    desc = _wait(sfn, started["executionArn"])
    assert desc["status"] == "SUCCEEDED", desc
    output = json.loads(desc["output"])
    assert output["run"] == run and output["prefix"] == f"incoming/{SELLER}/"

    children = _children(sfn, catalogue.state_machine_arn, run)
    assert sorted(i["photo"]["key"] for i in children.values()) == catalogue.photo_keys
    for payload in children.values():
        assert payload["reprocess"] == {"run": run}
        assert payload["photo"]["seller"] == SELLER and payload["photo"]["version_id"] is None

    # Map-run counters are checked on the emulator: moto drops an ended execution's
    # map runs (ListMapRuns then fails inside moto).
    manifest = catalogue.s3.get_object(Bucket=catalogue.bucket, Key=output["results"]["Key"])
    assert output["results"]["Key"].startswith("reports/reprocess/")
    assert json.loads(manifest["Body"].read())["MapRunArn"] == output["map_run_arn"]
    for arn in children:
        assert _wait(sfn, arn)["status"] == "SUCCEEDED"


def test_given_a_sku_and_a_future_since_when_reprocessed_then_nothing_is_started(catalogue: Any):
    sfn = catalogue.sfn
    run = "rp-acme-20260101T000000Z-late"
    started = sfn.start_execution(
        stateMachineArn=catalogue.reprocess_arn,
        name=run,
        input=json.dumps({"seller": SELLER, "sku": "MUG-0", "since": "2999-01-01"}),
    )
    desc = _wait(sfn, started["executionArn"])
    assert desc["status"] == "SUCCEEDED", desc
    assert json.loads(desc["output"])["prefix"] == f"incoming/{SELLER}/MUG-0/"
    assert _children(sfn, catalogue.state_machine_arn, run) == {}
