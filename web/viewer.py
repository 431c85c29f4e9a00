"""The signed-in person behind a request, and what GitHub says they reach.

A viewer is a session (cookie → sealed tokens in `user_sessions`) plus GitHub's answer about
that user: the App's installations they reach (`GET /user/installations`) and, in each, the
repositories they reach with their permission there
(`GET /user/installations/{id}/repositories`). That answer is reused for REACH_TTL_SECONDS.
Every /api read asks a viewer which tenants and repositories it may show, then reads inside
those tenants' scoped transactions (row-level security) — nothing is only hidden in the page.

CSRF: a state-changing call must carry `X-MorningAI-CSRF` equal to the token /api/me hands out
(derived from the session id, so only a page that could read /api/me knows it; the cookie alone,
which a cross-site form would send, is not enough).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate, ParamSpec

from flask import Response, request

from core.secrets_at_rest import SealedValueError, SecretKeyError
from core.settings import Settings
from db import tenants
from github_app import user_auth, user_sessions
from github_app.client import GitHubException, RequestFailed
from github_app.rest.user import (
    UserInstallation,
    authenticated_user,
    org_membership_role,
    user_installation_repositories,
    user_installations,
)
from web.errors import json_error
from web.services import current_services

log = logging.getLogger(__name__)

COOKIE = "morningai_session"
CSRF_HEADER = "X-MorningAI-CSRF"
REACH_TTL_SECONDS = 60  # how long GitHub's answer about a user's reach is reused
_REACH_PREFIX = "morningai:viewer:reach:"
_REFRESH_LOCK_PREFIX = "morningai:viewer:refresh:"
REFRESH_LOCK_SECONDS = 30
_EARLY = timedelta(minutes=1)  # refresh a little before GitHub's expiry

P = ParamSpec("P")


@dataclass(frozen=True)
class ReachedRepository:
    full_name: str
    private: bool
    can_write: bool  # push, maintain or admin: may stop and retry


@dataclass(frozen=True)
class ReachedInstallation:
    id: int
    account: str
    tenant_id: int | None  # None: MorningAI has not received its `installation` webhook yet
    repositories: tuple[ReachedRepository, ...]
    # may link chat workspaces and choose installation-wide notifications: an active admin of
    # the organization, or the user whose account it is (_is_admin)
    admin: bool = False

    def repository(self, full_name: str | None) -> ReachedRepository | None:
        """The reached repository so named (GitHub's names ignore case), or None."""
        if full_name is None:
            return None
        wanted = full_name.lower()
        return next((r for r in self.repositories if r.full_name.lower() == wanted), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.full_name for r in self.repositories)


@dataclass(frozen=True)
class Viewer:
    session_id: str
    login: str
    user_id: int
    avatar_url: str
    installations: tuple[ReachedInstallation, ...]

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.session_id)

    @property
    def tenants(self) -> tuple[ReachedInstallation, ...]:
        """The reached installations MorningAI serves (their tenant exists)."""
        return tuple(i for i in self.installations if i.tenant_id is not None)

    def installation_of(self, tenant_id: int) -> ReachedInstallation | None:
        return next((i for i in self.tenants if i.tenant_id == tenant_id), None)

    def may_see(self, tenant_id: int, repository: str | None) -> bool:
        found = self.installation_of(tenant_id)
        return found is not None and found.repository(repository) is not None

    def may_act(self, tenant_id: int, repository: str | None) -> bool:
        found = self.installation_of(tenant_id)
        repo = found.repository(repository) if found is not None else None
        return repo is not None and repo.can_write


def csrf_token(session_id: str) -> str:
    return hashlib.sha256(b"morningai-csrf:" + session_id.encode("utf-8")).hexdigest()


def csrf_ok(session_id: str) -> bool:
    """Whether the request carries this session's CSRF token and, when the browser says where
    it comes from (`Origin`), comes from this site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        return False
    sent = request.headers.get(CSRF_HEADER, "")
    return hmac.compare_digest(sent.encode(), csrf_token(session_id).encode())


def signed_out() -> Response:
    response = json_error(401, "not signed in")
    response.delete_cookie(COOKIE, path="/")
    return response


def load_session(session_id: str) -> user_sessions.UserSession | None:
    services = current_services()
    try:
        return user_sessions.load(services.db, services.settings, session_id)
    except (SecretKeyError, SealedValueError):
        return None


def _refreshed(
    session_id: str, found: user_sessions.UserSession
) -> user_sessions.UserSession | None:
    """The session with rotated tokens (stored sealed again); None, and the session ended,
    when GitHub refuses the refresh token.

    One refresh at a time per session: GitHub rotates the refresh token, so a second request
    refreshing with the old one would be refused and sign the person out. The page asks for
    several things at once; the ones that waited for the lock take the pair the first stored.
    """
    services = current_services()
    key = _REFRESH_LOCK_PREFIX + user_sessions.id_hash(session_id).hex()
    with services.redis.lock(key, timeout=REFRESH_LOCK_SECONDS, blocking_timeout=20):
        current = load_session(session_id)
        if current is None:
            return None
        if current.tokens.refresh_token != found.tokens.refresh_token:
            return current  # another request refreshed it meanwhile
        try:
            tokens = user_auth.refresh(services.github_settings(), found.tokens.refresh_token)
        except user_auth.UserAuthError as exc:
            log.info("session of %s ended: %s", found.github_login, exc)
            user_sessions.end(services.db, session_id)
            return None
        user_sessions.store_tokens(services.db, services.settings, session_id, tokens)
    return user_sessions.UserSession(found.github_user_id, found.github_login, tokens)


def _is_admin(settings: Settings, token: str, inst: UserInstallation, login: str) -> bool:
    """Whether `login` administers the installation's account: for an organization, GitHub
    says their active membership's role is admin; a user's account is administered by that
    user alone; anything else (an enterprise) by no one here. When GitHub does not answer,
    no (fail closed), without failing the rest of the reach."""
    if inst.account_type == "User":
        return inst.account_login.lower() == login.lower()
    if inst.account_type == "Organization":
        try:
            return org_membership_role(settings, token, inst.account_login) == "admin"
        except GitHubException as exc:  # not admin this time; the rest of the reach stands
            log.warning("GitHub did not say whether %s administers %s (%s)", login,
                        inst.account_login, type(exc).__name__)  # fmt: skip
    return False


def _ask_github(token: str) -> dict[str, Any]:
    settings = current_services().github_settings()
    user = authenticated_user(settings, token)
    installations = []
    for inst in user_installations(settings, token):
        with current_services().db.connection() as conn:
            tenant = tenants.for_installation(conn, inst.id)
        repos = user_installation_repositories(settings, token, inst.id)
        installations.append(
            {
                "id": inst.id,
                "account": inst.account_login,
                "tenant_id": tenant.tenant_id if tenant is not None else None,
                "admin": _is_admin(settings, token, inst, user.login),
                "repositories": [
                    {"full_name": r.full_name, "private": r.private, "can_write": r.can_write}
                    for r in repos
                ],
            }
        )
    return {
        "login": user.login,
        "user_id": user.id,
        "avatar_url": user.avatar_url,
        "installations": installations,
    }


def _reach(session_id: str, found: user_sessions.UserSession) -> dict[str, Any] | None:
    """GitHub's answer about this user, from the short cache or asked afresh (refreshing the
    user's token first when it is about to expire, or once when GitHub says it expired)."""
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
            reach = _ask_github(session.tokens.access_token)
        except RequestFailed as exc:
            if exc.response.status_code != 401 or attempt:
                raise
            session = _refreshed(session_id, session)  # expired or revoked early: refresh once
            continue
        redis.set(key, json.dumps(reach), ex=REACH_TTL_SECONDS)
        return reach
    return None


def forget_reach(session_id: str) -> None:
    current_services().redis.delete(_REACH_PREFIX + user_sessions.id_hash(session_id).hex())


def _viewer(session_id: str, reach: dict[str, Any]) -> Viewer:
    return Viewer(
        session_id=session_id,
        login=reach["login"],
        user_id=int(reach["user_id"]),
        avatar_url=reach["avatar_url"],
        installations=tuple(
            ReachedInstallation(
                id=int(i["id"]),
                account=i["account"],
                tenant_id=i["tenant_id"],
                repositories=tuple(ReachedRepository(**r) for r in i["repositories"]),
                admin=bool(i.get("admin", False)),  # absent from an answer cached before it
            )
            for i in reach["installations"]
        ),
    )


def current_viewer() -> Viewer | Response:
    """The request's viewer, or the answer to give instead: 401 (no or ended session), 502
    (GitHub did not answer about the user)."""
    session_id = request.cookies.get(COOKIE, "")
    found = load_session(session_id) if session_id else None
    if found is None:
        return signed_out()
    return _viewer_of(session_id, found)


def _viewer_of(session_id: str, found: user_sessions.UserSession) -> Viewer | Response:
    """The viewer of a loaded session (GitHub's answer about them), or the answer instead."""
    try:
        reach = _reach(session_id, found)
    except GitHubException as exc:
        log.warning("GitHub did not answer for %s (%s)", found.github_login, type(exc).__name__)
        return json_error(502, "GitHub did not answer; try again in a moment")
    if reach is None:
        return signed_out()
    return _viewer(session_id, reach)


def signed_in(view: Callable[Concatenate[Viewer, P], Response]) -> Callable[P, Response]:
    """A view for signed-in people only: it gets the viewer first."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        viewer = current_viewer()
        if isinstance(viewer, Response):
            return viewer
        return view(viewer, *args, **kwargs)

    return wrapper


def checks_csrf(view: Callable[Concatenate[Viewer, P], Response]) -> Callable[P, Response]:
    """A state-changing view for signed-in people: the CSRF header must match their session."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        session_id = request.cookies.get(COOKIE, "")
        found = load_session(session_id) if session_id else None
        if found is None:
            return signed_out()
        if not csrf_ok(session_id):
            return json_error(403, f"missing or wrong {CSRF_HEADER} header, or another origin")
        viewer = _viewer_of(session_id, found)
        if isinstance(viewer, Response):
            return viewer
        return view(viewer, *args, **kwargs)

    return wrapper


def public_reach(viewer: Viewer) -> dict[str, Any]:
    """What /api/me shows of a viewer (the page's own view of who it is)."""
    return {
        "user": {"login": viewer.login, "id": viewer.user_id, "avatar_url": viewer.avatar_url},
        "installations": [
            {
                "id": i.id,
                "account": i.account,
                "tenant": i.tenant_id is not None,
                "repositories": [asdict(r) for r in i.repositories],
            }
            for i in viewer.installations
        ],
    }
