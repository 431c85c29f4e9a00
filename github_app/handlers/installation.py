"""`installation` and `installation_repositories`: keep tenants and repositories current.

https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
"""

from __future__ import annotations

from typing import Any

from github_app.events import Envelope, PayloadError, parse_repo
from github_app.intents import InstallationChanged, Intent, Reject, RepositoriesChanged

STATUS_BY_ACTION = {
    "created": "active",
    "unsuspend": "active",
    "new_permissions_accepted": "active",
    "suspend": "suspended",
    "deleted": "deleted",
}


def _account(env: Envelope) -> tuple[int, dict[str, Any]]:
    installation = env.payload.get("installation")
    if env.installation_id is None or not isinstance(installation, dict):
        raise PayloadError("installation.id is missing")
    account = installation.get("account")
    if not isinstance(account, dict) or not isinstance(account.get("login"), str):
        raise PayloadError("installation.account.login is missing")
    return env.installation_id, account


def _repos(raw: object) -> tuple:  # type: ignore[type-arg]
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PayloadError("repository lists must be arrays")
    # installation payloads carry `full_name` and `id`; that is all we keep
    return tuple(parse_repo(item) for item in raw)


def on_installation(env: Envelope) -> Intent:
    try:
        installation_id, account = _account(env)
        repositories = _repos(env.payload.get("repositories"))
    except PayloadError as exc:
        return Reject(str(exc))
    status = STATUS_BY_ACTION.get(env.action or "")
    if status is None:
        return Reject(f"unknown installation action {env.action!r}")
    installation = env.payload["installation"]
    permissions = installation.get("permissions")
    return InstallationChanged(
        installation_id=installation_id,
        account_login=account["login"],
        account_id=account.get("id") if isinstance(account.get("id"), int) else None,
        account_type=str(account.get("type") or "Organization"),
        status=status,
        permissions=permissions if isinstance(permissions, dict) else {},
        repositories=repositories,
    )


def on_installation_repositories(env: Envelope) -> Intent:
    try:
        installation_id, account = _account(env)
        added = _repos(env.payload.get("repositories_added"))
        removed = _repos(env.payload.get("repositories_removed"))
    except PayloadError as exc:
        return Reject(str(exc))
    return RepositoriesChanged(installation_id, account["login"], added, removed)
