"""One Redis pub/sub subscriber per web process, handing each task event to the streams open
on that task (`web/task_stream.py`).

A stream holds a gunicorn thread, not a Redis connection: the hub's daemon thread holds ONE
connection with `PSUBSCRIBE morningai:events:tenant:*` (the channels `jobs.runtime.live_events`
publishes to) and puts each message on the queues registered for its (tenant, task). When
Redis drops, the thread reconnects with backoff; meanwhile streams re-read PostgreSQL on their
keep-alive tick, and all of them at once when the subscription is back, so only unrecorded
progress can be missed, never a stored event.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# jobs.runtime.live_events.CHANNEL_PREFIX, spelt out: importing that module would bring the
# worker's error table (and openai) into the web process (tests/unit/test_live_hub.py checks
# that the two agree)
CHANNEL_PREFIX = "morningai:events:tenant:"
PATTERN = CHANNEL_PREFIX + "*"
QUEUE_SIZE = 256  # a stream that falls this far behind loses progress only (it re-reads rows)
READY_WAIT_S = 2.0  # the first stream waits this long for the subscription to be confirmed
POLL_S = 1.0  # how often the hub's thread looks up from the socket to see whether to stop
BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)
# what the hub tells every stream after a new subscription: re-read the database now (not a
# task event: a stream forwards none of its kind)
RESYNC = {"type": "resync"}


@dataclass(frozen=True)
class LiveMessage:
    """A task event as published: its tenant (from the channel), its task and the body."""

    tenant_id: int
    task_id: int
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def parse_message(channel: bytes | str, data: bytes | str) -> LiveMessage | None:
    """The message on `channel`, or None when it is not a task event of a tenant's channel —
    pure. The tenant comes from the channel name, never from the body."""
    try:
        name, text = _text(channel), _text(data)
    except UnicodeDecodeError:
        return None
    suffix = name.removeprefix(CHANNEL_PREFIX)
    if suffix == name or not suffix.isascii() or not suffix.isdigit():
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    task_id = body.get("task_id")
    if (
        not isinstance(task_id, int)
        or isinstance(task_id, bool)
        or not isinstance(body.get("type"), str)
    ):
        return None
    return LiveMessage(int(suffix), task_id, body)


@dataclass(eq=False)
class Subscription:
    """One stream's interest in one task: the hub puts that task's messages on `messages`."""

    tenant_id: int
    task_id: int
    messages: queue.Queue[LiveMessage] = field(
        default_factory=lambda: queue.Queue(maxsize=QUEUE_SIZE)
    )


class LiveHub:
    """The process's subscriber: started by the first `subscribe`, shared by every stream."""

    def __init__(self, connect: Callable[[], Redis]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._subs: dict[tuple[int, int], set[Subscription]] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.ready = threading.Event()  # set while the subscription is confirmed

    @classmethod
    def for_url(cls, redis_url: str) -> LiveHub:
        # no read timeout: an idle subscriber waits for messages; PINGs every 15 s find a
        # dead connection instead
        return cls(
            lambda: Redis.from_url(
                redis_url,
                socket_connect_timeout=2.0,
                socket_timeout=30.0,
                socket_keepalive=True,
                health_check_interval=15,
            )
        )

    def subscribe(self, tenant_id: int, task_id: int) -> Subscription:
        sub = Subscription(tenant_id, task_id)
        with self._lock:
            self._subs.setdefault((tenant_id, task_id), set()).add(sub)
            started = self._start()
        if started:  # the first stream: its live events must not race the subscription
            self.ready.wait(READY_WAIT_S)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            key = (sub.tenant_id, sub.task_id)
            found = self._subs.get(key)
            if found is not None:
                found.discard(sub)
                if not found:
                    del self._subs[key]

    def streams(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def dispatch(self, message: LiveMessage) -> int:
        """Hand `message` to the streams of its task; how many got it."""
        with self._lock:
            subs = list(self._subs.get((message.tenant_id, message.task_id), ()))
        given = 0
        for sub in subs:
            try:
                sub.messages.put_nowait(message)
                given += 1
            except queue.Full:  # that stream re-reads the database on its next wake-up
                pass
        return given

    def stop(self) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(POLL_S * 3)

    def _start(self) -> bool:
        if self._thread is not None and self._thread.is_alive():
            return False
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="morningai-live-hub", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        failures, attempts = 0, 0
        while not self._stopping.is_set():
            try:
                self._listen(resubscribed=attempts > 0)
            except (RedisError, OSError) as exc:
                log.warning("live events: Redis subscription lost (%s)", type(exc).__name__)
            except Exception:  # the hub must outlive any surprise; streams poll meanwhile
                log.exception("live events: subscriber failed")
            if self.ready.is_set():  # it had been working: start the backoff over
                failures = 0
            self.ready.clear()
            if self._stopping.is_set():
                break
            self._stopping.wait(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
            failures += 1
            attempts += 1

    def _wake_all(self) -> None:
        with self._lock:
            subs = [sub for found in self._subs.values() for sub in found]
        for sub in subs:
            with contextlib.suppress(queue.Full):
                sub.messages.put_nowait(LiveMessage(sub.tenant_id, sub.task_id, dict(RESYNC)))

    def _listen(self, *, resubscribed: bool) -> None:
        client = self._connect()
        pubsub = client.pubsub()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        try:
            pubsub.psubscribe(PATTERN)
            while not self._stopping.is_set():
                raw = pubsub.get_message(timeout=POLL_S)
                if raw is None:
                    continue
                if raw["type"] == "psubscribe":
                    self.ready.set()
                    if resubscribed:  # events published meanwhile: every stream re-reads
                        self._wake_all()
                elif raw["type"] == "pmessage":
                    message = parse_message(raw["channel"], raw["data"])
                    if message is not None:
                        self.dispatch(message)
        finally:
            pubsub.close()
            client.close()
