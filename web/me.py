"""The signed-in person: `GET /api/me` (who they are, the installations GitHub says they reach,
a CSRF token) and `POST /api/logout`. Both read the session cookie set by `web.auth`.

CSRF: a state-changing call must carry `X-MorningAI-CSRF` equal to the token /api/me hands out
(derived from the session id, so only a page that could read /api/me knows it; the cookie alone,
which a cross-site form would send, is not enough). The signed webhook endpoint is exempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.secrets_at_rest import SealedValueError, SecretKeyError
from db import tenants
from github_app import user_auth, user_sessions
from github_app.client import GitHubException, RequestFailed
from github_app.rest.user import authenticated_user, user_installations
from web.auth import COOKIE
from web.errors import json_error
from web.services import current_services

log = logging.getLogger(__name__)
blueprint = Blueprint("me", __name__)

CSRF_HEADER = "X-MorningAI-CSRF"
REACH_TTL_SECONDS = 60  # how long GitHub's answer about a user's installations is reused
_REACH_PREFIX = "morningai:me:reach:"
_EARLY = timedelta(minutes=1)  # refresh a little before GitHub's expiry


def csrf_token(session_id: str) -> str:
    return hashlib.sha256(b"morningai-csrf:" + session_id.encode("utf-8")).hexdigest()


def _signed_out() -> Response:
    response = json_error(401, "not signed in")
    response.delete_cookie(COOKIE, path="/")
    return response


def _session(session_id: str) -> user_sessions.UserSession | None:
    services = current_services()
    try:
        return user_sessions.load(services.db, services.settings, session_id)
    except (SecretKeyError, SealedValueError):
        return None


def _refreshed(
    session_id: str, found: user_sessions.UserSession
) -> user_sessions.UserSession | None:
    """The session with rotated tokens (stored sealed again); None, and the session ended,
    when GitHub refuses the refresh token."""
    services = current_services()
    try:
        tokens = user_auth.refresh(services.github_settings(), found.tokens.refresh_token)
    except user_auth.UserAuthError as exc:
        log.info("session of %s ended: %s", found.github_login, exc)
        user_sessions.end(services.db, session_id)
        return None
    user_sessions.store_tokens(services.db, services.settings, session_id, tokens)
    return user_sessions.UserSession(found.github_user_id, found.github_login, tokens)


def _reach(token: str) -> dict[str, Any]:
    settings = current_services().github_settings()
    user = authenticated_user(settings, token)
    found = user_installations(settings, token)
    with current_services().db.connection() as conn:
        known = {i.id for i in found if tenants.for_installation(conn, i.id) is not None}
    return {
        "user": {"login": user.login, "id": user.id, "avatar_url": user.avatar_url},
        "installations": [
            {"id": i.id, "account": i.account_login, "tenant": i.id in known} for i in found
        ],
    }


def _cached_reach(session_id: str, found: user_sessions.UserSession) -> dict[str, Any] | None:
    redis = current_services().redis
    key = _REACH_PREFIX + user_sessions.id_hash(session_id).hex()
    cached = redis.get(key)
    if cached is not None:
        reach: dict[str, Any] = json.loads(cached)
        return reach
    session: user_sessions.UserSession | None = found
    if found.tokens.access_expires_at <= datetime.now(UTC) + _EARLY:
        session = _refreshed(session_id, found)
    for attempt in range(2):
        if session is None:
            return None
        try:
            reach = _reach(session.tokens.access_token)
        except RequestFailed as exc:
            if exc.response.status_code != 401 or attempt:
                raise
            session = _refreshed(session_id, session)  # expired or revoked early: refresh once
            continue
        redis.set(key, json.dumps(reach), ex=REACH_TTL_SECONDS)
        return reach
    return None


@blueprint.get("/api/me")
def me() -> Response:
    session_id = request.cookies.get(COOKIE, "")
    found = _session(session_id) if session_id else None
    if found is None:
        return _signed_out()
    try:
        reach = _cached_reach(session_id, found)
    except GitHubException as exc:
        log.warning("GitHub did not answer for %s (%s)", found.github_login, type(exc).__name__)
        return json_error(502, "GitHub did not answer")
    if reach is None:
        return _signed_out()
    return jsonify(**reach, csrf_token=csrf_token(session_id))


@blueprint.post("/api/logout")
def logout() -> Response:
    session_id = request.cookies.get(COOKIE, "")
    if not session_id or _session(session_id) is None:
        return _signed_out()
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token(session_id).encode()):
        return json_error(403, f"missing or wrong {CSRF_HEADER} header")
    user_sessions.end(current_services().db, session_id)
    response = Response(status=204)
    response.delete_cookie(COOKIE, path="/")
    return response
