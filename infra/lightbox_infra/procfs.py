"""What the project reads from Linux's ``/proc``: process identity, CPU ticks, memory.

The emulator's launcher finds LocalStack and its Lambda workers again from
``/proc`` (sessions, start ticks that guard against pid reuse, command lines);
the Lambda executor reports a worker's peak memory as REPORT's "Max Memory
Used"; the benchmarks sample CPU ticks and resident memory of the emulator, its
workers and themselves. One parser per file here serves all of them. Standard
library only, so the operator CLI, LocalStack's interpreter and the benchmarks
can all import it; Linux only, like the emulator itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class ProcInfo:
    """The fields of ``/proc/<pid>/stat`` the launcher needs."""

    pid: int
    state: str
    pgid: int
    sid: int
    start_ticks: int


def stat_fields(text: str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name.

    ``fields[0]`` is field 3 (state) in proc(5) numbering. The command name
    may contain spaces and parentheses, so the split is at its last ``) ``.
    """
    return text.rpartition(") ")[2].split()


def parse_proc_stat(text: str) -> ProcInfo:
    """Parse ``/proc/<pid>/stat``; the command name may contain spaces and parentheses."""
    pid_part, _, _rest = text.partition(" (")
    fields = stat_fields(text)
    # fields[0] is field 3 (state); pgid=5, sid=6, starttime=22 in proc(5) numbering.
    return ProcInfo(
        pid=int(pid_part),
        state=fields[0],
        pgid=int(fields[2]),
        sid=int(fields[3]),
        start_ticks=int(fields[19]),
    )


def read_proc(pid: int) -> ProcInfo | None:
    """Information about a live (non-zombie) process, or None."""
    try:
        info = parse_proc_stat(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError, IndexError):
        return None
    return None if info.state in ("Z", "X") else info


def cpu_ticks(pid: int, children: bool) -> int:
    """User + system clock ticks of a process (plus its reaped children's); 0 if it is gone."""
    try:
        fields = stat_fields(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0
    # utime=14, stime=15, cutime=16, cstime=17 in proc(5) numbering; fields[0] is 3.
    ticks = int(fields[11]) + int(fields[12])
    return ticks + (int(fields[13]) + int(fields[14]) if children else 0)


def status_kb(pid: int | str, *names: str) -> dict[str, int]:
    """The named fields of ``/proc/<pid>/status`` in kB (``VmRSS``, ``VmHWM``, ...).

    ``pid`` may be ``"self"``. A field the kernel does not report, or a
    process that is gone, is simply absent from the result.
    """
    found: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in names:
            with contextlib.suppress(ValueError, IndexError):
                found[name] = int(value.split()[0])
    return found


def read_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def all_processes() -> Iterator[ProcInfo]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := read_proc(int(entry.name))) is not None:
            yield info


def find_session_members(sids: set[int]) -> list[ProcInfo]:
    """Live processes belonging to any of the given sessions."""
    return [info for info in all_processes() if info.sid in sids]


def kill_sessions(sids: set[int], sig: int) -> None:
    """Signal every process of the given sessions (workers are session leaders)."""
    for info in find_session_members(sids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(info.pid, sig)
