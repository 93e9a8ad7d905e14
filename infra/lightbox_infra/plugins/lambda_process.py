"""The worker processes behind the local Lambda executor: spawn, pipes, kill, exit sweep.

``lambda_executor.LocalProcessRuntimeExecutor`` is one execution environment;
this module is the process it owns. A ``WorkerProcess`` starts
``lambda_worker.py`` with the function venv's interpreter (isolated, no
``.pyc`` files, unbuffered, niced below LocalStack), as the leader of its own
session so that killing its process group also kills whatever the handler
started. It writes requests to one pipe and reads replies from another, one
JSON document per line (the protocol ``lambda_worker`` defines), with a
deadline; a closed reply pipe means the worker died. ``WorkerLog`` is the
file its output goes to, read back per invocation. ``LIVE_WORKERS`` kills
every worker still running when LocalStack's interpreter exits. Runs inside
LocalStack (``.venv-emulator``) but imports nothing of it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from lightbox_infra.plugins import lambda_worker as sandbox
from lightbox_infra.procfs import status_kb

LOG = logging.getLogger(__name__)

WORKER_SCRIPT = Path(sandbox.__file__).resolve()
LOG_TAIL_BYTES = 64 * 1024
LOG_ROTATE_BYTES = 4 * 1024 * 1024
WORKER_NICENESS = 10
"""Workers yield the CPU to LocalStack itself: under a batch, S3 PUTs, the state
machine and the invoke path stay responsive while function code fills idle time."""


class WorkerDied(Exception):
    """The worker closed its reply pipe: it exited or was killed."""


class WorkerProcess:
    """One worker process, its two pipes and its log file.

    The worker is the leader of its own session, so killing its process group
    also kills anything the handler started, without touching LocalStack.
    """

    def __init__(self, process: subprocess.Popen[bytes], request_w: int, reply_r: int) -> None:
        self.process = process
        self._request_w = request_w
        self._reply_r = reply_r
        self._buffer = bytearray()
        self._closed = False
        self._close_lock = threading.Lock()
        self._kill_lock = threading.Lock()

    @classmethod
    def spawn(
        cls, python: str, env: dict[str, str], cwd: Path, log_path: Path, owner: str
    ) -> WorkerProcess:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        command = [
            python,
            "-I",  # isolated: no PYTHON* env vars, no user site, no script dir on sys.path
            "-B",  # never write .pyc files into function code or layers
            "-u",  # unbuffered, so output printed before a timeout still reaches the log
            str(WORKER_SCRIPT),
            f"{sandbox.WORKER_MARKER}={owner}",
            f"--request-fd={request_r}",
            f"--reply-fd={reply_w}",
        ]
        try:
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=cwd,
                    start_new_session=True,
                    pass_fds=(request_r, reply_w),
                )
        except BaseException:
            for fd in (request_w, reply_r):
                os.close(fd)
            raise
        finally:
            os.close(request_r)
            os.close(reply_w)
        with contextlib.suppress(OSError):  # before it imports anything heavy
            os.setpriority(os.PRIO_PROCESS, process.pid, WORKER_NICENESS)
        worker = cls(process, request_w, reply_r)
        LIVE_WORKERS.add(worker)
        return worker

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> int | None:
        """Peak resident memory (``VmHWM``), for REPORT's "Max Memory Used"."""
        kb = status_kb(self.pid, "VmHWM").get("VmHWM")
        return None if kb is None else max(1, round(kb / 1024))

    def send(self, message: dict[str, Any]) -> None:
        """Write one request; raises ``WorkerDied`` if the worker is gone."""
        data = memoryview(sandbox.encode_message(message))
        try:
            while data:
                written = os.write(self._request_w, data)
                data = data[written:]
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(str(exc)) from exc

    def receive(self, deadline: float) -> dict[str, Any]:
        """Read one reply before ``deadline`` (monotonic); ``TimeoutError`` after it."""
        scanned = 0
        while (newline := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._reply_r], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._reply_r, 1 << 16)
            if not chunk:
                # Not poll(): only kill() may reap, after it has signalled the group.
                raise WorkerDied(f"worker {self.pid} closed its reply pipe")
            self._buffer += chunk
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        return json.loads(line)

    def kill(self) -> int | None:
        """Kill the worker's whole process group and reap it; returns its exit code.

        Idempotent and thread-safe. The group is signalled only while the leader is
        unreaped: until then its pid (= the group id) cannot be reused, so the
        signal reaches the handler's children even if the worker itself already
        exited, and never an unrelated process group.
        """
        with self._kill_lock:
            if self.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        LIVE_WORKERS.discard(self)
        return self.process.returncode

    def close(self) -> None:
        """Release the pipes; callers make sure no other thread still reads them."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        for fd in (self._request_w, self._reply_r):
            with contextlib.suppress(OSError):
                os.close(fd)


class _LiveWorkers:
    """Every running worker of this LocalStack process, killed at interpreter exit.

    LocalStack stops environments on shutdown; this is the backstop for paths
    where it cannot (an environment stuck starting, an abrupt exit).
    """

    def __init__(self) -> None:
        self._workers: set[WorkerProcess] = set()
        self._lock = threading.Lock()

    def add(self, worker: WorkerProcess) -> None:
        with self._lock:
            self._workers.add(worker)

    def discard(self, worker: WorkerProcess) -> None:
        with self._lock:
            self._workers.discard(worker)

    def kill_all(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            try:
                worker.kill()
            except Exception:  # best effort at exit: keep killing the others
                LOG.debug("could not kill worker %s", worker.pid, exc_info=True)


LIVE_WORKERS = _LiveWorkers()
atexit.register(LIVE_WORKERS.kill_all)


class WorkerLog:
    """The file an environment's worker writes its stdout and stderr to.

    A regular file rather than a pipe: once the worker has replied, everything
    it printed is already in the file, so nothing can arrive late.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def since(self, offset: int) -> str:
        """Output written after ``offset``: one invocation's stdout and stderr."""
        try:
            with self.path.open("rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def tail(self) -> str:
        """The recent output (LocalStack shows it on startup errors)."""
        try:
            with self.path.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - LOG_TAIL_BYTES))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def rotate(self) -> None:
        """Bound the log of long-lived environments; only called between invocations."""
        if self.size() > LOG_ROTATE_BYTES:
            os.truncate(self.path, 0)
