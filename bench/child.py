"""One measured process: `run.py` starts a fresh one per variant.

Why a process per variant: peak memory is a per-process number, and a variant
must not inherit another's warm caches, heap or imported libraries.

Peak RSS is read from ``VmHWM`` in /proc/self/status. ``ru_maxrss`` is
recorded too but is not trusted: Linux carries the parent's high-water mark
into a child across (v)fork + exec, so it reports at least the orchestrator's
peak (measured here: 406 MB for a child really using 11 MB).

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
import io  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pin_to_one_core() -> int:
    """Pin this process to the lowest CPU it may use; returns that CPU."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def memory_mb() -> dict[str, float]:
    """Current and peak RSS of this process (VmRSS / VmHWM), plus ru_maxrss."""
    status: dict[str, float] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM:", "VmRSS:")):
                name, value = line.split(":", 1)
                status[name] = int(value.split()[0]) / 1024
    return {
        "rss_mb": round(status.get("VmRSS", 0.0), 1),
        "peak_rss_mb": round(status.get("VmHWM", 0.0), 1),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _summary(values: list[float]) -> dict[str, float]:
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
_LIGHTBOX_MODULES = (
    "lightbox.pipeline.validate",
    "lightbox.pipeline.analyse",
    "lightbox.pipeline.enhance",
    "lightbox.pipeline.decide",
    "lightbox.pipeline.outcomes",
)


def measure(variant: str, data: bytes, repeat: int, save: Path | None) -> dict[str, Any]:
    import importlib

    from bench import variants

    for module in _PREIMPORTS.get(variant, _LIGHTBOX_MODULES):
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
        "wall_s": _summary(walls),
        "cpu_s": _summary(cpus),
        "phases": {name: _summary(values) for name, values in phases.items()},
        "phases_cpu": {name: _summary(values) for name, values in phases_cpu.items()},
        "outputs": outputs,
        "info": last.info,
        "memory": {**memory_mb(), "baseline_rss_mb": baseline["rss_mb"]},
        # Every repetition, so run.py can pool several rounds of this variant.
        "samples": {"wall_s": walls, "cpu_s": cpus, "phases": phases, "phases_cpu": phases_cpu},
    }


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
        *_LIGHTBOX_MODULES,
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


# -------------------------------------------------------------------------- bomb


def bomb(repeat: int) -> dict[str, Any]:
    """Time inspect_photo refusing bombs, and prove nothing was decoded.

    Pillow's pixel paths (`Image.load`, `ImageFile.load`, decoder creation) are
    wrapped with counters before lightbox is imported. A control run on a real
    small JPEG shows the counters do fire when pixels are decoded.
    """
    from PIL import Image, ImageFile

    calls = {"load": 0, "decoder": 0, "open": 0}
    for owner, attr, counter in (
        (Image.Image, "load", "load"),
        (ImageFile.ImageFile, "load", "load"),
        (Image, "_getdecoder", "decoder"),
        (Image, "open", "open"),
    ):
        original = getattr(owner, attr)

        def wrapper(*args: Any, _original: Any = original, _c: str = counter, **kw: Any) -> Any:
            calls[_c] += 1
            return _original(*args, **kw)

        setattr(owner, attr, wrapper)

    t0 = time.perf_counter()
    from lightbox.validation.photo import inspect_photo

    import_s = time.perf_counter() - t0
    from bench import synth

    cases: dict[str, Any] = {}
    for name, data in (
        ("png_40000x40000", synth.png_bomb()),
        ("jpeg_60000x50000", synth.jpeg_bomb()),
    ):
        for key in calls:
            calls[key] = 0
        t0 = time.perf_counter()
        check, working = inspect_photo(data, f"{name}.bin")
        first_ms = (time.perf_counter() - t0) * 1000
        times: list[float] = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            inspect_photo(data, f"{name}.bin")
            times.append((time.perf_counter() - t0) * 1000)
        cases[name] = {
            "file_bytes": len(data),
            "refused": not check.ok and working is None,
            "reason": check.reasons[0] if check.reasons else "",
            "first_call_ms": first_ms,
            "ms": _summary(times),
            "pixel_decode_calls": calls["load"] + calls["decoder"],
            "pillow_open_calls": calls["open"],
        }

    # Control: the same counters on a photo that *is* decoded.
    im = Image.new("RGB", (800, 600), (200, 60, 60))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    for key in calls:
        calls[key] = 0
    inspect_photo(buf.getvalue(), "control.jpg")
    control_calls = calls["load"] + calls["decoder"]
    return {
        "import_ms": import_s * 1000,
        "cases": cases,
        "detector_control_decode_calls": control_calls,
        "detector_works": control_calls > 0,
        "memory": memory_mb(),
    }


# ------------------------------------------------------------------------ verify

#: Variants whose files come from the same studio intermediate as Lightbox's
#: Render stage, so their pixels can be compared with it.
_SAME_SOURCE = ("pyvips", "pillow-idiomatic", "naive-pillow")
_PSNR_REFERENCE = "lightbox-render"


def describe(data: bytes) -> dict[str, Any]:
    """A JPEG's output settings, from its markers and again from Pillow.

    The marker walk (`bench.jpegq.read_jpeg`) is the record; Pillow's own
    reading (``info`` progressive flag, sampling, quantisation, ``applist``,
    ``layers``, ICC) must agree with it, else the reader is wrong and the
    check cannot be trusted (``reader_disagrees`` lists the fields).
    """
    from PIL import Image, ImageCms, JpegImagePlugin

    from bench.jpegq import estimate_quality, icc_digest, read_jpeg

    found = read_jpeg(data)
    with Image.open(io.BytesIO(data)) as im:
        icc = im.info.get("icc_profile") or b""
        pillow = {
            "size": list(im.size),
            "progressive": bool(im.info.get("progressive") or im.info.get("progression")),
            "subsampling": {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(
                JpegImagePlugin.get_sampling(im), "other"
            ),
            "quality": estimate_quality(list(im.quantization[0])),
            "icc": icc_digest(icc) if icc else "none",
            "components": im.layers,
        }
        found["pillow_applist"] = [marker for marker, _ in im.applist]
    found["reader_disagrees"] = [k for k, v in pillow.items() if found.get(k) != v]
    found["icc_description"] = (
        ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description if icc else ""
    )
    return found


def verify(outputs: Path) -> dict[str, Any]:
    """Read back every saved output's settings; compare them with production's.

    Also measures, for the variants rendering the same intermediate, the photo
    area's size and the PSNR against Lightbox's own file: the same geometry
    and a high PSNR show the variants made the same picture.
    """
    import numpy as np
    from PIL import Image

    from bench import settings
    from bench.variants import canvases

    def content(path: Path) -> np.ndarray:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        photo = rgb.min(axis=2) < 245
        rows = np.nonzero(photo.mean(axis=1) > 0.01)[0]
        cols = np.nonzero(photo.mean(axis=0) > 0.01)[0]
        return rgb[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)

    expected = {
        m: settings.settings_from_options(settings.production_options(m), canvas)
        for m, canvas in canvases().items()
    }
    files: dict[str, dict[str, Any]] = {}
    reference = outputs / _PSNR_REFERENCE
    for variant_dir in sorted(p for p in outputs.iterdir() if p.is_dir()):
        found: dict[str, Any] = {}
        for path in sorted(variant_dir.glob("*.jpg")):
            info = describe(path.read_bytes())
            info["bytes"] = path.stat().st_size
            ref = reference / path.name
            if variant_dir.name in _SAME_SOURCE and ref.exists():
                mine, theirs = content(path), content(ref)
                info["content_size"] = [mine.shape[1], mine.shape[0]]
                info["content_size_matches"] = mine.shape == theirs.shape
                h, w = min(mine.shape[0], theirs.shape[0]), min(mine.shape[1], theirs.shape[1])
                mse = float(np.mean((mine[:h, :w] - theirs[:h, :w]) ** 2))
                info["psnr_vs_lightbox_db"] = (
                    round(10 * float(np.log10(255**2 / mse)), 2) if mse else 99.0
                )
            found[path.stem] = info
        files[variant_dir.name] = found
    mismatches = settings.compare(expected, files)
    disagreements = [
        f"{variant}/{m}: {', '.join(info['reader_disagrees'])}"
        for variant, found in files.items()
        for m, info in found.items()
        if info["reader_disagrees"]
    ]
    return {
        "expected": expected,
        "compared": list(settings.COMPARED),
        "files": files,
        "mismatches": [asdict(x) | {"message": x.message()} for x in mismatches],
        "reader_disagreements": disagreements,
        "settings_matched": not mismatches and not disagreements,
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
