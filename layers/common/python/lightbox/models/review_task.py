"""The review table's task item: what `request_review` stores and the review API, page,
CLI and escalation read (pk `task#<execution>.L<level>`, sk `task`).

The task token is part of the item (the execution waits on it) and of nothing
else: `public()` is the item without it, for lists, logs and the API. Items are
read back tolerant of fields a newer version added (`extra="ignore"`), so a
rolling deploy never fails on a task the other version wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskStatus = Literal["pending", "decided", "escalated", "expired"]
Decided = Literal["approved", "rejected", "corrected"]


def task_pk(task_id: str) -> str:
    return f"task#{task_id}"


TASK_SK = "task"


class RenderCompliance(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ok: bool = True
    failures: list[str] = Field(default_factory=list)


class TaskListing(BaseModel):
    """The drafted copy shown beside the images (what a correction may change)."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    bullets: list[str] = Field(default_factory=list)
    description: str = ""
    per_marketplace_titles: dict[str, str] = Field(default_factory=dict)


class ReviewTask(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task_id: str
    status: TaskStatus = "pending"
    token: str = Field(default="", repr=False)
    level: int = 0
    assignee: str = ""
    created_at: str = ""
    #: When Step Functions times this level out (counted from the wait state's entry).
    expires_at: str = ""
    execution_id: str = ""
    execution_name: str = ""
    seller: str = ""
    sku: str = ""
    key: str = ""
    version_id: str = ""
    category: str = "general"
    confidence: float = 0.0
    reasons: list[str] = Field(default_factory=list)
    #: Would have auto-published: a random sample that measures auto-publish precision.
    spot_check: bool = False
    renders: dict[str, str] = Field(default_factory=dict)
    studio_key: str = ""
    #: The transparent cut-out the segment stage keeps (cutouts/{seller}/{sku}/{stem}.png).
    cutout_key: str = ""
    components: dict[str, float] = Field(default_factory=dict)
    thresholds: dict[str, Any] = Field(default_factory=dict)
    compliance: dict[str, RenderCompliance] = Field(default_factory=dict)
    listing: TaskListing = Field(default_factory=TaskListing)
    # Set by the transitions (ReviewStore.transition):
    decision: Decided | None = None
    reviewer: str | None = None
    reason: str | None = None
    decided_at: str | None = None
    escalated_at: str | None = None
    expired_reason: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ReviewTask:
        return cls.model_validate(dict(item))

    def item(self) -> dict[str, Any]:
        """The DynamoDB item (keys included, unset transition fields left out)."""
        body = self.model_dump(mode="json", exclude_none=True)
        return {"pk": task_pk(self.task_id), "sk": TASK_SK, **body}

    def public(self) -> dict[str, Any]:
        """The item without its task token: for lists, logs and the review API."""
        body = self.item()
        body.pop("token", None)
        return body
