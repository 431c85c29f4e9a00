"""One retry policy for the three platforms' 429s: wait what the platform asked, while the
waits add up to at most `max_wait` seconds; past that the RateLimited error (carrying the wait)
reaches the caller, a job that re-queues itself rather than holding a worker."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

from chat.errors import RateLimited

T = TypeVar("T")
_PRUNE_AT = 1000

MAX_WAIT = 30.0
MAX_ATTEMPTS = 4


def with_rate_limit_retry(
    call: Callable[[], T],
    *,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = MAX_WAIT,
    max_attempts: int = MAX_ATTEMPTS,
) -> T:
    """`call()`, retried after each RateLimited within the budget."""
    waited = 0.0
    for attempt in range(1, max_attempts + 1):
        try:
            return call()
        except RateLimited as exc:
            if attempt == max_attempts or waited + exc.retry_after > max_wait:
                raise
            sleep(exc.retry_after)
            waited += exc.retry_after
    raise AssertionError("unreachable")  # pragma: no cover


def parse_seconds(value: object) -> float | None:
    """A wait in seconds from a header or JSON value; None when absent or nonsense."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


class Pacer:
    """At most one send per `interval` seconds per key (a chat, a channel): the platforms ask
    for about one message a second per chat (Telegram: 20 a minute in a group), so a long
    answer split into several messages goes out at that pace instead of earning a 429."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}

    def wait(self, key: str, interval: float) -> None:
        now = self._clock()
        due = self._next.get(key, 0.0)
        if due > now:
            self._sleep(due - now)
            now = due
        if len(self._next) >= _PRUNE_AT:  # a long-lived client: forget chats long quiet
            self._next = {k: v for k, v in self._next.items() if v > now}
        self._next[key] = now + interval
