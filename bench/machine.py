"""What run.py records about the machine a benchmark ran on, and how shared it was.

Timings on a shared machine are only as good as the record of how shared it
was: `contention` compares each variant's CPU and wall medians (CPU/wall
below 0.95 means another process took the pinned core) and keeps the load
average at start and end; `machine_info` records the CPU, kernel and the
versions of every library that does the work (Pillow, libjpeg-turbo, numpy,
onnxruntime, pyvips and libvips).
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any


def contention(runs: dict[str, dict[str, Any] | None], load_start: tuple[float, ...]) -> dict:
    """Was the pinned core shared? CPU/wall per variant near 1.0 means no."""
    ratios = {
        name: round(r["cpu_s"]["median"] / r["wall_s"]["median"], 3)
        for name, r in runs.items()
        if r and r["wall_s"]["median"] > 0
    }
    low = [name for name, ratio in ratios.items() if ratio < 0.95]
    return {
        "loadavg_start": [round(v, 2) for v in load_start],
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        "cpu_over_wall": ratios,
        "contended_variants": low,
        "note": "CPU/wall < 0.95: another process shared the pinned core during that "
        "variant; wall times are inflated, CPU times much less so."
        if low
        else "no contention seen on the pinned core",
    }


def machine_info(runs: dict[str, dict[str, Any] | None], libjpeg: str | None) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    vips_info = (runs.get("pyvips") or {}).get("info", {})
    return {
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "pinned_cpu": (runs.get("lightbox-render") or {}).get("affinity"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pillow": version("pillow"),
        "libjpeg_turbo": libjpeg,
        "numpy": version("numpy"),
        "onnxruntime": version("onnxruntime"),
        "pyvips": version("pyvips"),
        "libvips": vips_info.get("libvips"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
