"""The emulator launcher's pure parts: environment, state folders, /proc parsing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lightbox_infra import emulator as launcher
from lightbox_infra import emulator_setup, procfs
from lightbox_infra.emulator import Emulator, EmulatorStatus


def _env(**overrides: str) -> dict[str, str]:
    return emulator_setup.emulator_environment(
        root=Path("/state"),
        port=4599,
        lambda_python=Path("/repo/.venv-lambda/bin/python"),
        base_env={
            "PATH": "/usr/bin",
            "AWS_PROFILE": "prod",
            "AWS_ENDPOINT_URL": "https://real.example",
            "HTTPS_PROXY": "http://proxy:3128",
            "DEBUG": "1",
            "PYTHONPATH": "/elsewhere",
        },
        extra_env=overrides,
    )


def test_given_operator_environment_when_emulator_env_built_then_only_safe_vars_pass_through():
    env = _env()

    assert env["PATH"] == "/usr/bin"
    for leaked in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "HTTPS_PROXY", "DEBUG", "PYTHONPATH"):
        assert leaked not in env


def test_given_port_when_emulator_env_built_then_loopback_only_and_plugins_selected():
    env = _env()

    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4599"
    assert env["LOCALSTACK_HOST"] == "127.0.0.1:4599"
    assert env["GATEWAY_SERVER"] == "hypercorn"
    assert env["DNS_ADDRESS"] == "0"
    assert env["PROVIDER_OVERRIDE_DYNAMODB"] == "moto"
    assert env["LAMBDA_RUNTIME_EXECUTOR"] == "local"
    assert env["LIGHTBOX_LAMBDA_PYTHON"] == "/repo/.venv-lambda/bin/python"
    assert env["FILESYSTEM_ROOT"] == "/state/fs"
    assert env["TMPDIR"] == "/state/tmp"
    assert env["XDG_CACHE_HOME"].startswith("/state/tmp/")  # plux cache rebuilt every start


def test_given_extra_env_when_emulator_env_built_then_it_wins():
    assert _env(LAMBDA_KEEPALIVE_MS="1000")["LAMBDA_KEEPALIVE_MS"] == "1000"


def test_given_state_folder_when_pruned_then_only_cache_survives(tmp_path):
    fs = tmp_path / "fs"
    for name in ("var/lib/localstack/cache/catalog.dill", "var/lib/localstack/tmp/x", "tmp/y"):
        (fs / name).parent.mkdir(parents=True, exist_ok=True)
        (fs / name).write_text("data")

    emulator_setup.prune_tree(fs, [fs / "var/lib/localstack/cache"])

    remaining = sorted(str(p.relative_to(fs)) for p in fs.rglob("*") if p.is_file())
    assert remaining == ["var/lib/localstack/cache/catalog.dill"]


def test_given_shared_cache_when_synced_then_missing_files_copied_and_existing_kept(tmp_path):
    shared, own = tmp_path / "shared", tmp_path / "own"
    shared.mkdir()
    own.mkdir()
    (shared / "catalog.dill").write_text("shared")
    (shared / "cert.pem").write_text("shared")
    (shared / ".partial.tmp").write_text("x")
    (own / "cert.pem").write_text("own")

    copied = emulator_setup.sync_files(shared, own)

    assert copied == ["catalog.dill"]
    assert (own / "catalog.dill").read_text() == "shared"
    assert (own / "cert.pem").read_text() == "own"
    assert not (own / ".partial.tmp").exists()


def test_given_stat_line_with_odd_command_name_when_parsed_then_fields_found():
    stat = "4242 (py (x) y) S 1 4242 4240 0 -1 4194560 " + " ".join(["0"] * 12) + " 98765 0 0"

    info = procfs.parse_proc_stat(stat)

    assert (info.pid, info.state, info.pgid, info.sid) == (4242, "S", 4242, 4240)
    assert info.start_ticks == 98765


def test_given_own_process_when_read_from_proc_then_matches_os_view():
    info = procfs.read_proc(os.getpid())

    assert info is not None
    assert (info.pgid, info.sid) == (os.getpgid(0), os.getsid(0))


def test_given_log_when_tailed_then_last_lines_returned(tmp_path):
    log = tmp_path / "localstack.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))

    assert emulator_setup.tail(log, 2) == "line 98\nline 99"


def test_given_lightbox_home_when_repo_root_requested_then_it_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("LIGHTBOX_HOME", str(tmp_path))

    assert launcher.repo_root() == tmp_path.resolve()
    assert Emulator().root == tmp_path.resolve() / ".lightbox" / "emulator"


def test_given_no_lightbox_home_when_repo_root_requested_then_checkout_above_infra(monkeypatch):
    monkeypatch.delenv("LIGHTBOX_HOME", raising=False)

    assert (launcher.repo_root() / "infra" / "lightbox_infra" / "emulator.py").is_file()


def test_given_empty_root_when_status_asked_then_stopped_and_stop_is_noop(tmp_path):
    emulator = Emulator(root=tmp_path, port=4599, home=tmp_path)

    emulator.stop()
    status = emulator.status()

    assert status == EmulatorStatus(False, False, None, "http://127.0.0.1:4599", emulator.log_path)
    assert "stopped" in status.describe()


@pytest.mark.parametrize("start_ticks", [None, 1])
def test_given_pidfile_naming_a_non_localstack_process_when_status_asked_then_not_running(
    tmp_path, start_ticks
):
    emulator = Emulator(root=tmp_path, port=4599, home=tmp_path)
    record = {"pid": os.getpid(), "port": 4599, "start_ticks": start_ticks, "started_at": 1.0}
    emulator.pid_path.write_text(json.dumps(record))

    assert emulator.status().running is False


def test_given_missing_venvs_when_started_then_error_says_to_run_make_install(tmp_path):
    emulator = Emulator(root=tmp_path / "state", port=4599, home=tmp_path)

    with pytest.raises(launcher.EmulatorError, match="make install"):
        emulator.start(timeout=1)
