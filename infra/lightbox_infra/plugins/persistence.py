"""The emulator's state survives a stop, a restart and a killed process.

LocalStack's community edition keeps every service in memory (``PERSISTENCE``
is a Pro feature), so without this plugin a stop loses every bucket, table,
stack and execution - the audit trail included. The state-visitor API it does
ship (each provider's ``accept_state_visitor``) is enough to do the rest here:

* **What is saved.** For every loaded service, each state container the
  provider hands its visitor: LocalStack stores (``AccountRegionBundle``) and
  moto backends (``BackendDict``; DynamoDB is moto's, see ``dynamodb_moto``),
  pickled with LocalStack's dill pickler. S3 object bodies live in spooled
  temporary files, not in a directory, so they are copied into blobs named by
  the object's identity: only new or rewritten objects are written. Files a
  provider keeps in a directory (CloudWatch's metrics database) are copied,
  SQLite databases through its backup API. Lambda's
  code archives are S3 objects in its internal bucket, so functions come back
  too. The on-disk layout and its atomic commit are in
  ``lightbox_infra.snapshot_files``.
* **When.** Loaded into the stores at ``on_infra_start``, before the gateway
  accepts a request; the providers' after-load hooks (Lambda restarting its
  functions, CloudWatch its alarms) call the gateway, so they run at
  ``on_infra_ready``, and the emulator reports ready only once the functions
  are ``Active`` and interrupted runs are replayed. Saved by a background
  thread every ``LIGHTBOX_SNAPSHOT_INTERVAL_S`` seconds (default 2) when a
  request other than a read passed through the gateway or an execution is
  running, and once more at shutdown before the
  services stop. A killed process loses at most the last interval.
* **What cannot be kept.** An execution is a thread of LocalStack's
  interpreter and cannot resume. An execution that was running in the
  snapshot keeps its history up to then, is marked ``ABORTED`` with the error
  ``Emulator.Restarted`` and is replayed as a linked execution
  ``{name}-r{n}`` (the input of ``lightbox executions replay``: ``replay_of``
  names the original, a photo is reprocessed), so a run waiting for a review
  reaches review again with a live task token. Multipart uploads in progress
  are dropped. Replays and anything that failed to save or load are listed in
  ``status.json``, which the CLI prints. A service whose state cannot be
  pickled is reported there (and in the log) and its previous saved state is
  kept; nothing is dropped silently.

Registered in ``infra/pyproject.toml`` (``on_infra_start``/``on_infra_ready``/
``on_infra_shutdown`` hooks); enabled when the launcher sets
``LIGHTBOX_STATE_DIR``. Runs inside LocalStack's interpreter only.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from localstack.runtime import hooks

from lightbox_infra.plugins.saved_state import (  # noqa: F401 - earlier pickles name this module
    SQLITE_SUFFIXES,
    FrozenEnvironment,
    FrozenEvents,
    FrozenWorker,
    _Collector,
    _fresh,
    _register_reducers,
    container_kind,
    containers_of,
    copy_assets,
    execution_history,
    interrupt_running,
    object_blob,
    portable,
    rebuild_event_routing,
    restore_execution,
    restore_objects,
    running_executions,
    s3_objects,
    s3_storage,
    transplant,
)
from lightbox_infra.snapshot_files import (
    SnapshotDir,
    is_read_only,
    next_wait,
    replay_input,
    services_to_save,
)

LOG = logging.getLogger(__name__)
STATE_DIR_ENV = "LIGHTBOX_STATE_DIR"
INTERVAL_ENV = "LIGHTBOX_SNAPSHOT_INTERVAL_S"
DEFAULT_INTERVAL_S = 2.0
FORMAT = 1
RESTORE_ORDER = {"s3": 0, "lambda": 2}  # Lambda fetches its code from S3 when it restarts
PICKLE_ATTEMPTS = 5
FUNCTIONS_READY_S = 45.0


class Persistence:
    """Saves and restores the state of every loaded service under ``SnapshotDir``."""

    def __init__(self, snapshots: SnapshotDir, interval_s: float) -> None:
        self.snapshots = snapshots
        self.interval_s = interval_s
        self.dirty = threading.Event()
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.loaded: dict[str, Any] = {}
        self.last_save: dict[str, Any] = {}
        self.interrupted: list[dict[str, Any]] = []
        self.replays: list[dict[str, Any]] = []
        self.restored = False  # never save over a generation that did not load
        self._after_load: list[tuple[str, Any]] = []
        self.touched: dict[str, float] = {}  # service -> when a request last changed it
        self._last_start = 0.0  # when the last save began (monotonic)
        self._was_busy: set[str] = set()  # services changing on their own at the last save

    # -- gateway hook ---------------------------------------------------------------------

    def on_response(self, chain: Any, context: Any, response: Any) -> None:
        operation = getattr(context, "operation", None)
        name = getattr(operation, "name", None)
        if name is not None and not is_read_only(name):
            service = getattr(getattr(context, "service", None), "service_name", None)
            self.touched[str(service)] = time.monotonic()
            self.dirty.set()

    @staticmethod
    def _busy() -> set[str]:
        """Services whose state changes without a request: running executions, stacks
        being deployed (their resources are requests to other services)."""
        from localstack.services.cloudformation.models import cloudformation_stores

        busy = {"stepfunctions"} if running_executions() else set()
        try:
            for _, _, store in list(cloudformation_stores.iter_stores()):
                stacks = list(store.stacks_v2.values()) + list(store.stacks.values())
                if any(str(stack.status).endswith("IN_PROGRESS") for stack in stacks):
                    busy.add("cloudformation")
        except Exception:  # a stack half created: assume it is still being deployed
            busy.add("cloudformation")
        return busy

    # -- save -----------------------------------------------------------------------------

    def save(self, reason: str, everything: bool = True) -> dict[str, Any]:
        """Save every loaded service (``everything``), or only those that changed since
        the last save began (a periodic save); the others are carried over as saved."""
        from localstack.services.plugins import SERVICE_PLUGINS
        from localstack.state import pickle

        with self._save_lock:
            if not self.restored:
                return {}
            started = time.monotonic()
            self.dirty.clear()
            previous = self.snapshots.manifest() or {}
            previous_gen = self.snapshots.current()
            loaded = sorted(SERVICE_PLUGINS.list_loaded_services())
            saved = previous.get("services", {})
            # A service whose last save failed is tried again every time until it works.
            failing = {name for name, entry in saved.items() if entry.get("stale")}
            busy = self._busy()
            # Busy at the last save: saved once more, with the state it settled in (a stack
            # that finished deploying, executions that ended) - no request says so.
            wanted = services_to_save(
                loaded,
                self.touched,
                busy | self._was_busy | failing,
                set(saved),
                since=self._last_start,
                everything=everything,
            )
            self._was_busy = busy
            if not wanted:
                return self.last_save
            self._last_start = started
            partial = self.snapshots.begin()
            services: dict[str, Any] = {}
            problems: dict[str, str] = {}
            s3_state: bytes | None = None
            for name in loaded:
                service = SERVICE_PLUGINS.get_service(name)
                if service is None:
                    continue
                if name not in wanted:
                    kept = self._carry_over(name, previous, previous_gen, partial)
                    if kept is not None:
                        services[name] = kept
                        continue
                hook = service.lifecycle_hook
                entries = []
                try:
                    hook.on_before_state_save()
                    for index, container in enumerate(containers_of(service)):
                        kind = container_kind(container)
                        if kind == "assets:s3":
                            entries.append({"kind": kind, "file": None})  # S3: blobs below
                            continue
                        if kind.startswith("assets:"):
                            folder = f"{name}.{index}.assets"
                            copy_assets(Path(container.path), partial / folder)
                            entries.append({"kind": kind, "file": None, "assets": folder})
                            continue
                        data = self._pickle(pickle, portable(container))
                        file = f"{name}.{index}.pickle"
                        (partial / file).write_bytes(data)
                        if name == "s3" and kind.endswith(".S3Store"):
                            s3_state = data
                        entries.append({"kind": kind, "file": file, "bytes": len(data)})
                    hook.on_after_state_save()
                    services[name] = {"containers": entries}
                except Exception as exc:  # reported, previous state kept
                    problems[name] = f"{type(exc).__name__}: {exc}"
                    LOG.error("state of %s could not be saved: %s", name, problems[name])
                    LOG.debug("%s", traceback.format_exc())
                    kept = self._carry_over(name, previous, previous_gen, partial)
                    if kept is not None:
                        services[name] = {**kept, "stale": True}
            if s3_state is not None:
                blobs, raced = self._save_objects(pickle, s3_state)
            else:  # S3 unchanged (or failed to save): its previous objects still count
                blobs, raced = list(previous.get("blobs", [])), 0
            objects = len(blobs)
            running = running_executions()
            manifest = {
                "format": FORMAT,
                "saved_at": time.time(),
                "reason": reason,
                "services": services,
                "problems": problems,
                "blobs": blobs,
                "objects": objects,
                "objects_rewritten_during_save": raced,
                "running_executions": running,
            }
            self.snapshots.commit(partial, manifest)
            took = time.monotonic() - started
            self.last_save = {
                "saved_at": manifest["saved_at"],
                "reason": reason,
                "seconds": round(took, 3),
                "bytes": self.snapshots.size_bytes(),
                "services": sorted(services),
                "saved_services": sorted(wanted & set(services)),
                "objects": objects,
                "problems": problems,
                "running_executions": len(running),
            }
            self._write_status()
            LOG.debug("state saved (%s) in %.3f s", reason, took)
            return self.last_save

    @staticmethod
    def _pickle(pickle: Any, obj: Any) -> bytes:
        for attempt in range(PICKLE_ATTEMPTS):
            try:
                return bytes(pickle.dumps(obj))
            except RuntimeError as exc:  # "changed size during iteration": a request ran
                if "during iteration" not in str(exc) or attempt == PICKLE_ATTEMPTS - 1:
                    raise
                time.sleep(0.01)
        raise AssertionError("unreachable")

    def _carry_over(
        self, name: str, previous: dict[str, Any], previous_gen: Path | None, partial: Path
    ) -> dict[str, Any] | None:
        kept = previous.get("services", {}).get(name)
        if kept is None or previous_gen is None:
            return None
        for entry in kept.get("containers", []):
            if entry.get("file"):
                os.link(previous_gen / entry["file"], partial / entry["file"])  # files never change
            if entry.get("assets"):
                shutil.copytree(
                    previous_gen / entry["assets"], partial / entry["assets"], copy_function=os.link
                )
        return dict(kept)

    def _save_objects(self, pickle: Any, s3_state: bytes) -> tuple[list[str], int]:
        """Blobs for the objects of the saved S3 state (not of the live one, which may
        have moved on since it was pickled). Returns the blobs and how many bodies were
        rewritten in between: those are saved as they are now and the next save,
        triggered by that write, brings their metadata along."""
        storage = s3_storage()
        blobs: list[str] = []
        raced = 0
        for bucket, obj in list(s3_objects(pickle.loads(s3_state))):
            blob = object_blob(bucket, obj)
            if not self.snapshots.has_blob(blob):
                stored = storage.open(bucket, obj, mode="r")  # holds the object's read lock
                try:
                    if stored.file.internal_last_modified != obj.internal_last_modified:
                        raced += 1
                    self.snapshots.write_blob(blob, stored)
                finally:
                    stored.close()
            blobs.append(blob)
        return blobs, raced

    # -- restore --------------------------------------------------------------------------

    def restore(self) -> None:
        from localstack.services.plugins import SERVICE_PLUGINS
        from localstack.state import pickle

        manifest = self.snapshots.manifest()
        generation = self.snapshots.current()
        if manifest is None or generation is None:
            self.loaded = {"services": [], "problems": {}, "saved_at": None}
            self.restored = True
            self._write_status()
            return
        started = time.monotonic()
        problems: dict[str, str] = {}
        names = sorted(manifest.get("services", {}), key=lambda n: (RESTORE_ORDER.get(n, 1), n))
        restored = []
        for name in names:
            entries = manifest["services"][name]["containers"]
            try:
                service = SERVICE_PLUGINS.require(name)
                hook = service.lifecycle_hook
                hook.on_before_state_load()
                live = containers_of(service)
                for index, entry in enumerate(entries):
                    container = live[index]
                    if container_kind(container) != entry["kind"]:
                        raise TypeError(f"container {index} is {container_kind(container)}")
                    if entry.get("assets"):  # into the files the provider has open
                        copy_assets(generation / entry["assets"], Path(container.path))
                    if entry.get("file") is None:
                        continue
                    transplant(container, pickle.loads((generation / entry["file"]).read_bytes()))
                if name == "s3":
                    restore_objects(self.snapshots)
                if name == "stepfunctions":
                    self.interrupted.extend(interrupt_running())
                self._after_load.append((name, hook))
                restored.append(name)
            except Exception as exc:  # reported; the saved files stay on disk
                problems[name] = f"{type(exc).__name__}: {exc}"
                LOG.error("state of %s could not be restored: %s", name, problems[name])
                LOG.debug("%s", traceback.format_exc())
        self.loaded = {
            "services": restored,
            "problems": problems,
            "saved_at": manifest.get("saved_at"),
            "seconds": round(time.monotonic() - started, 3),
            "objects": manifest.get("objects", 0),
        }
        if problems:
            # Keep the generation that failed to load: a save now would overwrite it.
            self.snapshots.write_status({"loaded": self.loaded, "saving": "disabled"})
            raise RuntimeError(
                f"the saved emulator state in {self.snapshots.root} could not be restored "
                f"({problems}); `lightbox emulator reset` discards it"
            )
        self.restored = True
        self._write_status()

    def finish_restore(self) -> None:
        """Run the providers' after-load hooks, once the gateway listens: they call it
        (Lambda restarts its functions and their log shipping, CloudWatch its alarms)."""
        for name, hook in self._after_load:
            try:
                hook.on_after_state_load()
                if name == "events":
                    rebuild_event_routing(hook)
            except Exception as exc:  # reported; the state itself is loaded
                problem = f"after loading: {type(exc).__name__}: {exc}"
                self.loaded.setdefault("problems", {})[name] = problem
                LOG.error("state of %s: %s", name, problem)
        self._after_load = []
        self._write_status()

    def wait_for_functions(self) -> None:
        """Hold readiness until restored functions are Active again, as they were at the
        save: an upload's event must not meet a function that is still unpacking its code."""
        from localstack.aws.api.lambda_ import State
        from localstack.services.lambda_.invocation.models import lambda_stores

        deadline = time.monotonic() + FUNCTIONS_READY_S
        while time.monotonic() < deadline:
            pending = [
                version.id.qualified_arn()
                for _, _, store in list(lambda_stores.iter_stores())
                for function in list(store.functions.values())
                for version in list(function.versions.values())
                if version.config.state.state == State.Pending
            ]
            if not pending:
                return
            time.sleep(0.05)
        LOG.error("functions still pending %.0f s after restoring: %s", FUNCTIONS_READY_S, pending)

    def replay_interrupted(self) -> None:
        """Start ``{name}-r{n}`` for each interrupted execution, linked like a CLI replay."""
        from localstack.aws.connect import connect_to

        for run in self.interrupted:
            try:
                # As on AWS, the end of a run is an event (the audit seal listens for it).
                run["execution"].publish_execution_status_change_event()
                sfn = connect_to(
                    aws_access_key_id=run["account"], region_name=run["region"]
                ).stepfunctions
                name, arn = self._start_replay(sfn, run)
                self.replays.append(
                    {
                        "original": run["name"],
                        "original_arn": run["arn"],
                        "replay": name,
                        "replay_arn": arn,
                    }
                )
            except Exception as exc:  # reported in status.json
                self.replays.append(
                    {
                        "original": run["name"],
                        "original_arn": run["arn"],
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
                LOG.error("could not replay %s: %s", run["arn"], exc)
        self.interrupted = []
        self._write_status()

    @staticmethod
    def _start_replay(sfn: Any, run: dict[str, Any]) -> tuple[str, str]:
        payload = replay_input(run["input"], run["name"], run["arn"])
        for attempt in range(1, 100):
            name = f"{run['name'][:70]}-r{attempt}"
            try:
                started = sfn.start_execution(
                    stateMachineArn=run["state_machine_arn"], name=name, input=payload
                )
            except sfn.exceptions.ExecutionAlreadyExists:
                continue
            return name, str(started["executionArn"])
        raise RuntimeError(f"{run['name']} has been replayed too often")

    # -- background saver -----------------------------------------------------------------

    def start_saver(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lightbox-snapshots", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(next_wait(self.interval_s, self.last_save.get("seconds"))):
            try:
                if self.dirty.is_set() or self._was_busy or self._busy():
                    self.save("periodic", everything=False)
            except Exception:  # logged; the next round tries again
                LOG.exception("periodic state save failed")

    def shutdown(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.save("shutdown", everything=False)  # what changed since the last save: fast

    def _write_status(self) -> None:
        self.snapshots.write_status(
            {
                "loaded": self.loaded,
                "last_save": self.last_save,
                "replays": self.replays,
                "interval_s": self.interval_s,
                "pid": os.getpid(),
            }
        )


# -- LocalStack hooks ---------------------------------------------------------------------

_ENGINE: Persistence | None = None


def engine() -> Persistence | None:
    return _ENGINE


@hooks.on_infra_start(should_load=lambda: bool(os.environ.get(STATE_DIR_ENV)), priority=-20)
def restore_state() -> None:
    """Load the saved state before the gateway serves its first request."""
    global _ENGINE
    from localstack.aws.handlers import run_custom_response_handlers

    _register_reducers()
    interval = float(os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_S)
    _ENGINE = Persistence(SnapshotDir(Path(os.environ[STATE_DIR_ENV])), interval)
    _ENGINE.restore()
    run_custom_response_handlers.append(_ENGINE.on_response)
    LOG.info("state restored: %s", _ENGINE.loaded)


@hooks.on_infra_ready(should_load=lambda: bool(os.environ.get(STATE_DIR_ENV)), priority=10)
def replay_and_save() -> None:
    """Finish the restore (providers' hooks, functions Active), replay what the restart
    interrupted, then save in the background. Runs before LocalStack's init scripts'
    ready stage (priority 0), which is what the launcher waits for."""
    if _ENGINE is None:
        return
    _ENGINE.finish_restore()
    _ENGINE.wait_for_functions()
    _ENGINE.replay_interrupted()
    _ENGINE.start_saver()


@hooks.on_infra_shutdown(should_load=lambda: bool(os.environ.get(STATE_DIR_ENV)), priority=10)
def save_state() -> None:
    """The last save, before LocalStack stops its services (priority -10)."""
    if _ENGINE is not None:
        _ENGINE.shutdown()
