"""`lightbox dashboard`: the operations dashboard's panels, drawn from the stack's own data.

On AWS the panels are the `OperationsDashboard` in CloudWatch. The emulator does
not turn the functions' EMF log lines into CloudWatch metrics, so this command
reads those same lines from the functions' log groups (`/aws/lambda/lightbox-{env}-*`)
and aggregates them as the CloudWatch panels do; the review backlog, the
dead-letter queue's depth and failed executions come from the review table, SQS
and Step Functions. The page (http://127.0.0.1:8650/) draws each panel as an
SVG chart made here, so nothing is fetched from a CDN, and refreshes every few
seconds, so a batch can be watched while it runs.
"""

from __future__ import annotations

import argparse
import html
import http.server
import json
import sys
from collections.abc import Callable
from importlib import resources
from typing import Any

from lightbox_cli.context import StackContext
from lightbox_cli.dashboard_charts import render_panels
from lightbox_cli.dashboard_data import REFRESH_SECONDS, StackSources
from lightbox_cli.local_page import QuietHandler

# ------------------------------------------------------------------------------- server

STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


def _static(name: str) -> bytes:
    return resources.files("lightbox_cli").joinpath("static", name).read_bytes()


def make_handler(
    panels: Callable[[], dict[str, Any]], env: str
) -> type[http.server.BaseHTTPRequestHandler]:
    """`/` the page, `/panels` its panels as HTML, `/api/panels` the numbers as JSON."""

    class Handler(QuietHandler):
        server_version = "lightbox-dashboard"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            try:
                if path in ("/", "/index.html"):
                    page = _static("dashboard.html").decode()
                    page = page.replace("{{env}}", html.escape(env)).replace(
                        "{{refresh}}", str(REFRESH_SECONDS)
                    )
                    self._send(200, page.encode(), "text/html; charset=utf-8")
                elif path.startswith("/static/") and path[8:] in STATIC:
                    self._send(200, _static(path[8:]), f"{STATIC[path[8:]]}; charset=utf-8")
                elif path == "/panels":
                    self._send(200, render_panels(panels()).encode(), "text/html; charset=utf-8")
                elif path == "/api/panels":
                    self._send(200, json.dumps(panels()).encode(), "application/json")
                else:
                    self._send(404, b"not found", "text/plain")
            except Exception as exc:  # the stack went away, a read failed: say so on the page
                message = f'<p class="error">Cannot read the stack: {html.escape(str(exc))}</p>'
                self._send(503, message.encode(), "text/html; charset=utf-8")

    return Handler


def serve(
    panels: Callable[[], dict[str, Any]], env: str, host: str, port: int
) -> http.server.ThreadingHTTPServer:
    return http.server.ThreadingHTTPServer((host, port), make_handler(panels, env))


# ---------------------------------------------------------------------------------- CLI


def cmd_dashboard(args: argparse.Namespace, ctx: StackContext) -> int:
    sources = StackSources(ctx)
    sources.panels()  # fail here, with the reason, rather than on the page
    server = serve(sources.panels, ctx.env, args.host, args.port)
    print(
        f"dashboard of {ctx.env} at http://{args.host}:{server.server_port}/ "
        f"(refreshes every {REFRESH_SECONDS} s); Ctrl+C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
    return 0


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    context: Callable[[str], StackContext],
) -> None:
    dash = sub.add_parser("dashboard", help="the operations dashboard's panels as a local web page")
    dash.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    dash.add_argument("--port", type=int, default=8650, help="port (default 8650)")
    dash.add_argument("--env", default="local")
    dash.set_defaults(func=lambda a: cmd_dashboard(a, context(a.env)))
