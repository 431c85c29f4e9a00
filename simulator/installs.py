"""Installing a manifest App on an account: the installation, its repositories, and the
`installation` `created` delivery GitHub then sends to the App's hook URL.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
"""

from __future__ import annotations

from typing import Any

from simulator.seeding import DEFAULT_EVENTS, DEFAULT_PERMISSIONS
from simulator.shapes import JSON, Site, installation, node_id, user
from simulator.state import Account, App, Installation, Repo, World


class InstallRefused(ValueError):
    """What GitHub's install page would not do (the message is shown on the page)."""


def app_by_slug(world: World, slug: str) -> App | None:
    """A manifest App by its slug (the simulator's own App is installed by `add_installation`)."""
    return next((a for a in world.manifest_apps.values() if a.slug == slug.lower()), None)


def installable_repos(world: World, account: Account) -> list[Repo]:
    """The account's repositories no installation holds yet (the simulator gives each repository
    one installation), by name."""
    return sorted(
        (
            r
            for r in world.repos.values()
            if r.owner.id == account.id and r.installation_id is None and r.parent is None
        ),
        key=lambda r: r.name.lower(),
    )


def candidate_accounts(world: World, person: str) -> list[Account]:
    """Where `person` may install: their own account and every account owning a repository
    (the simulator has no organisation membership; on GitHub, organisations they own)."""
    owners = {r.owner.id: r.owner for r in world.repos.values()}
    own = world.account(person)
    return [own, *sorted((a for i, a in owners.items() if i != own.id), key=lambda a: a.login)]


def install(
    world: World, app: App, account: Account, repo_ids: list[int] | None
) -> tuple[Installation, list[Repo]]:
    """Install `app` on `account`: on every installable repository (`repo_ids` None) or those."""
    if any(i.app_id == app.id and i.account.id == account.id for i in world.installations.values()):
        raise InstallRefused(f"{app.name} is already installed on {account.login}")
    offered = installable_repos(world, account)
    picked = offered if repo_ids is None else [r for r in offered if r.id in set(repo_ids)]
    if repo_ids is not None and (not picked or len(picked) != len(set(repo_ids))):
        raise InstallRefused("choose at least one of the listed repositories")
    inst = Installation(
        world.next_id(),
        account,
        dict(app.permissions or DEFAULT_PERMISSIONS),
        list(app.events or DEFAULT_EVENTS),
        "all" if repo_ids is None else "selected",
        world.now(),
        app_id=app.id,
    )
    world.installations[inst.id] = inst
    for repo in picked:
        repo.installation_id = inst.id
    return inst, picked


def installation_json(site: Site, app: App, inst: Installation) -> JSON:
    """The `installation` schema for an installation of a manifest App."""
    return {
        **installation(site, inst),
        "app_id": app.id,
        "app_slug": app.slug,
        "client_id": app.client_id,
    }


def created_payload(
    site: Site, app: App, inst: Installation, repos: list[Repo], sender: Account
) -> dict[str, Any]:
    """The `installation` `created` delivery (GitHub's example and webhook schema)."""
    return {
        "action": "created",
        "installation": installation_json(site, app, inst),
        "repositories": [
            {
                "id": r.id,
                "node_id": node_id("Repository", r.id),
                "name": r.name,
                "full_name": r.full_name,
                "private": r.private,
            }
            for r in repos
        ],
        "requester": None,
        "sender": user(site, sender),
    }


def after_install_url(site: Site, app: App, inst: Installation) -> str:
    """Where GitHub sends the browser: the App's setup URL (with the installation id and
    `setup_action=install`), else the installation's settings page."""
    if app.setup_url:
        glue = "&" if "?" in app.setup_url else "?"
        return f"{app.setup_url}{glue}installation_id={inst.id}&setup_action=install"
    return str(installation(site, inst)["html_url"])
