"""One reviewer decision with everything routing knew when it sent the photo to review.

A record is written once (`RecordReviewDecision`) and never changed. It keeps
every score component by name (whatever the scorer produced: calibration
never assumes today's signals or weights), the category and its preset, the
marketplaces, the config version and thresholds that routed the photo,
whether it was a spot check, the decision, the corrections, who and when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lightbox.models.feedback import FeedbackRecord

if TYPE_CHECKING:
    from lightbox.models.stages import PipelineState

#: Correction keys calibration learns category defaults from (the review API's
#: `lightbox.review.models.Corrections`): `crop_margin`, a signed nudge of the
#: product's fill of the frame (+0.05 = more product, less margin); `cutout`,
#: "too_tight" (the cut-out clips the product: grow it) or "too_loose" (it keeps
#: background: shrink it). Other keys (title, bullets, category) are kept, not learned.
NUMERIC_CORRECTIONS = ("crop_margin",)
CHOICE_CORRECTIONS = {"cutout": ("too_tight", "too_loose")}


def feedback_from_state(state: PipelineState, decided_at: str) -> FeedbackRecord:
    """The record of the review decision in `state` (after `RecordReviewDecision`'s input)."""
    if state.review is None or state.score is None:
        raise ValueError("a feedback record needs the score and the review decision")
    decision, score = state.review, state.score
    product = state.validation.product if state.validation else None
    marketplaces: list[str] = [r.marketplace for r in state.renders or []] or (
        list(product.marketplaces) if product else []
    )
    return FeedbackRecord(
        task_id=decision.task_id,
        execution_name=state.execution.name,
        decided_at=decided_at,
        reviewer=decision.reviewer,
        level=state.escalation.level if state.escalation else 0,
        decision=decision.decision,
        reason=decision.reason,
        corrections=dict(decision.corrections),
        category=score.category,
        preset=state.studio.look if state.studio else score.category,
        marketplaces=marketplaces,
        config_version=score.config_version,
        confidence=score.confidence,
        components=dict(score.components),
        compliant=score.compliant,
        auto_threshold=score.thresholds.auto,
        review_threshold=score.thresholds.review,
        approval=score.approval,
        spot_check=score.spot_check,
        spot_check_rate=score.spot_check_rate,
        seller=state.photo.seller,
        sku=state.photo.sku,
        key=state.photo.key,
    )
