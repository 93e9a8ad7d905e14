"""`lightbox process` follows a photo's run through the replays of an emulator restart."""

from __future__ import annotations

from lightbox_cli.process import _through_replays


def test_given_run_cut_off_by_restart_when_followed_then_its_latest_replay_is_read():
    """Given a run the emulator aborted at a restart and replayed (twice, after two restarts)
    When `lightbox process` looks for the photo's result
    Then it reads the last replay, not the aborted run."""
    statuses = {"run": "ABORTED", "run-r1": "ABORTED", "run-r1-r1": "RUNNING"}

    assert _through_replays("run", statuses) == "run-r1-r1"


def test_given_finished_run_with_a_manual_replay_when_followed_then_the_run_itself_is_read():
    """Given a run that ended and was replayed by hand (`lightbox executions replay`)
    When followed
    Then its own result counts: only an aborted run hands over to its replay."""
    statuses = {"run": "SUCCEEDED", "run-r1": "SUCCEEDED"}

    assert _through_replays("run", statuses) == "run"


def test_given_aborted_run_without_replay_when_followed_then_it_is_read_as_aborted():
    assert _through_replays("run", {"run": "ABORTED"}) == "run"


def test_given_run_replayed_more_than_once_when_followed_then_the_newest_replay_wins():
    statuses = {"run": "ABORTED", "run-r1": "FAILED", "run-r2": "SUCCEEDED"}

    assert _through_replays("run", statuses) == "run-r2"
