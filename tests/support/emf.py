"""Read CloudWatch embedded-metric-format (EMF) lines out of captured handler output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EmittedMetric:
    namespace: str
    name: str
    dimensions: dict[str, str]
    values: list[float]

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(self.dimensions)


def emf_metrics(output: str) -> list[EmittedMetric]:
    """Every metric in the EMF documents among `output`'s lines (other lines ignored)."""
    found: list[EmittedMetric] = []
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith('{"_aws"'):
            continue
        document: dict[str, Any] = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = {name: str(document[name]) for name in dimension_set}
                for metric in directive["Metrics"]:
                    raw = document[metric["Name"]]
                    values = [float(v) for v in (raw if isinstance(raw, list) else [raw])]
                    found.append(
                        EmittedMetric(directive["Namespace"], metric["Name"], dimensions, values)
                    )
    return found
