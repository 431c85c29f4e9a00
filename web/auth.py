"""Sign in with GitHub (the App's user authorization): `GET /login` starts GitHub's web flow with
a single-use state and a PKCE S256 challenge kept in Redis; `GET /auth/callback` checks the
state, exchanges the code, reads who signed in and opens a server-side session.

The cookie holds only the session id: HttpOnly, SameSite=Lax (Strict would drop it on the
redirect back from GitHub) and Secure unless MORNINGAI_INSECURE_COOKIES is set (local http).
https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from core.secrets_at_rest import SecretKeyError
from github_app import user_auth, user_sessions
from github_app.client import GitHubException
from github_app.rest.user import authenticated_user
from web import round_trips
from web.errors import json_error
from web.services import current_services
from web.viewer import COOKIE

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)

STATE_TTL_SECONDS = 600  # GitHub's code lives ten minutes too
PURPOSE = "login"


def _callback_url() -> str:
    return request.host_url.rstrip("/") + "/auth/callback"


@blueprint.get("/login")
def login() -> Response:
    services = current_services()
    settings = services.github_settings()
    if not settings.github_client_id or settings.github_client_secret is None:
        return json_error(503, "sign-in needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET")
    pkce, back = user_auth.new_pkce(), _callback_url()
    kept = json.dumps({"verifier": pkce.verifier, "redirect_uri": back})
    state = round_trips.new_state()
    round_trips.keep(services.redis, PURPOSE, state, kept, STATE_TTL_SECONDS)
    target = user_auth.authorize_url(settings, settings.github_client_id, back, state, pkce)
    return Response(status=302, headers={"Location": target})


@blueprint.get("/auth/callback")
def callback() -> Response:
    services = current_services()
    state, code = request.args.get("state", ""), request.args.get("code", "")
    kept = round_trips.take_state(services.redis, PURPOSE, state)
    if kept is None:
        log.warning("sign-in refused: unknown, expired or reused state")
        return json_error(400, "unknown, expired or already used state: sign in again")
    if not round_trips.valid_code(code):
        return json_error(400, "missing or malformed code")
    flow = json.loads(kept)
    settings = services.github_settings()
    try:
        tokens = user_auth.exchange_code(settings, code, flow["redirect_uri"], flow["verifier"])
        user = authenticated_user(settings, tokens.access_token)
    except user_auth.UserAuthError as exc:
        log.warning("sign-in refused: %s", exc)
        return json_error(400, "GitHub did not accept the sign-in: sign in again")
    except GitHubException as exc:
        log.warning("sign-in failed reading the user (%s)", type(exc).__name__)
        return json_error(502, "GitHub did not answer: sign in again")
    try:
        session_id = user_sessions.create(services.db, settings, user, tokens)
    except SecretKeyError as exc:
        return json_error(503, f"{exc}: the session could not be stored")
    log.info("signed in: %s (GitHub user %s)", user.login, user.id)
    response = Response(status=302, headers={"Location": "/"})
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="Lax",
        secure=not settings.morningai_insecure_cookies,
        path="/",
    )
    return response
