"""Where a long command's time went: named phases, timed, printed as a table and kept
as JSON next to the command's report (`phases.json`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table


@dataclass
class Phases:
    """Wall seconds per phase, in the order they ran; a phase may run more than once
    (its seconds add up)."""

    seconds: dict[str, float] = field(default_factory=dict)
    _clock_started: float = field(default_factory=time.monotonic)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - started

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @property
    def total(self) -> float:
        return time.monotonic() - self._clock_started

    def as_json(self) -> dict[str, object]:
        phases = {name: round(s, 1) for name, s in self.seconds.items()}
        return {"phases_s": phases, "total_s": round(self.total, 1)}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")
        return path

    def table(self, title: str) -> Table:
        table = Table(title=title)
        table.add_column("phase")
        table.add_column("seconds", justify="right")
        table.add_column("share", justify="right")
        total = self.total
        for name, seconds in self.seconds.items():
            table.add_row(name, f"{seconds:.1f}", f"{seconds / total:.0%}" if total else "-")
        rest = total - sum(self.seconds.values())
        table.add_row("other", f"{rest:.1f}", f"{rest / total:.0%}" if total else "-")
        table.add_row("total", f"{total:.1f}", "")
        return table
