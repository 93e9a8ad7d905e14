"""The worker process: handler loading, invocation and its pipe protocol.

The last test starts the real worker with the function venv's interpreter, as
the executor does, without LocalStack.
"""

from __future__ import annotations

import decimal
import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lightbox_infra.plugins import lambda_worker as worker

REPO = Path(__file__).resolve().parents[3]
LAMBDA_PYTHON = REPO / ".venv-lambda" / "bin" / "python"


@pytest.fixture
def code_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A task root on sys.path whose modules are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _module(code_dir: Path, name: str, source: str) -> None:
    (code_dir / f"{name}.py").write_text(source)


def _invoke_message(payload: str = "{}", request_id: str = "req-1") -> dict:
    return {
        "type": "invoke",
        "request_id": request_id,
        "invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:f",
        "payload": payload,
        "deadline_ms": int(time.time() * 1000) + 5000,
        "trace_id": None,
    }


# -- handler loading -------------------------------------------------------------------


def test_given_valid_spec_when_handler_loaded_then_function_returned(code_dir):
    _module(code_dir, "app_ok", "def handler(event, context):\n    return event\n")

    handler = worker.load_handler("app_ok.handler")

    assert handler({"a": 1}, None) == {"a": 1}


@pytest.mark.parametrize(
    ("source", "spec", "error_type"),
    [
        (None, "nodot", "Runtime.MalformedHandlerName"),
        (None, "missing_module.handler", "Runtime.ImportModuleError"),
        ("def other(e, c):\n    pass\n", "app_nohandler.handler", "Runtime.HandlerNotFound"),
        ("def handler(:\n", "app_syntax.handler", "Runtime.UserCodeSyntaxError"),
        ("raise KeyError('TABLE')\n", "app_initfail.handler", "KeyError"),
    ],
)
def test_given_broken_function_when_handler_loaded_then_init_error_type_like_aws(
    code_dir, source, spec, error_type
):
    if source is not None:
        _module(code_dir, spec.split(".")[0], source)

    with pytest.raises(worker.InitError) as failure:
        worker.load_handler(spec)

    assert failure.value.error["errorType"] == error_type


# -- invocation ------------------------------------------------------------------------


def test_given_event_when_invoked_then_result_payload_is_json_of_return_value():
    def handler(event, context):
        return {"sku": event["sku"], "price": decimal.Decimal("9.5"), "qty": decimal.Decimal(2)}

    reply = worker.handle_invoke(handler, _invoke_message('{"sku": "MUG-1"}'))

    assert reply["type"] == "result"
    assert json.loads(reply["payload"]) == {"sku": "MUG-1", "price": 9.5, "qty": 2}


def test_given_context_when_invoked_then_lambda_attributes_and_remaining_time(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "intake")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    seen = {}

    def handler(event, context):
        seen.update(
            name=context.function_name,
            memory=context.memory_limit_in_mb,
            request=context.aws_request_id,
            remaining=context.get_remaining_time_in_millis(),
        )

    worker.handle_invoke(handler, _invoke_message(request_id="req-9"))

    assert seen["name"] == "intake" and seen["memory"] == "512" and seen["request"] == "req-9"
    assert 0 < seen["remaining"] <= 5000


def test_given_handler_raising_when_invoked_then_error_reply_and_error_logged(capsys):
    def handler(event, context):
        raise LookupError("no such sku")

    reply = worker.handle_invoke(handler, _invoke_message(request_id="req-2"))

    assert reply["type"] == "error"
    assert reply["error"]["errorType"] == "LookupError"
    assert reply["error"]["requestId"] == "req-2"
    assert capsys.readouterr().out.startswith("[ERROR] LookupError: no such sku")


@pytest.mark.parametrize(
    ("payload", "result", "error_type"),
    [
        ("not json", None, "Runtime.UnmarshalError"),
        ("{}", object(), "Runtime.MarshalError"),
    ],
)
def test_given_bad_input_or_output_when_invoked_then_runtime_error_type(
    payload, result, error_type
):
    reply = worker.handle_invoke(lambda e, c: result, _invoke_message(payload))

    assert reply["error"]["errorType"] == error_type


def test_given_empty_payload_when_invoked_then_handler_gets_empty_event():
    reply = worker.handle_invoke(lambda e, c: e, _invoke_message(""))

    assert json.loads(reply["payload"]) == {}


# -- protocol --------------------------------------------------------------------------


def test_given_init_and_invokes_when_served_then_ready_then_one_reply_each(code_dir, monkeypatch):
    _module(code_dir, "app_serve", "def handler(event, context):\n    return event['n'] * 2\n")
    monkeypatch.chdir(code_dir)
    root_handlers = list(logging.getLogger().handlers)
    init = {
        "type": "init",
        "handler": "app_serve.handler",
        "sys_path": [str(code_dir)],
        "task_root": str(code_dir),
        "python_tag": f"python{sys.version_info.major}.{sys.version_info.minor}",
    }
    messages = [init, _invoke_message('{"n": 2}', "a"), _invoke_message('{"n": 5}', "b")]
    requests = io.BytesIO(b"".join(worker.encode_message(m) for m in messages))
    replies = io.BytesIO()

    try:
        code = worker.serve(requests, replies)
    finally:
        logging.getLogger().handlers[:] = root_handlers

    lines = [json.loads(line) for line in replies.getvalue().splitlines()]
    assert code == 0
    assert lines[0]["type"] == "ready"
    assert [line["payload"] for line in lines[1:]] == ["4", "10"]


@pytest.mark.skipif(not LAMBDA_PYTHON.exists(), reason="needs .venv-lambda (make install)")
def test_given_function_venv_worker_when_request_pipe_closes_then_it_exits(tmp_path):
    _module(tmp_path, "app_proc", "import os\ndef handler(e, c):\n    print('hi')\n    return 1\n")
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    process = subprocess.Popen(
        [
            *(str(LAMBDA_PYTHON), "-I", "-B", "-u", worker.__file__),
            *(f"--request-fd={request_r}", f"--reply-fd={reply_w}"),
        ],
        pass_fds=(request_r, reply_w),
        stdout=subprocess.PIPE,
        cwd=tmp_path,
    )
    os.close(request_r)
    os.close(reply_w)
    init = {"type": "init", "handler": "app_proc.handler", "sys_path": [str(tmp_path)]}
    init["task_root"] = str(tmp_path)
    with os.fdopen(request_w, "wb", buffering=0) as requests, os.fdopen(reply_r, "rb") as replies:
        requests.write(worker.encode_message(init) + worker.encode_message(_invoke_message()))
        ready, result = json.loads(replies.readline()), json.loads(replies.readline())

    assert process.wait(timeout=10) == 0
    assert ready["type"] == "ready" and result == {"type": "result", "payload": "1"}
    assert process.stdout.read() == b"hi\n"
