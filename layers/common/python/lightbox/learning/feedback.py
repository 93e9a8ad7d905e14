"""One reviewer decision with everything routing knew when it sent the photo to review.

A record is written once (`RecordReviewDecision`) and never changed. It keeps
every score component by name (whatever the scorer produced: calibration
never assumes today's signals or weights), the category and its preset, the
marketplaces, the config version and thresholds that routed the photo,
whether it was a spot check, the decision, the corrections, who and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = 1

#: Correction keys calibration can learn category defaults from. `margin`:
#: a nudge of the framing fill (signed number, e.g. "-0.03" = more margin);
#: `cutout`: "tight" (the cut-out eats into the product) or "loose" (it keeps
#: background). Other keys (title, bullets, category) are kept but not learned.
NUMERIC_CORRECTIONS = ("margin",)
CHOICE_CORRECTIONS = {"cutout": ("tight", "loose")}


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
    corrections: dict[str, str] = Field(default_factory=dict)
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
