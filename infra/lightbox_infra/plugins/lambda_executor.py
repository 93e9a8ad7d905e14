"""LocalStack Lambda runtime executor that runs functions in local worker processes.

Why: LocalStack's default executor starts a runtime container per function, and
these machines have no Docker engine (docs/architecture.md, "The emulator"). This
executor keeps
LocalStack's model - one ``RuntimeExecutor`` per execution environment, created,
reused, scaled out for concurrent calls and stopped by LocalStack's assignment
service - but each environment is a Python process started with the *function
venv* interpreter (``LIGHTBOX_LAMBDA_PYTHON``, i.e. ``.venv-lambda/bin/python``),
never LocalStack's own interpreter or packages. The process runs
``lambda_worker.py`` (the process itself: ``lambda_process.WorkerProcess``);
requests go over a pipe and results come straight back, so no HTTP callback
into LocalStack is needed.

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

import contextlib
import hashlib
import json
import logging
import os
import shutil
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
from lightbox_infra.plugins.lambda_process import (
    WORKER_SCRIPT,
    WorkerDied,
    WorkerLog,
    WorkerProcess,
)

LOG = logging.getLogger(__name__)

PYTHON_ENV_VAR = "LIGHTBOX_LAMBDA_PYTHON"
"""Interpreter of the function venv; set by ``lightbox_infra.emulator_setup``."""
OWNER_ENV_VAR = "LIGHTBOX_EMULATOR_ROOT"
"""Emulator root, passed to workers so the launcher can sweep strays after a crash."""

STARTUP_GRACE_S = 2.0


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
        self._worker: WorkerProcess | None = None
        self._stopped = False
        self._busy = False  # a thread is starting the worker or invoking it
        self._retired: WorkerProcess | None = (
            None  # killed by stop() while busy; closed by that thread
        )
        self._env: dict[str, str] = {}
        self._pending_init_ms: float | None = None
        self._env_dir = _sandbox_root() / "env" / id
        self._log = WorkerLog(self._env_dir / "output.log")

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
        return self._log.tail()

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
        self._log.rotate()
        code_dir = self._code_dir()
        python_tag = sandbox.python_tag_for_runtime(self.function_version.config.runtime)
        worker = WorkerProcess.spawn(
            self._python(), self._env, code_dir, self._log.path, os.environ.get(OWNER_ENV_VAR, "")
        )
        with self._lock:
            stopped = self._stopped
            if not stopped:
                self._worker = worker
        if stopped:
            worker.kill()
            worker.close()
            raise LambdaRuntimeException(f"execution environment {self.id} stopped while starting")
        offset = self._log.size()
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
                f"Runtime exited during init ({returncode}): {self._log.since(offset)[-2000:]}",
                "Runtime.ExitError",
            )
            raise _InitFailed(error, self._log.since(offset)) from exc
        if reply.get("type") != "ready":
            self._discard(worker)
            raise _InitFailed(reply.get("error") or {}, self._log.since(offset))
        return float(reply.get("init_ms", 0.0))

    def _discard(self, worker: WorkerProcess) -> int | None:
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
        self._log.rotate()
        offset = self._log.size()
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
        max_memory = worker.peak_rss_mb()
        if timed_out_after is not None:
            self._discard(worker)
        logs = sandbox.invocation_log(
            request_id=request_id,
            version=self.function_version.id.qualifier,
            output=self._log.since(offset),
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
