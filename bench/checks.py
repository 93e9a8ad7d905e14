"""The benchmark's two checks that are not timings: bombs refused undecoded, fair outputs.

`bomb` times `inspect_photo` refusing decompression bombs with Pillow's pixel
paths wrapped in counters (a control photo proves the counters fire), so the
result shows both how fast and that no pixel was decoded. `verify` reads every
saved output back (`describe`: the JPEG markers, cross-checked with Pillow's
own reading) and compares its settings with production's (`bench.settings`);
for the variants rendering the same intermediate it also compares geometry and
PSNR with Lightbox's file. A comparison between variants is fair only when
`verify` finds no mismatch. Run in a child process by `bench/child.py`.
"""

from __future__ import annotations

import io
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.measure import memory_mb, summary

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
            "ms": summary(times),
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
    from bench.workload import canvases

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
