"""Where a long command's time went (`lightbox_cli.phases`)."""

from __future__ import annotations

import json
import time

from rich.console import Console

from lightbox_cli.phases import Phases


def test_given_timed_phases_when_written_then_each_phase_and_the_total_are_kept(tmp_path):
    phases = Phases()
    with phases.phase("deploy"):
        time.sleep(0.02)
    phases.add("sam build", 1.25)
    with phases.phase("deploy"):  # a phase that runs twice adds up
        time.sleep(0.02)

    written = json.loads(phases.write(tmp_path / "phases.json").read_text())

    assert list(written["phases_s"]) == ["deploy", "sam build"]
    assert written["phases_s"]["sam build"] == 1.2  # rounded to 0.1 s
    assert written["total_s"] >= 0.0
    assert phases.seconds["deploy"] >= 0.04


def test_given_phases_when_printed_then_the_table_names_each_with_its_share():
    phases = Phases()
    phases.add("upload", 0.0)
    console = Console(record=True, width=80)

    console.print(phases.table("Where the demo's time went"))

    text = console.export_text()
    assert "upload" in text and "other" in text and "total" in text
