"""Analyse stage: three independent branches run in parallel by the state machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lightbox.analysis.attributes import describe_colours
from lightbox.imaging.codec import decode, encode_png
from lightbox.imaging.segment import cutout, segment_foreground
from lightbox.keys import parse_photo_key
from lightbox.listing.draft import draft_copy
from lightbox.models.stages import (
    AttributesOutput,
    ListingCopy,
    PipelineState,
    SegmentOutput,
    ValidationOutput,
)
from lightbox.pipeline.deps import Deps

if TYPE_CHECKING:
    from PIL import Image


def _validated(state: PipelineState) -> ValidationOutput:
    if state.validation is None or not state.validation.ok or not state.validation.working_key:
        raise ValueError("analysis needs a validated photo with a working image")
    return state.validation


def _working_image(state: PipelineState, deps: Deps) -> Image.Image:
    key = _validated(state).working_key
    assert key, "_validated refuses a photo without a working image"
    return decode(deps.objects.get_bytes(key))


def segment(state: PipelineState, deps: Deps) -> SegmentOutput:
    working = _working_image(state, deps)
    result = segment_foreground(working)
    mask_key = f"work/{state.execution.name}/mask.png"
    deps.objects.put_bytes(mask_key, encode_png(result.mask), "image/png")
    # The transparent cut-out every photo that reaches this stage keeps: full
    # frame, upright, at the working image's size (docs/architecture.md, "S3
    # key layout"). The review page links this key.
    cutout_key = cutout_key_for(state)
    deps.objects.put_bytes(cutout_key, encode_png(cutout(working, result.mask)), "image/png")
    # Colour words come from the product's pixels only, now that the mask exists.
    colours = describe_colours(working, result.mask)["colours"] if result.bbox else []
    return SegmentOutput(
        mask_key=mask_key,
        cutout_key=cutout_key,
        colours=colours,
        confidence=round(result.confidence, 4),
        coverage=round(result.coverage, 4),
        bbox=list(result.bbox) if result.bbox else None,
        method=result.method,
    )


def cutout_key_for(state: PipelineState) -> str:
    """`cutouts/{seller}/{sku}/{stem}.png`."""
    return parse_photo_key(state.photo.key).output_prefix("cutouts") + ".png"


def attributes(state: PipelineState, deps: Deps) -> AttributesOutput:
    working = _working_image(state, deps)
    return AttributesOutput.model_validate(describe_colours(working))


def draft(state: PipelineState) -> ListingCopy:
    validation = _validated(state)
    product = validation.product
    return draft_copy(product, state.photo.sku, product.marketplaces)
