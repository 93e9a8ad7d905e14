"""How run.py drives its measured processes: which variants, one fresh child each, pooling.

Every measurement runs in a fresh `bench/child.py` process (peak memory is a
per-process number and no variant may inherit another's warm caches), with
one thread for every library and deterministic hashing (`child_env`).
`run_child` starts one and reads its JSON result; `pool_rounds` merges the
rounds of one variant (separate processes, taken in turn with the other
variants so a burst of load on the shared machine hits them all alike) with
the same statistic the child reports (`bench.measure.summary`). `MEASURED`
lists the variants in the order they are measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.measure import summary

REPO = Path(__file__).resolve().parents[1]
CHILD = REPO / "bench" / "child.py"
CHILD_TIMEOUT_S = 900
#: Variants measured in their own process, in this order. ``required``: the
#: benchmark cannot report its headline numbers without them.
MEASURED: tuple[tuple[str, bool], ...] = (
    ("lightbox-render", True),
    ("pyvips", True),
    ("pillow-idiomatic", True),
    ("naive-pillow", False),
    ("lightbox-stages", True),
    ("lightbox-pipeline", False),
    ("minimal-work", True),
    ("segment-vs-model", False),
)
#: Variants that render from the studio intermediate (the rest from the photo).
RENDER_VARIANTS = ("lightbox-render", "pyvips", "pillow-idiomatic", "naive-pillow")


def child_env() -> dict[str, str]:
    """One thread for every library the children load; deterministic hashing."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VIPS_CONCURRENCY"):
        env[var] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONPATH", None)
    return env


def run_child(args: list[str], result: Path) -> tuple[dict[str, Any] | None, str]:
    """Run bench/child.py; (parsed result, error text)."""
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(CHILD), *args, "--result", str(result)]
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {CHILD_TIMEOUT_S} s"
    if proc.returncode != 0 or not result.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
        return None, f"exit {proc.returncode}: " + "\n".join(tail)
    return json.loads(result.read_text()), ""


def pool_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One variant's result from several rounds (separate processes, run in turn
    with the other variants so they all see the same load): every repetition's
    time pooled, medians recomputed, the highest peak RSS kept."""
    if len(rounds) == 1:
        return rounds[0]
    pooled = dict(rounds[-1])
    samples: dict[str, Any] = {"wall_s": [], "cpu_s": [], "phases": {}, "phases_cpu": {}}
    for r in rounds:
        for clock in ("wall_s", "cpu_s"):
            samples[clock] += r["samples"][clock]
        for key in ("phases", "phases_cpu"):
            for name, values in r["samples"][key].items():
                samples[key].setdefault(name, []).extend(values)
    pooled["repeat"] = len(samples["cpu_s"])
    pooled["rounds"] = len(rounds)
    for clock in ("wall_s", "cpu_s"):
        pooled[clock] = summary(samples[clock])
    for key in ("phases", "phases_cpu"):
        pooled[key] = {name: summary(values) for name, values in samples[key].items()}
    pooled["memory"] = max((r["memory"] for r in rounds), key=lambda m: m["peak_rss_mb"])
    pooled["samples"] = samples
    return pooled
