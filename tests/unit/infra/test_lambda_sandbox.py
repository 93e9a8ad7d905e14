"""The local Lambda sandbox contract: layout, error documents and log framing.

These helpers are shared by the executor (inside LocalStack) and the worker (in
the function venv); here they run in the operator venv, which is why they are
standard-library only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lightbox_infra.plugins import lambda_worker as sandbox


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


# -- layout ----------------------------------------------------------------------------


def test_given_python_runtime_when_tag_requested_then_it_names_the_site_packages_dir():
    assert sandbox.python_tag_for_runtime("python3.13") == "python3.13"


@pytest.mark.parametrize("runtime", ["nodejs22.x", "provided.al2023", None])
def test_given_non_python_runtime_when_tag_requested_then_refused_with_reason(runtime):
    with pytest.raises(ValueError, match="not supported by the local Lambda executor"):
        sandbox.python_tag_for_runtime(runtime)


def test_given_code_and_layers_when_sys_path_built_then_code_first_then_opt_like_aws():
    paths = sandbox.sandbox_sys_path(Path("/c"), Path("/o"), "python3.13")

    assert paths == ["/c", "/o/python/lib/python3.13/site-packages", "/o/python"]


def test_given_no_layers_when_sys_path_built_then_only_code_dir():
    assert sandbox.sandbox_sys_path(Path("/c"), None, "python3.13") == ["/c"]


def test_given_layers_sharing_a_file_when_merged_then_later_layer_wins_and_others_kept(tmp_path):
    first = _write(tmp_path / "l1", {"python/shared.py": "first", "python/a.py": "a"})
    second = _write(tmp_path / "l2", {"python/shared.py": "second", "bin/tool": "t"})
    opt = tmp_path / "opt"

    sandbox.merge_layers([first, second], opt)

    assert (opt / "python/shared.py").read_text() == "second"
    assert (opt / "python/a.py").read_text() == "a"
    assert (opt / "bin/tool").read_text() == "t"
    assert (first / "python/shared.py").read_text() == "first"  # sources untouched


def test_given_existing_opt_dir_when_merged_again_then_stale_files_are_gone(tmp_path):
    old = _write(tmp_path / "old", {"python/stale.py": "x"})
    new = _write(tmp_path / "new", {"python/fresh.py": "y"})
    opt = tmp_path / "opt"
    sandbox.merge_layers([old], opt)

    sandbox.merge_layers([new], opt)

    assert sorted(p.name for p in (opt / "python").iterdir()) == ["fresh.py"]
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


# -- error documents -------------------------------------------------------------------


class PhotoRejected(Exception):
    pass


def _raise_from_user_code() -> None:
    raise PhotoRejected("too dark")


def test_given_handler_exception_when_described_then_type_message_and_user_frames():
    try:
        _raise_from_user_code()
    except PhotoRejected as exc:
        error = sandbox.error_from_exception(exc, "req-1")

    assert error["errorType"] == "PhotoRejected"
    assert error["errorMessage"] == "too dark"
    assert error["requestId"] == "req-1"
    assert "_raise_from_user_code" in error["stackTrace"][-1]


def test_given_timeout_when_error_built_then_sandbox_timedout_with_aws_message():
    error = sandbox.timeout_error("r1", 3)

    assert error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: r1 Error: Task timed out after 3.00 seconds",
    }


@pytest.mark.parametrize(("code", "reason"), [(1, "exit status 1"), (-9, "signal: 9")])
def test_given_worker_death_when_error_built_then_runtime_exit_error(code, reason):
    error = sandbox.exit_error("r1", code)

    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith(reason)


def test_given_error_with_trace_when_logged_then_one_event_joined_by_carriage_returns():
    error = sandbox.make_error("boom", "ValueError", ['  File "app.py", line 3\n    x()\n'])

    line = sandbox.format_error_log(error)

    assert line.endswith("\n") and line.count("\n") == 1
    assert line.split("\r")[:2] == [
        "[ERROR] ValueError: boom",
        "Traceback (most recent call last):",
    ]


# -- log framing -----------------------------------------------------------------------


def test_given_cold_invocation_when_log_framed_then_start_output_end_report_with_init():
    log = sandbox.invocation_log(
        request_id="r1",
        version="$LATEST",
        output="hello",
        duration_ms=12.3,
        memory_mb=256,
        max_memory_mb=48,
        init_ms=80.0,
    )

    lines = log.splitlines()
    assert lines[0] == "START RequestId: r1 Version: $LATEST"
    assert lines[1] == "hello"
    assert lines[2] == "END RequestId: r1"
    assert lines[3].split("\t")[:6] == [
        "REPORT RequestId: r1",
        "Duration: 12.30 ms",
        "Billed Duration: 13 ms",
        "Memory Size: 256 MB",
        "Max Memory Used: 48 MB",
        "Init Duration: 80.00 ms",
    ]


def test_given_timed_out_invocation_when_log_framed_then_timeout_line_and_status():
    log = sandbox.invocation_log(
        request_id="r2",
        version="3",
        output="",
        duration_ms=1001.0,
        memory_mb=128,
        max_memory_mb=None,
        timed_out_after_s=1,
    )

    lines = log.splitlines()
    assert lines[1].endswith("r2 Task timed out after 1.00 seconds")
    assert lines[2] == "END RequestId: r2"
    assert "Init Duration" not in lines[3]
    assert lines[3].rstrip("\t").endswith("Status: timeout")
