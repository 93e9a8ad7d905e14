"""What the emulator's launcher prepares before LocalStack starts: environment and state files.

LocalStack reads hundreds of settings from its environment, so the launcher
builds that environment from scratch (``emulator_environment``: loopback only,
the project's plugins selected, the burst limits in ``BATCH_LIMITS``) instead
of inheriting an operator's ``AWS_*`` or proxy variables. Its ``fs`` folder is
ephemeral except LocalStack's cache, which ``prune_tree`` keeps and
``sync_files`` mirrors to and from the cache shared by every emulator root
(the services' own state is saved apart, in ``state/``);
``tail`` quotes the log in error messages. Pure functions of their arguments
and the files they are pointed at (unit-tested); standard library only, like
``lightbox_infra.emulator``, which uses them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

HOST = "127.0.0.1"  # never bind or advertise anything but loopback
CACHE_FS_PATH = "var/lib/localstack/cache"
KEPT_FS_PATHS = (CACHE_FS_PATH, "var/lib/localstack/lib")
STATE_DIR_NAME = "state"  # under the emulator root: what survives a stop (snapshot_files.py)
PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME")
BATCH_LIMITS = {
    # An idle worker holds its imports (100-300 MB): give memory back a minute
    # after a batch instead of LocalStack's ten.
    "LAMBDA_KEEPALIVE_MS": "60000",
    # Environments start while the machine is busy with a batch: importing numpy,
    # Pillow and onnxruntime on two loaded cores can pass LocalStack's 20 s,
    # after which it stops the environment and the invoke fails.
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "120",
}
"""Emulator settings that keep a burst of uploads within the machine. The other half
is the template's per-function reserved concurrency (small locally): LocalStack
throttles past it and the state machine's Retry waits, as on AWS."""
LOG_TAIL_LINES = 40


def emulator_environment(
    *,
    root: Path,
    port: int,
    lambda_python: Path,
    base_env: Mapping[str, str],
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of the LocalStack process.

    Built from scratch rather than inherited: LocalStack reads hundreds of
    settings from the environment, and an operator's ``AWS_*``, proxy or
    ``DEBUG`` variables must not silently change how the emulator behaves.
    """
    env = {key: base_env[key] for key in PASSTHROUGH_ENV if key in base_env}
    tmp = root / "tmp"
    # TMPDIR makes LocalStack unpack Lambda code and spool S3 objects under ``root``
    # (LocalStack logs a harmless deprecation warning: it once had a setting of that name).
    env.update(
        {
            "HOME": str(tmp / "home"),
            "TMPDIR": str(tmp),
            # plux caches entry points under XDG_CACHE_HOME; a fresh, private cache
            # (rebuilt in ~40 ms) means newly installed plugins are always found.
            "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
            "PYTHONUNBUFFERED": "1",
            "GATEWAY_LISTEN": f"{HOST}:{port}",
            "GATEWAY_SERVER": "hypercorn",  # the default server binds 0.0.0.0 as well
            "LOCALSTACK_HOST": f"{HOST}:{port}",  # URLs it returns; no DNS for *.localstack.cloud
            "DNS_ADDRESS": "0",
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(root / "fs"),
            "PERSISTENCE": "0",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "EAGER_SERVICE_LOADING": "0",
            "PROVIDER_OVERRIDE_DYNAMODB": "moto",
            "LAMBDA_RUNTIME_EXECUTOR": "local",
            "LIGHTBOX_LAMBDA_PYTHON": str(lambda_python),
            "LIGHTBOX_EMULATOR_ROOT": str(root),
            # Saved state (plugins/persistence.py): restored on start, saved while it runs.
            "LIGHTBOX_STATE_DIR": str(root / STATE_DIR_NAME),
            **BATCH_LIMITS,
        }
    )
    env.update(extra_env or {})
    return env


def prune_tree(top: Path, keep: Iterable[Path]) -> None:
    """Delete everything under ``top`` except the ``keep`` paths (and their ancestors)."""
    keep = {Path(path) for path in keep}
    if not top.is_dir():
        return
    for child in top.iterdir():
        if child in keep:
            continue
        if child.is_dir() and not child.is_symlink() and any(child in k.parents for k in keep):
            prune_tree(child, keep)
        elif child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def sync_files(source: Path, target: Path) -> list[str]:
    """Copy the regular files of ``source`` that ``target`` lacks; returns their names.

    Each file is written under a temporary name and renamed, so a concurrent
    reader (another emulator starting) never sees half a file.
    """
    if not source.is_dir():
        return []
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for file in sorted(source.iterdir()):
        if not file.is_file() or file.name.startswith(".") or (target / file.name).exists():
            continue
        staging = target / f".{file.name}.{os.getpid()}.tmp"
        shutil.copy2(file, staging)
        staging.replace(target / file.name)
        copied.append(file.name)
    return copied


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file, for error messages."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(0, size - 64 * 1024))
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
