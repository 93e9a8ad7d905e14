"""The review API's request and response models: the contract served as /openapi.json."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lightbox.models.product import Category

TaskStatus = Literal["pending", "decided", "escalated", "expired"]
DecisionVerb = Literal["approve", "reject", "correct"]
Decided = Literal["approved", "rejected", "corrected"]
DECISION_OF_VERB: dict[str, Decided] = {
    "approve": "approved",
    "reject": "rejected",
    "correct": "corrected",
}

MAX_TITLE = 200
MAX_BULLETS = 5
MAX_BULLET = 250
MAX_DESCRIPTION = 2000
MAX_REASON = 1000
MAX_MARGIN_NUDGE = 0.10


def _clean(text: str) -> str:
    """Printable text only: control characters would end up in feeds and the audit trail."""
    if any(ord(c) < 32 and c not in "\t" for c in text):
        raise ValueError("control characters are not allowed")
    return text.strip()


class Corrections(BaseModel):
    """What a reviewer changes. Pixel corrections (`crop_margin`, `cutout`) re-render."""

    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    bullets: list[str] | None = Field(default=None, max_length=MAX_BULLETS)
    description: str | None = Field(default=None, min_length=1, max_length=MAX_DESCRIPTION)
    crop_margin: float | None = Field(
        default=None,
        ge=-MAX_MARGIN_NUDGE,
        le=MAX_MARGIN_NUDGE,
        description="Nudge of the product's fill of the frame: +0.05 = 5 points more product, "
        "less white margin; negative = more margin.",
    )
    cutout: Literal["too_tight", "too_loose"] | None = Field(
        default=None,
        description="too_tight: the cut-out clips the product (grow it); too_loose: it keeps "
        "background around the product (shrink it).",
    )

    @field_validator("title", "description")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _clean(value)

    @field_validator("bullets")
    @classmethod
    def _bullets(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [_clean(b) for b in value]
        if any(not b or len(b) > MAX_BULLET for b in cleaned):
            raise ValueError(f"each bullet is 1-{MAX_BULLET} characters")
        return cleaned

    def changes_pixels(self) -> bool:
        return bool(self.crop_margin) or self.cutout is not None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: DecisionVerb
    reason: str = Field(default="", max_length=MAX_REASON)
    corrections: Corrections | None = None

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return _clean(value)


class DecisionResponse(BaseModel):
    task_id: str
    decision: Literal["approved", "rejected", "corrected"]
    changed: bool = Field(description="False when the same decision had already been recorded.")
    status: TaskStatus


class TaskSummary(BaseModel):
    task_id: str
    status: TaskStatus
    level: int
    assignee: str
    seller: str
    sku: str
    category: str
    confidence: float
    created_at: str
    expires_at: str = Field(description="When this level escalates (ISO 8601, UTC).")
    reasons: list[str] = Field(default_factory=list)


class TaskPage(BaseModel):
    items: list[TaskSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; absent on the last page."
    )


class ScoreDetail(BaseModel):
    name: str
    value: float
    weight: float | None = Field(
        default=None, description="Weight in the confidence; None = not weighted."
    )
    reason: str


class RenderDetail(BaseModel):
    marketplace: str
    url: str | None = None
    compliant: bool
    failures: list[str] = Field(default_factory=list)
    fixes: list[str] = Field(default_factory=list, description="What would make it compliant.")


class ListingDraft(BaseModel):
    title: str = ""
    bullets: list[str] = Field(default_factory=list)
    description: str = ""
    per_marketplace_titles: dict[str, str] = Field(default_factory=dict)


class DecisionRecord(BaseModel):
    decision: str
    reviewer: str
    reason: str = ""
    decided_at: str = ""


class TaskDetail(TaskSummary):
    execution_name: str
    key: str
    confidence_thresholds: dict[str, float] = Field(default_factory=dict)
    compliant: bool = True
    scores: list[ScoreDetail] = Field(default_factory=list)
    original_url: str | None = None
    cutout_url: str | None = Field(default=None, description="PNG with alpha, when produced.")
    studio_url: str | None = None
    renders: list[RenderDetail] = Field(default_factory=list)
    listing: ListingDraft = Field(default_factory=ListingDraft)
    can_decide: bool = Field(description="Your level may decide this task and it is still open.")
    approvable: bool = Field(description="Approve would publish: every render is compliant.")
    blocking: list[str] = Field(
        default_factory=list, description="Why approve cannot publish, and what would fix it."
    )
    decision: DecisionRecord | None = None
    links_expire_in: int = Field(description="Seconds the presigned URLs stay valid.")


class ErrorBody(BaseModel):
    status: int
    message: str
    field: str | None = Field(default=None, description="The request field at fault, if one is.")


class ErrorResponse(BaseModel):
    error: ErrorBody
