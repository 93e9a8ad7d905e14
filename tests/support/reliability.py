"""The reliability table: `make test-reliability` runs every test marked
`reliability(case=..., expected=...)` and prints case, expected and observed.

A test says what it saw through the `observed` fixture (`observed("3 of 3
edits detected")`); a test that says nothing is reported by its outcome, and
a failed one by its failure's first line. The run fails on any miss, like
any pytest run; `--reliability-table` prints the table at the end.

Suites run in separate pytest processes (`scripts/run-tests.sh`) each keep their
rows with `--reliability-rows FILE`; `python -m support.reliability FILE...`
prints the one table of all of them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

_OBSERVED = pytest.StashKey[str]()


@dataclass
class Row:
    case: str
    variant: str  # the parametrize id, "" for a plain test
    expected: str
    observed: str
    ok: bool


def table(rows: list[Row]) -> list[tuple[str, str, str, bool]]:
    """One line per case: a parametrized case's variants fold into one observation."""
    cases: dict[str, list[Row]] = {}
    for row in rows:
        cases.setdefault(row.case, []).append(row)
    lines = []
    for case, variants in sorted(cases.items()):
        missed = [v for v in variants if not v.ok]
        if len(variants) == 1:
            observed = variants[0].observed
        elif missed:
            observed = "; ".join(f"[{v.variant}] {v.observed}" for v in missed)
        else:
            seen = {v.observed for v in variants}
            what = seen.pop() if len(seen) == 1 else "as expected"
            observed = f"{what} ({len(variants)} of {len(variants)} variants)"
        lines.append((case, variants[0].expected, observed, not missed))
    return lines


_ROWS: list[Row] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-table",
        action="store_true",
        help="print the reliability table (case, expected, observed) after the run",
    )
    parser.addoption(
        "--reliability-rows",
        metavar="FILE",
        help="write this run's reliability rows to FILE (JSON), for one table of several runs",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reliability(case, expected): a row of the reliability table (make test-reliability)",
    )


@pytest.fixture
def observed(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record what the test saw, for the reliability table."""

    def record(text: str) -> None:
        request.node.stash[_OBSERVED] = text

    return record


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    marker = item.get_closest_marker("reliability")
    if marker is None or (report.when != "call" and not (report.when == "setup" and report.failed)):
        return report
    case = str(marker.kwargs.get("case", item.name))
    callspec = getattr(item, "callspec", None)
    variant = callspec.id if callspec is not None else ""
    if report.passed:
        seen = item.stash.get(_OBSERVED, "as expected")
    elif report.skipped:
        seen = "skipped"
    else:
        error = str(call.excinfo.value) if call.excinfo else report.longreprtext
        seen = "MISS: " + (error.strip().splitlines() or ["?"])[0][:160]
    _ROWS.append(Row(case, variant, str(marker.kwargs.get("expected", "")), seen, report.passed))
    return report


def render(rows: list[Row]) -> list[str]:
    """The table's text lines, its count of cases and misses last."""
    lines = table(rows)
    case_width = max(len(line[0]) for line in lines)
    expected_width = max(len(line[1]) for line in lines)
    text = [f"{'case'.ljust(case_width)}  {'expected'.ljust(expected_width)}  observed"]
    for case, expected, seen, ok in lines:
        mark = "" if ok else "  <-- MISS"
        text.append(f"{case.ljust(case_width)}  {expected.ljust(expected_width)}  {seen}{mark}")
    misses = sum(not ok for *_, ok in lines)
    return [*text, f"{len(lines)} cases, {misses} missed"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("reliability_rows")
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps([asdict(row) for row in _ROWS], indent=1))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not terminalreporter.config.getoption("reliability_table") or not _ROWS:
        return
    terminalreporter.section("reliability")
    for line in render(_ROWS):
        terminalreporter.write_line(line)


def main(paths: list[str]) -> int:
    """Print the one table of the rows several runs wrote (`--reliability-rows`);
    non-zero when a file is missing (its run never finished) or a case missed."""
    rows: list[Row] = []
    missing = [p for p in paths if not Path(p).is_file()]
    for path in paths:
        if Path(path).is_file():
            rows.extend(Row(**row) for row in json.loads(Path(path).read_text()))
    print("=" * 30 + " reliability " + "=" * 30)
    for line in render(rows) if rows else ["no reliability cases ran"]:
        print(line)
    for path in missing:
        print(f"{path}: missing (that run did not finish)")
    return 1 if missing or not all(row.ok for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
