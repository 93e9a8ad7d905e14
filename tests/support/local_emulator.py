"""Driving the embedded emulator directly from e2e tests: clients, functions, layers, /proc.

The emulator e2e modules start their own LocalStack (the `emulator` and `aws`
fixtures in tests/e2e/conftest.py: one per module, on a free port, with a
temporary state folder) and use these helpers to publish layers and create
functions from code zipped in memory, invoke them, poll for a condition, and
look at the processes the emulator left behind. The /proc readers here are
deliberately independent of `lightbox_infra.procfs`: they are how the tests
check what the launcher and the executor do.
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from lightbox_infra.emulator import Emulator

ROLE_ARN = "arn:aws:iam::000000000000:role/lambda-role"
WORKER_FLAG = "--lightbox-lambda-worker"
KEEPALIVE_MS = 2000


@dataclass
class Aws:
    """Clients for the emulator, with the credentials LocalStack maps to an account."""

    emulator: Emulator

    def client(self, service: str, region: str = "us-east-1", account: str = "000000000000"):
        # A session per client: boto3's default session is not safe across threads.
        return boto3.session.Session().client(
            service,
            endpoint_url=self.emulator.endpoint,
            region_name=region,
            aws_access_key_id=account if account != "000000000000" else "test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, read_timeout=70),
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def zip_files(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def publish_layer(aws: Aws, files: dict[str, str]) -> str:
    layer = aws.client("lambda").publish_layer_version(
        LayerName=unique("layer"),
        Content={"ZipFile": zip_files(files)},
        CompatibleRuntimes=["python3.13"],
    )
    return layer["LayerVersionArn"]


def create_function(
    aws: Aws,
    code: str,
    *,
    layers: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: int = 10,
    handler: str = "app.handler",
) -> str:
    name = unique("fn")
    lam = aws.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE_ARN,
        Handler=handler,
        Code={"ZipFile": zip_files({"app.py": code})},
        Layers=layers or [],
        Environment={"Variables": env or {}},
        Timeout=timeout,
        MemorySize=256,
    )
    wait_until_ready(lam, name)
    return name


def wait_until_ready(lam, name: str) -> None:
    """Poll faster than boto3's waiters (1 s): functions get ready in milliseconds here."""

    def ready() -> bool:
        conf = lam.get_function_configuration(FunctionName=name)
        assert conf["State"] != "Failed", conf.get("StateReason")
        return conf["State"] == "Active" and conf.get("LastUpdateStatus") != "InProgress"

    wait_for(ready, timeout=30, interval=0.05)


def invoke(aws: Aws, name: str, event: dict[str, Any] | None = None) -> dict[str, Any]:
    response = aws.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail"
    )
    return {
        "error": response.get("FunctionError"),
        "payload": json.loads(response["Payload"].read() or b"null"),
        "log": base64.b64decode(response.get("LogResult", "")).decode(),
    }


def wait_for(predicate: Callable[[], Any], timeout: float = 15, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if value := predicate():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def live_processes() -> list[tuple[int, int, list[str]]]:
    """(pid, session id, argv) of every live process, read from /proc."""
    processes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        fields = stat.rpartition(") ")[2].split()
        if fields[0] not in ("Z", "X"):  # zombies are dead, merely not yet reaped
            processes.append((int(entry.name), int(fields[3]), argv))
    return processes


def workers_of(emulator: Emulator) -> list[int]:
    marker = f"{WORKER_FLAG}={emulator.root}"
    return [pid for pid, _, argv in live_processes() if marker in argv]


def listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets ``pid`` listens on (IPv4 and IPv6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    addresses = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                addresses.add(f"{table}:{fields[1]}")
    return addresses


def environ_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []
