"""Build and deploy template.yaml with the SAM CLI — to AWS or the embedded emulator.

The same template and ASL go everywhere; for `--env local` the SAM CLI simply
talks to the emulator's endpoint (its CloudFormation applies the SAM
transform and DefinitionSubstitutions), so nothing is hand-created.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lightbox_infra import layer_cache
from lightbox_infra.paths import repo_root, state_dir

LOCAL_REGION = "us-east-1"
#: samconfig.toml's AWS environments; on the emulator any name matching ENV_NAME works.
AWS_ENVIRONMENTS = ("dev", "staging", "prod")
#: An environment name: part of every resource name (bucket names are lower case).
ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
#: Where every emulator stack's layers are uploaded once (shared: same content, same key).
ARTIFACTS_BUCKET = "lightbox-local-artifacts"
# Short review timeouts locally so a demo reviewer sees a task escalate (10 min) and,
# with two levels, rejected (20 min) while the emulator still runs.
LOCAL_PARAMETERS = {
    "Environment": "local",
    "ReviewTimeoutSeconds": "600",
    "MaxReviewLevels": "2",
    "LogRetentionDays": "1",
    # At most two environments per image function and one per light function: a
    # burst of uploads queues (the throttle wait, then the state machine's Retry)
    # instead of starting a worker per call on two cores. Light functions answer in
    # milliseconds; a second idle worker each would only hold ~70 MB.
    "ImageStageConcurrency": "2",
    "TaskStageConcurrency": "1",
    # A reprocess run plans and starts as many items at once as the plan function may run.
    "ReprocessMaxConcurrency": "2",
    # No random spot checks locally: a demo or e2e photo takes the route its scores give.
    # A config version with `spot_check_rate` turns them on (tests/e2e/test_learning_loop.py).
    "SpotCheckRate": "0",
}


class DeployError(RuntimeError):
    """sam build/deploy failed; the message carries the tail of its output."""


@dataclass(frozen=True)
class StackInfo:
    env: str
    stack_name: str
    outputs: dict[str, str]
    build_seconds: float
    deploy_seconds: float
    package_seconds: float = 0.0  # zipping (when not cached) and uploading the layers

    @property
    def bucket(self) -> str:
        return self.outputs["BucketName"]

    @property
    def state_machine_arn(self) -> str:
        return self.outputs["StateMachineArn"]


def stack_name(env: str) -> str:
    return f"lightbox-{env}"


def local_aws_env(endpoint: str) -> dict[str, str]:
    """Credentials and endpoint for talking to the emulator (never real AWS)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
    }


def local_client(service: str, endpoint: str, kind: str = "client"):
    """A boto3 client (or resource) bound to the emulator with its dummy credentials."""
    import boto3  # operator-side only

    creds = local_aws_env(endpoint)
    factory = boto3.resource if kind == "resource" else boto3.client
    return factory(
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
    )


def _sam_env(extra: dict[str, str]) -> dict[str, str]:
    home = state_dir() / "home"
    home.mkdir(parents=True, exist_ok=True)
    python_dir = Path(_python313()).parent
    env = {
        **os.environ,
        "HOME": str(home),
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_POLL_DELAY": "0.5",
        "PATH": f"{python_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }
    env.pop("AWS_PROFILE", None) if "AWS_ENDPOINT_URL" in extra else None
    return env


def _python313() -> str:
    candidates = ["/root/.pyenv/versions/3.13.0/bin/python3.13", shutil.which("python3.13") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise DeployError("sam build needs python3.13 on PATH (the Lambda runtime version).")


def _sam() -> str:
    sam = repo_root() / ".venv-sam" / "bin" / "sam"
    if not sam.exists():
        raise DeployError(f"{sam} is missing: run `make install` first.")
    return str(sam)


def _run(args: list[str], env: dict[str, str], log: Path) -> float:
    """Run a sam command, its output in `log`, each line stamped with the seconds since
    the command started (where a deploy's time goes: packaging, change set, stack)."""
    started = time.monotonic()
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        with subprocess.Popen(
            args,
            cwd=repo_root(),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(f"[{time.monotonic() - started:6.1f}s] {line}")
    if proc.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        raise DeployError(f"{args[1]} failed (exit {proc.returncode}); log {log}:\n{tail}")
    return time.monotonic() - started


def build(env_vars: dict[str, str], log: Path) -> float:
    root = repo_root()
    return _run(
        [
            _sam(),
            "build",
            "--template",
            str(root / "template.yaml"),
            "--build-dir",
            str(root / ".aws-sam" / "build"),
            "--cache-dir",
            str(root / ".aws-sam" / "cache"),
            "--cached",
            "--parallel",
        ],
        env_vars,
        log,
    )


def build_unless_current(env_vars: dict[str, str], log: Path) -> float:
    """`sam build`, skipped when its inputs and output are what the last build left.

    Even `--cached`, sam build copies every artifact (~240 MB of layers) into the
    build dir again: 3-16 s on two busy cores for nothing when no source changed.
    """
    started = time.monotonic()
    root = repo_root()
    built = root / ".aws-sam" / "build" / "template.yaml"
    stamp_file = state_dir() / "cache" / "sam-build.stamp"
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    # One build dir per checkout: a second deploy (demo, tests, another environment)
    # waits for a running build instead of copying over its half-written artifacts.
    with (stamp_file.parent / "sam-build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        inputs = layer_cache.build_inputs_digest(root)
        stamp = layer_cache.build_stamp(inputs, built)
        if stamp and stamp_file.is_file() and stamp_file.read_text() == stamp:
            with log.open("a") as out:
                out.write(
                    f"\n$ sam build skipped: sources unchanged since the last build ({inputs})\n"
                )
            return time.monotonic() - started
        build(env_vars, log)
        stamp_file.write_text(layer_cache.build_stamp(inputs, built))
    return time.monotonic() - started


def check_env_name(env: str) -> str:
    if not ENV_NAME.fullmatch(env):
        raise DeployError(
            f"environment {env!r}: use 2-21 lower-case letters, digits or '-', "
            "starting with a letter"
        )
    return env


def deploy_local(
    endpoint: str, parameters: dict[str, str] | None = None, env: str = "local"
) -> StackInfo:
    """Build, then deploy the template as stack `lightbox-{env}` on the emulator.

    Environments coexist: each stack has its own bucket, tables, layers, state
    machine and review API, all named after the environment.
    """
    check_env_name(env)

    aws_env = local_aws_env(endpoint)
    env_vars = _sam_env(aws_env)
    log = state_dir() / "deploy.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    build_seconds = build_unless_current(env_vars, log)
    artifacts = ARTIFACTS_BUCKET
    s3 = local_client("s3", endpoint)
    try:
        s3.head_bucket(Bucket=artifacts)
    except s3.exceptions.ClientError:
        s3.create_bucket(Bucket=artifacts)
    params = {**LOCAL_PARAMETERS, "Environment": env, **(parameters or {})}
    check_parameters(params)
    root = repo_root()
    started = time.monotonic()
    template_file = local_template(root / ".aws-sam" / "build" / "template.yaml", s3, artifacts)
    package_seconds = time.monotonic() - started
    cfn = local_client("cloudformation", endpoint)
    if _clear_failed_create(cfn, stack_name(env)):
        _drop_retained_local_resources(endpoint, env)
    adopt_function_log_groups(cfn, local_client("logs", endpoint), env)
    deploy_seconds = _run(
        [
            _sam(),
            "deploy",
            "--template-file",
            str(template_file),
            "--stack-name",
            stack_name(env),
            "--s3-bucket",
            artifacts,
            "--capabilities",
            "CAPABILITY_IAM",
            "--no-confirm-changeset",
            "--no-fail-on-empty-changeset",
            "--region",
            LOCAL_REGION,
            "--parameter-overrides",
            *[f"{k}={v}" for k, v in params.items()],
        ],
        env_vars,
        log,
    )
    cfn = local_client("cloudformation", endpoint)
    outputs = stack_outputs(cfn, stack_name(env))
    return StackInfo(env, stack_name(env), outputs, build_seconds, deploy_seconds, package_seconds)


#: Layer zips kept in the cache: the current three plus a few earlier versions.
LAYER_ZIPS_KEPT = 9


def local_template(built: Path, s3, bucket: str) -> Path:
    """The built template with its layers already in `bucket` (see `layer_cache`).

    Each layer is zipped once per content (cached under .lightbox/cache/layers) and
    uploaded unless the emulator already has it; `sam deploy` packages the rest.
    """
    import yaml  # operator-side only

    template = yaml.safe_load(built.read_text())
    cache_dir = state_dir() / "cache" / "layers"
    keys: dict[str, str] = {}
    for logical_id, directory in layer_cache.local_layers(template, built.parent).items():
        digest, zipped = layer_cache.cached_zip(directory, cache_dir)
        key = layer_cache.object_key(logical_id, digest)
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except s3.exceptions.ClientError:
            s3.upload_file(str(zipped), bucket, key)
        keys[logical_id] = key
    layer_cache.prune(cache_dir, LAYER_ZIPS_KEPT)
    local = built.with_name("template.local.yaml")
    pointed = layer_cache.point_layers_at(template, bucket, keys)
    local.write_text(yaml.safe_dump(pointed, sort_keys=False, width=1000))
    return local


def check_parameters(params: dict[str, str]) -> None:
    """Catch before a slow create-and-rollback what would fail it: the review timer
    must be a whole number of seconds the template accepts (10 or more)."""
    value = str(params.get("ReviewTimeoutSeconds", ""))
    if not value.isdigit() or int(value) < 10:
        raise DeployError(f"ReviewTimeoutSeconds must be a whole number >= 10, not {value!r}.")
    if "ReviewHeartbeatSeconds" in params:
        raise DeployError(
            "ReviewHeartbeatSeconds is gone: a review level ends after ReviewTimeoutSeconds."
        )


def _drop_retained_local_resources(endpoint: str, env: str) -> None:
    """The audit table and bucket are DeletionPolicy: Retain (audit data must outlive a
    stack). On the throwaway local emulator a rolled-back create leaves them behind
    and blocks the next create, so they go too — never for an AWS environment."""

    prefix = f"lightbox-{env}-"
    ddb = local_client("dynamodb", endpoint)
    for table in ddb.list_tables()["TableNames"]:
        if _owned_by(table, prefix):
            ddb.delete_table(TableName=table)
    s3 = local_client("s3", endpoint, kind="resource")
    for bucket in s3.buckets.all():
        if _owned_by(bucket.name, prefix) and bucket.name != ARTIFACTS_BUCKET:
            bucket.object_versions.delete()
            bucket.delete()


def function_suffixes() -> set[str]:
    """What follows `lightbox-{env}-` in the template's function names."""
    text = (repo_root() / "template.yaml").read_text()
    return set(re.findall(r"FunctionName: !Sub lightbox-\$\{Environment\}-([a-z0-9-]+)", text))


def adopt_function_log_groups(cfn, logs, env: str) -> list[str]:
    """Delete the function log groups the emulator's Lambda made that the stack does not own.

    The template declares each function's group (`/aws/lambda/<name>`, with its
    retention). A stack deployed before it did, whose functions have run, already
    has those groups, made by the runtime, and CloudFormation cannot create a
    group that exists: the update would roll back. On the emulator they are
    deleted (their old lines with them) so the stack creates its own; an AWS
    environment is migrated by hand (docs/architecture.md, "Observability").
    """
    try:
        pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name(env))
        owned = {
            r.get("PhysicalResourceId")
            for page in pages
            for r in page["StackResourceSummaries"]
            if r["ResourceType"] == "AWS::Logs::LogGroup"
        }
    except cfn.exceptions.ClientError:
        owned = set()  # no stack yet
    wanted = {f"/aws/lambda/lightbox-{env}-{suffix}" for suffix in function_suffixes()}
    prefix = f"/aws/lambda/lightbox-{env}-"
    existing = {
        g["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
        for g in page["logGroups"]
    }
    stray = sorted((existing & wanted) - owned)
    for group in stray:
        logs.delete_log_group(logGroupName=group)
    return stray


def _clear_failed_create(cfn, name: str) -> bool:
    """A stack whose first create rolled back cannot be updated; remove it so a fixed
    template can deploy (it never held data: its resources were rolled back)."""
    try:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except cfn.exceptions.ClientError:
        return False
    if status != "ROLLBACK_COMPLETE":
        return False
    cfn.delete_stack(StackName=name)
    _wait_gone(cfn, name)
    return True


def _wait_gone(cfn, name: str, timeout: float = 120) -> None:
    # Polled by hand: the emulator may report DELETE_FAILED for a moment for
    # Retain resources before the stack disappears, which the boto3 waiter treats as final.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except cfn.exceptions.ClientError:
            return
        if status == "DELETE_COMPLETE":
            return
        time.sleep(0.5)
    raise DeployError(f"stack {name} was not deleted within {timeout:.0f}s")


def deploy_aws(env: str) -> None:
    """Deploy to a real AWS account with the samconfig.toml section for `env`."""
    log = state_dir() / f"deploy-{env}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env_vars = _sam_env({})
    build(env_vars, log)
    _run([_sam(), "deploy", "--config-env", env], env_vars, log)


def stack_outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _owned_by(name: str, prefix: str) -> bool:
    """`name` is one of this environment's resources: `lightbox-dev-audit` belongs to
    dev, but `lightbox-dev-eu-audit` belongs to `dev-eu`, not to dev."""
    if not name.startswith(prefix):
        return False
    rest = name[len(prefix) :]
    # Tables end in a suffix the template names; the bucket goes on with the account id.
    return rest in resource_suffixes() or re.fullmatch(r"\d{12}-[a-z0-9-]+", rest) is not None


def resource_suffixes() -> set[str]:
    """What follows `lightbox-{env}-` in the template's table names, read from the
    template itself so a new table is cleaned up without a change here."""
    text = (repo_root() / "template.yaml").read_text()
    return set(re.findall(r"TableName: !Sub lightbox-\$\{Environment\}-([a-z0-9-]+)", text))


def delete_local(endpoint: str, env: str = "local") -> None:
    """Delete one environment's stack on the emulator (others stay)."""
    check_env_name(env)
    cfn = local_client("cloudformation", endpoint)
    cfn.delete_stack(StackName=stack_name(env))
    _wait_gone(cfn, stack_name(env))


if __name__ == "__main__":  # pragma: no cover - manual use
    info = deploy_local(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4566")
    print(json.dumps(info.outputs, indent=2))
