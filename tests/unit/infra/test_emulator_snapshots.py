"""The emulator's saved state on disk, and what the CLI says about it (pure parts).

The plugin that fills this layout runs inside LocalStack and is tested end to
end in tests/e2e/test_emulator_persistence.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from lightbox_cli.emulator_state import _plain, describe_saved, save_problems
from lightbox_infra.emulator import Emulator
from lightbox_infra.emulator_setup import emulator_environment
from lightbox_infra.snapshot_files import (
    CURRENT,
    RESTART_ERROR,
    SnapshotDir,
    blob_id,
    is_read_only,
    next_wait,
    replay_input,
    services_to_save,
)


def _save(snapshots: SnapshotDir, files: dict[str, bytes], blobs: dict[str, bytes]) -> Path:
    partial = snapshots.begin()
    for name, data in files.items():
        (partial / name).write_bytes(data)
    for blob, data in blobs.items():
        if not snapshots.has_blob(blob):
            snapshots.write_blob(blob, io.BytesIO(data))
    return snapshots.commit(partial, {"saved_at": 1.0, "blobs": sorted(blobs)})


def test_given_nothing_saved_when_read_then_no_generation_and_no_manifest(tmp_path):
    snapshots = SnapshotDir(tmp_path / "state")

    assert snapshots.current() is None
    assert snapshots.manifest() is None
    assert snapshots.status() is None


def test_given_two_saves_when_read_then_latest_generation_is_current_and_older_is_gone(tmp_path):
    snapshots = SnapshotDir(tmp_path / "state")
    first = _save(snapshots, {"s3.0.pickle": b"one"}, {"a": b"A"})
    second = _save(snapshots, {"s3.0.pickle": b"two"}, {"b": b"B"})

    assert snapshots.current() == second
    assert (second / "s3.0.pickle").read_bytes() == b"two"
    assert not first.exists()
    assert snapshots.manifest() == {"saved_at": 1.0, "blobs": ["b"]}
    assert not snapshots.has_blob("a")  # no generation refers to it any more
    assert snapshots.blob_path("b").read_bytes() == b"B"


def test_given_save_killed_before_commit_when_read_then_previous_generation_still_current(
    tmp_path,
):
    snapshots = SnapshotDir(tmp_path / "state")
    kept = _save(snapshots, {"sqs.0.pickle": b"kept"}, {"x": b"X"})
    partial = snapshots.begin()
    (partial / "sqs.0.pickle").write_bytes(b"half")  # the process dies here

    assert snapshots.current() == kept
    assert snapshots.manifest() == {"saved_at": 1.0, "blobs": ["x"]}
    retried = snapshots.begin()
    assert list(retried.iterdir()) == []  # the next save starts over, without the leftover
    assert sorted(p.name for p in snapshots.root.glob("gen-*")) == [kept.name, retried.name]


def test_given_current_pointer_to_missing_generation_when_read_then_nothing_is_current(tmp_path):
    snapshots = SnapshotDir(tmp_path / "state")
    _save(snapshots, {}, {})
    (snapshots.root / CURRENT).write_text("gen-999999")

    assert snapshots.current() is None


def test_given_saved_state_when_wiped_then_next_start_is_empty(tmp_path):
    snapshots = SnapshotDir(tmp_path / "state")
    _save(snapshots, {"lambda.0.pickle": b"fn"}, {"b": b"B"})

    snapshots.wipe()

    assert snapshots.current() is None
    assert not snapshots.root.exists()


def test_given_object_identity_when_blob_named_then_any_change_gives_a_new_name():
    base = blob_id("bucket", "incoming/a.jpg", None, '"etag"', 1)

    assert base == blob_id("bucket", "incoming/a.jpg", None, '"etag"', 1)
    assert base != blob_id("bucket", "incoming/a.jpg", None, '"etag"', 2)  # rewritten
    assert base != blob_id("bucket", "incoming/a.jpg", "v2", '"etag"', 1)
    assert base != blob_id("other", "incoming/a.jpg", None, '"etag"', 1)


def test_given_operations_when_classified_then_reads_leave_state_clean():
    for read in ("GetObject", "HeadObject", "ListExecutions", "DescribeTable", "Query", "Scan"):
        assert is_read_only(read)
    for write in ("PutObject", "PutItem", "StartExecution", "SendMessage", "CreateStack"):
        assert not is_read_only(write)
    assert not is_read_only(None)


def test_given_slow_saves_when_next_wait_computed_then_saving_stays_a_small_share():
    assert next_wait(2.0, None) == 2.0
    assert next_wait(2.0, 0.05) == 2.0
    assert next_wait(2.0, 0.5) == 5.0


def test_given_pipeline_run_cut_off_when_replay_input_built_then_linked_and_reprocessed():
    original = {"photo": {"bucket": "b", "key": "incoming/s/sku/a.jpg"}, "detail": {"x": 1}}

    replay = json.loads(replay_input(original, "run-1", "arn:run-1"))

    assert replay["photo"]["reprocess"] == "replay of run-1"
    assert replay["replay_of"] == {
        "name": "run-1",
        "execution_arn": "arn:run-1",
        "reason": RESTART_ERROR,
    }
    assert replay["detail"] == {"x": 1}
    assert "reprocess" not in original["photo"]  # the original's input is left as it was


def test_given_non_object_input_when_replay_input_built_then_passed_as_is():
    assert json.loads(replay_input([1, 2], "run", "arn")) == [1, 2]


def test_given_emulator_root_when_env_built_then_state_dir_is_under_root():
    env = emulator_environment(
        root=Path("/emu"), port=1, lambda_python=Path("/py"), base_env={}, extra_env={}
    )

    assert env["LIGHTBOX_STATE_DIR"] == "/emu/state"
    assert Emulator(root=Path("/emu")).state.root == Path("/emu/state")


def test_given_saved_state_report_when_described_then_replays_and_problems_are_named():
    report = {
        "generation": {
            "saved_at": 90.0,
            "services": ["dynamodb", "s3"],
            "objects": 3,
            "bytes": 2_500_000,
            "problems": {"events": "PicklingError: x"},
        },
        "loaded": {"services": ["s3", "dynamodb"], "seconds": 1.25},
        "replays": [
            {"original": "run-1", "replay": "run-1-r1"},
            {"original": "run-2", "error": "StateMachineDoesNotExist: gone"},
        ],
    }

    lines = describe_saved(report, now=100.0)

    assert lines[0] == "saved state: 2 services, 3 S3 objects, 2.5 MB, saved 10 s ago"
    assert "restored at start: s3, dynamodb in 1.2 s" in lines
    assert "replayed run-1 (cut off by the restart) as run-1-r1" in lines
    assert "NOT replayed: run-2 (StateMachineDoesNotExist: gone)" in lines
    assert any(line.startswith("NOT SAVED: events: PicklingError") for line in lines)
    assert save_problems(report) == {"events": "PicklingError: x"}


def test_given_no_saved_state_when_described_then_says_it_starts_empty():
    assert describe_saved({}, now=0.0) == ["no saved state: the emulator starts empty"]


def test_given_dynamodb_values_when_exported_then_plain_json():
    from decimal import Decimal

    item = {"seq": Decimal("3"), "score": Decimal("0.5"), "tags": {"b", "a"}, "raw": b"\x01"}

    assert json.loads(json.dumps(item, default=_plain)) == {
        "seq": 3,
        "score": 0.5,
        "tags": ["a", "b"],
        "raw": "01",
    }


def test_given_changes_when_periodic_save_planned_then_only_changed_busy_or_new_services():
    loaded = ["cloudformation", "dynamodb", "s3", "sqs", "stepfunctions"]
    touched = {"dynamodb": 100.0, "s3": 50.0, "sqs": 89.0}  # when a request changed each

    wanted = services_to_save(
        loaded,
        touched,
        busy={"stepfunctions"},
        saved={"cloudformation", "dynamodb", "s3", "sqs"},
        since=95.0,  # the last save began then
        everything=False,
        settle_s=10.0,
    )

    # s3 unchanged since long before the last save: carried over; sqs still settling
    assert wanted == {"dynamodb", "sqs", "stepfunctions"}


def test_given_service_never_saved_when_periodic_save_planned_then_it_is_saved():
    wanted = services_to_save(
        ["events", "s3"], {}, busy=(), saved={"s3"}, since=0.0, everything=False
    )

    assert wanted == {"events"}


def test_given_full_save_asked_when_planned_then_every_loaded_service_is_saved():
    wanted = services_to_save(["s3", "sqs"], {}, busy=(), saved={"s3"}, since=0.0, everything=True)

    assert wanted == {"s3", "sqs"}


def test_given_nothing_changed_when_periodic_save_planned_then_nothing_is_written():
    wanted = services_to_save(
        ["s3", "sqs"], {"s3": 10.0}, busy=(), saved={"s3", "sqs"}, since=60.0, everything=False
    )

    assert wanted == set()
