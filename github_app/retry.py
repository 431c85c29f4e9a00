"""How long a GitHub call may wait in place before its job gives the worker back, and the one
refresh of an installation token GitHub stopped accepting.

githubkit's default sleeps 1+4+9 s on server errors and a rate limit's full `Retry-After`
inside the call. A job holding a worker for a minute helps nobody: short waits happen here,
long ones become a job-level retry (`jobs.runtime.errors` reads the same `Retry-After`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
from githubkit.retry import RetryDecisionFunc, RetryOption

MAX_IN_PLACE_WAIT = timedelta(seconds=5)
SERVER_ERROR_WAIT = timedelta(seconds=1)  # before the one in-place retry of a 5xx
# githubkit sleeps a whole minute when told to wait zero (`Retry-After: 0`, or a refresh),
# so the shortest wait we hand it is this
SHORTEST_WAIT = timedelta(milliseconds=10)


def in_place(exc: GitHubException, retry_count: int) -> RetryOption:
    """Retry once: a 5xx after a second, a rate limit when it lifts within a few seconds."""
    if retry_count >= 1:
        return RetryOption(False)
    if isinstance(exc, RateLimitExceeded):
        if exc.retry_after <= MAX_IN_PLACE_WAIT:
            return RetryOption(True, max(exc.retry_after, SHORTEST_WAIT))
        return RetryOption(False)
    if isinstance(exc, RequestFailed) and exc.response.status_code >= 500:
        return RetryOption(True, SERVER_ERROR_WAIT)
    return RetryOption(False)


def refused_token(exc: GitHubException) -> str | None:
    """The installation token a 401 refused ("Bad credentials": revoked, or expired before
    the `expires_at` it was cached until), or None for any other failure."""
    if not isinstance(exc, RequestFailed) or exc.response.status_code != 401:
        return None
    scheme, _, token = exc.request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "token" and token else None


def refreshing(forget: Callable[[str], None]) -> RetryDecisionFunc:
    """`in_place`, and before it: the first 401 of a call drops the refused token from the
    cache (`forget`) and asks again, which mints a fresh token. A 401 for the fresh one is
    GitHub's answer, left to the job to fail on: one refresh per call, never a loop."""

    def decide(exc: GitHubException, retry_count: int) -> RetryOption:
        token = refused_token(exc) if retry_count == 0 else None
        if token is not None:
            forget(token)
            return RetryOption(True, SHORTEST_WAIT)
        return in_place(exc, retry_count)

    return decide
