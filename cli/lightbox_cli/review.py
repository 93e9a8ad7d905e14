"""`lightbox review token|revoke|rotate-key|serve`: reviewer credentials and the local page."""

from __future__ import annotations

import http.server
import time
import urllib.error
import urllib.request
from importlib import resources

from lightbox.adapters.revocations import DynamoRevocations
from lightbox.adapters.signing_keys import SecretSigningKeys
from lightbox_cli.context import StackContext
from lightbox_cli.local_page import QuietHandler

PROXIED = ("/tasks", "/openapi.json")
STATIC = {"app.js": "text/javascript", "app.css": "text/css"}


def _keys(ctx: StackContext) -> SecretSigningKeys:
    return SecretSigningKeys(ctx.outputs["ReviewSigningSecretArn"], ctx.client("secretsmanager"))


def _revocations(ctx: StackContext) -> DynamoRevocations:
    return DynamoRevocations(ctx.outputs["ReviewTableName"], ctx.resource("dynamodb"))


def mint_token(ctx: StackContext, reviewer: str, level: int, ttl_hours: float) -> str:
    from lightbox.review.tokens import mint

    return mint(_keys(ctx).current(), reviewer, level, int(time.time()), int(ttl_hours * 3600))


def revoke(ctx: StackContext, token: str | None, reviewer: str | None, by: str) -> str:
    from lightbox.review.tokens import check_reviewer, peek

    now = int(time.time())
    if token:
        claims = peek(token)
        _revocations(ctx).revoke_token(claims, by, now)
        return f"token {claims.token_id} of {claims.reviewer} revoked"
    assert reviewer
    _revocations(ctx).revoke_reviewer(check_reviewer(reviewer), by, now)
    return f"every token of {reviewer} issued until now revoked"


def rotate_key(ctx: StackContext, retire_previous: bool) -> str:
    kid = _keys(ctx).rotate(retire_previous)
    if retire_previous:
        return f"signing key {kid} is current; every earlier token is invalid"
    return f"signing key {kid} is current; tokens of the previous key work until the next rotation"


def review_api_url(ctx: StackContext) -> str:
    return ctx.outputs["ReviewApiUrl"].rstrip("/")


def _static(name: str) -> bytes:
    return resources.files("lightbox.review").joinpath("static", name).read_bytes()


def make_handler(api_url: str) -> type[http.server.BaseHTTPRequestHandler]:
    """The page's files from the package; API paths forwarded to the deployed review API."""

    class Handler(QuietHandler):
        server_version = "lightbox-review"

        def _proxy(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
            if self.headers.get("Authorization"):
                headers["Authorization"] = self.headers["Authorization"]
            request = urllib.request.Request(
                api_url + self.path, data=body, headers=headers, method=method
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, payload = response.status, response.read()
                    content_type = response.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as exc:
                status, payload = exc.code, exc.read()
                content_type = exc.headers.get("Content-Type", "application/json")
            except urllib.error.URLError as exc:
                status, content_type = 502, "application/json"
                payload = (
                    b'{"error": {"status": 502, "message": "The review API is not reachable: '
                    + str(exc.reason).replace('"', "'").encode()
                    + b'", "field": null}}'
                )
            self._send(status, payload, content_type)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(200, _static("index.html"), "text/html; charset=utf-8")
            elif path.startswith("/static/") and path[8:] in STATIC:
                self._send(200, _static(path[8:]), f"{STATIC[path[8:]]}; charset=utf-8")
            elif path.startswith(PROXIED):
                self._proxy("GET")
            else:
                self._send(
                    404, b'{"error": {"status": 404, "message": "not found"}}', "application/json"
                )

        def do_POST(self) -> None:
            if self.path.startswith("/tasks/"):
                self._proxy("POST")
            else:
                self._send(
                    404, b'{"error": {"status": 404, "message": "not found"}}', "application/json"
                )

    return Handler


def serve(api_url: str, host: str, port: int) -> http.server.ThreadingHTTPServer:
    return http.server.ThreadingHTTPServer((host, port), make_handler(api_url))
