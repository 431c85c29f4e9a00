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
