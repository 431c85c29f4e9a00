"""Sinks a test registers in `jobs.runtime.sinks.SINKS` by dotted path, as a deployment would
register a new one: a recorder, and one that always fails."""

from __future__ import annotations

from typing import ClassVar

from jobs.runtime.context import JobContext
from jobs.runtime.sinks import TaskEvent

RECORDER = "tests.support.sinks.Recorder"
BROKEN = "tests.support.sinks.Broken"


class Recorder:
    """Keeps every event it is told, across the runs of one test (`heard`, cleared by it)."""

    heard: ClassVar[list[TaskEvent]] = []
    closed: ClassVar[int] = 0

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    def emit(self, event: TaskEvent) -> None:
        Recorder.heard.append(event)

    def close(self) -> None:
        Recorder.closed += 1


class Broken:
    """A place that is down: every event fails."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    def emit(self, event: TaskEvent) -> None:
        raise ConnectionError("chat platform unreachable")

    def close(self) -> None:
        raise ConnectionError("chat platform unreachable")
