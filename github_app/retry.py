"""How long a GitHub call may wait in place before its job gives the worker back.

githubkit's default sleeps 1+4+9 s on server errors and a rate limit's full `Retry-After`
inside the call. A job holding a worker for a minute helps nobody: short waits happen here,
long ones become a job-level retry (`jobs.runtime.errors` reads the same `Retry-After`).
"""

from __future__ import annotations

from datetime import timedelta

from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
from githubkit.retry import RetryOption

MAX_IN_PLACE_WAIT = timedelta(seconds=5)


def in_place(exc: GitHubException, retry_count: int) -> RetryOption:
    """Retry once: a 5xx after a second, a rate limit when it lifts within a few seconds."""
    if retry_count >= 1:
        return RetryOption(False)
    if isinstance(exc, RateLimitExceeded):
        if exc.retry_after <= MAX_IN_PLACE_WAIT:
            return RetryOption(True, exc.retry_after)
        return RetryOption(False)
    if isinstance(exc, RequestFailed) and exc.response.status_code >= 500:
        return RetryOption(True, timedelta(seconds=1))
    return RetryOption(False)
