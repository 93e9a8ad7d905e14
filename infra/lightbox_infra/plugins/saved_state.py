"""What the emulator's saved state is made of, and how it is carried across a restart.

The pieces `lightbox_infra.plugins.persistence` assembles: picklable stand-ins
for what an execution or a Lambda environment holds that cannot be pickled
(threads, events, worker processes), the collection of each service's state
containers through LocalStack's state visitor, the transplant of loaded state
into live providers, and the S3 object bodies, copied as blobs. Kept in this
module (not persistence.py) so the pickled classes have one stable home.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localstack.state import StateVisitor

from lightbox_infra.snapshot_files import RESTART_ERROR, SnapshotDir, blob_id

LOG = logging.getLogger(__name__)


# -- Step Functions executions ------------------------------------------------------------


class FrozenEvents:
    """The history of an execution that no longer runs (what ``to_history_output`` reads)."""

    def __init__(self, events: list[Any]) -> None:
        self._events = events

    def get_event_history(self) -> list[Any]:
        return copy.deepcopy(self._events)


class FrozenEnvironment:
    def __init__(self, events: list[Any]) -> None:
        self.event_manager = FrozenEvents(events)


class FrozenWorker:
    """Stands in for the thread that ran an execution: history readable, nothing to stop."""

    def __init__(self, events: list[Any]) -> None:
        self.env = FrozenEnvironment(events)

    def stop(self, *args: Any, **kwargs: Any) -> None:
        return None


def execution_history(execution: Any) -> list[Any]:
    worker = getattr(execution, "exec_worker", None)
    env = getattr(worker, "env", None)
    manager = getattr(env, "event_manager", None)
    return list(manager.get_event_history()) if manager is not None else []


def restore_execution(cls: type, state: dict[str, Any], events: list[Any]) -> Any:
    execution = cls.__new__(cls)
    execution.__dict__.update(state)
    execution.exec_worker = FrozenWorker(events)
    return execution


def _register_reducers() -> None:
    from localstack.services.stepfunctions.backend.execution import Execution
    from localstack.state import pickle

    def reduce_execution(pickler: Any, obj: Any) -> Any:
        state = dict(obj.__dict__)
        state["exec_worker"] = None
        state["_cloud_watch_logging_session"] = None  # holds clients; a finished run logs nothing
        return pickler.save_reduce(
            restore_execution, (type(obj), state, execution_history(obj)), obj=obj
        )

    pickle.add_dispatch_entry(Execution, reduce_execution, subclasses=True)
    # dill restores a lock as it found it: one held by a request at save time would
    # come back held, and whoever needs it after a restart would wait forever.
    for factory in (threading.Lock, threading.RLock):
        pickle.add_dispatch_entry(type(factory()), _fresh(factory))


def _fresh(factory: Any) -> Any:
    def reduce_lock(pickler: Any, obj: Any) -> Any:
        return pickler.save_reduce(factory, (), obj=obj)

    return reduce_lock


# -- state containers ---------------------------------------------------------------------


class _Collector(StateVisitor):
    def __init__(self) -> None:
        self.containers: list[Any] = []

    def visit(self, state_container: Any) -> None:
        self.containers.append(state_container)


def containers_of(service: Any) -> list[Any]:
    collector = _Collector()
    service.accept_state_visitor(collector)
    return collector.containers


def container_kind(container: Any) -> str:
    from localstack.services.stores import AccountRegionBundle
    from localstack.state import AssetDirectory
    from moto.core.base_backend import BackendDict

    if isinstance(container, AccountRegionBundle):
        return f"stores:{container.store.__module__}.{container.store.__qualname__}"
    if isinstance(container, BackendDict):
        return f"moto:{container.service_name}"
    if isinstance(container, AssetDirectory):
        return f"assets:{container.service_name}"
    return f"other:{type(container).__qualname__}"


def portable(container: Any) -> Any:
    """What is pickled of a container (moto: the accounts, not the registry object)."""
    kind = container_kind(container)
    return dict(container) if kind.startswith("moto:") else container


def transplant(live: Any, loaded: Any) -> None:
    """Put the loaded state into the live container, which providers hold references to."""
    kind = container_kind(live)
    if kind.startswith("stores:"):
        with live.lock:
            dict.clear(live)
            live._universal = loaded._universal
            for account, regions in loaded.items():
                regions.lock = live.lock
                dict.__setitem__(live, account, regions)
    elif kind.startswith("moto:"):
        dict.clear(live)
        dict.update(live, loaded)
        if loaded:
            from moto.core.base_backend import BackendDict

            if live not in BackendDict._instances:
                BackendDict._instances.append(live)
    else:
        raise TypeError(f"cannot load a {kind} container")


# -- EventBridge ------------------------------------------------------------------------


def rebuild_event_routing(provider: Any) -> None:
    """EventBridge keeps its buses and rules in its store but the objects that deliver
    events (bus and rule services, one sender per target, schedule jobs) in the
    provider, and it has no after-load hook to rebuild them: without this, a restored
    rule matches nothing and a schedule never fires."""
    from localstack.services.events.event_bus import EventBusService
    from localstack.services.events.models import events_stores
    from localstack.services.events.rule import RuleService
    from localstack.services.events.utils import is_archive_arn

    unsupported = []
    for account, region, store in list(events_stores.iter_stores()):
        for kind in ("archives", "replays", "connections", "api_destinations"):
            unsupported += [f"{kind}:{name}" for name in getattr(store, kind, {})]
        for bus in list(store.event_buses.values()):
            provider._event_bus_services_store[bus.arn] = EventBusService(bus)
            for rule in list(bus.rules.values()):
                service = RuleService(rule)
                provider._rule_services_store[rule.arn] = service
                for target in list(rule.targets.values()):
                    if not is_archive_arn(target["Arn"]):
                        provider.create_target_sender(target, rule.arn, rule.name, region, account)
                if service.schedule_cron:
                    job = provider._get_scheduled_rule_job_function(account, region, rule)
                    service.create_schedule_job(job)
    if unsupported:
        raise NotImplementedError(f"restored without their delivery: {unsupported}")


# -- asset directories --------------------------------------------------------------------


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def copy_assets(source: Path, target: Path) -> None:
    """Copy a service's files (CloudWatch keeps its metrics in SQLite there). A database
    is copied with SQLite's backup API, which gives a consistent copy while it is written;
    SQLite's journal files are not copied (the backup includes what they hold)."""
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for file in sorted(source.rglob("*")):
        destination = target / file.relative_to(source)
        if file.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif file.name.endswith(("-wal", "-shm", "-journal")):
            continue
        elif file.suffix in SQLITE_SUFFIXES:
            with (
                contextlib.closing(sqlite3.connect(file)) as live,
                contextlib.closing(sqlite3.connect(destination)) as copy,
            ):
                live.backup(copy)
        else:
            shutil.copy2(file, destination)


# -- S3 object bodies ---------------------------------------------------------------------


def s3_objects(bundle: Any = None) -> Iterator[tuple[str, Any]]:
    """(bucket, S3Object) for every stored version of every object (no delete markers),
    in ``bundle`` (an unpickled copy of the S3 stores) or in the live stores."""
    from localstack.services.s3.models import S3Object, VersionedKeyStore, s3_stores

    seen: set[str] = set()
    for _, _, store in list((bundle if bundle is not None else s3_stores).iter_stores()):
        for name, bucket in list(store.buckets.items()):
            if name in seen:
                continue
            seen.add(name)
            objects = bucket.objects
            if isinstance(objects, VersionedKeyStore):
                versions = objects.values(with_versions=True)
            else:
                versions = objects.values()
            for obj in versions:
                if isinstance(obj, S3Object):
                    yield name, obj


def object_blob(bucket: str, obj: Any) -> str:
    return blob_id(bucket, obj.key, obj.version_id, obj.etag, obj.internal_last_modified)


def s3_storage() -> Any:
    from localstack.services.plugins import SERVICE_PLUGINS

    service = SERVICE_PLUGINS.get_service("s3")
    return service._provider._storage_backend  # type: ignore[union-attr]


# -- the engine ---------------------------------------------------------------------------


# -- executions and objects at restore ------------------------------------------------


def running_executions() -> list[str]:
    from localstack.services.stepfunctions.backend.models import sfn_stores

    return [
        arn
        for _, _, store in list(sfn_stores.iter_stores())
        for arn, execution in list(store.executions.items())
        if execution.exec_status == "RUNNING"
    ]


def restore_objects(snapshots: SnapshotDir) -> None:
    """Write the saved bodies back into the restored S3 objects' storage."""
    storage = s3_storage()
    missing = []
    for bucket, obj in list(s3_objects()):
        blob = object_blob(bucket, obj)
        if not snapshots.has_blob(blob):
            missing.append(f"s3://{bucket}/{obj.key}")
            continue
        os.makedirs(os.path.join(storage.root_directory, bucket), exist_ok=True)  # spill dir
        etag, written = obj.etag, obj.internal_last_modified
        with snapshots.blob_path(blob).open("rb") as body:
            stored = storage.open(bucket, obj, mode="w")
            try:
                stored.write(body)
            finally:
                stored.close()
        # write() recomputes a plain MD5 ETag; a multipart ETag must stay as it was.
        obj.etag, obj.internal_last_modified = etag, written
        stored.file.internal_last_modified = written
    if missing:
        raise FileNotFoundError(f"bodies of {len(missing)} objects missing: {missing[:5]}")


def interrupt_running() -> list[dict[str, Any]]:
    """Mark executions that were running as aborted by the restart (replayed when ready);
    the runs to replay."""
    interrupted: list[dict[str, Any]] = []
    from localstack.aws.api.stepfunctions import ExecutionStatus
    from localstack.services.stepfunctions.backend.models import sfn_stores

    now = datetime.datetime.now(tz=datetime.UTC)
    for _, _, store in list(sfn_stores.iter_stores()):
        for arn, execution in list(store.executions.items()):
            if execution.exec_status != "RUNNING":
                continue
            execution.exec_status = ExecutionStatus.ABORTED
            execution.stop_date = now
            execution.error = RESTART_ERROR
            execution.cause = (
                "The emulator stopped while this execution ran; executions cannot resume, "
                "so it was replayed as a linked execution when the emulator started again."
            )
            interrupted.append(
                {
                    "execution": execution,
                    "arn": arn,
                    "name": execution.name,
                    "state_machine_arn": execution.state_machine_arn,
                    "account": execution.account_id,
                    "region": execution.region_name,
                    "input": execution.input_data,
                }
            )
    return interrupted
