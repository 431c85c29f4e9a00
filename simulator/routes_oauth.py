"""GitHub App user authorization over HTTP: the authorize page, the token endpoint (on the
web host), and the REST endpoints a user's token calls (GET /user, their installations, their
organization memberships).

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from simulator import oauth
from simulator.api import ApiError, not_found, paginate, respond
from simulator.routing import route, site, world
from simulator.shapes_user import (
    org_membership,
    private_user,
    user_installation_repos,
    user_installations,
)

bp = Blueprint("oauth", __name__)


@route(bp, "GET", "/login/oauth/authorize", "_oauth_authorize", auth="public")
def authorize() -> Response:
    """The page as if the chosen simulated user clicked "Authorize" (GitHubSimulator.approve_as)."""
    args = request.args
    app = oauth.oauth_app(world(), args.get("client_id", ""))
    if app is None:
        raise not_found()
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        raise ApiError(400, "redirect_uri must be an http(s) URL")
    challenge = args.get("code_challenge", "")
    if challenge and args.get("code_challenge_method") != "S256":
        raise ApiError(400, "code_challenge_method must be S256")
    login = world().oauth_approver
    if login is None:
        raise ApiError(403, "no simulated user is signed in to approve (approve_as)")
    code = oauth.issue_code(world(), app.client_id, redirect_uri, challenge, login)
    query = {"code": code, **({"state": s} if (s := args.get("state")) else {})}
    glue = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": f"{redirect_uri}{glue}{urlencode(query)}"})


@route(bp, "POST", "/login/oauth/access_token", "_oauth_access_token", auth="public")
def access_token() -> Response:
    """GitHub answers 200 with an `error` field when it refuses; JSON only on request."""
    params = {**request.args.to_dict(), **request.form.to_dict()}
    try:
        body: dict[str, Any] = _grant(params)
    except oauth.OAuthRefused as refused:
        body = {
            "error": refused.error,
            "error_description": refused.description,
            "error_uri": "https://docs.github.com/apps/managing-oauth-apps/"
            "troubleshooting-oauth-app-access-token-request-errors",
        }
    if "application/json" in request.headers.get("Accept", ""):
        return respond(body)
    return Response(urlencode(body), 200, mimetype="application/x-www-form-urlencoded")


def _grant(params: dict[str, str]) -> dict[str, Any]:
    app = oauth.check_client(world(), params.get("client_id", ""), params.get("client_secret", ""))
    if params.get("grant_type") == "refresh_token":
        access, refresh = oauth.refresh(world(), app, params.get("refresh_token", ""))
    else:
        access, refresh = oauth.exchange_code(
            world(),
            app,
            params.get("code", ""),
            params.get("redirect_uri", ""),
            params.get("code_verifier", ""),
        )
    return {
        "access_token": access,
        "expires_in": int(oauth.ACCESS_LIFETIME.total_seconds()),
        "refresh_token": refresh,
        "refresh_token_expires_in": int(oauth.REFRESH_LIFETIME.total_seconds()),
        "scope": "",
        "token_type": "bearer",
    }


def _user_login() -> str:
    return oauth.check_user_token(world(), request.headers.get("Authorization", "")).login


@route(bp, "GET", "/user", "users/get-authenticated", auth="public")  # checks the user token
def authenticated_user() -> Response:
    return respond(private_user(site(), world().account(_user_login())))


@route(
    bp,
    "GET",
    "/user/installations",
    "apps/list-installations-for-authenticated-user",
    auth="public",
)
def installations() -> Response:
    found = oauth.reachable_installations(world(), _user_login())
    chunk, headers = paginate(found)
    return respond(user_installations(site(), chunk, total=len(found)), 200, headers)


@route(
    bp,
    "GET",
    "/user/installations/<int:installation_id>/repositories",
    "apps/list-installation-repos-for-authenticated-user",
    auth="public",
)
def installation_repositories(installation_id: int) -> Response:
    login = _user_login()
    inst = world().installations.get(installation_id)
    if inst is None or inst not in oauth.reachable_installations(world(), login):
        raise not_found()
    repos = oauth.reachable_repos(world(), login, inst)
    chunk, headers = paginate(repos)
    return respond(
        user_installation_repos(site(), inst, chunk, login, total=len(repos)), 200, headers
    )


@route(
    bp,
    "GET",
    "/user/memberships/orgs/<org>",
    "orgs/get-membership-for-authenticated-user",
    auth="public",
)
def organization_membership(org: str) -> Response:
    """The user's active membership of `org` (GitHub: 404 when not affiliated with it)."""
    login = _user_login()
    found = world().accounts.get(org.lower())
    role = world().org_roles.get((org.lower(), login.lower()))
    if found is None or found.type != "Organization" or role is None:
        raise not_found()
    return respond(org_membership(site(), found, world().account(login), role))
