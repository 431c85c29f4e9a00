"""The signed-in person: `GET /api/me` (who they are, the installations and repositories GitHub
says they reach, a CSRF token) and `POST /api/logout`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from github_app import user_sessions
from web.errors import json_error
from web.services import current_services
from web.viewer import (
    COOKIE,
    CSRF_HEADER,
    Viewer,
    csrf_ok,
    forget_reach,
    load_session,
    public_reach,
    signed_in,
    signed_out,
)

blueprint = Blueprint("me", __name__)


@blueprint.get("/api/me")
@signed_in
def me(viewer: Viewer) -> Response:
    return jsonify(**public_reach(viewer), csrf_token=viewer.csrf_token)


@blueprint.post("/api/logout")
def logout() -> Response:
    """Ends the session without asking GitHub anything: signing out works while it is down."""
    session_id = request.cookies.get(COOKIE, "")
    if not session_id or load_session(session_id) is None:
        return signed_out()
    if not csrf_ok(session_id):
        return json_error(403, f"missing or wrong {CSRF_HEADER} header, or another origin")
    user_sessions.end(current_services().db, session_id)
    forget_reach(session_id)
    response = Response(status=204)
    response.delete_cookie(COOKIE, path="/")
    return response
