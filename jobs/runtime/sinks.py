"""Where a task's progress and end go: the sinks, registered here and nowhere else.

Every event of a run — its start, each stage, what it spent, its pause for a retry and its end —
is handed to each sink in `SINKS`. The GitHub status comment is one sink; live views get every
event over Redis pub/sub. A new place to report to (a chat notifier) is one more line here and
touches no task code. Sinks are named by dotted path, like jobs, so this module imports none.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from core.subject import TaskSubject
from jobs.runtime.errors import classify

if TYPE_CHECKING:
    from jobs.runtime.context import JobContext

log = logging.getLogger(__name__)

SINKS: tuple[str, ...] = (
    "jobs.steps.status_sink.StatusCommentSink",
    "jobs.runtime.live_events.LiveEvents",
    # the chats a task was asked from or that subscribed to it (Slack, Discord, Telegram)
    "jobs.chat.sink.ChatSink",
)

# progress: a stage, detail, link or spend changed (`quiet`: shown with the next change);
# retrying: paused until a retry; succeeded, failed, cancelled: the run's end;
# stopped: someone stopped the task from elsewhere (`/morningai stop`);
# anything else: a step the task recorded in `task_events` (acknowledged, indexed, …)
FINAL_TYPES = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class TaskRef:
    """The task an event belongs to: enough for a sink to find where to report."""

    id: int
    tenant_id: int
    trace_id: str
    kind: str
    subject: TaskSubject
    model: str | None = None


@dataclass(frozen=True)
class TaskEvent:
    task: TaskRef
    type: str
    message: str = ""
    stage: str | None = None
    link: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    quiet: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.type in FINAL_TYPES


class Sink(Protocol):
    """Built once per run with the worker's context; told every event; closed at the end."""

    def emit(self, event: TaskEvent) -> None: ...

    def close(self) -> None: ...


class SinkFactory(Protocol):
    def __call__(self, ctx: JobContext) -> Sink: ...


def preload() -> None:
    """Import every registered sink now: a worker does it before forking, so work-horses
    do not import them once per task (bench/jobs, `lifecycle` against `unreported`)."""
    for path in SINKS:
        _factory(path)


@cache
def _factory(path: str) -> SinkFactory:
    module, _, name = path.rpartition(".")
    factory: SinkFactory = getattr(importlib.import_module(module), name)
    return factory


class Fanout:
    """The run's sinks. A sink that fails is logged and skipped: the task's state is already
    recorded in PostgreSQL, and one unreachable place must not silence the others."""

    def __init__(self, ctx: JobContext, paths: tuple[str, ...] | None = None) -> None:
        self.ctx = ctx
        self.paths = SINKS if paths is None else paths
        self._sinks: list[tuple[str, Sink]] | None = None

    def _built(self) -> list[tuple[str, Sink]]:
        if self._sinks is None:
            self._sinks = []
            for path in self.paths:
                try:
                    self._sinks.append((path, _factory(path)(self.ctx)))
                except Exception as exc:
                    log.warning("sink %s could not start: %s", path, type(exc).__name__)
        return self._sinks

    def emit(self, event: TaskEvent) -> None:
        for path, sink in self._built():
            try:
                sink.emit(event)
            except Exception as exc:
                _warn(path, event, exc)

    def close(self) -> None:
        for path, sink in self._sinks or []:
            try:
                sink.close()
            except Exception as exc:
                log.warning("sink %s did not close: %s", path, type(exc).__name__)
        self._sinks = None


def _warn(path: str, event: TaskEvent, exc: Exception) -> None:
    # the verdict's words carry no exception text, which may hold URLs or tokens
    log.warning(
        "sink %s missed %s of task %s: %s",
        path,
        event.type,
        event.task.id,
        classify(exc).reason,
    )
