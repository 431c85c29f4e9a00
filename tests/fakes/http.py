"""Serve a WSGI app over real HTTP on loopback, and sign deliveries as GitHub does."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from werkzeug.serving import make_server

from github_app.signature import sign


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def compact(payload: dict[str, Any]) -> bytes:
    """The bytes GitHub sends: compact JSON, non-ASCII kept as UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    """Posts deliveries to the app the way GitHub does."""

    def __init__(self, url: str, secret: bytes) -> None:
        self.url = url + "/api/github/webhooks"
        self.secret = secret
        self.http = httpx.Client(timeout=30.0)

    def post(
        self,
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else compact(payload)
        sent = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/test",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": signature if signature is not None else sign(self.secret, body),
        }
        sent.update(headers or {})
        return self.http.post(self.url, content=body, headers=sent)

    def close(self) -> None:
        self.http.close()
