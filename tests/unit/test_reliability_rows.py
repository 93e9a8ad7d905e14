"""One reliability table from the rows of several pytest runs (`support.reliability`)."""

from __future__ import annotations

import json
from dataclasses import asdict

from support.reliability import Row, main


def _write(path, *rows: Row) -> str:
    path.write_text(json.dumps([asdict(row) for row in rows]))
    return str(path)


def test_given_rows_of_two_runs_when_merged_then_one_table_folds_variants(tmp_path, capsys):
    e2e = _write(tmp_path / "e2e.json", Row("burst", "", "all terminal", "24 of 24", True))
    moto = _write(
        tmp_path / "moto.json",
        Row("file names", "a", "safe keys", "as expected", True),
        Row("file names", "b", "safe keys", "as expected", True),
    )

    assert main([e2e, moto]) == 0
    out = capsys.readouterr().out
    assert "as expected (2 of 2 variants)" in out and "24 of 24" in out
    assert "2 cases, 0 missed" in out


def test_given_a_miss_or_a_run_that_never_finished_when_merged_then_it_fails(tmp_path, capsys):
    moto = _write(tmp_path / "moto.json", Row("dlq", "", "replayed", "MISS: timeout", False))

    assert main([moto]) == 1
    assert "<-- MISS" in capsys.readouterr().out
    assert main([moto.replace("moto", "ok"), str(tmp_path / "e2e.json")]) == 1
    assert "did not finish" in capsys.readouterr().out
