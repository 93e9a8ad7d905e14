"""The reference variants Lightbox's image path is measured against.

Each does the Render stage's work or the whole per-photo work another way,
from the same file and writing the same four canvases with the production
JPEG settings (`bench.settings`), so that `child.py verify` can check the
comparison is fair: ``pyvips`` (libvips, shrink-on-load, Lanczos3, pad,
encode), ``pillow-idiomatic`` (``draft`` and ``reducing_gap``),
``naive-pillow`` (full decode, Lanczos) and ``minimal-work`` (the least work
that yields the same files: pyvips plus the production u2netp model in
onnxruntime). `bench/variants.py` describes every variant and registers them.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from PIL import Image

from bench.workload import (
    HEADLINE_PARTS,
    PRODUCT,
    WHITE,
    Run,
    canvases,
    fit,
    shrink_on_load,
)

# --------------------------------------------------------------------- references


def _pad(img: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    if img.size == canvas:
        return img
    out = Image.new("RGB", canvas, WHITE)
    out.paste(img, ((canvas[0] - img.width) // 2, (canvas[1] - img.height) // 2))
    return out


def _pillow_render(data: bytes, idiomatic: bool) -> Run:
    from bench.settings import production_options

    run = Run()
    for m, canvas in canvases().items():
        options = production_options(m)
        with run.phase(f"{m}:decode"):
            im = Image.open(io.BytesIO(data))
            target = fit(im.size, canvas)
            if idiomatic:
                im.draft("RGB", target)  # DCT scaling when a canvas is <= half size
            im.load()
            if im.mode != "RGB":
                im = im.convert("RGB")
        with run.phase(f"{m}:resize+pad"):
            size = fit(im.size, canvas)
            if size != im.size:
                gap = 3.0 if idiomatic and size[0] < im.width else None
                im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=gap)
            page = _pad(im, canvas)
        with run.phase(f"{m}:encode"):
            buf = io.BytesIO()
            page.save(buf, "JPEG", **options)
            run.outputs[m] = buf.getvalue()
    run.render_totals(HEADLINE_PARTS["reference"])
    return run


def pillow_idiomatic(data: bytes) -> Run:
    """Pillow with draft() and reducing_gap, one decode per render."""
    return _pillow_render(data, idiomatic=True)


def naive_pillow(data: bytes) -> Run:
    """Pillow without draft() or reducing_gap, one decode per render."""
    return _pillow_render(data, idiomatic=False)


def _vips() -> Any:
    """pyvips with its operation cache off: a Lambda never sees the same photo
    twice, so repeats must not be served from the cache."""
    import pyvips

    pyvips.cache_set_max(0)
    return pyvips


def _vips_encode(img: Any, options: dict[str, Any]) -> bytes:
    """Encode with production's Pillow options, translated; the same ICC bytes."""
    from bench.settings import vips_save_args

    pyvips = _vips()
    out = img.copy()
    out.set_type(pyvips.GValue.blob_type, "icc-profile-data", options["icc_profile"])
    keep = pyvips.enums.ForeignKeep.ICC  # the profile, no EXIF/XMP libvips would add
    return out.jpegsave_buffer(**vips_save_args(options), keep=keep)


def _vips_fit_pad(img: Any, canvas: tuple[int, int]) -> Any:
    tw, th = fit((img.width, img.height), canvas)
    if (img.width, img.height) != (tw, th):
        img = img.resize(tw / img.width, vscale=th / img.height, kernel="lanczos3")
    if (img.width, img.height) != canvas:
        img = img.gravity("centre", canvas[0], canvas[1], extend="background", background=WHITE)
    return img


def pyvips_render(data: bytes) -> Run:
    """libvips: per render, one (shrink-on-load) decode of the intermediate."""
    from bench.settings import production_options

    pyvips = _vips()
    run = Run()
    for m, canvas in canvases().items():
        options = production_options(m)
        with run.phase(f"{m}:decode"):
            header = pyvips.Image.new_from_buffer(data, "")  # lazy: header only
            size = (header.width, header.height)
            shrink = shrink_on_load(size, fit(size, canvas))
            img = pyvips.Image.new_from_buffer(data, "", shrink=shrink).copy_memory()
        with run.phase(f"{m}:resize+pad"):
            page = _vips_fit_pad(img, canvas).copy_memory()
        with run.phase(f"{m}:encode"):
            run.outputs[m] = _vips_encode(page, options)
    run.render_totals(HEADLINE_PARTS["reference"])
    run.info = {"libvips": ".".join(str(pyvips.version(i)) for i in range(3))}
    return run


# ------------------------------------------------------------------ minimal work


@cache
def _onnx_session() -> Any:
    """The production model file with the layer's session options (one thread,
    no memory arena), created once like a warm Lambda's."""
    import onnxruntime as ort

    from lightbox.imaging.u2net import MODEL_PATH

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 3
    return ort.InferenceSession(
        str(MODEL_PATH), sess_options=options, providers=["CPUExecutionProvider"]
    )


def minimal_work(data: bytes) -> Run:
    """The least work that yields the same four files, with pyvips + onnxruntime."""
    import numpy as np

    from bench.settings import production_options
    from lightbox.imaging import u2net
    from lightbox.limits import WORKING_LONG_SIDE
    from lightbox.presets import get_preset

    pyvips = _vips()
    session = _onnx_session()
    framing = get_preset(str(PRODUCT["category"])).look.framing
    side = u2net.INPUT_SIDE
    run = Run()
    with run.phase("decode"):
        header = pyvips.Image.new_from_buffer(data, "")
        scale = WORKING_LONG_SIDE / max(header.width, header.height)
        target = (round(header.width * scale), round(header.height * scale))
        shrink = shrink_on_load((header.width, header.height), target)
        img = pyvips.Image.new_from_buffer(data, "", shrink=shrink, autorotate=True)
        img = img.copy_memory()
    with run.phase("inference"):
        small = img.resize(side / img.width, vscale=side / img.height, kernel="lanczos3")
        x = np.ndarray((side, side, 3), np.uint8, small.write_to_memory()).astype(np.float32)
        x /= max(float(x.max()), 1.0)
        x = ((x - u2net.MEAN) / u2net.STD).transpose(2, 0, 1)[None]
        name = session.get_inputs()[0].name
        d1 = session.run(None, {name: np.ascontiguousarray(x)})[0][0, 0]
        prob = (d1 - d1.min()) / max(float(d1.max() - d1.min()), 1e-6)
    with run.phase("composite"):
        fg = prob >= 0.5
        rows, cols = np.nonzero(fg.any(axis=1))[0], np.nonzero(fg.any(axis=0))[0]
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        sx, sy = img.width / side, img.height / side
        left, top = round(x0 * sx), round(y0 * sy)
        box = (left, top, round(x1 * sx) - left, round(y1 * sy) - top)
        k = framing.fill * framing.canvas / max(box[2], box[3])
        pw, ph = round(box[2] * k), round(box[3] * k)
        product = img.crop(*box).resize(pw / box[2], vscale=ph / box[3], kernel="lanczos3")
        alpha = pyvips.Image.new_from_array((prob * 255).astype(np.uint8))
        alpha = alpha.crop(x0, y0, x1 - x0, y1 - y0)
        alpha = alpha.resize(pw / alpha.width, vscale=ph / alpha.height, kernel="linear")
        on_white = alpha.ifthenelse(product, list(WHITE), blend=True)
        studio = on_white.gravity(
            "centre", framing.canvas, framing.canvas, extend="background", background=WHITE
        ).copy_memory()
    for m, canvas in canvases().items():
        with run.phase(f"{m}:render"):
            run.outputs[m] = _vips_encode(
                _vips_fit_pad(studio, canvas).copy_memory(), production_options(m)
            )
    run.info = {
        "shrink_on_load": shrink,
        "decoded_size": [img.width, img.height],
        "studio_size": [studio.width, studio.height],
        "product_box": list(box),
    }
    return run
