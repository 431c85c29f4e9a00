"""GitHub App user authorization: codes bound to a PKCE challenge, expiring `ghu_` access
tokens, rotating `ghr_` refresh tokens, and what a user's token reaches.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from simulator.auth import AuthError
from simulator.state import App, Installation, Repo, UserGrant, World

CODE_LIFETIME = timedelta(minutes=10)
ACCESS_LIFETIME = timedelta(hours=8)
REFRESH_LIFETIME = timedelta(days=184)  # "about 6 months"


class OAuthRefused(ValueError):
    """The token endpoint's error answer: `error` is GitHub's code, e.g. bad_verification_code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def oauth_app(world: World, client_id: str) -> App | None:
    """The App whose OAuth client is `client_id`: the simulator's own or a manifest App."""
    for app in (world.app, *world.manifest_apps.values()):
        if app.client_id == client_id:
            return app
    return None


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier` (RFC 7636 §4.2): base64url(sha256), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_code(world: World, client_id: str, redirect_uri: str, challenge: str, login: str) -> str:
    """What the authorize page does once `login` clicks "Authorize": a ten-minute code."""
    code = secrets.token_hex(10)
    world.oauth_codes[code] = UserGrant(
        login, client_id, world.now() + CODE_LIFETIME, redirect_uri, challenge
    )
    return code


def _value(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]


def mint(world: World, login: str, client_id: str) -> tuple[str, str]:
    access, refresh = _value("ghu_"), _value("ghr_")
    now = world.now()
    world.user_tokens[access] = UserGrant(login, client_id, now + ACCESS_LIFETIME)
    world.refresh_tokens[refresh] = UserGrant(
        login, client_id, now + REFRESH_LIFETIME, access=access
    )
    return access, refresh


def check_client(world: World, client_id: str, client_secret: str) -> App:
    app = oauth_app(world, client_id)
    known = app.client_secret if app is not None else None
    if app is None or not known or not hmac.compare_digest(known, client_secret):
        raise OAuthRefused(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        )
    return app


def exchange_code(
    world: World, app: App, code: str, redirect_uri: str, verifier: str
) -> tuple[str, str]:
    """The code (single use, whatever the outcome) for an access and a refresh token."""
    grant = world.oauth_codes.pop(code, None)
    if grant is None or grant.expires_at <= world.now() or grant.client_id != app.client_id:
        raise OAuthRefused("bad_verification_code", "The code passed is incorrect or expired.")
    if grant.redirect_uri and redirect_uri and redirect_uri != grant.redirect_uri:
        raise OAuthRefused(
            "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL."
        )
    if grant.challenge and not hmac.compare_digest(s256(verifier), grant.challenge):
        raise OAuthRefused("bad_verification_code", "The code_verifier does not match.")
    return mint(world, grant.login, app.client_id)


def refresh(world: World, app: App, refresh_token: str) -> tuple[str, str]:
    """Rotate: the refresh token and the access token issued with it both end."""
    grant = world.refresh_tokens.pop(refresh_token, None)
    if grant is None or grant.expires_at <= world.now() or grant.client_id != app.client_id:
        raise OAuthRefused("bad_refresh_token", "The refresh token passed is incorrect or expired.")
    world.user_tokens.pop(grant.access, None)
    return mint(world, grant.login, app.client_id)


def check_user_token(world: World, authorization: str) -> UserGrant:
    """The user behind an `Authorization: Bearer ghu_…` header (401 as GitHub otherwise)."""
    scheme, _, value = authorization.partition(" ")
    if not value or scheme.lower() not in ("bearer", "token"):
        raise AuthError(401, "Requires authentication")
    grant = world.user_tokens.get(value)
    if grant is None or grant.expires_at <= world.now():
        raise AuthError(401, "Bad credentials")
    return grant


def reachable_repos(world: World, login: str, inst: Installation) -> list[Repo]:
    """The installation's repositories `login` has explicit access to (or owns)."""
    return [r for r in world.installation_repos(inst.id) if world.is_collaborator(r, login)]


def reachable_installations(world: World, login: str) -> list[Installation]:
    """Installations on the user's own account, or with a repository the user can access."""
    return [
        inst
        for inst in world.installations.values()
        if inst.account.login.lower() == login.lower() or reachable_repos(world, login, inst)
    ]
