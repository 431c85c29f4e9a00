"""Sort failures into transient (retry with backoff) and permanent (fail, say why) — pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import psycopg
from redis.exceptions import RedisError
from rq.timeouts import JobTimeoutException

from github_app.client import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
    SigningError,
)

try:  # openai is a worker-only dependency; the classifier must not require it to import
    import openai
except ImportError:  # pragma: no cover
    openai = None  # type: ignore[assignment]


class TaskError(Exception):
    """A failure the job raises on purpose, with words for the maintainer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(TaskError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentError(TaskError):
    pass


class Cancelled(TaskError):
    """The task should not run at all (e.g. the requester may not ask); not a failure."""


@dataclass(frozen=True)
class Verdict:
    transient: bool
    reason: str
    retry_after: float | None = None
    cancelled: bool = False


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _github(exc: RequestFailed) -> Verdict:
    status = exc.response.status_code
    if exc.response.raw_response.request.url.path.endswith("/access_tokens") and status in (
        401,
        403,
        404,
    ):
        # the App's own credential (its JWT) was refused, not the installation's permissions
        return Verdict(
            False,
            f"GitHub refused the App's credentials ({status}) when asked for an installation"
            " token: check GITHUB_APP_ID and GITHUB_PRIVATE_KEY, and that the App is still"
            " installed",
        )
    after = _retry_after(exc.response.raw_response.headers)
    remaining = exc.response.raw_response.headers.get("x-ratelimit-remaining")
    if (
        status >= 500
        or status == 429
        or (status == 403 and (after is not None or remaining == "0"))
    ):
        return Verdict(True, f"GitHub answered {status}", after)
    if status == 404:
        return Verdict(
            False,
            "GitHub answered 404: the repository or issue is gone, or the app lost access to it",
        )
    if status in (401, 403):
        return Verdict(
            False, f"GitHub refused the app ({status}): check the installation's permissions"
        )
    return Verdict(False, f"GitHub answered {status}")


def _inside_github_request(inner: BaseException) -> Verdict:
    """githubkit wraps whatever fails while it sends a request — its auth flow included, where
    the installation token is asked for with a JWT the App's private key signs — in one
    RequestError: look inside, so a refused App or a key that does not parse is not retried
    as if GitHub had not answered."""
    if isinstance(inner, RequestFailed):
        return _github(inner)
    if isinstance(inner, SigningError):
        return Verdict(
            False,
            "the App's private key could not sign a token: check GITHUB_PRIVATE_KEY (a PEM RSA"
            " private key)",
        )
    if isinstance(inner, httpx.TransportError | RedisError | ConnectionError | TimeoutError):
        return Verdict(True, "GitHub did not answer in time")
    return Verdict(False, f"internal error ({type(inner).__name__})")


def classify(exc: BaseException) -> Verdict:
    """Decide what a failure means. Reasons never include exception text, which can carry
    URLs, tokens or untrusted content."""
    if isinstance(exc, TransientError):
        return Verdict(True, exc.reason, exc.retry_after)
    if isinstance(exc, Cancelled):
        return Verdict(False, exc.reason, cancelled=True)
    if isinstance(exc, TaskError):
        return Verdict(False, exc.reason)
    if isinstance(exc, JobTimeoutException):
        return Verdict(False, "the task ran out of time")
    if isinstance(exc, RateLimitExceeded):
        return Verdict(True, "GitHub's rate limit was reached", exc.retry_after.total_seconds())
    if isinstance(exc, RequestFailed):
        return _github(exc)
    if isinstance(exc, RequestError) and not isinstance(exc, RequestTimeout):
        return _inside_github_request(exc.exc)
    if isinstance(exc, RequestTimeout | GitHubException | httpx.TransportError):
        return Verdict(True, "GitHub did not answer in time")
    if openai is not None and isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        transient = status == 429 or status >= 500
        return Verdict(
            transient, f"the model server answered {status}", _retry_after(exc.response.headers)
        )
    if openai is not None and isinstance(exc, openai.APIConnectionError):
        return Verdict(True, "the model server did not answer")
    if isinstance(exc, psycopg.OperationalError | RedisError | ConnectionError | TimeoutError):
        return Verdict(True, f"a service was unavailable ({type(exc).__name__})")
    return Verdict(False, f"internal error ({type(exc).__name__})")
