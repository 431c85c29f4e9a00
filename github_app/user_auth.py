"""GitHub App user authorization (the web flow): the authorize URL with state and a PKCE S256
challenge, and the token endpoint on GitHub's web host (`GITHUB_URL`, not the API host) for the
code exchange and the refresh (which rotates both tokens). Tokens never reach a log.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from core.settings import Settings

TIMEOUT = 30.0


class UserAuthError(Exception):
    """GitHub refused the exchange or the refresh; the message carries GitHub's error code
    only (never a token or the response body)."""


@dataclass(frozen=True)
class UserTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str


def new_pkce() -> Pkce:
    """RFC 7636: a 64-character verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorize_url(
    settings: Settings, client_id: str, redirect_uri: str, state: str, pkce: Pkce
) -> str:
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    return f"{settings.github_url.rstrip('/')}/login/oauth/authorize?{urlencode(query)}"


def exchange_code(settings: Settings, code: str, redirect_uri: str, verifier: str) -> UserTokens:
    return _token_call(
        settings,
        {"code": code, "redirect_uri": redirect_uri, "code_verifier": verifier},
    )


def refresh(settings: Settings, refresh_token: str) -> UserTokens:
    return _token_call(settings, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def _token_call(settings: Settings, form: dict[str, str]) -> UserTokens:
    secret = settings.github_client_secret
    if not settings.github_client_id or secret is None:
        raise UserAuthError("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set")
    form = {
        **form,
        "client_id": settings.github_client_id,
        "client_secret": secret.get_secret_value(),
    }
    url = f"{settings.github_url.rstrip('/')}/login/oauth/access_token"
    try:
        answer = httpx.post(url, data=form, headers={"Accept": "application/json"}, timeout=TIMEOUT)
        body: Any = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UserAuthError(f"token endpoint unreachable ({type(exc).__name__})") from None
    # GitHub refuses with 200 and an `error` field
    if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        code = body.get("error") if isinstance(body, dict) else None
        raise UserAuthError(f"GitHub refused: {code or answer.status_code}")
    now = datetime.now(UTC)
    return UserTokens(
        str(body["access_token"]),
        str(body.get("refresh_token", "")),
        now + timedelta(seconds=int(body.get("expires_in", 28800))),
        now + timedelta(seconds=int(body.get("refresh_token_expires_in", 15811200))),
    )
