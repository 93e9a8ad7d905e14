"""Terminal stages: publish, reject, quarantine, and the failure handler.

Every execution ends in one of these, and each writes the terminal audit record.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from lightbox.audit.trail import AuditEntry, pipeline_pk
from lightbox.keys import PhotoKey, parse_photo_key
from lightbox.listing.draft import enrich_copy
from lightbox.listing.feeds import ListingFacts, build_feed
from lightbox.models.stages import Outcome, PipelineState
from lightbox.pipeline.deps import Deps


def _scores(state: PipelineState) -> dict[str, float]:
    if state.score is None:
        return {}
    return {"confidence": state.score.confidence, **state.score.components}


def _photo_key(state: PipelineState) -> PhotoKey:
    photo = state.photo
    if photo.key_error:
        # Never reuse an unsafe key: file it under a name derived from its hash.
        return PhotoKey(key=photo.key, seller=photo.seller, sku=photo.sku, filename="original")
    return parse_photo_key(photo.key)


def _product_colours(state: PipelineState) -> list[str]:
    """Colour words from the product's own pixels (measured under the mask by
    the Segment stage); the whole-frame estimate only for a run without them."""
    assert state.analysis is not None
    measured = state.analysis.segment.colours or state.analysis.attributes.colours
    return [c.name for c in measured]


def _listing_document(state: PipelineState, marketplace: str, image_key: str) -> dict[str, Any]:
    assert state.validation is not None and state.analysis is not None
    product = state.validation.product
    corrections = state.review.corrections if state.review else {}
    colours = _product_colours(state)
    copy = enrich_copy(state.analysis.copy_, colours)
    return {
        "marketplace": marketplace,
        "seller": state.photo.seller,
        "sku": state.photo.sku,
        "title": corrections.get("title")
        or copy.per_marketplace_titles.get(marketplace, copy.title),
        "bullets": corrections.get("bullets") or copy.bullets,
        "description": corrections.get("description") or copy.description,
        "category": corrections.get("category") or product.category,
        "brand": product.brand,
        "price": product.price,
        "currency": product.currency,
        "attributes": product.attributes,
        "colours": colours,
        "images": {"main": image_key},
        "source": {
            "key": state.photo.key,
            "file_name": state.photo.filename,
            "sha256": state.validation.sha256,
        },
        "confidence": state.score.confidence if state.score else None,
        "config_version": state.config_version,
        "published_at": datetime.now(UTC).isoformat(),
    }


def _facts(listing: dict[str, Any], bucket: str) -> ListingFacts:
    return ListingFacts(
        seller=listing["seller"],
        sku=listing["sku"],
        title=listing["title"],
        description=listing["description"],
        bullets=listing["bullets"],
        category=listing["category"],
        brand=listing["brand"],
        price=listing["price"],
        currency=listing["currency"],
        attributes=listing["attributes"],
        colours=listing["colours"],
        # The publishing integration swaps this for its CDN or a presigned URL.
        image_url=f"s3://{bucket}/{listing['images']['main']}",
    )


def _publish_extras(state: PipelineState, photo_key: PhotoKey, deps: Deps) -> dict[str, str]:
    """Studio extras (and the category's styled image) go next to the listing:
    marketplace-sized assets under that marketplace, the rest under published/studio/."""
    published: dict[str, str] = {}
    studio_dir = photo_key.output_prefix("published/studio")
    if state.studio and state.studio.styled_key:
        target = f"{studio_dir}/styled.{state.studio.styled_key.rsplit('.', 1)[-1]}"
        deps.objects.copy(state.studio.styled_key, target)
        published["styled"] = target
    for extra in state.extras or []:
        for label, key in extra.outputs.items() if extra.ok else ():
            name = key.rsplit("/", 1)[-1]
            if "/" in label:
                marketplace = label.split("/", 1)[0]
                base = photo_key.published_base(marketplace)
                target = f"{base}/{photo_key.safe_stem}.assets/{name}"
            else:
                target = f"{studio_dir}/{name}"
            deps.objects.copy(key, target)
            published[label] = target
    return published


class NotCompliantError(RuntimeError):
    """A render about to be published fails its marketplace's rules. The state machine
    catches this error name into RejectPhoto, which tells the seller why."""


def recheck_compliance(state: PipelineState, deps: Deps) -> list[str]:
    """Every render's marketplace rules, checked again on the bytes in S3 right before
    publishing, whatever the route (auto, approved, corrected) and whatever the render
    stage recorded: failures, one sentence each (empty when all pass)."""
    # Imported here: numpy and Pillow are in the publish function's layers only.
    from lightbox.marketplaces.compliance import check_compliance

    failures: list[str] = []
    for rendered in state.renders or []:
        report = check_compliance(rendered.marketplace, deps.objects.get_bytes(rendered.key))
        failures.extend(report.failures)
    return failures


def publish(state: PipelineState, deps: Deps) -> Outcome:
    if not state.renders:
        raise ValueError("nothing to publish: no renders in the state")
    failures = recheck_compliance(state, deps)
    if failures:
        raise NotCompliantError(" ".join(failures))
    photo_key = _photo_key(state)
    outputs: dict[str, str] = {}
    for rendered in state.renders:
        base = photo_key.published_base(rendered.marketplace)
        image_key = f"{base}/{photo_key.safe_stem}.{rendered.key.rsplit('.', 1)[-1]}"
        deps.objects.copy(rendered.key, image_key)
        listing = _listing_document(state, rendered.marketplace, image_key)
        deps.objects.put_json(f"{base}/{photo_key.safe_stem}.listing.json", listing)
        feed = build_feed(rendered.marketplace, _facts(listing, deps.objects.bucket))
        deps.objects.put_bytes(
            f"{base}/{photo_key.safe_stem}{feed.filename_suffix}", feed.body, feed.content_type
        )
        outputs[rendered.marketplace] = image_key
    outputs |= _publish_extras(state, photo_key, deps)
    decided_by = f"review by {state.review.reviewer}" if state.review else "auto-publish"
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="publish",
            decision="published",
            reason=decided_by,
            input_keys=tuple(r.key for r in state.renders),
            scores=_scores(state),
            thresholds_version=state.config_version,
            extra={"outputs": outputs},
        ),
    )
    return Outcome(status="published", reason=decided_by, outputs=outputs, scores=_scores(state))


def _publish_refusal(refused: dict[str, str]) -> str:
    """The sentence of a NotCompliantError caught by the state machine."""
    cause = refused.get("Cause", "")
    try:
        return str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        return cause


def reject(state: PipelineState, deps: Deps) -> Outcome:
    if state.publish_refused:
        reasons = [
            "Not published: the render fails its marketplace's rules. "
            + _publish_refusal(state.publish_refused),
            *(state.score.reasons if state.score else []),
        ]
    elif state.escalation and state.escalation.exhausted:
        reasons = ["No reviewer decided in time; upload the photo again to restart the review."]
    elif state.review and state.review.decision == "rejected":
        reasons = [f"A reviewer rejected the photo: {state.review.reason}"]
    else:
        reasons = list(state.score.reasons) if state.score else []
        reasons = reasons or ["The photo scored below the review threshold."]
    photo_key = _photo_key(state)
    report_key = f"{photo_key.output_prefix('reports')}/rejected.json"
    deps.objects.put_json(
        report_key,
        {
            "key": state.photo.key,
            "file_name": state.photo.filename,
            "status": "rejected",
            "reasons": reasons,
            "next_step": "Retake the photo addressing the reasons above and upload it again.",
            "scores": _scores(state),
        },
    )
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="reject",
            decision="rejected",
            reason="; ".join(reasons),
            input_keys=(state.photo.key,),
            scores=_scores(state),
            thresholds_version=state.config_version,
            extra={"report": report_key},
        ),
    )
    return Outcome(
        status="rejected",
        reason=reasons[0],
        reasons=reasons,
        outputs={"report": report_key},
        scores=_scores(state),
    )


def _quarantine_copy(state: PipelineState, deps: Deps, reasons: list[str], stage: str) -> str:
    photo_key = _photo_key(state)
    prefix = photo_key.output_prefix("quarantine")
    if deps.objects.head(state.photo.key) is not None:
        original = f"{prefix}/{photo_key.safe_filename}"
        deps.objects.copy(state.photo.key, original, state.photo.version_id)
    deps.objects.put_json(
        f"{prefix}/reason.json",
        {
            "key": state.photo.key,
            "file_name": state.photo.filename,
            "stage": stage,
            "reasons": reasons,
            "execution": state.execution.id,
        },
    )
    return prefix


def quarantine(state: PipelineState, deps: Deps) -> Outcome:
    reasons = state.validation.reasons if state.validation else ["validation did not complete"]
    prefix = _quarantine_copy(state, deps, reasons, "validate")
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="quarantine",
            decision="quarantined",
            reason="; ".join(reasons),
            input_keys=(state.photo.key,),
            extra={"quarantine_prefix": prefix},
        ),
    )
    return Outcome(
        status="quarantined", reason=reasons[0], reasons=reasons, outputs={"quarantine": prefix}
    )


def record_failure(state: PipelineState, deps: Deps) -> Outcome:
    error = state.error or {}
    reason = (
        f"Processing failed at an internal step ({error.get('Error', 'unknown error')}); "
        "the photo is kept in quarantine and the team has been alerted."
    )
    prefix = _quarantine_copy(state, deps, [reason, error.get("Cause", "")[:2000]], "pipeline")
    if not state.photo.key_error:
        # The same content uploaded again is then processed again, not "unchanged".
        deps.content_index.release(state.photo.key, state.execution.name)
    deps.audit.append(
        pipeline_pk(state.execution.name),
        AuditEntry(
            stage="failure",
            decision="failed",
            reason=reason,
            input_keys=(state.photo.key,),
            extra={"error": error.get("Error", ""), "cause": error.get("Cause", "")[:2000]},
        ),
    )
    return Outcome(status="failed", reason=reason, outputs={"quarantine": prefix})
