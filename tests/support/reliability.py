"""The reliability table: `make test-reliability` runs every test marked
`reliability(case=..., expected=...)` and prints case, expected and observed.

A test says what it saw through the `observed` fixture (`observed("3 of 3
edits detected")`); a test that says nothing is reported by its outcome, and
a failed one by its failure's first line. The run fails on any miss, like
any pytest run; `--reliability-table` prints the table at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not terminalreporter.config.getoption("reliability_table") or not _ROWS:
        return
    write = terminalreporter.write_line
    lines = table(_ROWS)
    case_width = max(len(line[0]) for line in lines)
    expected_width = max(len(line[1]) for line in lines)
    terminalreporter.section("reliability")
    write(f"{'case'.ljust(case_width)}  {'expected'.ljust(expected_width)}  observed")
    for case, expected, seen, ok in lines:
        mark = "" if ok else "  <-- MISS"
        write(f"{case.ljust(case_width)}  {expected.ljust(expected_width)}  {seen}{mark}")
    misses = sum(not ok for *_, ok in lines)
    write(f"{len(lines)} cases, {misses} missed")
