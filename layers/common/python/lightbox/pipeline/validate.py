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
from lightbox.models.product import MAX_PRODUCT_JSON_BYTES, ProductMetadata, StudioExtras
from lightbox.models.stages import PipelineState, ValidationOutput
from lightbox.pipeline.deps import Deps
from lightbox.presets import get_preset
from lightbox.scoring.thresholds import config_from_item
from lightbox.validation.photo import inspect_photo


def _refused(reason: str, **fields: Any) -> ValidationOutput:
    return ValidationOutput(ok=False, reasons=[reason], **fields)


def _load_product(
    text: str | None,
) -> tuple[ProductMetadata | None, Literal["product.json", "defaults"], str]:
    """(metadata, source, problem). A missing product.json is fine; a broken one is not."""
    if text is None:
        return ProductMetadata(), "defaults", ""
    if len(text.encode()) > MAX_PRODUCT_JSON_BYTES:
        return None, "product.json", _too_large(len(text.encode()))
    try:
        document = json.loads(text, parse_constant=_not_a_number)
        return ProductMetadata.model_validate(document), "product.json", ""
    except json.JSONDecodeError as exc:
        return (
            None,
            "product.json",
            f"product.json is not valid JSON ({exc.msg} at line {exc.lineno})",
        )
    except RecursionError:
        return None, "product.json", "product.json is nested too deeply to be product metadata"
    except ValidationError as exc:
        problems = "; ".join(
            f"{_field_name(err['loc'])}: {_short(err['msg'], 200)}" for err in exc.errors()[:5]
        )
        return None, "product.json", f"product.json does not match the schema ({problems})"


def _not_a_number(constant: str) -> float:
    raise json.JSONDecodeError(f"{constant} is not a number JSON allows", constant, 0)


def _short(text: str, limit: int) -> str:
    """Seller-controlled text quoted in a reason: bounded, so it fits the state (256 KB)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field_name(loc: tuple[int | str, ...]) -> str:
    """The field at fault as a path (`extras.ad_poster.headline`); unknown keys shortened."""
    return ".".join(_short(str(part), 40) for part in loc) or "document"


def _too_large(size: int) -> str:
    return (
        f"product.json is {size / 1024:.0f} KiB; the limit is "
        f"{MAX_PRODUCT_JSON_BYTES // 1024} KiB. Keep only the product's own fields"
    )


def fingerprint(photo_sha256: str, product_text: str | None, config_version: str) -> str:
    """What makes two uploads at one key the same work: the photo's bytes, its
    product.json (exactly as stored; absent is its own value) and the config version."""
    product = "-" if product_text is None else hashlib.sha256(product_text.encode()).hexdigest()
    return hashlib.sha256(f"{photo_sha256}\n{product}\n{config_version}".encode()).hexdigest()


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
    links = {"unchanged_of": result.unchanged_of, "supersedes": result.supersedes}
    decision = "unchanged" if result.unchanged else "accepted" if result.ok else "refused"
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="validate",
            decision=decision,
            reason="; ".join(result.reasons),
            input_keys=(photo.key,),
            content_hashes={photo.key: result.sha256} if result.sha256 else None,
            scores=result.metrics,
            extra={
                "seller": photo.seller,
                "sku": photo.sku,
                "file_name": photo.filename,
                "format": result.format,
                **{name: run for name, run in links.items() if run},
                **({"reprocess": photo.reprocess} if photo.reprocess else {}),
            },
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
    product_key = f"{photo.key.rsplit('/', 1)[0]}/product.json"
    product_info = deps.objects.head(product_key)
    if product_info is not None and product_info.size > MAX_PRODUCT_JSON_BYTES:
        # Refused before it is read: a 1 GB product.json never reaches memory.
        return _refused(
            _too_large(product_info.size) + " and upload the photo again.",
            product_source="product.json",
        )
    product_text = deps.objects.get_text_or_none(product_key)
    product, source, problem = _load_product(product_text)
    if product is not None:
        product = _with_category_defaults(product)
    if product is None:
        return _refused(
            problem + ". Fix product.json and upload the photo again.", product_source=source
        )
    data = deps.objects.get_bytes(photo.key, photo.version_id)
    sha = hashlib.sha256(data).hexdigest()
    claim = deps.content_index.claim(
        photo.key,
        fingerprint(sha, product_text, config_from_item(state.config).version),
        state.execution.name,
        force=photo.reprocess is not None,
    )
    if claim.unchanged_of:
        return ValidationOutput(
            ok=False,
            unchanged=True,
            unchanged_of=claim.unchanged_of,
            reasons=[
                f"Unchanged: the same photo, product.json and settings were already "
                f"processed by run {claim.unchanged_of}; its result stands."
            ],
            sha256=sha,
            product=product,
            product_source=source,
        )
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
        supersedes=claim.supersedes,
    )
    if not check.ok or working is None:
        return output(ok=False, reasons=check.reasons)
    data, content_type, extension = encode_intermediate(working)
    working_key = f"work/{state.execution.name}/working.{extension}"
    deps.objects.put_bytes(working_key, data, content_type)
    return output(
        ok=True,
        reasons=check.reasons,
        working_key=working_key,
        extras=product.extras.requested(),
    )
