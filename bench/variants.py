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

This module holds Lightbox's own variants and the registry (`VARIANTS`,
`INPUTS`); the reference variants are in `bench.references` and what every
variant shares (the product, the marketplaces, `Run`) in `bench.workload`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from bench.references import minimal_work, naive_pillow, pillow_idiomatic, pyvips_render
from bench.workload import (
    BUCKET,
    HEADLINE_PARTS,
    INPUT_NAME,
    MARKETPLACES,
    PRODUCT,
    SELLER,
    SKU,
    Run,
    Variant,
)

# --------------------------------------------------------------------- stages


def fake_deps(objects: Any, store: Any) -> Any:
    """The stage dependencies over counting fakes; the content index's DynamoDB
    requests count with the audit table's (both are priced the same)."""
    from bench.fakes import CountingContentIndex
    from lightbox.audit.trail import AuditTrail
    from lightbox.pipeline.deps import Deps

    return Deps(
        settings=None,  # type: ignore[arg-type]  # not read on the publish path
        objects=objects,
        audit=AuditTrail(store),
        content_index=CountingContentIndex(counts=store.counts),
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
        from lightbox.models.stages import RenderRequest
        from lightbox.pipeline import enhance

        request = RenderRequest(
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


def segment_vs_model(data: bytes) -> Run:
    """The Segment stage's domain function against the u2netp model alone.

    Both on the same working image (validation untimed), in the same process
    and thread settings: ``segment`` is `segment_foreground` (what
    functions/segment runs: the model on a 640 px copy, its map resized to the
    photo as the alpha, the classical cross-check and the confidence);
    ``u2netp-alone`` is the model with rembg's standard pre- and
    post-processing (`u2net.alpha_mask`: the photo squashed to 320 px, the map
    resized back). Their difference is what the stage adds to the model.
    """
    from lightbox.imaging import u2net
    from lightbox.imaging.segment import segment_foreground
    from lightbox.validation.photo import inspect_photo

    run = Run()
    check, working = inspect_photo(data, INPUT_NAME)
    if working is None or not check.ok:
        raise RuntimeError(f"inspect_photo refused the benchmark photo: {check.reasons}")
    with run.phase("segment"):
        seg = segment_foreground(working)
    with run.phase("u2netp-alone"):
        u2net.alpha_mask(working)
    run.total("segment-over-model", ("segment",), ("u2netp-alone",))
    run.info = {"segment_confidence": seg.confidence, "working_size": list(working.size)}
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
    from lightbox.models.stages import ExecutionRef, PhotoRef, RenderRequest, StudioOutput
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
            request = RenderRequest(marketplace=m, studio=studio, photo=photo, execution=execution)
            out = stage.render(request, deps)
            run.outputs[m] = objects.objects[out.key]
            run.info.setdefault("compliant", {})[m] = out.compliance.ok
    run.render_totals(HEADLINE_PARTS["lightbox-render"])
    return run


VARIANTS: dict[str, Variant] = {
    "lightbox-render": lightbox_render,
    "pyvips": pyvips_render,
    "pillow-idiomatic": pillow_idiomatic,
    "naive-pillow": naive_pillow,
    "lightbox-stages": lightbox_stages,
    "lightbox-pipeline": lightbox_pipeline,
    "minimal-work": minimal_work,
    "segment-vs-model": segment_vs_model,
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
    "segment-vs-model": "photo",
}
