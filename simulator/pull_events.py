"""`pull_request` deliveries when a pull request is merged, closed or reopened: sent, as GitHub
does, to the App installed on the repository when its hook is active and it subscribes to the
event (in the simulator: a manifest App, the only kind with a hook URL).

https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.routing import Backend
from simulator.shapes import JSON, node_id, repository, user
from simulator.state import Account, Installation, Repo, World


def _subscriber(world: World, repo: Repo) -> tuple[str, str, Installation] | None:
    """Where the repository's App wants its deliveries (hook URL, secret), if it does."""
    inst = world.installations.get(repo.installation_id or 0)
    app = world.manifest_apps.get(inst.app_id or 0) if inst else None
    if inst is None or app is None or inst.suspended_at is not None:
        return None
    if not app.hook_url or not app.webhook_secret or "pull_request" not in inst.events:
        return None
    return app.hook_url, app.webhook_secret, inst


def announce(
    backend: Backend, repo: Repo, *, action: str, by: Account, pull: Callable[[], JSON]
) -> str | None:
    """Queue the `pull_request` `action` delivery for the pull request `pull()` describes (as
    GET /pulls/{n} now shows it; made only when someone listens). Its delivery id, or None
    when no App with an active hook that subscribes to the event is installed on `repo`."""
    found = _subscriber(backend.world, repo)
    if found is None:
        return None
    url, secret, inst = found
    described = pull()
    body: dict[str, Any] = {
        "action": action,
        "number": described["number"],
        "pull_request": described,
        "repository": repository(backend.site, repo),
        # what every App delivery carries: the simple installation
        "installation": {"id": inst.id, "node_id": node_id("IntegrationInstallation", inst.id)},
        "sender": user(backend.site, by),
    }
    return backend.hookshot.send(url, secret, "pull_request", body)
