"""App endpoints: the app itself, installations, installation access tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from simulator import shapes
from simulator.api import ApiError, field, json_body, not_found, paginate, respond, respond_page
from simulator.auth import AuthError, mint_token, narrow_permissions
from simulator.routing import caller_token, current_repo, route, site, world
from simulator.state import Installation, Repo

bp = Blueprint("app", __name__)


@route(bp, "GET", "/app", "apps/get-authenticated", auth="app")
def get_app() -> Response:
    return respond(shapes.app(site()))


def _installation(installation_id: int) -> Installation:
    found = world().installations.get(installation_id)
    if found is None:
        raise not_found()
    return found


@route(bp, "GET", "/app/installations", "apps/list-installations", auth="app")
def list_installations() -> Response:
    """The App's installations, oldest first, paged as GitHub pages them (per_page, Link)."""
    found = sorted(world().installations.values(), key=lambda i: i.id)
    return respond_page([_listed(inst) for inst in found])


def _listed(inst: Installation) -> dict[str, Any]:
    """An installation as GitHub lists it. This operation's description types `account` as
    allOf(Simple User, Enterprise) where "Get an installation" says anyOf: the account carries
    the Enterprise's required fields too (name, slug, created_at, updated_at), so the answer
    meets the description as published; a client reads `account.login` either way."""
    shown = shapes.installation(site(), inst)
    account = shown["account"]
    shown["account"] = {
        **account,
        "name": inst.account.login,
        "slug": inst.account.login.lower(),
        "created_at": shown["created_at"],
        "updated_at": shown["updated_at"],
    }
    return shown


@route(bp, "GET", "/app/installations/<int:installation_id>", "apps/get-installation", auth="app")
def get_installation(installation_id: int) -> Response:
    return respond(shapes.installation(site(), _installation(installation_id)))


@route(
    bp,
    "POST",
    "/app/installations/<int:installation_id>/access_tokens",
    "apps/create-installation-access-token",
    auth="app",
)
def create_token(installation_id: int) -> Response:
    inst = _installation(installation_id)
    if inst.suspended_at is not None:
        raise ApiError(403, "This installation has been suspended")
    body = json_body()
    repos = _narrowed_repos(
        inst,
        field(body, "repositories", list, required=False),
        field(body, "repository_ids", list, required=False),
    )
    wanted = field(body, "permissions", dict, required=False)
    try:
        permissions = (
            narrow_permissions(inst.permissions, wanted) if wanted else dict(inst.permissions)
        )
    except AuthError as exc:
        raise ApiError(422, exc.message) from exc
    token = mint_token(
        world(), inst.id, permissions, None if repos is None else frozenset(r.id for r in repos)
    )
    selection = "selected" if repos is not None else inst.repository_selection
    return respond(shapes.installation_token(site(), token, selection, repos), 201)


def _narrowed_repos(
    inst: Installation, names: list[Any] | None, ids: list[Any] | None
) -> list[Repo] | None:
    """The repos a token is narrowed to (None: all of the installation's); 422 if foreign."""
    if not names and not ids:
        return None
    mine = world().installation_repos(inst.id)
    by_name = {r.name.lower(): r for r in mine}
    by_id = {r.id: r for r in mine}
    wanted_names = {str(n).lower() for n in names or []}
    wanted_ids = {i for i in ids or [] if isinstance(i, int)}
    if not (wanted_names <= by_name.keys() and wanted_ids <= by_id.keys()) or len(
        wanted_ids
    ) != len(ids or []):
        raise ApiError(
            422,
            "There is at least one repository that does not exist or is not "
            "accessible to the parent installation.",
        )
    picked = {
        r.id: r for r in [*(by_name[n] for n in wanted_names), *(by_id[i] for i in wanted_ids)]
    }
    return sorted(picked.values(), key=lambda r: r.id)


@route(bp, "GET", "/repos/<owner>/<repo>/installation", "apps/get-repo-installation", auth="app")
def get_repo_installation(owner: str, repo: str) -> Response:
    found = current_repo()
    if found.installation_id is None:
        raise not_found()
    return respond(shapes.installation(site(), _installation(found.installation_id)))


@route(bp, "GET", "/installation/repositories", "apps/list-repos-accessible-to-installation")
def list_installation_repos() -> Response:
    token = caller_token()
    repos = [
        r
        for r in world().installation_repos(token.installation_id)
        if token.repo_ids is None or r.id in token.repo_ids
    ]
    inst = world().installations[token.installation_id]
    chunk, headers = paginate(repos)
    return respond(
        {
            "total_count": len(repos),
            "repository_selection": "selected"
            if token.repo_ids is not None
            else inst.repository_selection,
            "repositories": [shapes.repository(site(), r) for r in chunk],
        },
        200,
        headers,
    )


@route(bp, "DELETE", "/installation/token", "apps/revoke-installation-access-token")
def revoke_token() -> Response:
    token = caller_token()
    world().tokens.pop(token.value, None)
    return respond(None, 204)
