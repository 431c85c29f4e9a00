"""A task's lifecycle around its work: claim, heartbeat, retry or fail, and always say so."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from core.logs import log_context
from core.subject import TaskSubject
from db import task_events, tasks
from db.tasks import Task
from db.tenancy import tenant_transaction
from jobs.runtime import context
from jobs.runtime.context import JobContext
from jobs.runtime.errors import PermanentError, Verdict, classify
from jobs.runtime.queues import enqueue_task
from jobs.runtime.sinks import Fanout, TaskEvent, TaskRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskRun:
    ctx: JobContext
    task: Task
    # told every event of the run — its steps, progress, a pause for a retry and its end —
    # so the status comment and live views never go stale (jobs.runtime.sinks)
    sinks: Fanout = field(compare=False)

    @cached_property
    def subject(self) -> TaskSubject:
        """What the task is about, as the web process wrote it."""
        try:
            return TaskSubject.decode(self.task.subject)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc

    @property
    def ref(self) -> TaskRef:
        t = self.task
        return TaskRef(t.id, t.tenant_id, t.trace_id, t.kind, self.subject, t.model)

    def event(self, kind: str, message: str, **data: object) -> None:
        """Record a step in `task_events` and tell the sinks."""
        self.record(kind, message, **data)
        self.emit(kind, message, data=data)

    def record(self, kind: str, message: str, **data: object) -> None:
        """Record a step in `task_events` only (the caller tells the sinks in its own words)."""
        with tenant_transaction(self.ctx.db, self.task.tenant_id) as scope:
            task_events.add(scope, self.task.id, kind, message, dict(data))

    def emit(self, type_: str, message: str = "", **fields: Any) -> None:
        """Tell the sinks without recording (progress is shown, not kept)."""
        try:
            ref = self.ref
        except PermanentError:  # a subject that does not decode: nowhere to report to
            log.warning("task %s: its subject does not decode; %s unreported", self.task.id, type_)
            return
        self.sinks.emit(TaskEvent(ref, type_, message, **fields))


Work = Callable[[TaskRun], str]


def backoff(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential backoff from 5 s, capped at 5 min; a server's Retry-After wins if longer."""
    seconds = min(300.0, 5.0 * 2 ** max(0, attempt - 1))
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, 3600.0))
    return timedelta(seconds=seconds)


def _claim(ctx: JobContext, task_id: int) -> Task | None:
    with ctx.db.connection() as conn, conn.transaction():
        tenant_id = tasks.tenant_of(conn, task_id)
    if tenant_id is None:
        log.warning("task %s does not exist; dropping its job", task_id)
        return None
    with tenant_transaction(ctx.db, tenant_id) as scope:
        return tasks.claim(scope, task_id, ctx.worker_name, ctx.stale_after)


def _beat(ctx: JobContext, task: Task, stop: threading.Event) -> None:
    while not stop.wait(ctx.heartbeat_every.total_seconds()):
        try:
            with tenant_transaction(ctx.db, task.tenant_id) as scope:
                tasks.heartbeat(scope, task.id, ctx.worker_name)
        except Exception:  # a missed beat is retried; the reconciler tolerates a few
            log.warning("heartbeat for task %s failed", task.id, exc_info=True)


def run_task(task_id: int, work: Work) -> None:
    """Run `work` for the task once, if it can be claimed; record how it ended and tell the
    sinks."""
    ctx = context.current()
    with log_context(task=task_id):
        task = _claim(ctx, task_id)
        if task is None:
            log.info("task %s is not claimable (finished, or running elsewhere)", task_id)
            return
        # the delivery that asked for it, so one search finds the webhook and the run
        with log_context(tenant=task.tenant_id, trace=task.trace_id, delivery=task.delivery_id):
            run = TaskRun(ctx, task, Fanout(ctx))
            try:
                _run_claimed(run, work)
            finally:
                run.sinks.close()


def _run_claimed(run: TaskRun, work: Work) -> None:
    ctx, task = run.ctx, run.task
    if task.attempts > task.max_attempts:
        # earlier runs died without recording an end (worker killed, out of memory, hard
        # timeout): stop here rather than crash workers forever
        _finish(
            run,
            "failed",
            f"the worker running this task stopped {task.attempts - 1} times before it finished",
        )
        return
    run.event("started", f"attempt {task.attempts} started on {ctx.worker_name}")
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(ctx, task, stop), daemon=True)
    beat.start()
    try:
        summary = work(run)
    except BaseException as exc:
        verdict = classify(exc)
        log.warning(
            "task %s attempt %s failed: %s",
            task.id,
            task.attempts,
            verdict.reason,
            exc_info=not isinstance(exc, Exception) or verdict.reason.startswith("internal"),
        )
        _failed(run, verdict)
        if not isinstance(exc, Exception):
            raise  # SystemExit/KeyboardInterrupt: let the worker stop after recording
    else:
        _finish(run, "succeeded", summary)
    finally:
        stop.set()


def _finish(run: TaskRun, status: str, reason: str) -> None:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        ended = tasks.finish(scope, run.task.id, status, None if status == "succeeded" else reason)
        if ended:
            task_events.add(scope, run.task.id, status, reason)
    if ended:
        run.emit(status, reason)
    else:
        log.info("task %s was stopped meanwhile; leaving it cancelled", run.task.id)


def _failed(run: TaskRun, verdict: Verdict) -> None:
    task = run.task
    if verdict.cancelled:
        _finish(run, "cancelled", verdict.reason)
        return
    if not (verdict.transient and task.attempts < task.max_attempts):
        _finish(run, "failed", verdict.reason)
        return
    delay = backoff(task.attempts, verdict.retry_after)
    with tenant_transaction(run.ctx.db, task.tenant_id) as scope:
        tasks.requeue(scope, task.id, verdict.reason)
        task_events.add(
            scope,
            task.id,
            "retry",
            f"{verdict.reason}; retrying in {int(delay.total_seconds())} s",
            {"attempt": task.attempts},
        )
    try:
        enqueue_task(run.ctx.redis, task.id, task.attempts, task.kind, task.queue, delay=delay)
    except Exception:  # the reconciler will enqueue it: the row says queued
        log.warning("could not re-enqueue task %s; the reconciler will", task.id)
    # a waiting task says so, rather than "working on it" for minutes
    run.emit("retrying", f"{verdict.reason}; trying again in {_spoken(delay)}")


def _spoken(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"
