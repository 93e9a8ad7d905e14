"""The deployed template on the embedded LocalStack, started and stopped by the tests.

A separate port and state folder keep the suite away from an emulator a
developer may have running for `make demo`. The emulator's own tests
(test_emulator_*.py) use `emulator` and `aws` instead: a bare emulator per
test module, on a free port with a temporary state folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lightbox.keys import execution_name
from lightbox_cli.context import StackContext
from lightbox_infra.deploy import deploy_local
from lightbox_infra.emulator import Emulator
from lightbox_infra.paths import state_dir
from support.local_emulator import KEEPALIVE_MS, Aws, free_port

# LIGHTBOX_E2E_PORT moves it, so two checkouts can run their suites at once.
E2E_PORT = int(os.environ.get("LIGHTBOX_E2E_PORT", "4598"))


@dataclass
class DeployedStack:
    ctx: StackContext
    build_seconds: float
    deploy_seconds: float
    emulator_root: str

    @property
    def bucket(self) -> str:
        return self.ctx.outputs["BucketName"]

    def execution_arn(self, name: str) -> str:
        return self.ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:") + (
            f":{name}"
        )

    def put(self, key: str, data: bytes) -> list[str]:
        """Upload with a plain S3 client; the candidate names of the run it starts."""
        put = self.ctx.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data)
        return [
            execution_name(self.bucket, key, v)
            for v in (put.get("VersionId"), put["ETag"].strip('"'))
            if v
        ]

    def wait_for_execution(self, names: list[str], timeout: float = 300) -> dict[str, Any]:
        """Wait for the EventBridge-started execution (one of the candidate names) to end.

        A bound, not an expectation: on two busy cores a photo's first run (cold workers,
        layers unpacked) has taken over 120 s."""
        sfn = self.ctx.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in names:
                try:
                    desc = sfn.describe_execution(executionArn=self.execution_arn(name))
                except sfn.exceptions.ExecutionDoesNotExist:
                    continue
                if desc["status"] != "RUNNING":
                    return desc
            time.sleep(0.2)
        raise TimeoutError(f"no finished execution among {names} after {timeout}s")

    def output(self, desc: dict[str, Any]) -> dict[str, Any]:
        return json.loads(desc["output"])


@pytest.fixture(scope="session")
def deployed_stack() -> Iterator[DeployedStack]:
    # One deployed-stack session per checkout at a time: a second run (another
    # terminal) waits here instead of stopping the first one's emulator.
    lock_file = state_dir() / "e2e-emulator.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield from _deployed_stack()


def _deployed_stack() -> Iterator[DeployedStack]:
    emulator = Emulator(root=state_dir() / "e2e-emulator", port=E2E_PORT)
    emulator.reset()  # each session starts from an empty emulator, not the last one's state
    status = emulator.start()
    try:
        # 180 s per review level: long enough to decide on the review page under load,
        # short enough that test_review_page sees an ignored photo escalate and reject.
        # A test stack: fault injection allowed (test_fault_injection.py).
        info = deploy_local(
            status.endpoint, {"ReviewTimeoutSeconds": "180", "AllowFaultInjection": "true"}
        )
        yield DeployedStack(
            StackContext("local", status.endpoint),
            info.build_seconds,
            info.deploy_seconds,
            str(emulator.root),
        )
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A private emulator per test module (test_emulator_*.py), never the deployed stack's."""
    emulator = Emulator(
        root=tmp_path_factory.mktemp("emulator"),
        port=free_port(),
        # Idle workers stop after 2 s instead of 10 min, so the idle path is exercised too.
        # Throttled calls fail at once, as on AWS, so the throttle path is exercised too.
        extra_env={"LAMBDA_KEEPALIVE_MS": str(KEEPALIVE_MS), "LIGHTBOX_THROTTLE_WAIT_S": "0"},
    )
    emulator.start(timeout=90)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def aws(emulator: Emulator) -> Aws:
    return Aws(emulator)
