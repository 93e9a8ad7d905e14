"""Terminal stages: publish, reject, quarantine, and the failure handler.

Every execution ends in one of these, and each writes the terminal audit record.
"""

from __future__ import annotations

import json

from lightbox.audit.trail import AuditEntry, pipeline_pk
from lightbox.keys import PhotoKey, parse_photo_key
from lightbox.listing.builder import photo_entry, record_photo
from lightbox.models.stages import Outcome, PipelineState
from lightbox.models.status import PhotoState, PhotoStatusEvent
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


def _photo_status(
    state: PipelineState, deps: Deps, photo_state: PhotoState, outcome: Outcome
) -> None:
    """Tell the seller where this photo went (`PhotoStatusEvent` on the status bus)."""
    deps.status_events.send(
        PhotoStatusEvent(
            environment=deps.settings.environment,
            seller=state.photo.seller,
            sku=state.photo.sku,
            state=photo_state,
            photo_key=state.photo.key,
            file_name=state.photo.filename,
            execution=state.execution.name,
            reasons=outcome.reasons or ([outcome.reason] if outcome.reason else []),
            scores=outcome.scores,
            outputs=outcome.outputs,
        )
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


def photo_in_review(state: PipelineState, deps: Deps, task_id: str, reviewer: str) -> None:
    """A review task is open: the photo waits in its SKU's listing (it joins when
    approved) and the seller is told why it went to review."""
    reason = f"Waiting for a reviewer ({reviewer})."
    reasons = [reason, *(state.score.reasons if state.score else [])]
    record_photo(photo_entry(state, _photo_key(state), "in_review", reasons=reasons), deps)
    outcome = Outcome(
        status="in_review",
        reason=reason,
        reasons=reasons,
        outputs={"task_id": task_id},
        scores=_scores(state),
    )
    _photo_status(state, deps, "in_review", outcome)


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
    images: dict[str, str] = {}
    for rendered in state.renders:
        base = photo_key.published_base(rendered.marketplace)
        image_key = f"{base}/{photo_key.safe_stem}.{rendered.key.rsplit('.', 1)[-1]}"
        deps.objects.copy(rendered.key, image_key)
        images[rendered.marketplace] = image_key
    outputs = images | _publish_extras(state, photo_key, deps)
    # The SKU's one listing per marketplace, rebuilt with this photo's images in it.
    head = record_photo(photo_entry(state, photo_key, "published", images), deps)
    for marketplace, listing in head.marketplaces.items():
        if listing.listing_key:
            outputs[f"listing:{marketplace}"] = listing.listing_key
    decided_by = f"review by {state.review.reviewer}" if state.review else "auto-publish"
    outcome = Outcome(status="published", reason=decided_by, outputs=outputs, scores=_scores(state))
    # Told before the terminal audit record: a retried stage never audits twice.
    _photo_status(state, deps, "published", outcome)
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
    return outcome


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
    # The photo leaves its SKU's listing (if it was the main image, the next one is main).
    record_photo(photo_entry(state, photo_key, "rejected", reasons=reasons), deps)
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
    outcome = Outcome(
        status="rejected",
        reason=reasons[0],
        reasons=reasons,
        outputs={"report": report_key},
        scores=_scores(state),
    )
    _photo_status(state, deps, "rejected", outcome)
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
    return outcome


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
    outcome = Outcome(
        status="quarantined", reason=reasons[0], reasons=reasons, outputs={"quarantine": prefix}
    )
    _photo_status(state, deps, "quarantined", outcome)
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
    return outcome


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
    outcome = Outcome(status="failed", reason=reason, outputs={"quarantine": prefix})
    _photo_status(state, deps, "failed", outcome)
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
    return outcome
