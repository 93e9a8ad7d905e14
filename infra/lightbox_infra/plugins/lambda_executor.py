"""LocalStack Lambda runtime executor that runs functions in local worker processes.

Why: LocalStack's default executor starts a runtime container per function, and
these machines have no Docker engine (docs/architecture.md, "The emulator"). This
executor keeps
LocalStack's model - one ``RuntimeExecutor`` per execution environment, created,
reused, scaled out for concurrent calls and stopped by LocalStack's assignment
service - but each environment is a Python process started with the *function
venv* interpreter (``LIGHTBOX_LAMBDA_PYTHON``, i.e. ``.venv-lambda/bin/python``),
never LocalStack's own interpreter or packages. The process runs
``lambda_worker.py``; requests go over a pipe and results come straight back,
so no HTTP callback into LocalStack is needed.

What it emulates from Lambda: code dir + merged layers on ``sys.path``
(``/opt/python`` semantics), the function's and Lambda's standard environment
variables (``AWS_ENDPOINT_URL`` points back at the emulator), a private
``TMPDIR``/``HOME`` per environment, the function timeout (the worker's process
group is killed and ``Sandbox.Timedout`` returned), Lambda error documents, and
START/END/REPORT log framing that LocalStack forwards to CloudWatch Logs.

What it does not: isolation or memory limits. Functions share the host's
filesystem and network; never hard-code ``/var/task``, ``/opt`` or ``/tmp``.

Selected with ``LAMBDA_RUNTIME_EXECUTOR=local``; registered in
``infra/pyproject.toml`` under ``[localstack.lambda.runtime_executor]``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from lightbox_infra.plugins import lambda_worker as sandbox

LOG = logging.getLogger(__name__)

PYTHON_ENV_VAR = "LIGHTBOX_LAMBDA_PYTHON"
"""Interpreter of the function venv; set by ``lightbox_infra.emulator``."""
OWNER_ENV_VAR = "LIGHTBOX_EMULATOR_ROOT"
"""Emulator root, passed to workers so the launcher can sweep strays after a crash."""

WORKER_SCRIPT = Path(sandbox.__file__).resolve()
LOG_TAIL_BYTES = 64 * 1024
LOG_ROTATE_BYTES = 4 * 1024 * 1024
STARTUP_GRACE_S = 2.0
WORKER_NICENESS = 10
"""Workers yield the CPU to LocalStack itself: under a batch, S3 PUTs, the state
machine and the invoke path stay responsive while function code fills idle time."""


def _sandbox_root() -> Path:
    """Where environments and merged layers live: under the emulator's private TMPDIR."""
    return Path(tempfile.gettempdir()) / "lambda" / "lightbox"


def opt_dir_for(function_version: FunctionVersion) -> Path:
    """The merged-layers directory of one function version (its ``/opt``).

    Keyed by ARN, internal revision and layer ARNs so that an update that changes
    layers never reuses, or deletes, the directory of a version still running.
    """
    layers = ",".join(layer.layer_version_arn for layer in function_version.config.layers)
    key = f"{function_version.qualified_arn}|{function_version.config.internal_revision}|{layers}"
    return _sandbox_root() / "opt" / hashlib.sha256(key.encode()).hexdigest()[:24]


def _gateway_host() -> str:
    host = config.GATEWAY_LISTEN[0].host
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def _peak_rss_mb(pid: int) -> int | None:
    """The worker's peak resident memory (``VmHWM``), for REPORT's "Max Memory Used"."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return max(1, round(int(line.split()[1]) / 1024))
    except (OSError, ValueError, IndexError):
        return None
    return None


class WorkerDied(Exception):
    """The worker closed its reply pipe: it exited or was killed."""


class _Worker:
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
    ) -> _Worker:
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
        _LIVE_WORKERS.add(worker)
        return worker

    @property
    def pid(self) -> int:
        return self.process.pid

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
        _LIVE_WORKERS.discard(self)
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
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()

    def add(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.add(worker)

    def discard(self, worker: _Worker) -> None:
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


_LIVE_WORKERS = _LiveWorkers()
atexit.register(_LIVE_WORKERS.kill_all)


class LocalProcessRuntimeExecutor(RuntimeExecutor):
    """One Lambda execution environment, backed by one local worker process.

    LocalStack guarantees one invocation at a time per environment; ``stop()``
    may arrive from another thread at any time (update, idle timeout, shutdown,
    startup timeout), so state changes happen under ``_lock`` and a blocked
    ``invoke()`` is woken by killing the worker.
    """

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._stopped = False
        self._busy = False  # a thread is starting the worker or invoking it
        self._retired: _Worker | None = None  # killed by stop() while busy; closed by that thread
        self._env: dict[str, str] = {}
        self._pending_init_ms: float | None = None
        self._env_dir = _sandbox_root() / "env" / id
        self._log_path = self._env_dir / "output.log"

    # -- LocalStack interface -----------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        """Create the environment and run the function's INIT phase.

        An init failure (e.g. ``Runtime.ImportModuleError``) is raised as
        ``StatusErrorException`` carrying the error document: LocalStack then
        returns it as the invocation's error, as with its container runtime.
        """
        for sub in ("tmp", "home"):
            (self._env_dir / sub).mkdir(parents=True, exist_ok=True)
        self._env = self._worker_environment(env_vars)
        with self._in_use():
            try:
                self._pending_init_ms = self._start_worker()
            except _InitFailed as failed:
                raise StatusErrorException(
                    "Environment startup failed", payload=json.dumps(failed.error).encode()
                ) from None

    def stop(self) -> None:
        """Kill the worker (and its children) and remove the environment's files.

        May run while another thread is blocked in ``invoke()``: killing the
        worker wakes that thread, which then closes the pipes itself (closing a
        descriptor another thread is reading could hand its number to a new file).
        """
        with self._lock:
            self._stopped = True
            worker, self._worker = self._worker, None
            if self._busy:
                self._retired = worker
        if worker is not None:
            worker.kill()
            if self._retired is not worker:
                worker.close()
        shutil.rmtree(self._env_dir, ignore_errors=True)

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        """Functions reach the emulator on the loopback address it listens on."""
        return _gateway_host()

    def get_runtime_endpoint(self) -> str:
        # Unused by the pipe protocol; kept valid for LocalStack's environment variables.
        port = config.GATEWAY_LISTEN[0].port
        return f"http://{_gateway_host()}:{port}/_localstack_lambda/{self.id}"

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        """Run one invocation; function errors are results, not exceptions."""
        with self._in_use():
            if self._worker is None:
                # The previous worker timed out or crashed: a fresh INIT, as on Lambda.
                try:
                    self._pending_init_ms = self._start_worker()
                except _InitFailed as failed:
                    logs = failed.logs
                    return self._result(payload["invoke-id"], failed.error, True, logs)
            return self._run(payload)

    def get_logs(self) -> str:
        """The environment's recent output (LocalStack shows it on startup errors)."""
        try:
            with self._log_path.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - LOG_TAIL_BYTES))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Unpack code and layers (LocalStack's ``prepare_for_execution``) and merge layers."""
        fn_config = function_version.config
        if fn_config.package_type != PackageType.Zip:
            raise LambdaRuntimeException("the local executor runs zip functions only")
        sandbox.python_tag_for_runtime(fn_config.runtime)
        if fn_config.code:
            fn_config.code.prepare_for_execution()
        layer_dirs: list[Path] = []
        for layer in fn_config.layers:
            if layer.code:
                layer.code.prepare_for_execution()
                layer_dirs.append(Path(layer.code.get_unzipped_code_location()))
        if layer_dirs:
            sandbox.merge_layers(layer_dirs, opt_dir_for(function_version))

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        shutil.rmtree(opt_dir_for(function_version), ignore_errors=True)

    @classmethod
    def validate_environment(cls) -> bool:
        python = os.environ.get(PYTHON_ENV_VAR, "")
        if not python or not os.access(python, os.X_OK):
            LOG.error(
                "%s is not set to an executable Python (got %r): Lambda functions cannot run. "
                "Start the emulator with `lightbox emulator start`.",
                PYTHON_ENV_VAR,
                python,
            )
            return False
        return True

    # -- worker lifecycle ---------------------------------------------------------------

    @contextlib.contextmanager
    def _in_use(self) -> Iterator[None]:
        """Mark the environment busy; afterwards close a worker that stop() retired meanwhile."""
        with self._lock:
            if self._stopped:
                raise LambdaRuntimeException(f"execution environment {self.id} is stopped")
            self._busy = True
        try:
            yield
        finally:
            with self._lock:
                self._busy = False
                retired, self._retired = self._retired, None
            if retired is not None:
                retired.kill()
                retired.close()

    def _code_dir(self) -> Path:
        return Path(self.function_version.config.code.get_unzipped_code_location())

    def _opt_dir(self) -> Path | None:
        opt = opt_dir_for(self.function_version)
        return opt if self.function_version.config.layers and opt.is_dir() else None

    def _worker_environment(self, env_vars: dict[str, str]) -> dict[str, str]:
        """The process environment: Lambda's variables, never LocalStack's own.

        Order matters: runtime defaults, then LocalStack's Lambda variables (which
        end with the function's own ``Environment``), then the few values Lambda
        reserves and that must point at this host's directories.
        """
        python = self._python()
        opt = self._opt_dir()
        path = [str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]
        if opt is not None:
            path.insert(1, str(opt / "bin"))
        env = {
            "PATH": os.pathsep.join(path),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self._env_dir / "tmp"),
            "HOME": str(self._env_dir / "home"),
        }
        if opt is not None and (opt / "lib").is_dir():
            env["LD_LIBRARY_PATH"] = str(opt / "lib")
        env.update({key: str(value) for key, value in env_vars.items()})
        env["LAMBDA_TASK_ROOT"] = str(self._code_dir())
        env["LAMBDA_RUNTIME_DIR"] = str(WORKER_SCRIPT.parent)
        return env

    def _python(self) -> str:
        python = os.environ.get(PYTHON_ENV_VAR, "")
        if not python or not os.access(python, os.X_OK):
            raise LambdaRuntimeException(
                f"{PYTHON_ENV_VAR} must name the function venv's python (got {python!r})"
            )
        return python

    def _start_worker(self) -> float:
        """Spawn a worker, send it the init message and wait until its handler is loaded.

        Returns the init duration in ms; raises ``_InitFailed`` if the handler
        cannot be loaded or the worker dies, ``LambdaRuntimeException`` if the
        environment was stopped meanwhile (LocalStack's startup timeout does that).
        """
        self._rotate_log()
        code_dir = self._code_dir()
        python_tag = sandbox.python_tag_for_runtime(self.function_version.config.runtime)
        worker = _Worker.spawn(
            self._python(), self._env, code_dir, self._log_path, os.environ.get(OWNER_ENV_VAR, "")
        )
        with self._lock:
            stopped = self._stopped
            if not stopped:
                self._worker = worker
        if stopped:
            worker.kill()
            worker.close()
            raise LambdaRuntimeException(f"execution environment {self.id} stopped while starting")
        offset = self._log_size()
        init = {
            "type": "init",
            "handler": self.function_version.config.handler,
            "sys_path": sandbox.sandbox_sys_path(code_dir, self._opt_dir(), python_tag),
            "task_root": str(code_dir),
            "python_tag": python_tag,
        }
        deadline = time.monotonic() + config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT + STARTUP_GRACE_S
        try:
            worker.send(init)
            reply = worker.receive(deadline)
        except (WorkerDied, TimeoutError) as exc:
            returncode = self._discard(worker)
            if self._stopped:
                raise LambdaRuntimeException(f"execution environment {self.id} stopped") from exc
            error = sandbox.make_error(
                f"Runtime exited during init ({returncode}): {self._log_since(offset)[-2000:]}",
                "Runtime.ExitError",
            )
            raise _InitFailed(error, self._log_since(offset)) from exc
        if reply.get("type") != "ready":
            self._discard(worker)
            raise _InitFailed(reply.get("error") or {}, self._log_since(offset))
        return float(reply.get("init_ms", 0.0))

    def _discard(self, worker: _Worker) -> int | None:
        """Kill a worker that will not be reused and forget it."""
        with self._lock:
            if self._worker is worker:
                self._worker = None
        returncode = worker.kill()
        worker.close()
        return returncode

    # -- invocation ---------------------------------------------------------------------

    def _run(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout_s = float(self.function_version.config.timeout)
        with self._lock:
            worker = self._worker
        if worker is None:
            raise LambdaRuntimeException(f"execution environment {self.id} is stopped")
        self._rotate_log()
        offset = self._log_size()
        message = {
            "type": "invoke",
            "request_id": request_id,
            "invoked_function_arn": payload.get("invoked-function-arn", ""),
            "payload": payload.get("payload", ""),
            "deadline_ms": int(time.time() * 1000 + timeout_s * 1000),
            "trace_id": payload.get("trace-id"),
        }
        started = time.monotonic()
        timed_out_after: float | None = None
        try:
            worker.send(message)
            reply = worker.receive(started + timeout_s)
        except TimeoutError:
            timed_out_after = timeout_s
            reply = {"type": "error", "error": sandbox.timeout_error(request_id, timeout_s)}
        except WorkerDied:
            returncode = self._discard(worker)
            if self._stopped:
                raise LambdaRuntimeException(f"execution environment {self.id} stopped") from None
            reply = {"type": "error", "error": sandbox.exit_error(request_id, returncode)}
        duration_ms = (time.monotonic() - started) * 1000
        max_memory = _peak_rss_mb(worker.pid)
        if timed_out_after is not None:
            self._discard(worker)
        logs = sandbox.invocation_log(
            request_id=request_id,
            version=self.function_version.id.qualifier,
            output=self._log_since(offset),
            duration_ms=duration_ms,
            memory_mb=self.function_version.config.memory_size,
            max_memory_mb=max_memory,
            init_ms=self._take_init_ms(),
            timed_out_after_s=timed_out_after,
        )
        if reply.get("type") == "result":
            return InvocationResult(request_id, reply["payload"].encode(), False, logs)
        return self._result(request_id, reply.get("error") or {}, True, logs)

    def _take_init_ms(self) -> float | None:
        init_ms, self._pending_init_ms = self._pending_init_ms, None
        return init_ms

    @staticmethod
    def _result(
        request_id: str, document: dict[str, Any], is_error: bool, logs: str
    ) -> InvocationResult:
        return InvocationResult(request_id, json.dumps(document).encode(), is_error, logs)

    # -- log file -----------------------------------------------------------------------

    def _log_size(self) -> int:
        try:
            return self._log_path.stat().st_size
        except OSError:
            return 0

    def _log_since(self, offset: int) -> str:
        """Output written after ``offset``: one invocation's stdout and stderr.

        A regular file rather than a pipe: once the worker has replied, everything
        it printed is already in the file, so nothing can arrive late.
        """
        try:
            with self._log_path.open("rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _rotate_log(self) -> None:
        """Bound the log of long-lived environments; only called between invocations."""
        if self._log_size() > LOG_ROTATE_BYTES:
            os.truncate(self._log_path, 0)


class _InitFailed(Exception):
    """INIT failed; carries the Lambda error document and the init output."""

    def __init__(self, error: dict[str, Any], logs: str = "") -> None:
        super().__init__(error.get("errorMessage", "init failed"))
        self.error = error
        self.logs = logs


class LocalProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """The plux plugin LocalStack resolves for ``LAMBDA_RUNTIME_EXECUTOR=local``.

    LocalStack's plugin manager needs a ``Plugin`` whose ``load()`` returns the
    executor class (its docker executor is registered the same way); an entry
    point naming the executor class directly is not a resolvable plugin.
    """

    name = "local"

    def load(self, *args: Any, **kwargs: Any) -> type[RuntimeExecutor]:
        return LocalProcessRuntimeExecutor
