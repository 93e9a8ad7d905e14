"""Measuring inside one child process: a variant's timings and each stage's peak memory.

`measure` runs a variant (`bench.variants.VARIANTS`) once to warm up, then
``repeat`` times on the wall and CPU clocks, keeping every repetition and
per-phase time so run.py can pool rounds; `memory` runs the real stage
functions on one input and reads the peak RSS of each image stage on its own
(``VmHWM``, reset between stages through /proc/self/clear_refs). Both read
memory from /proc (`lightbox_infra.procfs`); `summary` is the one statistic
every timing is reported with. Imported only by `bench/child.py`, after it has
limited every library to one thread; heavy imports stay inside the functions.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any


def pin_to_one_core() -> int:
    """Pin this process to the lowest CPU it may use; returns that CPU."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def memory_mb() -> dict[str, float]:
    """Current and peak RSS of this process (VmRSS / VmHWM), plus ru_maxrss."""
    from lightbox_infra.procfs import status_kb

    status = {name: kb / 1024 for name, kb in status_kb("self", "VmHWM", "VmRSS").items()}
    return {
        "rss_mb": round(status.get("VmRSS", 0.0), 1),
        "peak_rss_mb": round(status.get("VmHWM", 0.0), 1),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def summary(values: list[float]) -> dict[str, float]:
    """Median, min and max: how every timing is reported (run.py pools rounds with it too)."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


# ----------------------------------------------------------------------- measure

#: Imported before the baseline RSS is read, so "baseline" is the cost of the
#: libraries and "peak - baseline" the cost of the work.
_PREIMPORTS: dict[str, tuple[str, ...]] = {
    "pyvips": ("pyvips", "lightbox.marketplaces.render"),
    "pillow-idiomatic": ("lightbox.marketplaces.render",),
    "naive-pillow": ("lightbox.marketplaces.render",),
    "minimal-work": ("pyvips", "onnxruntime", "lightbox.imaging.u2net"),
}
LIGHTBOX_MODULES = (
    "lightbox.pipeline.validate",
    "lightbox.pipeline.analyse",
    "lightbox.pipeline.enhance",
    "lightbox.pipeline.decide",
    "lightbox.pipeline.outcomes",
)


def measure(variant: str, data: bytes, repeat: int, save: Path | None) -> dict[str, Any]:
    import importlib

    from bench import variants

    for module in _PREIMPORTS.get(variant, LIGHTBOX_MODULES):
        importlib.import_module(module)
    baseline = memory_mb()

    fn = variants.VARIANTS[variant]
    start = time.perf_counter()
    warm = fn(data)
    first_run_s = time.perf_counter() - start

    walls: list[float] = []
    cpus: list[float] = []
    phases: dict[str, list[float]] = {}
    phases_cpu: dict[str, list[float]] = {}
    last = warm
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        last = fn(data)
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
        for name, seconds in last.phases.items():
            phases.setdefault(name, []).append(seconds)
            phases_cpu.setdefault(name, []).append(last.phases_cpu[name])

    outputs: dict[str, dict[str, Any]] = {}
    for marketplace, blob in last.outputs.items():
        outputs[marketplace] = {"bytes": len(blob)}
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"{marketplace}.jpg").write_bytes(blob)
    return {
        "variant": variant,
        "input": variants.INPUTS[variant],
        "repeat": repeat,
        "first_run_s": first_run_s,
        "wall_s": summary(walls),
        "cpu_s": summary(cpus),
        "phases": {name: summary(values) for name, values in phases.items()},
        "phases_cpu": {name: summary(values) for name, values in phases_cpu.items()},
        "outputs": outputs,
        "info": last.info,
        "memory": {**memory_mb(), "baseline_rss_mb": baseline["rss_mb"]},
        # Every repetition, so run.py can pool several rounds of this variant.
        "samples": {"wall_s": walls, "cpu_s": cpus, "phases": phases, "phases_cpu": phases_cpu},
    }


# --------------------------------------------------------------------- memory

#: Stages whose peak memory is checked (the image work; the others move JSON).
MEMORY_STAGES = ("validate", "segment", "attributes", "enhance", "render")


def _reset_peak() -> bool:
    """Free what can be freed, then restart VmHWM at the current RSS.

    Writing 5 to /proc/self/clear_refs resets the peak (Linux >= 4.0), so
    each stage's peak is measured on its own in one process. Everything the
    earlier stages left resident (libraries, the model session, the fake
    store's objects) still counts: the figure errs high, never low.
    """
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def memory(path: Path) -> dict[str, Any]:
    """Peak RSS of each image stage on one input, through the real stage functions."""
    import importlib

    from bench import variants

    imported = []
    # What the handlers import besides the stage code (Powertools, boto3 via
    # the adapters): part of a real Lambda's resident memory.
    for module in (
        *LIGHTBOX_MODULES,
        "lightbox.pipeline.deps",
        "aws_lambda_powertools",
        "aws_lambda_powertools.utilities.parser",
    ):
        try:
            importlib.import_module(module)
            imported.append(module)
        except ImportError:
            pass
    baseline = memory_mb()
    stages = variants.StageRun(path.read_bytes(), "product" + path.suffix)
    out: dict[str, Any] = {}
    error = ""
    steps = stages.steps()
    last = max(i for i, (name, _step) in enumerate(steps) if name.startswith("render:"))
    for name, step in steps[: last + 1]:
        measured = name.split(":", 1)[0] in MEMORY_STAGES
        if measured and not _reset_peak():
            error = "cannot reset the peak RSS (/proc/self/clear_refs)"
            break
        before = memory_mb()["rss_mb"]
        t0 = time.process_time()
        try:
            step()
        except Exception as exc:  # the chain stops; what ran is still reported
            error = f"{name}: {type(exc).__name__}: {exc}"
            break
        if measured:
            after = memory_mb()
            out[name] = {
                "peak_rss_mb": after["peak_rss_mb"],
                "rss_before_mb": before,
                "cpu_s": round(time.process_time() - t0, 3),
            }
    validation = stages.state.validation if stages.state else None
    return {
        "input": str(path),
        "file_bytes": path.stat().st_size,
        "baseline_rss_mb": baseline["rss_mb"],
        "imported": imported,
        "stages": out,
        "validation": {
            "ok": validation.ok,
            "format": validation.format,
            "size": [validation.width, validation.height],
            "working": [
                validation.metrics.get("working_width"),
                validation.metrics.get("working_height"),
            ],
            "reasons": validation.reasons,
        }
        if validation
        else None,
        "error": error,
    }
