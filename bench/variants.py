"""The measured workloads. Imported only inside a measured child process.

Render (the headline): what the Render Lambda does per Map iteration, for
each of the four marketplaces, from one studio intermediate: the JPEG the
Enhance stage writes to S3 (`child.py prepare` makes it with the real stages
from the 24 MP photo). Every variant reads the same file, decodes it once per
marketplace (each Map iteration is its own invocation) and writes the same
four canvases with the production JPEG settings (`bench.settings`), which
`child.py verify` reads back from the files:

* ``lightbox-render``: the Render stage function itself
  (`lightbox.pipeline.enhance.render`, what functions/render/app.py calls)
  against an in-memory object store. Its decode, `render_for_marketplace`
  (resize + pad, encode), compliance check and upload are timed by wrapping
  the functions it calls; the headline counts decode + render, since no
  reference checks compliance.
* ``pyvips``: libvips, one decode of the intermediate per render
  (shrink-on-load when a canvas allows it), Lanczos3, pad, encode.
* ``pillow-idiomatic``: Pillow as it should be used: ``draft`` on decode and
  ``reducing_gap`` on downscales, Lanczos, pad, encode.
* ``naive-pillow``: plain full decode + Lanczos; an extra row only.

Whole per-photo work, from the 24 MP JPEG:

* ``lightbox-stages``: the real stage functions (`lightbox.pipeline.*`) end
  to end against counting in-memory fakes, with the intermediates they hand
  each other through S3 (working image and studio image as JPEG, mask as PNG);
  per-Lambda durations and the S3 / DynamoDB request counts the cost prices.
* ``lightbox-pipeline``: the same work with the domain functions in one
  process (no intermediates), to show what the hand-offs cost.
* ``minimal-work``: the least work that yields the same four files: decode
  (shrink-on-load to the working size Lightbox uses), the production u2netp
  model through onnxruntime, composite on white at the preset's canvas and
  fill, four renders from memory, all with pyvips.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

from PIL import Image

MARKETPLACES: tuple[str, ...] = ("amazon", "etsy", "shopify", "ebay")
INPUT_NAME = "product.jpg"
#: The product the stage run lists (its category picks the studio look). No
#: studio extras (home_decor would default to a scene): the publish path the
#: cost prices, and the four renders the minimal-work row also makes.
PRODUCT: dict[str, Any] = {
    "title": "Red mug",
    "category": "home_decor",
    "marketplaces": list(MARKETPLACES),
    "extras": {},
}
BUCKET = "lightbox-bench"
SELLER, SKU = "bench-seller", "SKU-1"
WHITE = (255, 255, 255)

#: Phases of one render that make up the headline, per variant family.
HEADLINE_PARTS = {
    "lightbox-render": ("decode", "render"),
    "reference": ("decode", "resize+pad", "encode"),
}


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

    def total(self, name: str, parts: tuple[str, ...], minus: tuple[str, ...] = ()) -> None:
        """Record ``name`` as the sum of phases ``parts`` less ``minus`` (per
        repetition, so its median is a median of sums, not a sum of medians)."""
        for clock in (self.phases, self.phases_cpu):
            clock[name] = sum(clock.get(p, 0.0) for p in parts) - sum(
                clock.get(p, 0.0) for p in minus
            )

    def render_totals(self, parts: tuple[str, ...]) -> None:
        """Per marketplace and overall: ``headline`` (the sum of ``parts``) and
        ``no-encode`` (the headline without the JPEG encode)."""
        for m in MARKETPLACES:
            self.total(f"{m}:headline", tuple(f"{m}:{p}" for p in parts))
            self.total(f"{m}:no-encode", (f"{m}:headline",), (f"{m}:encode",))
        self.total("headline", tuple(f"{m}:headline" for m in MARKETPLACES))
        self.total("no-encode", tuple(f"{m}:no-encode" for m in MARKETPLACES))


Variant = Callable[[bytes], Run]


def canvases() -> dict[str, tuple[int, int]]:
    """Canvas size per marketplace, from the same specs the renderer reads."""
    from lightbox.marketplaces.specs import get_spec

    return {m: get_spec(m).canvas for m in MARKETPLACES}


def fit(size: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int]:
    """Content size inside ``canvas``: the same rounding as the renderer."""
    w, h = size
    scale = min(canvas[0] / w, canvas[1] / h)
    side = max(1, round(max(w, h) * scale))
    s = side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def shrink_on_load(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The largest JPEG DCT shrink (1, 2, 4, 8) that stays at or above ``target``
    (1 when the target is an upscale)."""
    fits = (f for f in (2, 4, 8) if size[0] / f >= target[0] and size[1] / f >= target[1])
    return max(fits, default=1)


# --------------------------------------------------------------------- stages


def fake_deps(objects: Any, store: Any) -> Any:
    from lightbox.audit.trail import AuditTrail
    from lightbox.pipeline.deps import Deps

    return Deps(
        settings=None,  # type: ignore[arg-type]  # not read on the publish path
        objects=objects,
        audit_store=store,
        audit=AuditTrail(store),
        reviews=None,  # type: ignore[arg-type]
        review_service=None,  # type: ignore[arg-type]
        notifier=None,  # type: ignore[arg-type]
    )


class StageRun:
    """The real stage functions on one upload, one stage at a time.

    `steps` lists (name, callable) in pipeline order; each callable runs one
    Lambda's domain work (handler plumbing and network excluded) against
    counting in-memory fakes and keeps the state the next stage needs.
    """

    def __init__(self, data: bytes, filename: str = INPUT_NAME) -> None:
        from bench.fakes import CountingAuditStore, CountingObjects, RecordingExecutions

        self.key = f"incoming/{SELLER}/{SKU}/{filename}"
        self.size = len(data)
        self.objects = CountingObjects(BUCKET)
        self.objects.objects[self.key] = data
        self.objects.objects[f"incoming/{SELLER}/{SKU}/product.json"] = json.dumps(PRODUCT).encode()
        self.store = CountingAuditStore()
        self.deps = fake_deps(self.objects, self.store)
        self.executions = RecordingExecutions()
        self.state: Any = None
        self.parts: dict[str, Any] = {}
        self.renders: list[Any] = []
        self.outcome: Any = None

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        from functools import partial

        out: list[tuple[str, Callable[[], None]]] = [
            ("intake", self.intake),
            ("validate", self.validate),
            ("segment", self.segment),
            ("attributes", self.attributes),
            ("draft_copy", self.draft_copy),
            ("enhance", self.enhance),
        ]
        out += [(f"render:{m}", partial(self.render, m)) for m in PRODUCT["marketplaces"]]
        return [*out, ("score", self.score), ("publish", self.publish)]

    def intake(self) -> None:
        from lightbox.models.stages import ExecutionRef, PipelineState
        from lightbox.pipeline.intake import start_for_upload

        started = start_for_upload(self.executions, BUCKET, self.key, None, "etag-1", self.size)
        payload = self.executions.started[started.execution_name]
        execution = ExecutionRef(id=started.execution_arn, name=started.execution_name)
        self.state = PipelineState.model_validate({**payload, "execution": execution})

    def validate(self) -> None:
        from lightbox.pipeline import validate

        self.state.validation = validate.validate(self.state, self.deps)
        if not self.state.validation.ok:
            raise RuntimeError(f"validate refused the photo: {self.state.validation.reasons}")

    def segment(self) -> None:
        from lightbox.pipeline import analyse

        self.parts["segment"] = analyse.segment(self.state, self.deps)

    def attributes(self) -> None:
        from lightbox.pipeline import analyse

        self.parts["attributes"] = analyse.attributes(self.state, self.deps)

    def draft_copy(self) -> None:
        from lightbox.models.stages import AnalysisOutput
        from lightbox.pipeline import analyse

        self.parts["copy"] = analyse.draft(self.state)
        self.state.analysis = AnalysisOutput.model_validate(self.parts)

    def enhance(self) -> None:
        from lightbox.pipeline import enhance

        self.state.studio = enhance.enhance(self.state, self.deps)

    def render(self, marketplace: str) -> None:
        from lightbox.pipeline import enhance

        request = enhance.RenderRequest(
            marketplace=marketplace,
            studio=self.state.studio,
            photo=self.state.photo,
            execution=self.state.execution,
        )
        self.renders.append(enhance.render(request, self.deps))

    def score(self) -> None:
        from lightbox.pipeline import decide

        self.state.renders = self.renders
        self.state.score = decide.score(self.state, self.deps)

    def publish(self) -> None:
        from lightbox.pipeline import outcomes

        self.outcome = outcomes.publish(self.state, self.deps)

    def output(self, marketplace: str) -> bytes:
        found = [r for r in self.renders if r.marketplace == marketplace]
        return self.objects.objects[found[-1].key]


def lightbox_stages(data: bytes) -> Run:
    """The real stage functions end to end against counting fakes.

    Each phase is one Lambda invocation's domain work. Counts are recorded
    per phase in ``info``.
    """
    stages = StageRun(data)
    run = Run()
    counts: dict[str, dict[str, int]] = {}
    objects, store = stages.objects, stages.store
    for name, step in stages.steps():
        s3_before, ddb_before = objects.counts.snapshot(), store.counts.snapshot()
        with run.phase(name):
            step()
        s3, ddb = objects.counts.minus(s3_before), store.counts.minus(ddb_before)
        counts[name] = {
            "s3_gets": s3.gets,
            "s3_puts": s3.puts,
            "s3_bytes": s3.bytes_read + s3.bytes_written,
            "ddb_requests": ddb.requests,
            "ddb_wru": ddb.write_units,
            "ddb_rru": ddb.read_units,
        }
    state = stages.state
    run.outputs = {m: stages.output(m) for m in state.validation.product.marketplaces}
    run.info = {
        "counts": counts,
        "marketplaces": list(state.validation.product.marketplaces),
        "score": state.score.confidence,
        "compliant": state.score.compliant,
        "outcome": stages.outcome.status,
        "working_key_bytes": len(objects.objects[state.validation.working_key or ""]),
        "studio_intermediate_bytes": len(objects.objects[state.studio.studio_key]),
        "intermediates": sorted(
            k.rsplit("/", 1)[1] for k in objects.objects if k.startswith("work/")
        ),
    }
    return run


def studio_intermediate(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Run the stages up to Enhance on the photo; the studio image it wrote."""
    stages = StageRun(data)
    for name, step in stages.steps():
        step()
        if name == "enhance":
            break
    key = stages.state.studio.studio_key
    return stages.objects.objects[key], {"key": key, "look": stages.state.studio.look}


def lightbox_pipeline(data: bytes) -> Run:
    """The whole per-image work with the domain functions, in pipeline order."""
    from lightbox.analysis.attributes import describe_colours
    from lightbox.imaging.compose import compose_studio
    from lightbox.imaging.segment import segment_foreground
    from lightbox.marketplaces.compliance import check_compliance
    from lightbox.marketplaces.render import render_for_marketplace
    from lightbox.presets import get_preset
    from lightbox.validation.photo import inspect_photo

    look = get_preset(str(PRODUCT["category"])).look
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
        studio = compose_studio(working, seg.mask, look=look)
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


# ---------------------------------------------------------------- render stage


@contextmanager
def _timed(run: Run, module: Any, attr: str, phase: Callable[[], str]) -> Iterator[None]:
    """Time every call of ``module.attr`` as phase ``phase()`` while inside."""
    original = getattr(module, attr)

    @wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        with run.phase(phase()):
            return original(*args, **kwargs)

    setattr(module, attr, timed)
    try:
        yield
    finally:
        setattr(module, attr, original)


def lightbox_render(data: bytes) -> Run:
    """The Render stage function, once per marketplace, from the intermediate."""
    from contextlib import ExitStack

    from bench.fakes import CountingAuditStore, CountingObjects
    from lightbox.marketplaces import render as renderer
    from lightbox.models.stages import ExecutionRef, PhotoRef, StudioOutput
    from lightbox.pipeline import enhance as stage

    key = "work/bench/studio.jpg"
    objects = CountingObjects(BUCKET, {key: data})
    deps = fake_deps(objects, CountingAuditStore())
    studio = StudioOutput(studio_key=key, cutout_key="", fill_ratio=0.88, background_purity=1.0)
    photo = PhotoRef(
        bucket=BUCKET,
        key=f"incoming/{SELLER}/{SKU}/{INPUT_NAME}",
        seller=SELLER,
        sku=SKU,
        filename=INPUT_NAME,
    )
    execution = ExecutionRef(id="arn:bench", name="bench")
    run = Run()
    current = [""]
    with ExitStack() as patches:
        for module, attr, name in (
            (stage, "decode", "decode"),
            (stage, "render_for_marketplace", "render"),
            (stage, "check_compliance", "compliance"),
            (renderer, "_fit_canvas", "resize+pad"),
            (renderer, "_encode", "encode"),
            (objects, "put_bytes", "put"),
        ):
            patches.enter_context(_timed(run, module, attr, lambda n=name: f"{current[0]}:{n}"))
        for m in MARKETPLACES:
            current[0] = m
            request = stage.RenderRequest(
                marketplace=m, studio=studio, photo=photo, execution=execution
            )
            out = stage.render(request, deps)
            run.outputs[m] = objects.objects[out.key]
            run.info.setdefault("compliant", {})[m] = out.compliance.ok
    run.render_totals(HEADLINE_PARTS["lightbox-render"])
    return run


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


VARIANTS: dict[str, Variant] = {
    "lightbox-render": lightbox_render,
    "pyvips": pyvips_render,
    "pillow-idiomatic": pillow_idiomatic,
    "naive-pillow": naive_pillow,
    "lightbox-stages": lightbox_stages,
    "lightbox-pipeline": lightbox_pipeline,
    "minimal-work": minimal_work,
}
#: What each variant reads: the studio intermediate or the 24 MP photo.
INPUTS: dict[str, str] = {
    "lightbox-render": "intermediate",
    "pyvips": "intermediate",
    "pillow-idiomatic": "intermediate",
    "naive-pillow": "intermediate",
    "lightbox-stages": "photo",
    "lightbox-pipeline": "photo",
    "minimal-work": "photo",
}
