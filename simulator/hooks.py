"""Webhook deliveries to an App's hook URL, as GitHub's hookshot sends them: JSON, signed with
the App's webhook secret (`X-Hub-Signature-256`), one at a time in the order they were made, on
a thread of their own (after the request that caused them has been answered), each recorded
with the answer it got.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import queue
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT_SECONDS = 10.0  # GitHub gives a hook 10 s to answer


@dataclass(frozen=True)
class Delivery:
    """One delivery and its outcome (`status` None: no answer; `error` says why)."""

    id: str
    event: str
    action: str | None
    url: str
    payload: dict[str, Any]
    status: int | None
    answer: str
    error: str | None = None


@dataclass(frozen=True)
class _Pending:
    id: str
    event: str
    url: str
    secret: str
    payload: dict[str, Any]


def body_of(payload: dict[str, Any]) -> bytes:
    """The bytes GitHub sends: compact JSON, non-ASCII as UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Hookshot:
    """The delivery queue; `wait()` returns once everything queued so far was delivered."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._done: list[Delivery] = []
        self._lock = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None

    def send(self, url: str, secret: str, event: str, payload: dict[str, Any]) -> str:
        """Queue a delivery of `event` to `url`; returns its X-GitHub-Delivery id."""
        pending = _Pending(str(uuid.uuid4()), event, url, secret, payload)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hookshot", daemon=True)
                self._thread.start()
            self._pending += 1
        self._queue.put(pending)
        return pending.id

    def wait(self, timeout: float = 30.0) -> list[Delivery]:
        """Every delivery so far, once none is pending (TimeoutError if one still is)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} webhook deliveries pending after {timeout} s")
            return list(self._done)

    @property
    def delivered(self) -> list[Delivery]:
        with self._lock:
            return list(self._done)

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(TIMEOUT_SECONDS + 5)

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as http:
            while (pending := self._queue.get()) is not None:
                result = _deliver(http, pending)
                with self._lock:
                    self._done.append(result)
                    self._pending -= 1
                    self._lock.notify_all()


def _deliver(http: httpx.Client, pending: _Pending) -> Delivery:
    body = body_of(pending.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/simulator",
        "X-GitHub-Event": pending.event,
        "X-GitHub-Delivery": pending.id,
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-Hub-Signature-256": signature(pending.secret, body),
    }
    action = pending.payload.get("action")
    made = functools.partial(
        Delivery,
        pending.id,
        pending.event,
        action if isinstance(action, str) else None,
        pending.url,
        pending.payload,
    )
    try:
        answer = http.post(pending.url, content=body, headers=headers)
    except Exception as exc:  # an unreachable hook, a bad URL: recorded, never raised
        return made(None, "", f"{type(exc).__name__}: {exc}")
    return made(answer.status_code, answer.text[:2000])
