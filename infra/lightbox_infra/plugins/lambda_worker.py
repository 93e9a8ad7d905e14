"""The local Lambda sandbox: its layout, its wire protocol and the worker that runs handlers.

Why this file exists: the embedded emulator has no Docker, so LocalStack's
container runtime cannot run functions (docs/architecture.md, "The emulator"). Instead
``lambda_executor.LocalProcessRuntimeExecutor`` starts this file as a script, once
per execution environment, with the *function venv* interpreter
(``.venv-lambda/bin/python``: Python 3.13 + boto3, like AWS's ``python3.13``
runtime). It must therefore use the standard library only (boto3 is available to
handlers, not needed here) and never import LocalStack or ``lightbox_infra``: the
worker is started with ``python -I`` so neither is on its ``sys.path``.

The executor also imports this module for the parts both sides must agree on,
so there is one definition of each:

* sandbox layout: how layers merge into one opt dir and what goes on ``sys.path``;
* the protocol: one JSON document per line, requests on one pipe, replies on
  another (stdout/stderr are the function's log, as on Lambda);
* Lambda's error documents and its START/END/REPORT log lines.

Protocol (executor -> worker): ``{"type": "init", "handler", "sys_path", "task_root",
"python_tag"}`` once, then ``{"type": "invoke", "request_id", "invoked_function_arn",
"payload", "deadline_ms", "trace_id"}`` per invocation. Worker -> executor:
``{"type": "ready", "init_ms"}`` or ``{"type": "init_error", "error"}`` once, then
``{"type": "result", "payload"}`` or ``{"type": "error", "error"}`` per invocation.
When the request pipe closes (the emulator stopped or died) the worker exits.
"""

from __future__ import annotations

import argparse
import contextlib
import decimal
import importlib
import json
import logging
import math
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

# --------------------------------------------------------------------------------------
# Sandbox layout (shared with the executor)
# --------------------------------------------------------------------------------------

WORKER_MARKER = "--lightbox-lambda-worker"
"""Command-line flag that identifies worker processes (the launcher sweeps them by it)."""


def python_tag_for_runtime(runtime: str | None) -> str:
    """Return the ``pythonX.Y`` directory name Lambda uses for a runtime.

    Only Python runtimes can run in a Python worker; anything else is refused up
    front so the function goes to ``Failed`` with a reason instead of failing on
    every invoke.
    """
    if not runtime or not runtime.startswith("python3."):
        raise ValueError(
            f"runtime {runtime!r} is not supported by the local Lambda executor "
            "(only python3.x zip functions run without Docker)"
        )
    return runtime


def opt_python_paths(opt_dir: Path, python_tag: str) -> list[str]:
    """The two ``/opt`` entries Lambda puts on ``sys.path`` for Python layers, in order."""
    return [
        str(opt_dir / "python" / "lib" / python_tag / "site-packages"),
        str(opt_dir / "python"),
    ]


def sandbox_sys_path(code_dir: Path, opt_dir: Path | None, python_tag: str) -> list[str]:
    """Entries to put in front of the interpreter's own ``sys.path``.

    Same order as AWS: function code first, then layers, then the runtime's
    libraries (which the interpreter already has), so a layer can pin its own
    boto3 and the function's code can shadow a layer module.
    """
    paths = [str(code_dir)]
    if opt_dir is not None:
        paths.extend(opt_python_paths(opt_dir, python_tag))
    return paths


def merge_layers(layer_dirs: Sequence[Path], opt_dir: Path) -> None:
    """Merge unpacked layers into one directory, later layers overwriting earlier ones.

    Lambda extracts a function's layers into ``/opt`` in the order listed, so a
    file present in two layers comes from the later one. The merge is built in a
    staging directory and renamed into place so a half-merged tree is never seen.
    Files are hard-linked when possible: layers (numpy, Pillow, ...) are large
    and every function version gets its own opt dir.
    """
    staging = opt_dir.with_name(f"{opt_dir.name}.staging-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for layer_dir in layer_dirs:
        shutil.copytree(layer_dir, staging, dirs_exist_ok=True, copy_function=_link_or_copy)
    shutil.rmtree(opt_dir, ignore_errors=True)
    staging.rename(opt_dir)


def _link_or_copy(src: str, dst: str) -> str:
    """Replace ``dst`` with ``src``: hard link if the filesystem allows, copy otherwise."""
    if os.path.isdir(dst) and not os.path.islink(dst):
        shutil.rmtree(dst)
    elif os.path.lexists(dst):
        os.unlink(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


# --------------------------------------------------------------------------------------
# Error documents and log lines (Lambda's formats)
# --------------------------------------------------------------------------------------


def make_error(
    message: str, error_type: str, stack_trace: list[str] | None = None, request_id: str = ""
) -> dict[str, Any]:
    """A Lambda error document; Step Functions' Retry/Catch match on ``errorType``."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exc: BaseException, request_id: str = "") -> dict[str, Any]:
    """Describe a handler exception the way the AWS Python runtime does.

    Frames of this worker module are dropped so the trace starts in user code.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    this_file = os.path.abspath(__file__)
    while frames and os.path.abspath(frames[0].filename) == this_file:
        frames.pop(0)
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def timeout_error(request_id: str, timeout_s: float) -> dict[str, Any]:
    """The error Lambda returns when a function runs past its timeout."""
    message = f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
    return {"errorMessage": message, "errorType": "Sandbox.Timedout"}


def exit_error(request_id: str, returncode: int | None) -> dict[str, Any]:
    """The error Lambda returns when the runtime process dies during an invocation."""
    if returncode is not None and returncode < 0:
        reason = f"signal: {-returncode}"
    else:
        reason = f"exit status {returncode}"
    return {
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
        "errorType": "Runtime.ExitError",
    }


def format_error_log(error: dict[str, Any]) -> str:
    """The ``[ERROR]`` log entry the AWS runtime prints for an unhandled error.

    Lines are joined with ``\\r`` (as the AWS runtime does) so the whole traceback
    stays one CloudWatch event when the log is split on newlines.
    """
    lines = [f"[ERROR] {error.get('errorType', '')}: {error.get('errorMessage', '')}"]
    stack = error.get("stackTrace") or []
    if stack:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            lines.extend(element.rstrip("\n").splitlines())
    return "\r".join(lines) + "\n"


def invocation_log(
    *,
    request_id: str,
    version: str,
    output: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int | None,
    init_ms: float | None = None,
    timed_out_after_s: float | None = None,
) -> str:
    """Wrap one invocation's output in START/END/REPORT, as Lambda writes it to CloudWatch.

    ``timed_out_after_s`` is the function timeout when the invocation was killed for
    running past it; Lambda then adds a "Task timed out" line and ``Status: timeout``.
    """
    parts = [f"START RequestId: {request_id} Version: {version}\n"]
    if output:
        parts.append(output if output.endswith("\n") else output + "\n")
    if timed_out_after_s is not None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        parts.append(f"{stamp} {request_id} Task timed out after {timed_out_after_s:.2f} seconds\n")
    parts.append(f"END RequestId: {request_id}\n")
    report = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_mb if max_memory_mb is not None else '-'} MB",
    ]
    if init_ms is not None:
        report.append(f"Init Duration: {init_ms:.2f} ms")
    if timed_out_after_s is not None:
        report.append("Status: timeout")
    parts.append("\t".join(report) + "\t\n")
    return "".join(parts)


# --------------------------------------------------------------------------------------
# Wire protocol
# --------------------------------------------------------------------------------------


def encode_message(message: dict[str, Any]) -> bytes:
    """One protocol message: compact JSON on a single line."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


def _send(stream: IO[bytes], message: dict[str, Any]) -> None:
    stream.write(encode_message(message))
    stream.flush()


def _receive(stream: IO[bytes]) -> dict[str, Any] | None:
    line = stream.readline()
    return json.loads(line) if line else None


# --------------------------------------------------------------------------------------
# The worker (runs in the function venv)
# --------------------------------------------------------------------------------------


class InitError(Exception):
    """The handler could not be loaded; carries the Lambda error document."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["errorMessage"])
        self.error = error


class LambdaContext:
    """The ``context`` argument of a handler, with the attributes of the AWS Python runtime.

    ``memory_limit_in_mb`` is a string, as on AWS (it comes from the environment).
    """

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the executor kills this invocation."""
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, message: str) -> None:
        """Write to the function's log, like ``context.log`` on AWS."""
        sys.stdout.write(message)

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )


def load_handler(spec: str) -> Callable[[Any, LambdaContext], Any]:
    """Import ``module.function`` the way the AWS runtime does, with its error types."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        raise InitError(
            make_error(f"Bad handler '{spec}': {exc}", "Runtime.MalformedHandlerName")
        ) from exc
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        message = f"Unable to import module '{module_name}': {exc}"
        raise InitError(make_error(message, "Runtime.ImportModuleError")) from exc
    except SyntaxError as exc:
        message = f"Syntax error in module '{module_name}': {exc}"
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise InitError(make_error(message, "Runtime.UserCodeSyntaxError", trace)) from exc
    except Exception as exc:
        raise InitError(error_from_exception(exc)) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise InitError(make_error(message, "Runtime.HandlerNotFound"))
    return handler


class _Fault(Exception):
    """A runtime-level failure (bad input or output), reported with a Runtime.* type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error = make_error(message, error_type)


def unmarshal_event(payload: str | None) -> Any:
    """Decode the invocation payload; an empty payload is an empty event, as on AWS."""
    if payload is None or not payload.strip():
        return {}
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise _Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal_response(result: Any) -> str:
    """Encode a handler's return value; failures are ``Runtime.MarshalError`` like on AWS."""
    try:
        return json.dumps(result, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc


_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    """Adds ``aws_request_id`` to every record, as the AWS runtime's root handler does."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def configure_logging() -> None:
    """Give the root logger the AWS runtime's handler and format.

    Handlers that call ``logging.warning(...)`` without configuring logging get
    their messages in CloudWatch on AWS; they should here too.
    """
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def handle_invoke(
    handler: Callable[[Any, LambdaContext], Any], message: dict[str, Any]
) -> dict[str, Any]:
    """Run one invocation and build the reply; an error is logged like the AWS runtime does."""
    global _current_request_id
    request_id = message["request_id"]
    _current_request_id = request_id
    if message.get("trace_id"):
        os.environ["_X_AMZN_TRACE_ID"] = message["trace_id"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        event = unmarshal_event(message.get("payload"))
        context = LambdaContext(
            request_id, message.get("invoked_function_arn", ""), message["deadline_ms"]
        )
        return {"type": "result", "payload": marshal_response(handler(event, context))}
    except _Fault as fault:
        error = {**fault.error, "requestId": request_id}
    except Exception as exc:
        error = error_from_exception(exc, request_id)
    sys.stdout.write(format_error_log(error))
    return {"type": "error", "error": error}


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def initialise(init: dict[str, Any]) -> Callable[[Any, LambdaContext], Any]:
    """Set up the sandbox from the init message and load the handler (Lambda's INIT phase)."""
    sys.path[:0] = init["sys_path"]
    os.chdir(init["task_root"])
    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if init.get("python_tag") and init["python_tag"] != running:
        print(f"[WARNING] function runtime is {init['python_tag']} but the worker runs {running}")
    configure_logging()
    return load_handler(init["handler"])


def serve(requests: IO[bytes], replies: IO[bytes]) -> int:
    """Answer the init message, then invocations until the request pipe closes."""
    init = _receive(requests)
    if init is None:
        return 0
    started = time.perf_counter()
    try:
        handler = initialise(init)
    except InitError as failure:
        sys.stdout.write(format_error_log(failure.error))
        _flush_output()
        _send(replies, {"type": "init_error", "error": failure.error})
        return 1
    _flush_output()
    _send(replies, {"type": "ready", "init_ms": (time.perf_counter() - started) * 1000})
    while (message := _receive(requests)) is not None:
        if message.get("type") != "invoke":
            break
        reply = handle_invoke(handler, message)
        _flush_output()
        _send(replies, reply)
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(WORKER_MARKER, dest="owner", default="", help="emulator root (for sweeps)")
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--reply-fd", type=int, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the worker process (``python -I -B -u lambda_worker.py ...``)."""
    args = _parse_args(argv)
    with (
        os.fdopen(args.request_fd, "rb") as requests,
        os.fdopen(args.reply_fd, "wb", buffering=0) as replies,
    ):
        try:
            return serve(requests, replies)
        except BrokenPipeError:
            # The executor went away mid-reply (emulator stopped): nothing to report to.
            return 0


if __name__ == "__main__":
    sys.exit(main())
