"""The dashboard's chat settings (docs/api.md, "Chat"): link codes, linked workspaces and
notification subscriptions.

`POST /api/chat/link-codes` gives a one-time code for one of the installations GitHub says the
viewer reaches (github_app/chat_links.py): a workspace code needs admin on that installation
(organization admin, or the user whose account it is), a user code only the reach. The chat side
presents the code and nothing else. Workspaces and subscriptions are read and changed inside
each reached installation's tenant-scoped transaction (row-level security); one of another
installation answers 404 like a missing one. Unlinking and installation-wide subscriptions need
admin; a repository's subscriptions need write on that repository. A subscribed channel must
belong to the workspace (Discord and Telegram share one bot across every server and chat, so
nothing else stops an admin from sending their notifications to someone else's channel). No
answer ever holds a bot token, sealed or not.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from chat.discord.client import DiscordClient
from chat.errors import ChatApiError, RateLimited
from db import chat, repositories
from db.tenancy import tenant_transaction
from github_app import chat_links
from web.errors import json_error
from web.services import current_services
from web.viewer import ReachedInstallation, Viewer, checks_csrf, signed_in

log = logging.getLogger(__name__)
blueprint = Blueprint("chat_api", __name__)

MAX_CHANNEL = 100
# the seconds of Discord 429s a dashboard request waits out before answering 502
DISCORD_WAIT = 5.0


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _body() -> dict[str, Any] | Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "send a JSON object")
    return body


def _installation(viewer: Viewer, installation_id: int) -> ReachedInstallation | None:
    return next((i for i in viewer.installations if i.id == installation_id), None)


@blueprint.post("/api/chat/link-codes")
@checks_csrf
def link_code_view(viewer: Viewer) -> Response:
    body = _body()
    if isinstance(body, Response):
        return body
    installation_id = _int(body.get("installation_id"))
    purpose, platform = body.get("purpose"), body.get("platform")
    if installation_id is None:
        return json_error(400, "installation_id is a whole number")
    if purpose not in chat_links.PURPOSES:
        return json_error(400, "purpose is workspace or user")
    if platform not in chat_links.PLATFORMS:
        return json_error(400, f"platform is one of {', '.join(chat_links.PLATFORMS)}")
    inst = _installation(viewer, installation_id)
    if inst is None:
        return json_error(404, f"no installation {installation_id} among the ones you reach")
    if inst.tenant_id is None:
        return json_error(409, "MorningAI has not received this installation yet; try again soon")
    if purpose == "workspace" and not inst.admin:
        return json_error(403, f"linking a workspace needs admin rights on {inst.account}")
    grant = chat_links.LinkGrant(
        purpose, platform, inst.tenant_id, inst.id, viewer.user_id, viewer.login
    )
    issued = chat_links.issue(current_services().redis, grant)
    log.info(
        "@%s took a %s %s link code for installation %s", viewer.login, platform, purpose, inst.id
    )
    response = jsonify(
        code=issued.code,
        expires_at=issued.expires_at.isoformat(),
        purpose=purpose,
        platform=platform,
        installation_id=inst.id,
        instructions=chat_links.instructions(purpose, platform, issued.code),
    )
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"  # a live credential
    return response


def _workspace_json(inst: ReachedInstallation, w: chat.Workspace) -> dict[str, Any]:
    return {
        "id": w.id,
        "installation_id": inst.id,
        "account": inst.account,
        "platform": w.platform,
        "external_id": w.external_id,
        "name": w.name,
        "bot_installed": w.has_bot_token,
        "linked_by": w.linked_by_login,
        "linked_at": w.created_at.isoformat(),
        "updated_at": w.updated_at.isoformat(),
        "can_manage": inst.admin,
    }


@blueprint.get("/api/chat/workspaces")
@signed_in
def workspaces_view(viewer: Viewer) -> Response:
    db = current_services().db
    found: list[dict[str, Any]] = []
    for inst in viewer.tenants:
        with tenant_transaction(db, inst.tenant_id or 0) as scope:
            found.extend(_workspace_json(inst, w) for w in chat.list_workspaces(scope))
    return jsonify(
        workspaces=found,
        installations=[
            {"id": i.id, "account": i.account, "tenant": i.tenant_id is not None, "admin": i.admin}
            for i in viewer.installations
        ],
    )


def _find_workspace(
    viewer: Viewer, workspace_id: int
) -> tuple[ReachedInstallation, chat.Workspace] | None:
    db = current_services().db
    for inst in viewer.tenants:
        with tenant_transaction(db, inst.tenant_id or 0) as scope:
            found = chat.get_workspace(scope, workspace_id)
        if found is not None:
            return inst, found
    return None


@blueprint.delete("/api/chat/workspaces/<int:workspace_id>")
@checks_csrf
def unlink_view(viewer: Viewer, workspace_id: int) -> Response:
    found = _find_workspace(viewer, workspace_id)
    if found is None:
        return json_error(404, f"no chat workspace {workspace_id} among your installations")
    inst, workspace = found
    if not inst.admin:
        return json_error(403, f"unlinking a workspace needs admin rights on {inst.account}")
    with tenant_transaction(current_services().db, inst.tenant_id or 0) as scope:
        chat.unlink_workspace(scope, workspace.id)
    log.info("@%s unlinked %s workspace %s", viewer.login, workspace.platform, workspace.id)
    return jsonify(deleted=workspace.id)


def _subscription_json(inst: ReachedInstallation, s: chat.Subscription) -> dict[str, Any] | None:
    """The row as the viewer may see it; None for a repository outside their reach."""
    repo = inst.repository(s.repository) if s.repository is not None else None
    if s.repository_id is not None and repo is None:
        return None
    return {
        "id": s.id,
        "installation_id": inst.id,
        "workspace_id": s.workspace_id,
        "channel_id": s.channel_id,
        "repository": repo.full_name if repo is not None else None,
        "events": list(s.events),
        "created_by": s.created_by_login,
        "can_change": repo.can_write if repo is not None else inst.admin,
    }


@blueprint.get("/api/chat/subscriptions")
@signed_in
def subscriptions_view(viewer: Viewer) -> Response:
    only = request.args.get("workspace_id")
    if only is not None and not only.isdigit():
        return json_error(400, "workspace_id is a whole number")
    db = current_services().db
    found: list[dict[str, Any]] = []
    for inst in viewer.tenants:
        with tenant_transaction(db, inst.tenant_id or 0) as scope:
            rows = chat.list_subscriptions(scope, int(only) if only is not None else None)
        found.extend(j for s in rows if (j := _subscription_json(inst, s)) is not None)
    return jsonify(subscriptions=found, events=list(chat.EVENTS))


_CHANNEL_WORDS = f"channel_id is the platform's channel id (1 to {MAX_CHANNEL} characters)"


def _subscription_request(
    body: dict[str, Any],
) -> tuple[int, str | None, str | None, tuple[str, ...]]:
    workspace_id = _int(body.get("workspace_id"))
    channel, repository, events = body.get("channel_id"), body.get("repository"), body.get("events")
    if workspace_id is None:
        raise ValueError("workspace_id is a whole number")
    if channel is not None and (
        not isinstance(channel, str) or not 1 <= len(channel) <= MAX_CHANNEL
    ):
        raise ValueError(_CHANNEL_WORDS)
    if repository is not None and not isinstance(repository, str):
        raise ValueError("repository is owner/name, or null for every repository")
    if not isinstance(events, list) or not all(e in chat.EVENTS for e in events):
        raise ValueError(f"events is a list of {', '.join(chat.EVENTS)} (empty: unsubscribe)")
    return workspace_id, channel, repository, tuple(events)


@blueprint.put("/api/chat/subscriptions")
@checks_csrf
def put_subscription_view(viewer: Viewer) -> Response:
    body = _body()
    if isinstance(body, Response):
        return body
    try:
        workspace_id, channel, repository, events = _subscription_request(body)
    except ValueError as exc:
        return json_error(400, str(exc))
    found = _find_workspace(viewer, workspace_id)
    if found is None:
        return json_error(404, f"no chat workspace {workspace_id} among your installations")
    inst, workspace = found
    repo = inst.repository(repository) if repository is not None else None
    if repository is not None and repo is None:
        return json_error(404, f"no repository {repository} among the ones you reach there")
    if repo is None and not inst.admin:
        return json_error(403, f"notifications for all of {inst.account} need admin rights")
    if repo is not None and not repo.can_write:
        return json_error(403, f"notifications for {repo.full_name} need write access to it")
    try:  # before the transaction: no database connection is held while Discord is asked
        channel = _workspace_channel(workspace, channel, adding=bool(events))
    except ChannelRefused as refused:
        return refused.answer()
    with tenant_transaction(current_services().db, inst.tenant_id or 0) as scope:
        repository_id = repositories.id_for(scope, repo.full_name) if repo is not None else None
        if repo is not None and repository_id is None:
            return json_error(404, f"MorningAI does not serve {repo.full_name} yet")
        if not events:
            chat.delete_subscription(scope, workspace.id, channel, repository_id)
            return jsonify(subscription=None)
        row = chat.put_subscription(
            scope, workspace.id, channel, repository_id, events,
            by_login=viewer.login, by_id=viewer.user_id,
        )  # fmt: skip
    saved = replace(row, repository=repo.full_name if repo is not None else None)
    return jsonify(subscription=_subscription_json(inst, saved))


# -- does the channel belong to the workspace? ------------------------------------------------


class ChannelRefused(Exception):
    """The channel may not be subscribed (400), or it could not be checked (502, 503)."""

    def __init__(self, status: int, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after

    def answer(self) -> Response:
        response = json_error(self.status, self.detail)
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return response


def _workspace_channel(workspace: chat.Workspace, channel: str | None, *, adding: bool) -> str:
    """The channel to store for the workspace, once it is known to be the workspace's own.
    Removing (`adding` False) checks nothing, so a stray row can always be taken out."""
    if workspace.platform == "telegram":
        # a linked Telegram workspace IS one chat: its external id. The one bot is in every
        # chat that added it, so any other chat id would reach strangers.
        if channel is None:
            return workspace.external_id
        if adding and channel != workspace.external_id:
            raise ChannelRefused(
                400,
                f"a Telegram workspace is one chat: channel_id is {workspace.external_id}"
                " (or leave it out)",
            )
        return channel
    if channel is None:
        raise ChannelRefused(400, _CHANNEL_WORDS)
    if workspace.platform == "discord" and adding:
        _check_discord_channel(workspace, channel)
    # Slack needs no call: notifications are posted with the workspace's own bot token
    # (jobs/chat/outbound.py, clients_for), which Slack issued for that team alone, so a
    # channel of another workspace answers channel_not_found and nothing is shown there.
    return channel


def _check_discord_channel(workspace: chat.Workspace, channel: str) -> None:
    """Ask Discord whose channel it is (GET /channels/{id} with the shared bot token); its
    server must be the workspace's. A channel never moves between servers, so one check at
    subscription time holds for good (the sink relies on it)."""
    # one answer for unknown, hidden from the bot and another server's: an admin learns
    # nothing about other servers' channels
    not_here = ChannelRefused(
        400,
        f"channel {channel} is not a channel of the linked Discord server"
        f" ({workspace.external_id}) that MorningAI's bot can see: copy the id of a channel"
        " in that server, and let the bot view it",
    )
    if not channel.isdigit():
        raise not_here
    settings = current_services().settings
    token = settings.discord_bot_token.get_secret_value() if settings.discord_bot_token else ""
    if not (settings.discord_application_id and token):
        raise ChannelRefused(
            503, "Discord is not set up here (DISCORD_BOT_TOKEN): the channel cannot be checked"
        )
    client = DiscordClient(
        settings.discord_application_id,
        token,
        base_url=settings.discord_api_url,
        max_wait=DISCORD_WAIT,
    )
    try:
        found = client.get_channel(channel)
    except RateLimited as exc:
        raise ChannelRefused(
            502,
            f"Discord asks MorningAI to wait {exc.retry_after:g} s; nothing was saved, try again",
            retry_after=exc.retry_after,
        ) from None
    except ChatApiError as exc:
        if exc.status in (403, 404):
            raise not_here from None
        log.warning("Discord channel check for workspace %s failed: %s", workspace.id, exc)
        raise ChannelRefused(
            502, "Discord could not be asked whose channel it is; nothing was saved, try again"
        ) from None
    finally:
        client.close()
    if found.guild_id != workspace.external_id:
        log.info(
            "Discord channel %s refused for workspace %s: another server's", channel, workspace.id
        )
        raise not_here
