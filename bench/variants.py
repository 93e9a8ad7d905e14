"""The measured workloads. Imported only inside a measured child process.

Every variant turns the same JPEG bytes into the same four marketplace files
(same canvas sizes from `lightbox.marketplaces.specs`, same content geometry:
the photo fitted inside the canvas and centred on white) so the times compare
strategies, not amounts of work:

* ``lightbox-render``: what the pipeline does for "decode + renders":
  `inspect_photo` (sniff, header checks, draft decode, normalise, quality
  metrics) then `render_all` from the working image.
* ``pyvips``: decode once with JPEG shrink-on-load to the largest size any
  render needs, then resize + pad + encode each canvas from that.
* ``pyvips-thumbnail``: `thumbnail_buffer` per canvas (shrink-on-load each
  time, so four decodes): the other idiomatic libvips way, for context.
* ``naive-pillow``: full 24 MP decode, then a Lanczos resize from the full
  image per canvas.
* ``lightbox-pipeline``: the whole per-image work in one process with the
  domain functions (validate → segment → attributes → studio → per
  marketplace render + compliance).
* ``lightbox-stages``: the real stage functions (`lightbox.pipeline.*`, what
  the Lambdas run, including the PNG intermediates they pass through S3)
  against counting in-memory fakes; gives per-Lambda durations and the S3 /
  DynamoDB request counts the cost estimate prices.

All reference encoders use the settings `lightbox.marketplaces.render` uses
(quality 92, 4:4:4, progressive, optimised Huffman tables, sRGB ICC embedded);
`verify` checks the files afterwards rather than trusting this comment.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

MARKETPLACES: tuple[str, ...] = ("amazon", "etsy", "shopify", "ebay")
INPUT_NAME = "product.jpg"
#: Mirrors lightbox.marketplaces.render._save at the spec's starting quality.
JPEG_QUALITY = 92
WHITE = (255, 255, 255)


@dataclass
class Run:
    """One repetition: wall and CPU time per phase, plus outputs/info.

    CPU time is kept next to wall time because the machine may be shared: on
    a pinned, otherwise idle core they agree, and when another process takes
    the core, CPU time still measures the work while wall time also counts
    the waiting.
    """

    phases: dict[str, float] = field(default_factory=dict)
    phases_cpu: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - wall
            self.phases_cpu[name] = self.phases_cpu.get(name, 0.0) + time.process_time() - cpu


Variant = Callable[[bytes], Run]


def canvases() -> dict[str, tuple[int, int]]:
    """Canvas size per marketplace, from the same specs the renderer reads."""
    from lightbox.marketplaces.specs import get_spec

    return {m: get_spec(m).canvas for m in MARKETPLACES}


def fit(size: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int]:
    """Content size inside ``canvas``: the same rounding as the renderer's cascade."""
    w, h = size
    scale = min(canvas[0] / w, canvas[1] / h)
    side = max(1, round(max(w, h) * scale))
    s = side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


# --------------------------------------------------------------------- Lightbox


def lightbox_render(data: bytes) -> Run:
    """inspect_photo + render_all: the pipeline's own "decode + renders"."""
    from lightbox.marketplaces.render import render_all
    from lightbox.validation.photo import inspect_photo

    run = Run()
    with run.phase("inspect_photo"):
        check, working = inspect_photo(data, INPUT_NAME)
    if working is None or not check.ok:
        raise RuntimeError(f"inspect_photo refused the benchmark photo: {check.reasons}")
    with run.phase("render_all"):
        rendered = render_all(working, MARKETPLACES)
    run.outputs = {r.marketplace: r.data for r in rendered}
    from PIL import features

    run.info = {
        "working_size": list(working.size),
        "working_mode": working.mode,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
    }
    return run


def lightbox_render_probes(data: bytes) -> Run:
    """Where inspect_photo + render_all spend time, measured piece by piece.

    Not part of any total: the same work re-done with public functions (or
    plain Pillow calls that mirror a step) so the breakdown can be read next
    to the references' decode / resize / encode phases.
    """
    from lightbox.marketplaces.render import render_for_marketplace, srgb_icc
    from lightbox.validation.metrics import measure_quality
    from lightbox.validation.normalise import working_size
    from lightbox.validation.photo import inspect_photo

    run = Run()
    with run.phase("draft_decode"):
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", working_size(*im.size))
        im.load()
    run.info["draft_size"] = list(im.size)
    with run.phase("shrink_to_working"):
        target = working_size(*im.size)
        im.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    _check, working = inspect_photo(data, INPUT_NAME)
    assert working is not None
    with run.phase("quality_metrics"):
        measure_quality(working)
    with run.phase("render_each_no_cascade"):
        rendered = [render_for_marketplace(working, m) for m in MARKETPLACES]
    finals = {r.marketplace: Image.open(io.BytesIO(r.data)).convert("RGB") for r in rendered}
    icc = srgb_icc()
    with run.phase("encode_only"):
        for img in finals.values():
            encode_jpeg(img, icc)
    return run


def lightbox_pipeline(data: bytes) -> Run:
    """The whole per-image work with the domain functions, in pipeline order."""
    from lightbox.analysis.attributes import describe_colours
    from lightbox.imaging.segment import segment_foreground
    from lightbox.imaging.studio import compose_studio
    from lightbox.marketplaces.compliance import check_compliance
    from lightbox.marketplaces.render import render_for_marketplace
    from lightbox.validation.photo import inspect_photo

    run = Run()
    with run.phase("validate"):
        check, working = inspect_photo(data, INPUT_NAME)
    if working is None or not check.ok:
        raise RuntimeError(f"inspect_photo refused the benchmark photo: {check.reasons}")
    with run.phase("segment"):
        seg = segment_foreground(working)
    with run.phase("attributes"):
        describe_colours(working)
    with run.phase("enhance"):
        studio = compose_studio(working, seg.mask)
    compliant: dict[str, bool] = {}
    for m in MARKETPLACES:
        with run.phase(f"render:{m}"):
            rendered = render_for_marketplace(studio.image, m)
        with run.phase(f"compliance:{m}"):
            report = check_compliance(m, rendered.data)
        run.outputs[m] = rendered.data
        compliant[m] = report.ok
    run.info = {
        "segment_confidence": seg.confidence,
        "segment_method": seg.method,
        "coverage": round(seg.coverage, 4),
        "studio_size": list(studio.image.size),
        "fill_ratio": round(studio.fill_ratio, 4),
        "compliant": compliant,
    }
    return run


# --------------------------------------------------------------------- references


def encode_jpeg(img: Image.Image, icc: bytes) -> bytes:
    """Pillow encode with the renderer's settings."""
    buf = io.BytesIO()
    img.save(
        buf,
        "JPEG",
        quality=JPEG_QUALITY,
        optimize=True,
        progressive=True,
        subsampling=0,
        icc_profile=icc,
    )
    return buf.getvalue()


def _pad(img: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    if img.size == canvas:
        return img
    out = Image.new("RGB", canvas, WHITE)
    out.paste(img, ((canvas[0] - img.width) // 2, (canvas[1] - img.height) // 2))
    return out


def naive_pillow(data: bytes) -> Run:
    """Decode all 24 MP, then resize from the full image once per canvas."""
    from lightbox.marketplaces.render import srgb_icc

    icc = srgb_icc()
    run = Run()
    with run.phase("decode"):
        im = Image.open(io.BytesIO(data))
        im.load()
        if im.mode != "RGB":
            im = im.convert("RGB")
    for m, canvas in canvases().items():
        with run.phase("resize+pad"):
            page = _pad(im.resize(fit(im.size, canvas), Image.Resampling.LANCZOS), canvas)
        with run.phase("encode"):
            run.outputs[m] = encode_jpeg(page, icc)
    return run


def _vips() -> Any:
    """pyvips with its operation cache off: a Lambda never sees the same photo
    twice, so repeats must not be served from the cache (checked: no effect)."""
    import pyvips

    pyvips.cache_set_max(0)
    return pyvips


def _vips_save(img: Any) -> bytes:
    return img.jpegsave_buffer(
        Q=JPEG_QUALITY,
        optimize_coding=True,
        interlace=True,
        subsample_mode="off",
        profile="srgb",
    )


def _vips_pad(img: Any, canvas: tuple[int, int]) -> Any:
    if (img.width, img.height) == canvas:
        return img
    return img.gravity("centre", canvas[0], canvas[1], extend="background", background=WHITE)


def pyvips_decode_once(data: bytes) -> Run:
    """libvips: one shrink-on-load decode into memory, every canvas from it."""
    pyvips = _vips()

    run = Run()
    targets = canvases()
    with run.phase("decode"):
        header = pyvips.Image.new_from_buffer(data, "")  # lazy: header only
        full = (header.width, header.height)
        sizes = {m: fit(full, c) for m, c in targets.items()}
        largest = max(w for w, _h in sizes.values()) / full[0]
        shrink = max(f for f in (1, 2, 4, 8) if 1 / f >= largest)
        img = pyvips.Image.new_from_buffer(data, "", shrink=shrink).copy_memory()
    run.info = {
        "shrink_on_load": shrink,
        "decoded_size": [img.width, img.height],
        "libvips": ".".join(str(pyvips.version(i)) for i in range(3)),
    }
    for m, canvas in targets.items():
        tw, th = sizes[m]
        with run.phase("resize+pad"):
            page = img
            if (img.width, img.height) != (tw, th):
                page = img.resize(tw / img.width, vscale=th / img.height, kernel="lanczos3")
            page = _vips_pad(page, canvas).copy_memory()
        with run.phase("encode"):
            run.outputs[m] = _vips_save(page)
    return run


def pyvips_thumbnail(data: bytes) -> Run:
    """libvips `thumbnail_buffer` per canvas: shrink-on-load, so one decode each."""
    pyvips = _vips()

    run = Run()
    for m, canvas in canvases().items():
        with run.phase("thumbnail"):
            thumb = pyvips.Image.thumbnail_buffer(data, canvas[0], height=canvas[1])
            page = _vips_pad(thumb, canvas).copy_memory()
        with run.phase("encode"):
            run.outputs[m] = _vips_save(page)
    return run


# ------------------------------------------------------------------ stage run


def lightbox_stages(data: bytes) -> Run:
    """The real stage functions end to end against counting fakes.

    Each phase is one Lambda invocation's domain work (handler plumbing and
    network time excluded). Counts are recorded per phase in ``info``.
    """
    import json

    from bench.fakes import CountingAuditStore, CountingObjects, RecordingExecutions
    from lightbox.audit.trail import AuditTrail
    from lightbox.models.pipeline import AnalysisOutput, ExecutionRef, PipelineState
    from lightbox.pipeline import analyse, decide, outcomes, studio, validate
    from lightbox.pipeline.deps import Deps
    from lightbox.pipeline.intake import start_for_upload

    bucket = "lightbox-bench"
    key = f"incoming/bench-seller/SKU-1/{INPUT_NAME}"
    objects = CountingObjects(bucket)
    objects.objects[key] = data
    product = {"title": "Red mug", "category": "home_decor", "marketplaces": list(MARKETPLACES)}
    objects.objects["incoming/bench-seller/SKU-1/product.json"] = json.dumps(product).encode()
    store = CountingAuditStore()
    deps = Deps(
        settings=None,  # type: ignore[arg-type]  # not read on the publish path
        objects=objects,  # type: ignore[arg-type]
        audit_store=store,  # type: ignore[arg-type]
        audit=AuditTrail(store),
        reviews=None,  # type: ignore[arg-type]
        review_service=None,  # type: ignore[arg-type]
        notifier=None,  # type: ignore[arg-type]
    )
    run = Run()
    counts: dict[str, dict[str, int]] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        s3_before, ddb_before = objects.counts.snapshot(), store.counts.snapshot()
        with run.phase(name):
            yield
        s3, ddb = objects.counts.minus(s3_before), store.counts.minus(ddb_before)
        counts[name] = {
            "s3_gets": s3.gets,
            "s3_puts": s3.puts,
            "s3_bytes": s3.bytes_read + s3.bytes_written,
            "ddb_requests": ddb.requests,
            "ddb_wru": ddb.write_units,
            "ddb_rru": ddb.read_units,
        }

    executions = RecordingExecutions()
    with stage("intake"):
        started = start_for_upload(executions, bucket, key, None, "etag-1", len(data))
    payload = executions.started[started.execution_name]
    state = PipelineState.model_validate(
        {
            **payload,
            "execution": ExecutionRef(id=started.execution_arn, name=started.execution_name),
        }
    )
    with stage("validate"):
        state.validation = validate.validate(state, deps)
    if not state.validation.ok:
        raise RuntimeError(f"validate refused the benchmark photo: {state.validation.reasons}")
    with stage("segment"):
        seg = analyse.segment(state, deps)
    with stage("attributes"):
        attrs = analyse.attributes(state, deps)
    with stage("draft_copy"):
        copy = analyse.draft(state)
    state.analysis = AnalysisOutput.model_validate(
        {"segment": seg, "attributes": attrs, "copy": copy}
    )
    with stage("enhance"):
        state.studio = studio.enhance(state, deps)
    renders = []
    for m in state.validation.product.marketplaces:
        request = studio.RenderRequest(
            marketplace=m, studio=state.studio, photo=state.photo, execution=state.execution
        )
        with stage(f"render:{m}"):
            renders.append(studio.render(request, deps))
        run.outputs[m] = objects.objects[renders[-1].key]
    state.renders = renders
    with stage("score"):
        state.score = decide.score(state, deps)
    with stage("publish"):
        outcome = outcomes.publish(state, deps)
    run.info = {
        "counts": counts,
        "marketplaces": list(state.validation.product.marketplaces),
        "score": state.score.confidence,
        "compliant": state.score.compliant,
        "outcome": outcome.status,
        "working_key_bytes": len(objects.objects[state.validation.working_key or ""]),
        "studio_png_bytes": len(objects.objects[state.studio.studio_key]),
    }
    return run


VARIANTS: dict[str, Variant] = {
    "lightbox-render": lightbox_render,
    "lightbox-render-probes": lightbox_render_probes,
    "pyvips": pyvips_decode_once,
    "pyvips-thumbnail": pyvips_thumbnail,
    "naive-pillow": naive_pillow,
    "lightbox-pipeline": lightbox_pipeline,
    "lightbox-stages": lightbox_stages,
}
