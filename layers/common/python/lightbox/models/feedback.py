"""The review table's feedback item: one reviewer decision with what routing knew.

Written once by `RecordReviewDecision` (`lightbox.learning.feedback` builds it
from the execution state), never changed, read by calibration
(`lightbox.learning.calibrate`). pk `feedback#{category}`, sk `{decided_at}#{task_id}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA = 1


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
