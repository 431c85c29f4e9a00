"""What the three fakes share: a Flask app served by werkzeug in a daemon thread on loopback
(a free port), one request at a time, a context-manager lifecycle, and 429s on demand."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s -> %s", self.command, code)  # the path may hold a token: not logged


@dataclass
class RateLimit:
    times: int
    retry_after: float


class FakeServer:
    """Subclasses fill `self.app` (a Flask app) before calling `super().__init__`."""

    name = "chat-fake"

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.lock = threading.RLock()
        self._limits: dict[str, RateLimit] = {}
        self._server: BaseWSGIServer = make_server(
            host, port, self._serialized, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name=self.name, daemon=True
        )
        self._started = False
        # a forgotten stop() must not leak the socket (a ResourceWarning fails the suite)
        self._release = weakref.finalize(self, _close, self._server, self._thread)

    def _serialized(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self.lock:
            return list(self.app.wsgi_app(environ, start_response))

    def start(self) -> Self:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        self._release()
        self._started = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def rate_limit(self, key: str, times: int = 1, retry_after: float = 1.0) -> None:
        """Answer the next `times` calls of `key` (a method or operation) with 429."""
        with self.lock:
            self._limits[key] = RateLimit(times, retry_after)

    def take_rate_limit(self, key: str) -> float | None:
        """The wait to answer with when `key` is to be limited now (counts one down)."""
        limit = self._limits.get(key)
        if limit is None or limit.times <= 0:
            return None
        limit.times -= 1
        return limit.retry_after


def _close(server: BaseWSGIServer, thread: threading.Thread) -> None:
    if thread.is_alive():
        server.shutdown()
        thread.join(timeout=10)
    server.server_close()
