"""Start, stop and inspect the embedded AWS emulator (LocalStack in host mode).

Why host mode: these machines have no Docker engine and no internet access
except package registries (docs/architecture.md, "The emulator"). LocalStack runs as a plain
process from its own venv (``.venv-emulator``) with two project plugins: DynamoDB
served by moto and a Lambda executor that runs functions in local processes with
the function venv (``.venv-lambda``).

This module is imported by the operator CLI (``.venv``), so it uses the standard
library only and never imports LocalStack. The environment and state-file
helpers it launches with are in ``emulator_setup``; ``/proc`` parsing in
``procfs``.

Layout under ``root`` (default ``<repo>/.lightbox/emulator``)::

    localstack.log    this run's log (the previous run's is kept as .previous.log)
    localstack.pid    JSON: pid, port, process start ticks (guards against pid reuse)
    fs/               LocalStack's FILESYSTEM_ROOT; only var/lib/localstack/cache
                      survives a restart (see below)
    tmp/              TMPDIR of the emulator: unpacked Lambda code, layers, S3 spool,
                      worker sandboxes; wiped on start and stop
    state/            the services' saved state: buckets and objects, tables, stacks,
                      functions, queues, rules, executions. Restored on start, saved
                      every few seconds and at stop (``plugins/persistence.py``,
                      layout in ``snapshot_files``); ``reset()`` wipes it

Executions cannot resume after a restart (they are threads of LocalStack): one
that was running is marked ABORTED and replayed as a linked execution when the
emulator starts again; ``saved_state()`` reports the replays.

LocalStack's cache (its service-catalog index and generated TLS certificate)
decides how fast the emulator is: without it the first request takes ~2 s more
and the process keeps ~300 MB more memory for its whole life. So the cache is
also mirrored in a directory shared by every root (``<repo>/.lightbox/cache/
localstack``): a new root - a test's temporary one, say - starts warm. Files are
copied in before launch and published back (atomically) after stop, when
LocalStack has finished writing them.

Usage: ``python -m lightbox_infra.emulator start|stop|status|reset [--port N] [--root DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from lightbox_infra.emulator_setup import (
    CACHE_FS_PATH,
    HOST,
    KEPT_FS_PATHS,
    STATE_DIR_NAME,
    emulator_environment,
    prune_tree,
    sync_files,
    tail,
)
from lightbox_infra.plugins.lambda_worker import WORKER_MARKER
from lightbox_infra.procfs import (
    ProcInfo,
    all_processes,
    find_session_members,
    kill_sessions,
    read_cmdline,
    read_proc,
)
from lightbox_infra.snapshot_files import SnapshotDir

DEFAULT_PORT = 4566
STOP_GRACE_S = 10.0


class EmulatorError(RuntimeError):
    """The emulator could not be started or stopped; the message says what to do next."""


@dataclasses.dataclass(frozen=True)
class EmulatorStatus:
    """A snapshot of the emulator, as reported by ``status()``/``start()``."""

    running: bool
    ready: bool
    pid: int | None
    endpoint: str
    log_path: Path
    started_at: float | None = None  # epoch seconds
    uptime_s: float | None = None

    def describe(self) -> str:
        """One line for humans (the CLI prints it)."""
        if not self.running:
            return f"emulator stopped (log: {self.log_path})"
        state = "ready" if self.ready else "starting"
        uptime = f", up {self.uptime_s:.0f} s" if self.uptime_s is not None else ""
        return f"emulator {state} at {self.endpoint} (pid {self.pid}{uptime}; log: {self.log_path})"


def repo_root() -> Path:
    """The Lightbox checkout: ``LIGHTBOX_HOME`` or the directory above ``infra/``."""
    home = os.environ.get("LIGHTBOX_HOME")
    return Path(home).resolve() if home else Path(__file__).resolve().parents[2]


def find_workers(root: Path) -> list[ProcInfo]:
    """Lambda workers started by the emulator that owns ``root`` (even after it died)."""
    marker = f"{WORKER_MARKER}={root}"
    return [info for info in all_processes() if marker in read_cmdline(info.pid)]


# --------------------------------------------------------------------------------------
# The launcher
# --------------------------------------------------------------------------------------


class Emulator:
    """The embedded LocalStack: one per ``root``, listening on ``127.0.0.1:<port>``.

    ``start()`` is idempotent and ``stop()`` leaves no process behind: LocalStack
    runs in its own session, Lambda workers in theirs, and both are found again
    from ``/proc`` if this object (or the process that created it) is gone.
    """

    def __init__(
        self,
        root: Path | None = None,
        port: int = DEFAULT_PORT,
        *,
        home: Path | None = None,
        cache_dir: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.home = Path(home) if home else repo_root()
        self.root = Path(root).resolve() if root else self.home / ".lightbox" / "emulator"
        self.port = port
        self.endpoint = f"http://{HOST}:{port}"
        self.log_path = self.root / "localstack.log"
        self.pid_path = self.root / "localstack.pid"
        self.state = SnapshotDir(self.root / STATE_DIR_NAME)
        self.python = self.home / ".venv-emulator" / "bin" / "python"
        self.lambda_python = self.home / ".venv-lambda" / "bin" / "python"
        self.shared_cache = (
            Path(cache_dir) if cache_dir else self.home / ".lightbox" / "cache" / "localstack"
        )
        self.extra_env = dict(extra_env or {})
        self._process: subprocess.Popen[bytes] | None = None

    # -- public API ---------------------------------------------------------------------

    def start(self, timeout: float = 90) -> EmulatorStatus:
        """Start LocalStack (unless already running) and wait until it serves requests."""
        deadline = time.monotonic() + timeout
        with self._locked():
            record = self._running_record()
            if record is not None:
                if record["port"] != self.port:
                    raise EmulatorError(
                        f"the emulator in {self.root} already runs on port {record['port']}; "
                        f"stop it first (python -m lightbox_infra.emulator stop --root {self.root})"
                    )
                return self._wait_until_ready(record["pid"], deadline)
            self._clean_up_after_crash(extra_sessions=self._stale_session())
            if self._read_pidfile() is not None:  # it crashed or was killed: let it let go
                self._wait_for_port_release(time.monotonic() + STOP_GRACE_S)
            self._check_prerequisites()
            self._reset_ephemeral_state()
            pid = self._launch()
        try:
            return self._wait_until_ready(pid, deadline)
        except EmulatorError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop LocalStack and every Lambda worker it started; no-op if not running."""
        with self._locked():
            record = self._read_pidfile()
            pid = record["pid"] if record and self._is_ours(record) else None
            if pid is not None:
                self._terminate(pid)
            self._clean_up_after_crash(extra_sessions={pid} if pid else set())
            self.pid_path.unlink(missing_ok=True)
            self._reap(pid)
            if pid is not None:
                sync_files(self.root / "fs" / CACHE_FS_PATH, self.shared_cache)
                shutil.rmtree(self.root / "tmp", ignore_errors=True)

    def reset(self) -> None:
        """Stop the emulator and forget its saved state: the next start is empty."""
        self.stop()
        with self._locked():
            self.state.wipe()

    def saved_state(self) -> dict:
        """What was last saved and restored (``status.json``), plus the saved generation's
        age and what it holds; empty if nothing was ever saved."""
        report = dict(self.state.status() or {})
        manifest = self.state.manifest()
        if manifest is not None:
            report["generation"] = {
                "saved_at": manifest.get("saved_at"),
                "reason": manifest.get("reason"),
                "services": sorted(manifest.get("services", {})),
                "objects": manifest.get("objects", 0),
                "problems": manifest.get("problems", {}),
                "running_executions": manifest.get("running_executions", []),
                "bytes": self.state.size_bytes(),
            }
        return report

    def status(self) -> EmulatorStatus:
        """Whether the emulator runs and answers; cheap enough to call often."""
        record = self._running_record()
        if record is None:
            return EmulatorStatus(False, False, None, self.endpoint, self.log_path)
        started_at = record.get("started_at")
        return EmulatorStatus(
            running=True,
            ready=record["port"] == self.port and self._probe_ready(),
            pid=record["pid"],
            endpoint=f"http://{HOST}:{record['port']}",
            log_path=self.log_path,
            started_at=started_at,
            uptime_s=time.time() - started_at if started_at else None,
        )

    # -- start --------------------------------------------------------------------------

    def _check_prerequisites(self) -> None:
        for python, venv in ((self.python, ".venv-emulator"), (self.lambda_python, ".venv-lambda")):
            if not os.access(python, os.X_OK):
                raise EmulatorError(
                    f"{python} is missing: run `make install` in {self.home} to create {venv}"
                )
        if self._port_in_use():
            raise EmulatorError(
                f"port {self.port} on {HOST} is already in use by another program; "
                "stop it or start the emulator with another port"
            )

    def _port_in_use(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            return probe.connect_ex((HOST, self.port)) == 0

    def _reset_ephemeral_state(self) -> None:
        """Fresh state on every start, but keep LocalStack's cache (it makes starts fast)."""
        fs = self.root / "fs"
        prune_tree(fs, [fs / kept for kept in KEPT_FS_PATHS])
        shutil.rmtree(self.root / "tmp", ignore_errors=True)
        for directory in (fs, self.root / "tmp" / "home"):
            directory.mkdir(parents=True, exist_ok=True)
        sync_files(self.shared_cache, fs / CACHE_FS_PATH)
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_suffix(".previous.log"))

    def _launch(self) -> int:
        env = emulator_environment(
            root=self.root,
            port=self.port,
            lambda_python=self.lambda_python,
            base_env=os.environ,
            extra_env=self.extra_env,
        )
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.python), "-m", "localstack.runtime.main"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.root,
                start_new_session=True,  # its own process group: stop() signals all of it
            )
        pid = self._process.pid
        info = read_proc(pid)
        record = {
            "pid": pid,
            "port": self.port,
            "start_ticks": info.start_ticks if info else None,
            "started_at": time.time(),
        }
        self.pid_path.write_text(json.dumps(record))
        return pid

    def _wait_until_ready(self, pid: int, deadline: float) -> EmulatorStatus:
        while True:
            if read_proc(pid) is None:
                raise EmulatorError(
                    f"LocalStack exited during startup; last lines of {self.log_path}:\n"
                    f"{tail(self.log_path)}"
                )
            if self._probe_ready():
                self._check_plugins()
                return self.status()
            if time.monotonic() >= deadline:
                raise EmulatorError(
                    f"LocalStack did not become ready at {self.endpoint} in time; "
                    f"last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            time.sleep(0.1)

    def _check_plugins(self) -> None:
        """Fail fast if LocalStack did not discover the project's DynamoDB provider.

        Both plugins are registered by the same installed distribution, so this
        also shows whether the Lambda executor entry point is visible.
        """
        health = self._get_json("/_localstack/health") or {}
        if "dynamodb" not in health.get("services", {}):
            raise EmulatorError(
                "LocalStack started without the Lightbox plugins (no DynamoDB provider); "
                f"run `make install` (pip install -e infra into .venv-emulator). "
                f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
            )

    def _probe_ready(self) -> bool:
        ready = self._get_json("/_localstack/init/ready")
        return bool(ready and ready.get("completed"))

    def _get_json(self, path: str) -> dict | None:
        # No proxies: an operator's HTTP(S)_PROXY must never see loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{self.endpoint}{path}", timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    # -- stop ---------------------------------------------------------------------------

    def _terminate(self, pid: int) -> None:
        """SIGTERM LocalStack's group (it stops its Lambda workers), SIGKILL if it lingers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline and read_proc(pid) is not None:
            self._reap(pid)
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    def _clean_up_after_crash(self, extra_sessions: set[int] | None = None) -> None:
        """Kill whatever an earlier run of this root left: its session and its workers.

        Workers lead their own sessions (so a timeout can kill a handler's
        children), which is why they are found by their command-line marker.
        """
        sessions = set(extra_sessions or set())
        sessions.update(info.sid for info in find_workers(self.root))
        sessions.discard(os.getsid(0))  # never our own session
        for _ in range(50):
            if not find_session_members(sessions):
                return
            kill_sessions(sessions, signal.SIGKILL)
            time.sleep(0.02)

    def _wait_for_port_release(self, deadline: float) -> None:
        while self._port_in_use() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _stale_session(self) -> set[int]:
        """The session of a LocalStack that was killed and may still be exiting: its
        command line is gone before its sockets are, so wait for it like a worker."""
        record = self._read_pidfile()
        info = read_proc(record["pid"]) if record else None
        if record is None or info is None or info.start_ticks != record.get("start_ticks"):
            return set()
        return {record["pid"]}

    def _reap(self, pid: int | None) -> None:
        """Collect LocalStack's exit status if this process started it (no zombie left)."""
        if pid is not None and self._process is not None and self._process.pid == pid:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=0.01)

    # -- pidfile ------------------------------------------------------------------------

    def _read_pidfile(self) -> dict | None:
        try:
            record = json.loads(self.pid_path.read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None

    def _is_ours(self, record: dict) -> bool:
        """The pidfile's process is alive and is the LocalStack we started (not a reused pid)."""
        info = read_proc(record["pid"])
        if info is None:
            return False
        if record.get("start_ticks") is not None and info.start_ticks != record["start_ticks"]:
            return False
        return "localstack.runtime.main" in read_cmdline(record["pid"])

    def _running_record(self) -> dict | None:
        record = self._read_pidfile()
        return record if record is not None and self._is_ours(record) else None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise start/stop across processes (two CLIs, a test and a CLI, ...)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------
# CLI: python -m lightbox_infra.emulator start|stop|status
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lightbox_infra.emulator", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "reset"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--root", type=Path, default=None, help="state dir")
    parser.add_argument("--timeout", type=float, default=90, help="start: seconds to wait")
    args = parser.parse_args(argv)
    emulator = Emulator(root=args.root, port=args.port)
    try:
        if args.command == "start":
            print(emulator.start(timeout=args.timeout).describe())
        elif args.command == "stop":
            emulator.stop()
            print(emulator.status().describe())
        elif args.command == "reset":
            emulator.reset()
            print(f"emulator stopped; saved state in {emulator.state.root} discarded")
        else:
            status = emulator.status()
            print(status.describe())
            return 0 if status.ready else 3
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
