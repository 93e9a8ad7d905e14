"""Validate stage: the data validation layer in front of everything else."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import Any, Literal

from pydantic import ValidationError

from lightbox.audit.trail import AuditEntry, pipeline_pk
from lightbox.imaging.codec import encode_intermediate
from lightbox.limits import MAX_UPLOAD_BYTES
from lightbox.models.product import ProductMetadata, StudioExtras
from lightbox.models.stages import PipelineState, ValidationOutput
from lightbox.pipeline.deps import Deps
from lightbox.presets import get_preset
from lightbox.validation.photo import inspect_photo


def _refused(reason: str, **fields: Any) -> ValidationOutput:
    return ValidationOutput(ok=False, reasons=[reason], **fields)


def _load_product(
    deps: Deps, key: str
) -> tuple[ProductMetadata | None, Literal["product.json", "defaults"], str]:
    """(metadata, source, problem). A missing product.json is fine; a broken one is not."""
    text = deps.objects.get_text_or_none(key)
    if text is None:
        return ProductMetadata(), "defaults", ""
    try:
        return ProductMetadata.model_validate(json.loads(text)), "product.json", ""
    except json.JSONDecodeError as exc:
        return (
            None,
            "product.json",
            f"product.json is not valid JSON ({exc.msg} at line {exc.lineno})",
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'document'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        return None, "product.json", f"product.json does not match the schema ({problems})"


def _with_category_defaults(product: ProductMetadata) -> ProductMetadata:
    """Fields the seller left out take the category preset's defaults (marketplaces,
    asset-free extras); anything the seller wrote wins."""
    preset = get_preset(product.category)
    updates: dict[str, Any] = {}
    if "marketplaces" not in product.model_fields_set:
        updates["marketplaces"] = list(preset.default_marketplaces)
    if "extras" not in product.model_fields_set and preset.default_extras:
        updates["extras"] = StudioExtras.model_validate({n: {} for n in preset.default_extras})
    return product.model_copy(update=updates) if updates else product


def validate(state: PipelineState, deps: Deps) -> ValidationOutput:
    photo = state.photo
    result = _check(state, deps)
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="validate",
            decision="accepted" if result.ok else "refused",
            reason="; ".join(result.reasons),
            input_keys=(photo.key,),
            content_hashes={photo.key: result.sha256} if result.sha256 else None,
            scores=result.metrics,
            extra={"seller": photo.seller, "sku": photo.sku, "format": result.format},
        ),
    )
    return result


def _check(state: PipelineState, deps: Deps) -> ValidationOutput:
    photo = state.photo
    if photo.key_error:
        return _refused(photo.key_error)
    info = deps.objects.head(photo.key)
    if info is None:
        return _refused(
            "The uploaded file disappeared before it could be checked; upload it again."
        )
    if info.size > MAX_UPLOAD_BYTES:
        return _refused(
            f"The file is {info.size / 2**20:.1f} MiB; the limit is "
            f"{MAX_UPLOAD_BYTES / 2**20:.0f} MiB. Export it at a lower resolution or quality."
        )
    # The SKU's folder as uploaded (photo.seller and .sku are NFC-normalised).
    product, source, problem = _load_product(deps, f"{photo.key.rsplit('/', 1)[0]}/product.json")
    if product is not None:
        product = _with_category_defaults(product)
    if product is None:
        return _refused(
            problem + ". Fix product.json and upload the photo again.", product_source=source
        )
    data = deps.objects.get_bytes(photo.key, photo.version_id)
    sha = hashlib.sha256(data).hexdigest()
    check, working = inspect_photo(data, photo.filename)
    metrics = dict(check.metrics)
    if working is not None:
        metrics |= {"working_width": working.width, "working_height": working.height}
    output = partial(
        ValidationOutput,
        format=check.format,
        width=check.width,
        height=check.height,
        metrics=metrics,
        sha256=sha,
        product=product,
        product_source=source,
    )
    if not check.ok or working is None:
        return output(ok=False, reasons=check.reasons)
    duplicate_of = deps.content_index.claim(photo.seller, sha, photo.key)
    if duplicate_of:
        return output(
            ok=False,
            reasons=[
                f"This photo is identical to {duplicate_of}, uploaded earlier; "
                "upload a different shot or delete the copy."
            ],
        )
    data, content_type, extension = encode_intermediate(working)
    working_key = f"work/{state.execution.name}/working.{extension}"
    deps.objects.put_bytes(working_key, data, content_type)
    return output(
        ok=True,
        reasons=check.reasons,
        working_key=working_key,
        extras=product.extras.requested(),
    )
