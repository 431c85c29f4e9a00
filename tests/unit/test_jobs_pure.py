from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
import pytest
from githubkit.exception import RequestError, RequestFailed
from githubkit.response import Response

from jobs.runtime.errors import PermanentError, TransientError, classify
from jobs.runtime.runner import backoff
from jobs.steps.status_comment import Status, marker, render


def test_backoff_grows_and_caps() -> None:
    assert backoff(1, None) == timedelta(seconds=5)
    assert backoff(2, None) == timedelta(seconds=10)
    assert backoff(20, None) == timedelta(seconds=300)
    assert backoff(1, 42.0) == timedelta(seconds=42)
    assert backoff(1, 10_000.0) == timedelta(seconds=3600)


def _github_failure(
    status: int, headers: dict[str, str] | None = None, path: str = "/repos/o/r"
) -> RequestFailed:
    request = httpx.Request("GET", f"https://api.github.com{path}")
    raw = httpx.Response(status, headers=headers or {}, request=request, json={"message": "x"})
    return RequestFailed(Response(raw, object))


@pytest.mark.parametrize(
    ("status", "headers", "transient"),
    [
        (502, {}, True),
        (503, {}, True),
        (429, {"Retry-After": "3"}, True),
        (403, {"Retry-After": "60"}, True),  # secondary rate limit
        (403, {"x-ratelimit-remaining": "0"}, True),  # primary rate limit
        (403, {}, False),
        (404, {}, False),
        (422, {}, False),
    ],
)
def test_github_failures(status: int, headers: dict[str, str], transient: bool) -> None:
    verdict = classify(_github_failure(status, headers))
    assert verdict.transient is transient
    assert str(status) in verdict.reason


def test_retry_after_is_kept() -> None:
    assert classify(_github_failure(403, {"Retry-After": "60"})).retry_after == 60.0


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refused_token_exchange_names_the_apps_credentials_and_is_not_retried(
    status: int,
) -> None:
    """githubkit asks for the installation token inside its auth flow and wraps what fails
    there in a RequestError: it was classified as GitHub not answering, and retried."""
    refused = _github_failure(status, path="/app/installations/7/access_tokens")
    verdict = classify(RequestError(refused))
    assert not verdict.transient
    assert f"refused the App's credentials ({status})" in verdict.reason
    assert "GITHUB_PRIVATE_KEY" in verdict.reason


def test_failures_wrapped_by_githubkit_are_classified_by_what_is_inside() -> None:
    unsigned = classify(RequestError(jwt.InvalidKeyError("Could not parse the provided key")))
    assert not unsigned.transient
    assert "private key could not sign" in unsigned.reason
    assert "parse" not in unsigned.reason  # the library's words stay out
    request = httpx.Request("GET", "https://api.github.com/repos/o/r")
    assert classify(RequestError(httpx.ConnectError("refused", request=request))).transient
    assert classify(RequestError(_github_failure(502))).transient  # a wrapped 5xx: again
    assert not classify(RequestError(_github_failure(404))).transient
    assert not classify(RequestError(KeyError("x"))).transient


def test_own_errors_and_unknown_errors() -> None:
    assert classify(TransientError("x", 2.0)).transient
    assert not classify(PermanentError("nope")).transient
    verdict = classify(ValueError("secret-token-abc in a URL"))
    assert not verdict.transient
    assert "secret" not in verdict.reason  # exception text never reaches users


def test_status_comment_carries_marker_trace_and_state() -> None:
    body = render(
        Status(
            12,
            "abc123",
            stage="editing",
            detail="GitHub answered 404",
            final="failed",
            tokens=1234,
            cost_usd=0.0123,
            model="m1",
        )
    )
    assert body.startswith(marker(12))
    assert "❌ Failed" in body
    assert "GitHub answered 404" in body
    assert "`abc123`" in body
    assert "1,234 tokens (~$0.0123)" in body
    lines = body.splitlines()
    assert "- [x] Planning" in lines
    assert "- [ ] ❌ **Editing**" in lines
    assert "- [ ] Validating" in lines


def test_status_comment_while_running_and_done() -> None:
    running = render(Status(1, "t", stage="locating"))
    assert "🏃 Working on it" in running
    assert "- [ ] ⏳ **Locating the relevant files**" in running.splitlines()
    assert "no model calls yet" in running
    done = render(
        Status(
            1,
            "t",
            stage="publishing",
            final="succeeded",
            link="https://x/pull/3",
            tokens=10,
            cost_usd=None,
        )
    )
    assert "✅ Done" in done
    assert "➡️ https://x/pull/3" in done
    assert "- [x] Opening the pull request" in done.splitlines()
    assert "unknown price" in done
