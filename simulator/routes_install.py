"""GitHub's install pages for a manifest App (plain HTML forms a browser clicks through):
pick the account, then the repositories; "Install" creates the installation, queues the signed
`installation` `created` delivery to the App's hook URL, and sends the browser to the App's
setup URL or to the installation's page.

https://docs.github.com/en/apps/using-github-apps/installing-your-own-github-app
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from simulator import installs, pages
from simulator.api import not_found
from simulator.routes_manifest import PERSONAL_OWNER
from simulator.routing import backend, route, site, world
from simulator.state import Account, App

bp = Blueprint("install", __name__)


def _app(slug: str) -> App:
    found = installs.app_by_slug(world(), slug)
    if found is None:
        raise not_found()
    return found


def _person() -> str:
    """Who is signed in to GitHub in the browser: whoever approves sign-ins, else the person
    who registered Apps."""
    return world().oauth_approver or PERSONAL_OWNER


def _target(raw: str | None) -> Account:
    if raw is None or not raw.isdigit():
        raise not_found()
    found = next((a for a in world().accounts.values() if a.id == int(raw)), None)
    if found is None or found.type == "Bot":
        raise not_found()
    return found


@route(bp, "GET", "/apps/<slug>/installations/new", "_install_new", auth="public")
def choose_account(slug: str) -> Response:
    app = _app(slug)
    return pages.choose_account_page(app, installs.candidate_accounts(world(), _person()))


@route(
    bp, "GET", "/apps/<slug>/installations/new/permissions", "_install_permissions", auth="public"
)
def choose_repositories(slug: str) -> Response:
    account = _target(request.args.get("target_id"))
    return pages.install_page(_app(slug), account, installs.installable_repos(world(), account))


@route(bp, "POST", "/apps/<slug>/installations", "_install_create", auth="public")
def create(slug: str) -> Response:
    app = _app(slug)
    account = _target(request.form.get("target_id"))
    every = request.form.get("repository_selection") == "all"
    ids = [int(v) for v in request.form.getlist("repository_ids") if v.isdigit()]
    try:
        inst, repos = installs.install(world(), app, account, None if every else ids)
    except installs.InstallRefused as refused:
        offered = installs.installable_repos(world(), account)
        return pages.install_page(app, account, offered, str(refused))
    if app.hook_url and app.webhook_secret:
        payload = installs.created_payload(site(), app, inst, repos, world().account(_person()))
        backend().hookshot.send(app.hook_url, app.webhook_secret, "installation", payload)
    response: Response = redirect(installs.after_install_url(site(), app, inst), 302)  # type: ignore[assignment]
    return response


@route(bp, "GET", "/settings/installations/<int:inst_id>", "_installation_page", auth="public")
def installation_page(inst_id: int) -> Response:
    return _installed(inst_id)


@route(
    bp,
    "GET",
    "/organizations/<org>/settings/installations/<int:inst_id>",
    "_org_installation_page",
    auth="public",
)
def org_installation_page(org: str, inst_id: int) -> Response:
    return _installed(inst_id)


def _installed(inst_id: int) -> Response:
    inst = world().installations.get(inst_id)
    app = world().manifest_apps.get(inst.app_id or 0) if inst else None
    if inst is None or app is None:
        raise not_found()
    return pages.installed_page(app, inst, world().installation_repos(inst.id))
