"""githubkit's exception types, re-exported so that nothing outside the client imports githubkit,
and the two ways the client reads a failure (its status; GitHub's message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)
from jwt import PyJWTError as SigningError  # the App's JWT could not be made (a bad key)

__all__ = [
    "GitHubException",
    "RateLimitExceeded",
    "RequestError",
    "RequestFailed",
    "RequestTimeout",
    "SigningError",
    "message_of",
    "unless_missing",
]

T = TypeVar("T")


def unless_missing(call: Callable[[], T]) -> T | None:
    """`call()`, or None when GitHub answers 404: the thing asked for does not exist."""
    try:
        return call()
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return None
        raise


def message_of(exc: RequestFailed) -> str:
    """The `message` of GitHub's error body, or "" when the body is not GitHub's JSON."""
    try:
        body = exc.response.raw_response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else ""
