"""`GET /api/tasks/<id>/events`: a task's events as Server-Sent Events (docs/api.md).

The stored events after the resume point (`Last-Event-ID`, or `?last_event_id=`) come first,
read in the task's tenant scope; then, on each live message the process's hub hands over
(`web/live_hub.py`), the stored events after the last id sent — so ids always come from
PostgreSQL and a reconnect resumes exactly — and progress that is never stored, without an id.
A keep-alive comment every 15 s also re-reads PostgreSQL (nothing is lost while Redis is down)
and ends the stream when the session has ended. A finished task gets `event: end`.

Each open stream holds one gunicorn thread, so a process serves at most `max_streams` (by
default its threads less RESERVED_THREADS, kept for webhook deliveries); more get 503 and the
page polls instead. A stream lasts at most `max_seconds`; EventSource reconnects with
Last-Event-ID, so a proxy or worker restart strands nobody.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import Blueprint, Flask, Response, current_app, request
from psycopg_pool import PoolTimeout

from core.settings import Settings
from db import task_events, tasks
from db.pool import Database
from db.task_events import TaskEvent
from db.tenancy import tenant_transaction
from github_app import user_sessions
from web.errors import json_error
from web.live_hub import LiveHub, LiveMessage, Subscription
from web.services import Services, current_services
from web.task_access import find_task
from web.viewer import COOKIE, Viewer, signed_in

log = logging.getLogger(__name__)

blueprint = Blueprint("task_stream", __name__)

RESERVED_THREADS = 8  # threads of a process no stream may take: webhooks always find one
DEFAULT_THREADS = 64  # gunicorn_config.py's GUNICORN_THREADS default, which it exports
KEEP_ALIVE = b": keep-alive\n\n"
RETRY_AFTER_S = 30
# published but never stored under their own type (jobs/runtime/sinks.py): a stage's progress
# is stored as a `stage` row, `retrying` as a `retry` row, `stopped` not at all
UNRECORDED = frozenset({"progress", "stopped"})
READ_PAGE = 500  # stored events read at a time (a resume from 0 on a long task reads several)
RECENT = 32  # stored events remembered to recognise the progress message that repeats one
_extension_lock = threading.Lock()


@dataclass(frozen=True)
class Limits:
    max_streams: int
    keepalive_seconds: float = 15.0
    max_seconds: float = 600.0


def _number(source: Mapping[str, Any], name: str) -> float | None:
    try:
        value = float(str(source.get(name, "")).strip())
    except ValueError:
        return None
    return value if value > 0 else None


def limits_from(config: Mapping[str, Any], env: Mapping[str, str]) -> Limits:
    """The app's config (tests) over the environment — pure. `MORNINGAI_MAX_STREAMS` unset:
    the process's gunicorn threads (GUNICORN_THREADS) less RESERVED_THREADS, at least 1."""
    merged = {**env, **config}
    threads = _number(merged, "GUNICORN_THREADS") or DEFAULT_THREADS
    streams = _number(merged, "MORNINGAI_MAX_STREAMS") or max(1, int(threads) - RESERVED_THREADS)
    return Limits(
        max_streams=int(streams),
        keepalive_seconds=_number(merged, "MORNINGAI_STREAM_KEEPALIVE_SECONDS") or 15.0,
        max_seconds=_number(merged, "MORNINGAI_STREAM_MAX_SECONDS") or 600.0,
    )


class Slots:
    """How many streams this process holds, up to its cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.used >= self.cap:
                return False
            self.used += 1
            return True

    def give(self) -> None:
        with self._lock:
            self.used = max(0, self.used - 1)


@dataclass(frozen=True)
class Streaming:
    """What a process shares among its streams: the limits, the slots and the one hub."""

    limits: Limits
    slots: Slots
    hub: LiveHub


def streaming(app: Flask) -> Streaming:
    with _extension_lock:
        found: Streaming | None = app.extensions.get("morningai.streaming")
        if found is None:
            limits = limits_from(app.config, os.environ)
            services: Services = app.extensions["morningai"]
            hub = LiveHub.for_url(services.settings.require_redis_url())
            found = Streaming(limits, Slots(limits.max_streams), hub)
            app.extensions["morningai.streaming"] = found
        return found


# --- the wire format (pure) ----------------------------------------------------------------


def frame(event: str, data: Mapping[str, Any], event_id: int | None = None) -> bytes:
    """One SSE event. JSON never holds a raw newline, so `data:` is one line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def stored_event(event: TaskEvent) -> dict[str, Any]:
    """A stored event in the API's Event shape (stage and link live in its data)."""
    return {
        "id": event.id,
        "type": event.kind,
        "message": event.message,
        "stage": _text_or_none(event.data.get("stage")),
        "link": _text_or_none(event.data.get("link")),
        "at": event.created_at.isoformat(),
    }


def live_event(message: LiveMessage) -> dict[str, Any]:
    """An unrecorded message in the Event shape, without an id (nothing stores it)."""
    body = message.body
    return {
        "id": None,
        "type": message.type,
        "message": str(body.get("message") or ""),
        "stage": _text_or_none(body.get("stage")),
        "link": _text_or_none(body.get("link")),
        "at": str(body.get("at") or ""),
    }


def worth_forwarding(message: LiveMessage, recent: Iterable[TaskEvent]) -> bool:
    """Whether a live message goes out as an event of its own — pure. Recorded types reach
    the page as their stored rows; progress that repeats a stored `stage` row, or says
    nothing the Event shape shows (tokens only), is not sent twice."""
    if message.type not in UNRECORDED:
        return False
    shown = live_event(message)
    if not (shown["message"] or shown["stage"] or shown["link"]):
        return False
    return not any(
        e.kind == "stage"
        and e.data.get("stage") == shown["stage"]
        and e.message == shown["message"]
        for e in recent
    )


def resume_point(header: str | None, query: str | None) -> int | None:
    """The id to resume after (0: from the start), or None when it is not a whole number."""
    raw = (header or query or "0").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


# --- the stream ----------------------------------------------------------------------------


class TaskStream:
    """The frames of one stream; its generator runs after the request context is gone, so it
    is handed everything it needs."""

    def __init__(
        self,
        db: Database,
        shared: Streaming,
        *,
        tenant_id: int,
        task_id: int,
        last_id: int,
        signed_in_still: Callable[[], bool],
    ) -> None:
        self.db = db
        self.shared = shared
        self.tenant_id = tenant_id
        self.task_id = task_id
        self.last_id = last_id
        self.signed_in_still = signed_in_still
        self.recent: deque[TaskEvent] = deque(maxlen=RECENT)

    def frames(self) -> Iterator[bytes]:
        # subscribed before the first read: an event between the two is not lost
        sub = self.shared.hub.subscribe(self.tenant_id, self.task_id)
        try:
            yield from self._frames(sub)
        except (psycopg.Error, PoolTimeout) as exc:  # the page reconnects and resumes
            log.warning("stream of task %s ended: database %s", self.task_id, type(exc).__name__)
        finally:
            self.shared.hub.unsubscribe(sub)

    def _frames(self, sub: Subscription) -> Iterator[bytes]:
        limits = self.shared.limits
        deadline = time.monotonic() + limits.max_seconds
        status, rows = self._read()
        yield b": open\n\n" + self._render(rows, [])
        while status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return  # EventSource reconnects with Last-Event-ID
            try:
                batch = [sub.messages.get(timeout=min(limits.keepalive_seconds, left))]
            except queue.Empty:
                if not self.signed_in_still():
                    return
                status, rows = self._read()
                yield KEEP_ALIVE + self._render(rows, [])
                continue
            while True:
                try:
                    batch.append(sub.messages.get_nowait())
                except queue.Empty:
                    break
            status, rows = self._read()
            out = self._render(rows, batch)
            if out:
                yield out
        yield frame("end", {"status": status})

    def _read(self) -> tuple[str | None, list[TaskEvent]]:
        """The task's final status (None while it runs), then the stored events after the last
        sent. In this order: a task's end and its last event commit together, so a finished
        status read first means its last event is in the read that follows."""
        with tenant_transaction(self.db, self.tenant_id) as scope:
            task = tasks.get(scope, self.task_id)
            status = "gone" if task is None else task.status
            rows: list[TaskEvent] = []
            while True:
                after_id = rows[-1].id if rows else self.last_id
                found = task_events.after(scope, self.task_id, after_id, limit=READ_PAGE)
                rows.extend(found)
                if len(found) < READ_PAGE:
                    break
        return (status if status in tasks.FINAL_STATES or task is None else None), rows

    def _render(self, rows: list[TaskEvent], batch: list[LiveMessage]) -> bytes:
        """The stored rows, and the messages worth forwarding where they fell among them."""
        if rows:
            self.last_id = rows[-1].id
        recent = [*self.recent, *rows]
        out: list[bytes] = []
        rows_out = False
        for message in batch:
            if worth_forwarding(message, recent):
                out.append(frame("task", live_event(message)))
            elif not rows_out:
                out.extend(frame("task", stored_event(e), e.id) for e in rows)
                rows_out = True
        if not rows_out:
            out.extend(frame("task", stored_event(e), e.id) for e in rows)
        self.recent.extend(rows)
        return b"".join(out)


def _session_checker(db: Database, settings: Settings, session_id: str) -> Callable[[], bool]:
    # the pool itself, not `Services.db`: after the app has closed its services, that would
    # open a new pool from the stream's thread and leave it open
    def still() -> bool:
        try:
            return user_sessions.load(db, settings, session_id) is not None
        except Exception:  # cannot tell (database or key trouble): the next read decides
            return True

    return still


@blueprint.get("/api/tasks/<int:task_id>/events")
@signed_in
def task_event_stream(viewer: Viewer, task_id: int) -> Response:
    last_id = resume_point(request.headers.get("Last-Event-ID"), request.args.get("last_event_id"))
    if last_id is None:
        return json_error(400, "Last-Event-ID must be an event id (a whole number)")
    seen = find_task(viewer, task_id)
    if seen is None or seen.installation.tenant_id is None:
        return json_error(404, "no such task")
    shared = streaming(current_app)
    if not shared.slots.take():
        busy = json_error(503, "too many live streams here; poll GET /api/tasks/<id> instead")
        busy.headers["Retry-After"] = str(RETRY_AFTER_S)
        return busy
    try:
        services = current_services()
        stream = TaskStream(
            services.db,
            shared,
            tenant_id=seen.installation.tenant_id,
            task_id=task_id,
            last_id=last_id,
            signed_in_still=_session_checker(
                services.db, services.settings, request.cookies.get(COOKIE, "")
            ),
        )
        response = Response(stream.frames(), mimetype="text/event-stream")
    except BaseException:
        shared.slots.give()
        raise
    response.call_on_close(shared.slots.give)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
