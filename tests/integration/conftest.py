"""moto interpreting the real ASL with the real handlers run in-process.

One fixture builds everything from template.yaml: the bucket, tables, topic,
one moto Lambda function per template function (its invocation patched to
run our handler module), and the state machine from the real ASL file with
the template's DefinitionSubstitutions applied.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from support.events import object_created
from support.handlers import invoke
from support.moto_dynamodb import serialise_writes
from support.template import (
    Resolver,
    load_template,
    resources_of_type,
    substitute_definition,
)

REGION = "us-east-1"
ENVIRONMENT = "local"


@dataclass
class MotoPipeline:
    bucket: str
    state_machine_arn: str
    tables: dict[str, str]
    intake_function: str
    s3: Any = field(repr=False)
    sfn: Any = field(repr=False)
    dynamodb: Any = field(repr=False)
    lambda_client: Any = field(repr=False)

    def set_thresholds(self, version: str, auto: float, review: float) -> None:
        from lightbox.adapters.dynamodb import DynamoConfigStore

        store = DynamoConfigStore(self.tables["ConfigTable"], self.dynamodb)
        store.publish(version, json.dumps({"general": {"auto": auto, "review": review}}), "test")

    def put_photo(self, key: str, data: bytes) -> dict[str, Any]:
        """Put the object; return the EventBridge "Object Created" event S3 sends for it."""
        put = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return object_created(
            self.bucket, key, len(data), put["ETag"].strip('"'), put.get("VersionId"), REGION
        )

    def upload(self, key: str, data: bytes) -> dict[str, Any]:
        """Put the object, then deliver the EventBridge event to the intake function
        (moto does not route S3 → EventBridge → Lambda; LocalStack e2e covers that)."""
        event = self.put_photo(key, data)
        response = self.lambda_client.invoke(
            FunctionName=self.intake_function, Payload=json.dumps(event).encode()
        )
        payload = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, payload
        return payload

    def execution_arn(self, name: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"

    def wait(self, arn: str, timeout: float = 60.0, until_review: bool = False) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            desc = self.sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                return desc
            if until_review and self.pending_tasks(arn.rsplit(":", 1)[-1]):
                return desc
            time.sleep(0.1)
        raise TimeoutError(f"execution {arn} still running after {timeout}s")

    def operator_stack(self) -> Any:
        """What the operator commands (`lightbox status`, `lightbox delete`) reach, here."""
        from lightbox_cli.delete import Stack

        return Stack(
            s3=self.s3,
            bucket=self.bucket,
            sfn=self.sfn,
            machine=self.state_machine_arn,
            dynamodb=self.dynamodb,
            audit_table=self.tables["AuditTable"],
            content_index_table=self.tables["ContentIndexTable"],
            review_table=self.tables["ReviewTable"],
            listings_table=self.tables.get("ListingsTable"),
            events=boto3.client("events", region_name=REGION),
            status_bus=f"lightbox-{ENVIRONMENT}-status",
        )

    def review_service(self) -> Any:
        """The review service over this pipeline's table and task tokens (what the
        review API and `lightbox review` use)."""
        from lightbox.adapters.aws import TaskTokens
        from lightbox.adapters.dynamodb import DynamoReviewStore
        from lightbox.review.service import ReviewService

        store = DynamoReviewStore(self.tables["ReviewTable"], self.dynamodb)
        return ReviewService(store, TaskTokens(self.sfn))

    def upload_to_review(
        self, key: str, data: bytes, version: str = "v-review"
    ) -> tuple[dict[str, Any], str, dict[str, Any]]:
        """Upload under thresholds that send any usable photo to review; wait for its
        task. Returns the intake result, the execution ARN and the pending task."""
        self.set_thresholds(version, auto=0.999, review=0.05)
        started = self.upload(key, data)
        arn = self.execution_arn(started["execution_name"])
        self.wait(arn, until_review=True)
        (task,) = self.pending_tasks(started["execution_name"])
        # The task is stored before RequestReview writes its audit record: wait for that
        # too, so what reads the run's standing from its audit sees it waiting for review.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            records = self.audit(started["execution_name"])
            if records and records[-1]["decision"] == "review_requested":
                break
            time.sleep(0.1)
        return started, arn, task

    def pending_tasks(self, execution_name: str | None = None) -> list[dict[str, Any]]:
        """Pending review tasks; of one execution when named (a run an earlier test left
        waiting can still open a task in this test's table: moto keeps table names)."""
        from lightbox.adapters.dynamodb import DynamoReviewStore

        tasks = DynamoReviewStore(self.tables["ReviewTable"], self.dynamodb).tasks_with_status(
            "pending"
        )
        if execution_name is None:
            return tasks
        return [t for t in tasks if t["execution_name"] == execution_name]

    def audit(self, execution_name: str) -> list[dict[str, Any]]:
        from lightbox.adapters.dynamodb import DynamoAuditStore

        store = DynamoAuditStore(self.tables["AuditTable"], self.dynamodb)
        return sorted(store.records(f"pipeline#{execution_name}"), key=lambda r: r["seq"])

    def history_states(self, arn: str) -> list[str]:
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]


def _create_table(client: Any, name: str, props: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if "GlobalSecondaryIndexes" in props:
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    client.create_table(**kwargs)


def build_pipeline(review_timeout: int = 60) -> MotoPipeline:
    template = load_template()
    params = {
        "Environment": ENVIRONMENT,
        "ReviewTimeoutSeconds": str(review_timeout),
        "MaxReviewLevels": "2",
        "LogRetentionDays": "1",
        # No random spot checks: each test pins its route (a config version can set a rate).
        "SpotCheckRate": "0",
        "TargetPrecision": "0.98",
        "CalibrationMinDecisions": "50",
        # Feeds link presigned URLs (no CDN in front of moto's bucket).
        "PublicBaseUrl": "",
        "FeedUrlExpirySeconds": "3600",
        # As deployed by default (fault injection is tested on the emulator: tests/e2e).
        "AllowFaultInjection": "false",
    }
    resolve = Resolver(params, conditions=template.get("Conditions", {}))
    s3 = boto3.client("s3", region_name=REGION)
    ddb_client = boto3.client("dynamodb", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    sfn = boto3.client("stepfunctions", region_name=REGION)

    bucket = resolve(template["Resources"]["ImagesBucket"]["Properties"]["BucketName"])
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    resolve.refs["ImagesBucket"] = bucket
    tables = {}
    for logical, res in resources_of_type(template, "AWS::DynamoDB::Table").items():
        name = resolve(res["Properties"]["TableName"])
        _create_table(ddb_client, name, res["Properties"])
        resolve.refs[logical] = tables[logical] = name
    kms = boto3.client("kms", region_name=REGION)
    for logical, res in resources_of_type(template, "AWS::KMS::Key").items():
        spec = {k: res["Properties"][k] for k in ("KeySpec", "KeyUsage") if k in res["Properties"]}
        key = kms.create_key(**spec)["KeyMetadata"]
        resolve.refs[logical] = key["KeyId"]
        resolve.attrs[(logical, "Arn")] = key["Arn"]
    topic = sns.create_topic(
        Name=resolve(template["Resources"]["EscalationTopic"]["Properties"]["TopicName"])
    )
    resolve.refs["EscalationTopic"] = topic["TopicArn"]
    events = boto3.client("events", region_name=REGION)
    for logical, res in resources_of_type(template, "AWS::Events::EventBus").items():
        bus = events.create_event_bus(Name=resolve(res["Properties"]["Name"]))
        resolve.refs[logical] = resolve(res["Properties"]["Name"])
        resolve.attrs[(logical, "Arn")] = bus["EventBusArn"]
    secret = template["Resources"]["ReviewSigningSecret"]["Properties"]
    resolve.refs["ReviewSigningSecret"] = boto3.client(
        "secretsmanager", region_name=REGION
    ).create_secret(Name=resolve(secret["Name"]), SecretString="k" * 64)["ARN"]
    resolve.refs["CommonLayer"] = "layer"
    sm_props = template["Resources"]["ListingPipeline"]["Properties"]
    sm_name = resolve(sm_props["Name"])
    sm_arn = f"arn:aws:states:{REGION}:123456789012:stateMachine:{sm_name}"
    resolve.refs["ListingPipeline"] = sm_arn

    role = iam.create_role(
        RoleName="lightbox-test", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    global_env = template["Globals"]["Function"]["Environment"]["Variables"]
    code_dirs: dict[str, str] = {}
    env: dict[str, str] = {}
    intake = ""
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        if "Condition" in res:
            continue  # an optional feature, off under the defaults (e.g. the status webhook)
        props = res["Properties"]
        name = resolve(props["FunctionName"])
        variables = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        env.update({k: str(resolve(v)) for k, v in variables.items()})
        fn = lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
        resolve.attrs[(logical, "Arn")] = fn["FunctionArn"]
        code_dirs[name] = props["CodeUri"].rstrip("/")
        if logical == "IntakeFunction":
            intake = name
    os.environ.update(env)
    os.environ["AWS_DEFAULT_REGION"] = REGION

    substitutions = {k: resolve(v) for k, v in sm_props["DefinitionSubstitutions"].items()}
    sfn.create_state_machine(
        name=sm_name,
        definition=substitute_definition(substitutions),
        roleArn=role,
    )

    def _run(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = self.function_name
        result, errored = invoke(code_dirs[self.function_name], self.function_name, event)
        return json.dumps(result), errored, ""

    LambdaFunction._invoke_lambda = _run  # restored by the fixture's monkeypatch
    return MotoPipeline(
        bucket=bucket,
        state_machine_arn=sm_arn,
        tables=tables,
        intake_function=intake,
        s3=s3,
        sfn=sfn,
        dynamodb=boto3.resource("dynamodb", region_name=REGION),
        lambda_client=lam,
    )


def _stop_leftover_runs(grace: float = 60.0) -> None:
    """Stop the runs a test left running (waiting in review, say) and wait for their
    threads while this test's mock is still in place: otherwise they go on writing
    into the next test's identically named bucket and tables."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    sfn = boto3.client("stepfunctions", region_name=REGION)
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        for run in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            sfn.stop_execution(executionArn=run["executionArn"], cause="test finished")
    deadline = time.monotonic() + grace
    for thread in list(TMP_THREADS):
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    TMP_THREADS[:] = [t for t in TMP_THREADS if t.is_alive()]


def _reset_caches() -> None:
    from lightbox.idempotency import persistence
    from lightbox.pipeline.deps import deps
    from lightbox.settings import seal_settings, settings

    deps.cache_clear()
    settings.cache_clear()
    seal_settings.cache_clear()
    persistence.cache_clear()


def offline_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override: every client talks to moto, never to
    an emulator or an account a developer's shell points at."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside moto, with `offline_credentials` and `serialise_writes`."""
    offline_credentials(monkeypatch)
    serialise_writes(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture
def moto_pipeline_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Build a pipeline inside moto; parameters (review timeouts) per test."""
    offline_credentials(monkeypatch)
    serialise_writes(monkeypatch)
    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", LambdaFunction._invoke_lambda)
    saved_env = dict(os.environ)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        _reset_caches()
        yield build_pipeline
        _stop_leftover_runs()
        _reset_caches()
    os.environ.clear()
    os.environ.update(saved_env)


@pytest.fixture
def moto_pipeline(moto_pipeline_factory: Any) -> MotoPipeline:
    return moto_pipeline_factory()
