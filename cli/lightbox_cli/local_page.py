"""What the CLI's local web pages (`lightbox review serve`, `lightbox dashboard`) share:
a request handler that stays quiet in the terminal and answers uncached."""

from __future__ import annotations

import http.server
from typing import Any


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no line per request
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (page closed or reloaded)
