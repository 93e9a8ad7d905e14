"""The review API: list, read and decide review tasks over REST (API Gateway v1).

Built with Powertools' `APIGatewayRestResolver` and the pydantic models of
`lightbox.review.models`; `GET /openapi.json` is generated from these routes.
The reviewer's name and level come from the authorizer context (the signed
token, `lightbox.review.tokens`), never from the request. Every client mistake
is a 4xx with a JSON body `{"error": {"status", "message", "field"}}`:

* 400 unreadable JSON or a bad query value; 422 a body that breaks the schema
  (the field is named);
* 401 no identity from the authorizer; 403 the task's level is above yours;
* 404 no such task; 409 already decided otherwise, or approve of a render that
  cannot publish; 410 the task expired or was escalated.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any, Protocol

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Query

from lightbox.keys import parse_photo_key
from lightbox.models.review_task import RenderCompliance, ReviewTask
from lightbox.review.explain import fixes_for, score_reasons
from lightbox.review.models import (
    DECISION_OF_VERB,
    DecisionRecord,
    DecisionRequest,
    DecisionResponse,
    ListingDraft,
    RenderDetail,
    ScoreDetail,
    TaskDetail,
    TaskPage,
    TaskStatus,
    TaskSummary,
)
from lightbox.review.service import (
    AlreadyDecidedError,
    LevelTooLowError,
    ReviewError,
    ReviewService,
    TaskClosedError,
    TaskNotFoundError,
)

LINK_SECONDS = 300
PAGE_MAX = 100
TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
SCORE_WEIGHTS: Mapping[str, float] = {
    "segmentation": 0.35,
    "sharpness": 0.25,
    "exposure": 0.20,
    "framing": 0.20,
}


class TaskReader(Protocol):
    def get_task(self, task_id: str) -> dict[str, Any] | None: ...
    def task_page(
        self,
        status: str,
        limit: int,
        start_key: dict[str, Any] | None,
        filters: Mapping[str, Any],
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]: ...


class Links(Protocol):
    def exists(self, key: str) -> bool: ...
    def presign_get(self, key: str, version_id: str | None, expires: int) -> str: ...


@dataclass(frozen=True)
class ApiDeps:
    tasks: TaskReader
    service: ReviewService
    links: Links
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@dataclass(frozen=True)
class Reviewer:
    name: str
    level: int


def _error(status: int, message: str, field: str | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"status": status, "message": message, "field": field}}),
    )


def _field(loc: Any) -> str:
    parts = [str(p) for p in (loc or ()) if p != "body" and not isinstance(p, int)]
    return ".".join(parts) or "body"


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise ApiError(400, "The cursor is not one this API returned.", "cursor") from exc
    allowed = {"pk", "sk", "status", "created_at"}
    if (
        not isinstance(raw, dict)
        or not set(raw) <= allowed
        or not all(isinstance(v, str) and len(v) <= 300 for v in raw.values())
    ):
        raise ApiError(400, "The cursor is not one this API returned.", "cursor")
    return raw


def _summary(task: ReviewTask) -> TaskSummary:
    return TaskSummary(
        task_id=task.task_id,
        status=task.status,
        level=task.level,
        assignee=task.assignee,
        seller=task.seller,
        sku=task.sku,
        category=task.category,
        confidence=task.confidence,
        created_at=task.created_at,
        expires_at=task.expires_at,
        reasons=list(task.reasons),
    )


def _cutout_key(task: ReviewTask) -> str | None:
    """The task's cut-out key; tasks opened before it was recorded get the same key from
    the photo's key (PhotoKey.output_prefix("cutouts") + ".png", as the segment stage)."""
    if task.cutout_key:
        return task.cutout_key
    try:
        return parse_photo_key(task.key).output_prefix("cutouts") + ".png"
    except ValueError:
        return None


def task_detail(task: ReviewTask, reviewer: Reviewer, deps: ApiDeps) -> TaskDetail:
    links = deps.links

    def link(key: str | None, version_id: str | None = None) -> str | None:
        return links.presign_get(key, version_id, LINK_SECONDS) if key else None

    renders = []
    blocking: list[str] = []
    for marketplace, key in sorted(task.renders.items()):
        report = task.compliance.get(marketplace, RenderCompliance())
        failures = list(report.failures)
        fixes = fixes_for(failures)
        renders.append(
            RenderDetail(
                marketplace=marketplace,
                url=link(key),
                compliant=report.ok,
                failures=failures,
                fixes=fixes,
            )
        )
        blocking += [f"{f} Fix: {' '.join(fixes)}" for f in failures[:1]] + failures[1:]
    cutout = _cutout_key(task)
    components = task.components or {"confidence": task.confidence}
    status = task.status
    decided = (
        DecisionRecord(
            decision=task.decision or "",
            reviewer=task.reviewer or "",
            reason=task.reason or "",
            decided_at=task.decided_at or "",
        )
        if status == "decided"
        else None
    )
    return TaskDetail(
        **_summary(task).model_dump(),
        execution_name=task.execution_name,
        key=task.key,
        confidence_thresholds=dict(task.thresholds),
        compliant=not blocking,
        scores=[ScoreDetail(**row) for row in score_reasons(components, SCORE_WEIGHTS)],  # type: ignore[arg-type]
        original_url=link(task.key, task.version_id or None),
        cutout_url=link(cutout) if cutout and links.exists(cutout) else None,
        studio_url=link(task.studio_key),
        renders=renders,
        listing=ListingDraft(**task.listing.model_dump()),
        can_decide=status == "pending" and reviewer.level >= task.level,
        approvable=not blocking,
        blocking=blocking,
        decision=decided,
        links_expire_in=LINK_SECONDS,
    )


def _static(name: str) -> str:
    return resources.files("lightbox.review").joinpath("static", name).read_text("utf-8")


def build_app(get_deps: Callable[[], ApiDeps]) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    app.configure_openapi(
        title="Lightbox review API",
        version="1",
        description=__doc__,
        security_schemes={"reviewerToken": HTTPBearer(bearerFormat="lbr1 (lightbox review token)")},
    )
    bearer: list[dict[str, list[str]]] = [{"reviewerToken": []}]

    def reviewer() -> Reviewer:
        context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
        name, level = context.get("reviewer"), context.get("level")
        if not name or level is None or not str(level).isdigit():
            raise ApiError(401, "A reviewer token is required (Authorization: Bearer ...).")
        return Reviewer(str(name), int(level))

    def load(task_id: str) -> ReviewTask:
        if not TASK_ID.fullmatch(task_id):
            raise ApiError(404, f"No review task {task_id!r}.", "task_id")
        found = get_deps().tasks.get_task(task_id)
        if found is None:
            raise ApiError(404, f"No review task {task_id!r}.", "task_id")
        return ReviewTask.from_item(found).model_copy(update={"token": ""})

    def _api_error(exc: ApiError) -> Response[str]:
        return _error(exc.status, exc.message, exc.field)

    def _invalid(exc: RequestValidationError) -> Response[str]:
        errors = exc.errors()
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":
            return _error(400, "The body is not valid JSON.", "body")
        loc = tuple(first.get("loc", ()))
        if loc and loc[0] == "query":
            return _error(400, f"{first.get('msg', 'invalid value')}.", _field(loc[1:]))
        return _error(422, f"{_field(loc)}: {first.get('msg', 'invalid value')}.", _field(loc))

    def _not_found(_exc: Exception) -> Response[str]:
        return _error(404, "No such route; see /openapi.json.")

    # Registered by call, not as decorators: Powertools' decorators are untyped.
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.not_found(_not_found)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi() -> Any:  # Any: Powertools would build a schema from Response
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=app.get_openapi_json_schema(
                title="Lightbox review API", version="1", security=bearer
            ),
        )

    @app.get("/", include_in_schema=False)
    def page() -> Any:
        return Response(
            status_code=200, content_type="text/html; charset=utf-8", body=_static("index.html")
        )

    @app.get("/static/<name>", include_in_schema=False)
    def static(name: str) -> Any:
        if name not in STATIC_FILES:
            raise ApiError(404, "No such file.")
        return Response(
            status_code=200,
            content_type=f"{STATIC_FILES[name]}; charset=utf-8",
            body=_static(name),
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/tasks", security=bearer, summary="List review tasks (paged)")
    def list_tasks(
        status: Annotated[TaskStatus, Query()] = "pending",
        level: Annotated[int | None, Query(ge=0, le=2)] = None,
        category: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
        seller: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 25,
        cursor: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> TaskPage:
        reviewer()
        filters = {"level": level, "category": category, "seller": seller}
        items, last = get_deps().tasks.task_page(
            status,
            limit,
            decode_cursor(cursor),
            {k: v for k, v in filters.items() if v is not None},
        )
        return TaskPage(
            items=[_summary(ReviewTask.from_item(t)) for t in items],
            next_cursor=encode_cursor(last),
        )

    @app.get("/tasks/<task_id>", security=bearer, summary="One task: scores, images, listing draft")
    def get_task(task_id: str) -> TaskDetail:
        who = reviewer()
        return task_detail(load(task_id), who, get_deps())

    @app.post("/tasks/<task_id>/decision", security=bearer, summary="Approve, reject or correct")
    def decide(task_id: str, body: DecisionRequest) -> DecisionResponse:
        who = reviewer()
        task = load(task_id)
        decision = DECISION_OF_VERB[body.decision]
        if decision == "rejected" and not body.reason:
            raise ApiError(
                422, "Say why the photo is rejected: the seller needs a reason.", "reason"
            )
        corrections = body.corrections.model_dump(exclude_none=True) if body.corrections else {}
        if decision == "corrected" and not corrections:
            raise ApiError(422, "A correction needs at least one change.", "corrections")
        if decision != "corrected" and corrections:
            raise ApiError(422, "Corrections go with decision 'correct'.", "corrections")
        detail = task_detail(task, who, get_deps())
        if decision == "approved" and not detail.approvable and task.status == "pending":
            raise ApiError(
                409,
                "This listing cannot be published as it is: "
                + " ".join(detail.blocking)
                + " Reject it, or correct it so the renders are redone.",
                "decision",
            )
        try:
            result = get_deps().service.decide(
                task_id,
                decision,
                who.name,
                body.reason,
                corrections,
                reviewer_level=who.level,
            )
        except TaskNotFoundError as exc:
            raise ApiError(404, str(exc), "task_id") from exc
        except LevelTooLowError as exc:
            raise ApiError(403, str(exc)) from exc
        except AlreadyDecidedError as exc:
            raise ApiError(409, str(exc), "decision") from exc
        except TaskClosedError as exc:
            raise ApiError(410, str(exc)) from exc
        except ReviewError as exc:
            raise ApiError(422, str(exc)) from exc
        return DecisionResponse(
            task_id=result.task_id,
            decision=decision,
            changed=result.changed,
            status="decided",
        )

    return app
