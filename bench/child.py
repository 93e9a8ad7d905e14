"""One measured process: `run.py` starts a fresh one per variant.

Why a process per variant: peak memory is a per-process number, and a variant
must not inherit another's warm caches, heap or imported libraries.

Peak RSS is read from ``VmHWM`` in /proc/self/status. ``ru_maxrss`` is
recorded too but is not trusted: Linux carries the parent's high-water mark
into a child across (v)fork + exec, so it reports at least the orchestrator's
peak (measured here: 406 MB for a child really using 11 MB).

Usage (run.py builds these command lines):
    child.py generate --input-dir DIR --result FILE
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
    "pyvips": ("pyvips",),
    "pyvips-thumbnail": ("pyvips",),
}
_LIGHTBOX_MODULES = (
    "lightbox.validation.photo",
    "lightbox.marketplaces.render",
    "lightbox.marketplaces.compliance",
    "lightbox.imaging.segment",
    "lightbox.imaging.studio",
    "lightbox.analysis.attributes",
)


def measure(variant: str, data: bytes, repeat: int, save: Path | None) -> dict[str, Any]:
    import importlib

    from bench import variants

    for module in _PREIMPORTS.get(variant, _LIGHTBOX_MODULES):
        importlib.import_module(module)
    if variant == "lightbox-stages":
        importlib.import_module("lightbox.pipeline.outcomes")
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
        "repeat": repeat,
        "first_run_s": first_run_s,
        "wall_s": _summary(walls),
        "cpu_s": _summary(cpus),
        "phases": {name: _summary(values) for name, values in phases.items()},
        "phases_cpu": {name: _summary(values) for name, values in phases_cpu.items()},
        "outputs": outputs,
        "info": last.info,
        "memory": {**memory_mb(), "baseline_rss_mb": baseline["rss_mb"]},
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


def verify(outputs: Path) -> dict[str, Any]:
    """Describe every saved output, and compare each reference-comparable render
    with naive Pillow's (full-resolution Lanczos) by PSNR over the photo area.

    The photo area is found in each file (the padding is pure white, the
    photo's backdrop is not), so a variant whose content came out a pixel
    smaller is compared on the common area and flagged, not silently shifted.
    """
    import numpy as np
    from PIL import Image, ImageCms, JpegImagePlugin

    from bench.jpegq import estimate_quality

    def describe(im: Image.Image, path: Path) -> dict[str, Any]:
        icc = im.info.get("icc_profile")
        desc = ""
        if icc:
            desc = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description
        return {
            "size": list(im.size),
            "bytes": path.stat().st_size,
            "progressive": bool(im.info.get("progressive") or im.info.get("progression")),
            "subsampling": {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(
                JpegImagePlugin.get_sampling(im), "other"
            ),
            "quality_estimate": estimate_quality(list(im.quantization[0])),
            "icc": desc or "none",
        }

    def content(im: Image.Image) -> np.ndarray:
        rgb = np.asarray(im.convert("RGB"))
        photo = rgb.min(axis=2) < 245
        rows = np.nonzero(photo.mean(axis=1) > 0.1)[0]
        cols = np.nonzero(photo.mean(axis=0) > 0.1)[0]
        return rgb[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32)

    report: dict[str, Any] = {}
    reference_dir = outputs / "naive-pillow"
    for variant_dir in sorted(p for p in outputs.iterdir() if p.is_dir()):
        files: dict[str, Any] = {}
        comparable = variant_dir.name not in ("lightbox-pipeline", "lightbox-stages")
        for path in sorted(variant_dir.glob("*.jpg")):
            with Image.open(path) as im:
                info = describe(im, path)
                mine = content(im) if comparable else None
            ref_path = reference_dir / path.name
            if mine is not None and ref_path.exists():
                with Image.open(ref_path) as ref_im:
                    ref = content(ref_im)
                info["content_size"] = [mine.shape[1], mine.shape[0]]
                info["content_size_matches_naive"] = mine.shape == ref.shape
                if variant_dir != reference_dir:
                    h, w = min(mine.shape[0], ref.shape[0]), min(mine.shape[1], ref.shape[1])
                    mse = float(np.mean((mine[:h, :w] - ref[:h, :w]) ** 2))
                    info["psnr_vs_naive_db"] = (
                        round(10 * float(np.log10(255**2 / mse)), 2) if mse else 99.0
                    )
            files[path.stem] = info
        report[variant_dir.name] = files
    return report


# -------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--input-dir", type=Path, required=True)
    mea = sub.add_parser("measure")
    mea.add_argument("variant")
    mea.add_argument("--input", type=Path, required=True)
    mea.add_argument("--repeat", type=int, default=5)
    mea.add_argument("--save", type=Path)
    bom = sub.add_parser("bomb")
    bom.add_argument("--repeat", type=int, default=200)
    ver = sub.add_parser("verify")
    ver.add_argument("--outputs", type=Path, required=True)
    for p in (gen, mea, bom, ver):
        p.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    if args.command == "generate":
        from bench import synth

        t0 = time.perf_counter()
        path = synth.ensure_product_jpeg(args.input_dir)
        result: dict[str, Any] = {"path": str(path), "seconds": time.perf_counter() - t0}
    elif args.command == "measure":
        result = measure(args.variant, args.input.read_bytes(), args.repeat, args.save)
    elif args.command == "bomb":
        result = bomb(args.repeat)
    else:
        result = {"files": verify(args.outputs)}
    result["cpu"] = cpu
    result["affinity"] = sorted(os.sched_getaffinity(0))
    args.result.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
