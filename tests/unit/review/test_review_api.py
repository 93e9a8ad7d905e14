"""The review API's contract, driven through the Powertools resolver with API Gateway events."""

import json
from datetime import UTC, datetime

import pytest

from lightbox.review.api import ApiDeps, build_app
from lightbox.review.service import ReviewService, TokenExpiredError

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


class Store:
    def __init__(self):
        self.tasks: dict[str, dict] = {}

    def put_task(self, item):
        self.tasks[item["task_id"]] = dict(item)

    def get_task(self, task_id):
        return dict(self.tasks[task_id]) if task_id in self.tasks else None

    def transition(self, task_id, from_status, to_status, fields):
        task = self.tasks.get(task_id)
        if not task or task["status"] != from_status:
            return False
        task.update(fields, status=to_status)
        return True

    def tasks_with_status(self, status, limit=100):
        return [dict(t) for t in self.tasks.values() if t["status"] == status][:limit]

    def task_page(self, status, limit, start_key, filters):
        items = sorted(
            (t for t in self.tasks.values() if t["status"] == status),
            key=lambda t: t["created_at"],
        )
        items = [t for t in items if all(t.get(k) == v for k, v in filters.items())]
        if start_key:
            items = [t for t in items if t["created_at"] > start_key["created_at"]]
        page = items[:limit]
        more = len(items) > limit
        last = page[-1] if more else None
        keys = ("pk", "sk", "status", "created_at")
        return [dict(t) for t in page], ({k: last[k] for k in keys} if last else None)


class Tokens:
    def __init__(self):
        self.sent = []
        self.expired = False

    def succeed(self, token, output):
        if self.expired:
            raise TokenExpiredError("TaskTimedOut")
        self.sent.append((token, output))


class Links:
    def __init__(self, existing=()):
        self.existing = set(existing)

    def exists(self, key):
        return key in self.existing

    def presign_get(self, key, version_id, expires):
        return f"https://signed.example/{key}?v={version_id}&e={expires}"


def _task(n: int, level: int = 0, compliant: bool = True, **extra) -> dict:
    task_id = f"exec-{n}.L{level}"
    return {
        "pk": f"task#{task_id}",
        "sk": "task",
        "task_id": task_id,
        "status": "pending",
        "token": f"secret-token-{n}",
        "level": level,
        "assignee": ["reviewers", "leads", "owners"][level],
        "created_at": f"2026-01-01T10:00:{n:02d}+00:00",
        "expires_at": "2026-01-01T13:00:00+00:00",
        "execution_name": f"exec-{n}",
        "seller": "acme",
        "sku": f"MUG-{n}",
        "key": f"incoming/acme/MUG-{n}/front.jpg",
        "version_id": "v1",
        "category": "home_decor",
        "confidence": 0.7,
        "components": {"segmentation": 0.5, "sharpness": 0.9, "exposure": 0.8, "framing": 1.0},
        "reasons": ["The product could not be separated cleanly"],
        "renders": {"amazon": f"renders/acme/MUG-{n}/front/amazon.jpg"},
        "compliance": {
            "amazon": {"ok": True, "failures": []}
            if compliant
            else {
                "ok": False,
                "failures": [
                    "Amazon: product fills 70% of the frame; the main image needs at least 85%."
                ],
            }
        },
        "listing": {"title": "Stoneware mug", "bullets": ["350 ml"], "description": "A mug."},
        "studio_key": f"work/exec-{n}/studio.jpg",
        **extra,
    }


@pytest.fixture
def api():
    store, tokens = Store(), Tokens()
    deps = ApiDeps(
        tasks=store,
        service=ReviewService(store, tokens, clock=lambda: NOW),
        links=Links({"cutouts/acme/MUG-1/front.png"}),
        clock=lambda: NOW,
    )
    app = build_app(lambda: deps)

    def call(method, path, body=None, reviewer="ana", level=0, query=None, raw_body=None):
        resource = path
        params = None
        if path.startswith("/tasks/") and path.endswith("/decision"):
            resource, params = "/tasks/{task_id}/decision", {"task_id": path.split("/")[2]}
        elif path.startswith("/tasks/"):
            resource, params = "/tasks/{task_id}", {"task_id": path.split("/")[2]}
        context = {"stage": "api", "requestId": "r", "resourcePath": resource, "httpMethod": method}
        if reviewer is not None:
            context["authorizer"] = {
                "principalId": reviewer,
                "reviewer": reviewer,
                "level": str(level),
            }
        event = {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
            "pathParameters": params,
            "requestContext": context,
            "body": raw_body
            if raw_body is not None
            else (json.dumps(body) if body is not None else None),
            "isBase64Encoded": False,
        }
        response = app.resolve(event, None)
        text = response["body"]
        try:
            payload = json.loads(text)
        except (TypeError, ValueError):
            payload = text
        return response["statusCode"], payload

    call.store, call.tokens = store, tokens
    return call


def test_given_pending_tasks_when_listed_then_paged_without_tokens(api):
    for n in range(1, 4):
        api.store.put_task(_task(n))

    status, first = api("GET", "/tasks", query={"limit": "2"})
    status2, second = api("GET", "/tasks", query={"limit": "2", "cursor": first["next_cursor"]})

    assert (status, status2) == (200, 200)
    assert [t["sku"] for t in first["items"] + second["items"]] == ["MUG-1", "MUG-2", "MUG-3"]
    assert second["next_cursor"] is None
    assert "token" not in json.dumps(first)


def test_given_filters_when_listed_then_only_matching_tasks(api):
    api.store.put_task(_task(1, level=0))
    api.store.put_task(_task(2, level=1))

    _, page = api("GET", "/tasks", query={"level": "1", "category": "home_decor", "seller": "acme"})

    assert [t["task_id"] for t in page["items"]] == ["exec-2.L1"]


def test_given_a_task_when_read_then_scores_have_reasons_and_links_are_presigned(api):
    api.store.put_task(_task(1))

    status, task = api("GET", "/tasks/exec-1.L0")

    assert status == 200
    assert task["original_url"].endswith("incoming/acme/MUG-1/front.jpg?v=v1&e=300")
    assert task["cutout_url"].startswith("https://signed.example/cutouts/acme/MUG-1/front.png")
    assert task["renders"][0]["url"].startswith("https://signed.example/renders/")
    assert {s["name"] for s in task["scores"]} >= {"segmentation", "sharpness"}
    assert all(s["reason"] for s in task["scores"])
    assert task["listing"]["title"] == "Stoneware mug"
    assert task["expires_at"] == "2026-01-01T13:00:00+00:00"
    assert task["can_decide"] and task["approvable"]
    assert "token" not in json.dumps(task)


def test_given_no_cutout_when_read_then_the_link_is_omitted(api):
    api.store.put_task(_task(2))
    _, task = api("GET", "/tasks/exec-2.L0")
    assert task["cutout_url"] is None


def test_given_an_approval_when_decided_then_the_token_carries_the_credential_identity(api):
    api.store.put_task(_task(1))

    status, result = api(
        "POST", "/tasks/exec-1.L0/decision", {"decision": "approve", "reviewer": "mallory"}
    )
    assert status == 422  # no reviewer in the body: identity comes from the token only

    status, result = api("POST", "/tasks/exec-1.L0/decision", {"decision": "approve"})
    assert status == 200
    assert result == {
        "task_id": "exec-1.L0",
        "decision": "approved",
        "changed": True,
        "status": "decided",
    }
    ((token, output),) = api.tokens.sent
    assert token == "secret-token-1" and output["reviewer"] == "ana"


@pytest.mark.parametrize(
    ("body", "raw", "status", "field"),
    [
        (None, "{not json", 400, "body"),
        ({"decision": "maybe"}, None, 422, "decision"),
        ({"decision": "reject"}, None, 422, "reason"),
        ({"decision": "correct"}, None, 422, "corrections"),
        (
            {"decision": "correct", "corrections": {"crop_margin": 0.5}},
            None,
            422,
            "corrections.crop_margin",
        ),
        (
            {"decision": "correct", "corrections": {"colour": "red"}},
            None,
            422,
            "corrections.colour",
        ),
        ({"decision": "approve", "corrections": {"title": "x"}}, None, 422, "corrections"),
    ],
)
def test_given_a_bad_body_when_deciding_then_4xx_naming_the_field(api, body, raw, status, field):
    api.store.put_task(_task(1))

    got, payload = api("POST", "/tasks/exec-1.L0/decision", body, raw_body=raw)

    assert got == status, payload
    assert payload["error"]["field"] == field
    assert api.tokens.sent == []


def test_given_no_identity_when_calling_then_401(api):
    api.store.put_task(_task(1))
    assert api("GET", "/tasks", reviewer=None)[0] == 401
    assert (
        api("POST", "/tasks/exec-1.L0/decision", {"decision": "approve"}, reviewer=None)[0] == 401
    )


def test_given_a_task_above_the_reviewers_level_when_deciding_then_403(api):
    api.store.put_task(_task(1, level=1))

    status, payload = api("POST", "/tasks/exec-1.L1/decision", {"decision": "approve"}, level=0)
    assert status == 403 and "level" in payload["error"]["message"]
    assert api("POST", "/tasks/exec-1.L1/decision", {"decision": "approve"}, level=2)[0] == 200


def test_given_an_unknown_task_when_read_or_decided_then_404(api):
    assert api("GET", "/tasks/nope.L0")[0] == 404
    assert api("GET", "/tasks/..%2Fetc")[0] == 404
    assert api("POST", "/tasks/nope.L0/decision", {"decision": "approve"})[0] == 404


def test_given_a_decided_task_when_decided_otherwise_then_409_and_same_again_is_a_no_op(api):
    api.store.put_task(_task(1))
    api("POST", "/tasks/exec-1.L0/decision", {"decision": "reject", "reason": "crease"})

    again = api("POST", "/tasks/exec-1.L0/decision", {"decision": "reject", "reason": "crease"})
    other = api("POST", "/tasks/exec-1.L0/decision", {"decision": "approve"})

    assert again[0] == 200 and again[1]["changed"] is False
    assert other[0] == 409


def test_given_an_escalated_or_timed_out_task_when_decided_then_410(api):
    api.store.put_task(_task(1, status="escalated"))
    api.store.put_task(_task(2))
    api.tokens.expired = True

    assert api("POST", "/tasks/exec-1.L0/decision", {"decision": "approve"})[0] == 410
    assert api("POST", "/tasks/exec-2.L0/decision", {"decision": "approve"})[0] == 410
    assert api.store.tasks["exec-2.L0"]["status"] == "expired"


def test_given_a_non_compliant_render_when_approved_then_refused_with_why_and_the_fix(api):
    api.store.put_task(_task(1, compliant=False))

    _, task = api("GET", "/tasks/exec-1.L0")
    status, payload = api("POST", "/tasks/exec-1.L0/decision", {"decision": "approve"})

    assert not task["approvable"] and "crop-margin" in task["renders"][0]["fixes"][0]
    assert status == 409
    assert (
        "fills 70%" in payload["error"]["message"] and "crop-margin" in payload["error"]["message"]
    )
    assert api.tokens.sent == []


def test_given_the_resolver_when_asked_then_openapi_lists_the_contract(api):
    status, spec = api("GET", "/openapi.json", reviewer=None)

    assert status == 200
    assert {"/tasks", "/tasks/{task_id}", "/tasks/{task_id}/decision"} <= set(spec["paths"])
    assert "reviewerToken" in spec["components"]["securitySchemes"]
    assert "DecisionRequest" in spec["components"]["schemas"]


def test_given_the_page_when_requested_then_served_without_credentials_and_no_cdn(api):
    status, html = api("GET", "/", reviewer=None)
    js_status, js = api("GET", "/static/app.js", reviewer=None)

    assert status == 200 and js_status == 200
    assert "static/app.js" in html and "http" not in html.split("<body>")[1].split("Paste")[0]
    assert "https://" not in js and "cdn" not in html.lower()
    assert api("GET", "/static/..%2Fapi.py", reviewer=None)[0] == 404
