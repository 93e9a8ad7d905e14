"""One measured process: `run.py` starts a fresh one per variant.

Why a process per variant: peak memory is a per-process number, and a variant
must not inherit another's warm caches, heap or imported libraries.

Peak RSS is read from ``VmHWM`` in /proc/self/status. ``ru_maxrss`` is
recorded too but is not trusted: Linux carries the parent's high-water mark
into a child across (v)fork + exec, so it reports at least the orchestrator's
peak (measured here: 406 MB for a child really using 11 MB).

This file is the command line and the inputs (`prepare`, `worst-cases`); the
measurements are in `bench.measure` and the checks in `bench.checks`.

Usage (run.py builds these command lines):
    child.py generate --input-dir DIR --result FILE
    child.py prepare --photo FILE --input-dir DIR --result FILE
    child.py worst-cases --input-dir DIR --result FILE
    child.py memory --input FILE --result FILE
    child.py measure VARIANT --input FILE --repeat N [--save DIR] --result FILE
    child.py bomb --repeat N --result FILE
    child.py verify --outputs DIR --result FILE
"""

from __future__ import annotations

import os

# Before numpy/pyvips are imported: one thread everywhere (fair, one core).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VIPS_CONCURRENCY"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checks import bomb, verify  # noqa: E402
from bench.measure import measure, memory, pin_to_one_core  # noqa: E402

# --------------------------------------------------------------------- inputs


def prepare(photo: Path, directory: Path) -> dict[str, Any]:
    """The studio intermediate: the real stages up to Enhance on the photo."""
    from PIL import features

    from bench import variants
    from bench.jpegq import read_jpeg

    data, info = variants.studio_intermediate(photo.read_bytes())
    directory.mkdir(parents=True, exist_ok=True)
    ext = info["key"].rsplit(".", 1)[-1]
    path = directory / f"studio-intermediate.{ext}"
    path.write_bytes(data)
    settings = read_jpeg(data) if ext == "jpg" else {}
    return {
        "path": str(path),
        "bytes": len(data),
        "stage_key": info["key"],
        "look": info["look"],
        "size": settings.get("size"),
        "settings": settings,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
    }


def worst_cases(directory: Path) -> dict[str, Any]:
    """Generate (or reuse) the largest inputs the validator accepts."""
    from bench import synth
    from lightbox.limits import MAX_PIXELS, MAX_UPLOAD_BYTES

    t0 = time.perf_counter()
    paths = synth.ensure_worst_cases(directory, MAX_PIXELS, MAX_UPLOAD_BYTES)
    width, height = synth.largest_size(MAX_PIXELS)
    return {
        "max_pixels": MAX_PIXELS,
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        "size": [width, height],
        "pixels": width * height,
        "inputs": {
            name: {
                "path": str(path),
                "bytes": path.stat().st_size,
                "what": synth.WORST_CASES[name][1],
            }
            for name, path in paths.items()
        },
        "seconds": time.perf_counter() - t0,
    }


# -------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--input-dir", type=Path, required=True)
    pre = sub.add_parser("prepare")
    pre.add_argument("--photo", type=Path, required=True)
    pre.add_argument("--input-dir", type=Path, required=True)
    wor = sub.add_parser("worst-cases")
    wor.add_argument("--input-dir", type=Path, required=True)
    mem = sub.add_parser("memory")
    mem.add_argument("--input", type=Path, required=True)
    mea = sub.add_parser("measure")
    mea.add_argument("variant")
    mea.add_argument("--input", type=Path, required=True)
    mea.add_argument("--repeat", type=int, default=5)
    mea.add_argument("--save", type=Path)
    bom = sub.add_parser("bomb")
    bom.add_argument("--repeat", type=int, default=200)
    ver = sub.add_parser("verify")
    ver.add_argument("--outputs", type=Path, required=True)
    for p in (gen, pre, wor, mem, mea, bom, ver):
        p.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    if args.command == "generate":
        from bench import synth

        t0 = time.perf_counter()
        path = synth.ensure_product_jpeg(args.input_dir)
        result: dict[str, Any] = {"path": str(path), "seconds": time.perf_counter() - t0}
    elif args.command == "prepare":
        result = prepare(args.photo, args.input_dir)
    elif args.command == "worst-cases":
        result = worst_cases(args.input_dir)
    elif args.command == "memory":
        result = memory(args.input)
    elif args.command == "measure":
        result = measure(args.variant, args.input.read_bytes(), args.repeat, args.save)
    elif args.command == "bomb":
        result = bomb(args.repeat)
    else:
        result = verify(args.outputs)
    result["cpu"] = cpu
    result["affinity"] = sorted(os.sched_getaffinity(0))
    args.result.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
