"""What the simulator saw: recorded request/response exchanges, injected faults, and actions
run when a request arrives."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REDACTED = "<redacted>"
_SECRET_HEADERS = {"authorization", "cookie"}


@dataclass(frozen=True)
class Exchange:
    """One request and the answer given to it.

    `operation_id` is the OpenAPI operation the simulator served it as (None for paths that
    are not part of api.github.com, such as the codeload tarball target). `injected` marks
    answers that came from `inject_fault` rather than from the simulated GitHub. `arrived_at`
    is when the request reached the simulator (`time.monotonic()`, before it waited for the
    one-at-a-time lock), so a test can measure how long a client waited between two requests.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    request_headers: dict[str, str]
    request_json: Any
    status: int
    response_headers: dict[str, str]
    response_json: Any
    response_bytes: bytes
    operation_id: str | None
    injected: bool = False
    arrived_at: float = 0.0

    @property
    def request_id(self) -> str:
        return self.response_headers.get("x-github-request-id", "")


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with this."""

    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Any
    times: int

    def matches(self, method: str, path: str) -> bool:
        return _matches(self.method, self.path, self.times, method, path)


@dataclass
class Trigger:
    """Run `action` when the next `times` requests matching `method` and `path` (a regex)
    arrive, before they are authenticated and answered (e.g. revoke a token mid-task)."""

    method: str
    path: re.Pattern[str]
    action: Callable[[], None]
    times: int

    def matches(self, method: str, path: str) -> bool:
        return _matches(self.method, self.path, self.times, method, path)


def _matches(want_method: str, want: re.Pattern[str], times: int, method: str, path: str) -> bool:
    return times > 0 and want_method in (method.upper(), "*") and want.search(path) is not None


def redact(headers: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def parse_json(raw: bytes) -> Any:
    """JSON of a body, or None when the body is empty or not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


@dataclass
class Recorder:
    """Thread-safe log of exchanges plus the queue of pending faults."""

    exchanges: list[Exchange] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    def snapshot(self) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges)

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first pending fault for this request, consuming one of its uses."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def add_trigger(self, trigger: Trigger) -> None:
        with self.lock:
            self.triggers.append(trigger)

    def take_triggers(self, method: str, path: str) -> list[Trigger]:
        """The pending triggers for this request, each consuming one of its uses."""
        with self.lock:
            found = [t for t in self.triggers if t.matches(method, path)]
            for trigger in found:
                trigger.times -= 1
            return found
