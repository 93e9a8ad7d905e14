"""Enhance and render stages: studio image once, then one render per marketplace."""

from __future__ import annotations

from lightbox.imaging.codec import decode, encode_intermediate, encode_png
from lightbox.imaging.compose import compose_studio, styled_variant
from lightbox.imaging.corrections import corrected_fill, corrected_mask, pixel_corrections
from lightbox.keys import parse_photo_key
from lightbox.marketplaces.compliance import check_compliance
from lightbox.marketplaces.render import render_for_marketplace
from lightbox.models.stages import (
    ComplianceOutput,
    PipelineState,
    RenderOutput,
    RenderRequest,
    StudioOutput,
)
from lightbox.pipeline.deps import Deps
from lightbox.presets import get_preset
from lightbox.scoring.thresholds import config_from_item


def enhance(state: PipelineState, deps: Deps) -> StudioOutput:
    if state.validation is None or state.analysis is None or not state.validation.working_key:
        raise ValueError("enhance needs the validated photo and its analysis")
    working = decode(deps.objects.get_bytes(state.validation.working_key))
    mask = decode(deps.objects.get_bytes(state.analysis.segment.mask_key))
    category = state.validation.product.category
    preset = get_preset(category)
    # The category's render defaults learned from repeated corrections (the config
    # version's `defaults`), then a reviewer's pixel corrections (ReEnhancePhoto, after
    # a "correct" decision) on top of the render the reviewer saw.
    learned = config_from_item(state.config).defaults.get(category, {})
    fixes = pixel_corrections(state.review.corrections if state.review else None)
    steps = round(learned.get("cutout", 0)) + {"too_tight": 1, "too_loose": -1}.get(
        fixes.get("cutout", ""), 0
    )
    for _ in range(abs(steps)):
        mask = corrected_mask(mask, "too_tight" if steps > 0 else "too_loose")
    margin = learned.get("crop_margin", 0.0) + float(fixes.get("crop_margin") or 0.0)
    fill = corrected_fill(preset.look.framing.fill, margin) if margin else None
    result = compose_studio(working, mask, look=preset.look, fill=fill)
    prefix = f"work/{state.execution.name}"
    data, content_type, extension = encode_intermediate(result.image)
    studio_key = f"{prefix}/studio.{extension}"
    deps.objects.put_bytes(studio_key, data, content_type)
    # The cut-out is only read by studio extras; skip the costly RGBA PNG otherwise.
    cutout_key = ""
    if state.validation.extras:
        cutout_key = f"{prefix}/cutout.png"
        deps.objects.put_bytes(cutout_key, encode_png(result.cutout), "image/png")
    styled_key = ""
    if preset.styled_background is not None:
        styled = styled_variant(result, preset.styled_background)
        data, content_type, extension = encode_intermediate(styled)
        styled_key = f"{prefix}/styled.{extension}"
        deps.objects.put_bytes(styled_key, data, content_type)
    return StudioOutput(
        studio_key=studio_key,
        cutout_key=cutout_key,
        fill_ratio=round(result.fill_ratio, 4),
        background_purity=round(result.background_purity, 4),
        styled_key=styled_key,
        look=preset.category,
        specular_fraction=round(float(result.adjustments.get("specular_fraction", 0.0)), 4),
    )


def render(request: RenderRequest, deps: Deps) -> RenderOutput:
    studio = decode(deps.objects.get_bytes(request.studio.studio_key))
    rendered = render_for_marketplace(studio, request.marketplace)
    report = check_compliance(request.marketplace, rendered.data)
    photo_key = parse_photo_key(request.photo.key)
    key = f"{photo_key.output_prefix('renders')}/{request.marketplace}.{rendered.extension}"
    deps.objects.put_bytes(key, rendered.data, rendered.content_type)
    return RenderOutput(
        marketplace=request.marketplace,
        key=key,
        width=rendered.width,
        height=rendered.height,
        bytes=len(rendered.data),
        content_type=rendered.content_type,
        compliance=ComplianceOutput(
            ok=report.ok, failures=list(report.failures), measured=dict(report.measured)
        ),
    )
