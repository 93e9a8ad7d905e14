"""The small JSON documents passed between states (keys and numbers, never pixels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lightbox.models.product import Marketplace, ProductMetadata

Status = Literal["published", "in_review", "rejected", "quarantined", "failed", "unchanged"]


class _State(BaseModel):
    # Each handler reads only its part of the state; the rest passes through.
    model_config = ConfigDict(extra="ignore")


class PhotoRef(_State):
    """The uploaded object one execution is about (the execution's input)."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    seller: str
    sku: str
    filename: str
    key_error: str | None = None  # set when the key broke the upload contract
    #: Why this run processes the upload even if it is unchanged (a reprocess run, a
    #: replay): set by whoever starts it, never by an upload. See `ContentIndex.claim`.
    reprocess: str | None = None


class ExecutionRef(_State):
    id: str
    name: str


class ValidationOutput(_State):
    ok: bool
    reasons: list[str] = Field(default_factory=list)
    format: str | None = None
    width: int = 0
    height: int = 0
    metrics: dict[str, float] = Field(default_factory=dict)
    sha256: str | None = None
    working_key: str | None = None
    product: ProductMetadata = Field(default_factory=ProductMetadata)
    product_source: Literal["product.json", "defaults"] = "defaults"
    extras: list[str] = Field(default_factory=list)  # studio extras requested
    #: The same content at the same key was already processed by this run: nothing to do.
    unchanged: bool = False
    unchanged_of: str | None = None
    #: The earlier run at this key (other content, or a forced reprocess), now superseded.
    supersedes: str | None = None


class SegmentOutput(_State):
    mask_key: str
    #: The transparent cut-out (RGBA PNG, working size): `cutouts/{seller}/{sku}/{stem}.png`.
    cutout_key: str | None = None
    confidence: float
    coverage: float
    bbox: list[int] | None = None
    method: str
    #: The product's colours from its own pixels (the mask), for the listing copy.
    colours: list[Colour] = Field(default_factory=list)


class Colour(_State):
    name: str
    hex: str
    share: float


class AttributesOutput(_State):
    colours: list[Colour] = Field(default_factory=list)
    brightness: float = 0.0
    colourfulness: float = 0.0


class ListingCopy(_State):
    title: str
    bullets: list[str]
    description: str
    per_marketplace_titles: dict[str, str] = Field(default_factory=dict)


class AnalysisOutput(_State):
    segment: SegmentOutput
    attributes: AttributesOutput
    copy_: ListingCopy = Field(alias="copy")


class StudioOutput(_State):
    studio_key: str
    cutout_key: str
    fill_ratio: float
    background_purity: float
    styled_key: str = ""  # the category's optional coloured/gradient backdrop
    look: str = "general"
    specular_fraction: float = 0.0


class ComplianceOutput(_State):
    ok: bool
    failures: list[str] = Field(default_factory=list)
    measured: dict[str, float | int | str] = Field(default_factory=dict)


class RenderOutput(_State):
    marketplace: Marketplace
    key: str
    width: int
    height: int
    bytes: int
    content_type: str
    compliance: ComplianceOutput


class ExtraOutput(_State):
    """One studio extra's result; a failed extra never blocks the listing."""

    name: str
    ok: bool
    reason: str = ""
    outputs: dict[str, str] = Field(default_factory=dict)  # label -> S3 key


class Thresholds(_State):
    auto: float = Field(ge=0, le=1)
    review: float = Field(ge=0, le=1)


class ScoreOutput(_State):
    confidence: float
    compliant: bool
    components: dict[str, float]
    reasons: list[str] = Field(default_factory=list)
    category: str
    thresholds: Thresholds
    config_version: str
    # What RouteByConfidence follows (lightbox.learning.routing.decide_route).
    route: Literal["publish", "review", "reject"] = "review"
    approval: float | None = None  # calibrated p(approve), when the config had a model
    spot_check: bool = False  # would have auto-published; reviewed to measure precision
    spot_check_rate: float = 0.0  # the share in force when it was chosen


class ReviewDecision(_State):
    """What a reviewer sends back through the task token."""

    decision: Literal["approved", "rejected", "corrected"]
    reviewer: str
    reason: str = ""
    # category, title, description (text), bullets (list), crop_margin (number), cutout
    # ("too_tight" | "too_loose"): lightbox.review.models.Corrections validates them.
    corrections: dict[str, Any] = Field(default_factory=dict)
    task_id: str


class EscalationOutput(_State):
    level: int
    exhausted: bool


class PipelineState(_State):
    """The whole execution state as the handlers see it (fields appear stage by stage)."""

    photo: PhotoRef
    execution: ExecutionRef
    validation: ValidationOutput | None = None
    analysis: AnalysisOutput | None = None
    studio: StudioOutput | None = None
    renders: list[RenderOutput] | None = None
    extras: list[ExtraOutput] | None = None
    score: ScoreOutput | None = None
    review: ReviewDecision | None = None
    escalation: EscalationOutput | None = None
    error: dict[str, str] | None = None
    # Set when PublishListing refused a render that fails its marketplace's rules
    # (the Catch of NotCompliantError: {"Error", "Cause"}); RejectPhoto then explains.
    publish_refused: dict[str, str] | None = None
    config: dict[str, Any] | None = None

    @property
    def config_version(self) -> str | None:
        """The thresholds version that scored this run (None before scoring)."""
        return self.score.config_version if self.score else None


class Outcome(_State):
    """A terminal stage's result: the execution's output."""

    status: Status
    reason: str = ""
    reasons: list[str] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict)


# ----------------------------------------------------------- task inputs that are not the state


class RenderRequest(_State):
    """One RenderForMarketplaces Map iteration: which marketplace, from which studio image."""

    marketplace: Marketplace
    studio: StudioOutput
    photo: PhotoRef
    execution: ExecutionRef


class ExtraRequest(_State):
    """One ProduceStudioExtras Map iteration: which extra, from which images."""

    name: str
    photo: PhotoRef
    execution: ExecutionRef
    product: ProductMetadata
    working_key: str
    mask_key: str
    studio: StudioOutput

    @classmethod
    def for_state(cls, state: PipelineState, name: str) -> ExtraRequest:
        """The item ProduceStudioExtras' ItemSelector builds for `name` from the state."""
        if state.validation is None or state.analysis is None or state.studio is None:
            raise ValueError("an extra needs the validated, analysed and enhanced photo")
        return cls(
            name=name,
            photo=state.photo,
            execution=state.execution,
            product=state.validation.product,
            working_key=state.validation.working_key or "",
            mask_key=state.analysis.segment.mask_key,
            studio=state.studio,
        )


class ReviewRequest(_State):
    """WaitForReview's payload: the task token, when the wait began, and the state."""

    token: str
    entered_at: datetime | None = None  # $$.State.EnteredTime: the level's timer starts here
    state: PipelineState


class ReviewOpened(_State):
    """RequestReview's answer (for its log line; the execution waits on the token): the
    task it stored, who it is assigned to and when that level times out."""

    task_id: str
    assignee: str
    level: int
    expires_at: str


class CalibrateRequest(_State):
    """What starts Calibrate: a scheduled EventBridge event (`source` aws.events) or an
    on-demand request from `lightbox calibrate`."""

    source: str = ""
    actor: str = ""
    dry_run: bool = False


class ListedObject(_State):
    """One ListObjectsV2 entry as a Distributed Map item hands it over (AWS spells the
    tag `Etag`, some emulators `ETag`; LastModified is epoch seconds or ISO 8601)."""

    key: str = Field(alias="Key")
    etag: str | None = Field(default=None, alias="Etag")
    etag_upper: str | None = Field(default=None, alias="ETag")
    size: int | None = Field(default=None, alias="Size")
    last_modified: Any = Field(default=None, alias="LastModified")


class ReprocessScope(_State):
    """A reprocess run's input: which originals to run again."""

    seller: str
    sku: str | None = None
    since: str | None = None


class ReprocessItem(_State):
    """PlanReprocess's input: one listed object of a reprocess run's Distributed Map."""

    object: ListedObject
    bucket: str
    run: str
    request: ReprocessScope | None = None


class ReprocessPlan(BaseModel):
    """PlanReprocess's answer: skip the object (with the reason) or start a pipeline
    run under `name` with `input`. Dumped without the fields that are None."""

    action: Literal["skip", "start"]
    key: str
    reason: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None
