"""One reviewer decision with everything routing knew when it sent the photo to review.

A record is written once (`RecordReviewDecision`) and never changed. It keeps
every score component by name (whatever the scorer produced: calibration
never assumes today's signals or weights), the category and its preset, the
marketplaces, the config version and thresholds that routed the photo,
whether it was a spot check, the decision, the corrections, who and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from lightbox.models.stages import PipelineState

SCHEMA = 1

#: Correction keys calibration learns category defaults from (the review API's
#: `lightbox.review.models.Corrections`): `crop_margin`, a signed nudge of the
#: product's fill of the frame (+0.05 = more product, less margin); `cutout`,
#: "too_tight" (the cut-out clips the product: grow it) or "too_loose" (it keeps
#: background: shrink it). Other keys (title, bullets, category) are kept, not learned.
NUMERIC_CORRECTIONS = ("crop_margin",)
CHOICE_CORRECTIONS = {"cutout": ("too_tight", "too_loose")}


class FeedbackRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_: int = Field(default=SCHEMA, alias="schema")
    task_id: str
    execution_name: str
    decided_at: str  # ISO 8601, UTC
    reviewer: str
    level: int = 0
    decision: Literal["approved", "rejected", "corrected"]
    reason: str = ""
    corrections: dict[str, Any] = Field(default_factory=dict)
    # what routing used
    category: str
    preset: str = ""
    marketplaces: list[str] = Field(default_factory=list)
    config_version: str = ""
    confidence: float
    components: dict[str, float] = Field(default_factory=dict)
    compliant: bool = True
    auto_threshold: float | None = None
    review_threshold: float | None = None
    approval: float | None = None  # calibrated probability, when the config had a model
    spot_check: bool = False
    spot_check_rate: float = 0.0
    seller: str = ""
    sku: str = ""
    key: str = ""

    @property
    def approved(self) -> bool:
        """Publishable as it was: a correction means auto-publish would have been wrong."""
        return self.decision == "approved"

    @property
    def weight(self) -> float:
        """How many routed photos this record stands for (spot checks sample 1 in 1/rate)."""
        if self.spot_check and self.spot_check_rate > 0:
            return 1.0 / self.spot_check_rate
        return 1.0

    def item(self) -> dict[str, Any]:
        """The stored form (review table, `pk = feedback#{category}`)."""
        return {
            "pk": f"feedback#{self.category}",
            "sk": f"{self.decided_at}#{self.task_id}",
            **self.model_dump(mode="json", by_alias=True),
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> FeedbackRecord:
        return cls.model_validate(dict(item))


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
