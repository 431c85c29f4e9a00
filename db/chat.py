"""Queries on the chat tables (`chat_workspaces`, `chat_users`, `chat_subscriptions`,
`chat_deliveries`): linked workspaces, linked chat users, who hears which event, and every
inbound chat request recorded once. Sealed bot tokens go in and come out as bytes (sealing
happens above the database) and never sit in a row object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from db.tenancy import TenantScope

PLATFORMS = ("slack", "discord", "telegram")
EVENTS = ("task_started", "pr_opened", "task_failed", "faq_pr_opened", "budget_warning")
OUTCOMES = ("accepted", "ignored", "rejected")


class WorkspaceTaken(Exception):
    """The chat workspace is already linked to another installation (one serves one)."""


# -- workspaces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewWorkspace:
    platform: str
    external_id: str
    name: str
    linked_by_login: str
    linked_by_id: int
    bot_token_sealed: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Workspace:
    """A linked workspace as every reader sees it: whether a bot token is stored, never it."""

    id: int
    tenant_id: int
    platform: str
    external_id: str
    name: str
    has_bot_token: bool
    linked_by_login: str
    linked_by_id: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WorkspaceRef:
    """What the door says about a workspace: ids only."""

    tenant_id: int
    workspace_id: int


# column lists below are constants, never input (hence the S608 waivers)
_WORKSPACE = (
    "id, tenant_id, platform, external_id, name, bot_token_sealed IS NOT NULL,"
    " linked_by_login, linked_by_id, created_at, updated_at"
)


def _workspace(row: Any) -> Workspace:
    return Workspace(
        int(row[0]), int(row[1]), row[2], row[3], row[4], bool(row[5]), row[6], int(row[7]),
        row[8], row[9],
    )  # fmt: skip


def link_workspace(scope: TenantScope, new: NewWorkspace) -> Workspace:
    """Link a workspace to the scope's tenant, or refresh its link (name, token, who) when it
    is the tenant's already. WorkspaceTaken when another tenant holds it: the unique index
    sees every tenant's rows even though row-level security hides them."""
    try:
        with scope.conn.transaction():  # a savepoint: the conflict must not end the caller's
            row = scope.conn.execute(
                "INSERT INTO chat_workspaces (tenant_id, platform, external_id, name,"  # noqa: S608
                " bot_token_sealed, linked_by_login, linked_by_id)"
                f" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_WORKSPACE}",
                (
                    scope.tenant_id,
                    new.platform,
                    new.external_id,
                    new.name,
                    new.bot_token_sealed,
                    new.linked_by_login,
                    new.linked_by_id,
                ),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        row = scope.conn.execute(
            "UPDATE chat_workspaces SET name = %s,"  # noqa: S608
            " bot_token_sealed = coalesce(%s, bot_token_sealed), linked_by_login = %s,"
            " linked_by_id = %s, updated_at = now()"
            f" WHERE platform = %s AND external_id = %s RETURNING {_WORKSPACE}",
            (
                new.name,
                new.bot_token_sealed,
                new.linked_by_login,
                new.linked_by_id,
                new.platform,
                new.external_id,
            ),
        ).fetchone()
        if row is None:  # the row exists but this tenant cannot see it: another's
            raise WorkspaceTaken(
                f"this {new.platform} workspace is linked to another installation"
            ) from None
    assert row is not None
    return _workspace(row)


def unlink_workspace(scope: TenantScope, workspace_id: int) -> bool:
    """Remove the link (its users and subscriptions go with it)."""
    cur = scope.conn.execute("DELETE FROM chat_workspaces WHERE id = %s", (workspace_id,))
    return cur.rowcount == 1


def list_workspaces(scope: TenantScope) -> list[Workspace]:
    rows = scope.conn.execute(
        f"SELECT {_WORKSPACE} FROM chat_workspaces ORDER BY platform, name, id"  # noqa: S608
    ).fetchall()
    return [_workspace(r) for r in rows]


def get_workspace(scope: TenantScope, workspace_id: int) -> Workspace | None:
    row = scope.conn.execute(
        f"SELECT {_WORKSPACE} FROM chat_workspaces WHERE id = %s",  # noqa: S608
        (workspace_id,),
    ).fetchone()
    return None if row is None else _workspace(row)


def find_workspace(
    conn: psycopg.Connection[Any], platform: str, external_id: str
) -> WorkspaceRef | None:
    """The tenant and workspace a chat request comes from (the door: any transaction)."""
    row = conn.execute(
        "SELECT tenant_id, workspace_id FROM app_chat_workspace(%s, %s)", (platform, external_id)
    ).fetchone()
    return None if row is None else WorkspaceRef(int(row[0]), int(row[1]))


def bot_token_sealed(scope: TenantScope, workspace_id: int) -> bytes | None:
    row = scope.conn.execute(
        "SELECT bot_token_sealed FROM chat_workspaces WHERE id = %s", (workspace_id,)
    ).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def set_bot_token_sealed(scope: TenantScope, workspace_id: int, sealed: bytes | None) -> bool:
    """Store (or, with None, drop) the workspace's sealed bot token; False when not found."""
    cur = scope.conn.execute(
        "UPDATE chat_workspaces SET bot_token_sealed = %s, updated_at = now() WHERE id = %s",
        (sealed, workspace_id),
    )
    return cur.rowcount == 1


# -- users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatUser:
    id: int
    tenant_id: int
    workspace_id: int
    external_user_id: str
    github_user_id: int
    github_login: str
    linked_at: datetime


_USER = "id, tenant_id, workspace_id, external_user_id, github_user_id, github_login, linked_at"


def _user(row: Any) -> ChatUser:
    return ChatUser(int(row[0]), int(row[1]), int(row[2]), row[3], int(row[4]), row[5], row[6])


def link_user(
    scope: TenantScope,
    workspace_id: int,
    external_user_id: str,
    *,
    github_user_id: int,
    github_login: str,
) -> ChatUser:
    """Link a chat user of the tenant's workspace to a GitHub user (a new code re-links)."""
    row = scope.conn.execute(
        "INSERT INTO chat_users (tenant_id, workspace_id, external_user_id, github_user_id,"  # noqa: S608
        " github_login) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (workspace_id, external_user_id) DO UPDATE SET"
        " github_user_id = excluded.github_user_id, github_login = excluded.github_login,"
        f" linked_at = now() RETURNING {_USER}",
        (scope.tenant_id, workspace_id, external_user_id, github_user_id, github_login),
    ).fetchone()
    assert row is not None
    return _user(row)


def unlink_user(scope: TenantScope, workspace_id: int, external_user_id: str) -> bool:
    cur = scope.conn.execute(
        "DELETE FROM chat_users WHERE workspace_id = %s AND external_user_id = %s",
        (workspace_id, external_user_id),
    )
    return cur.rowcount == 1


def find_user(scope: TenantScope, workspace_id: int, external_user_id: str) -> ChatUser | None:
    row = scope.conn.execute(
        f"SELECT {_USER} FROM chat_users WHERE workspace_id = %s AND external_user_id = %s",  # noqa: S608
        (workspace_id, external_user_id),
    ).fetchone()
    return None if row is None else _user(row)


def list_users(scope: TenantScope, workspace_id: int) -> list[ChatUser]:
    rows = scope.conn.execute(
        f"SELECT {_USER} FROM chat_users WHERE workspace_id = %s ORDER BY github_login, id",  # noqa: S608
        (workspace_id,),
    ).fetchall()
    return [_user(r) for r in rows]


# -- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    id: int
    tenant_id: int
    workspace_id: int
    channel_id: str
    repository_id: int | None  # None: every repository of the installation
    events: tuple[str, ...]
    created_by_login: str
    created_by_id: int
    repository: str | None = None  # the repository's full name, when one is named


@dataclass(frozen=True)
class Listener:
    """A channel that should hear an event."""

    workspace_id: int
    platform: str
    external_id: str
    channel_id: str


_SUBSCRIPTION = (
    "id, tenant_id, workspace_id, channel_id, repository_id, events, created_by_login,"
    " created_by_id"
)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        int(row[0]), int(row[1]), int(row[2]), row[3], row[4], tuple(row[5]), row[6], int(row[7]),
        row[8] if len(row) > 8 else None,
    )  # fmt: skip


def _event_order(event: str) -> tuple[int, str]:
    # the fixed order of EVENTS; an unknown name sorts last and meets the table's CHECK
    return (EVENTS.index(event) if event in EVENTS else len(EVENTS), event)


def put_subscription(
    scope: TenantScope,
    workspace_id: int,
    channel_id: str,
    repository_id: int | None,
    events: tuple[str, ...],
    *,
    by_login: str,
    by_id: int,
) -> Subscription:
    """Set the events a channel hears for a repository (None: installation-wide)."""
    row = scope.conn.execute(
        "INSERT INTO chat_subscriptions (tenant_id, workspace_id, channel_id, repository_id,"  # noqa: S608
        " events, created_by_login, created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT ON CONSTRAINT chat_subscriptions_channel_key DO UPDATE SET"
        " events = excluded.events, updated_at = now()"
        f" RETURNING {_SUBSCRIPTION}",
        (
            scope.tenant_id,
            workspace_id,
            channel_id,
            repository_id,
            sorted(set(events), key=_event_order),
            by_login,
            by_id,
        ),
    ).fetchone()
    assert row is not None
    return _subscription(row)


def delete_subscription(
    scope: TenantScope, workspace_id: int, channel_id: str, repository_id: int | None
) -> bool:
    cur = scope.conn.execute(
        "DELETE FROM chat_subscriptions WHERE workspace_id = %s AND channel_id = %s"
        " AND repository_id IS NOT DISTINCT FROM %s",
        (workspace_id, channel_id, repository_id),
    )
    return cur.rowcount == 1


def list_subscriptions(scope: TenantScope, workspace_id: int | None = None) -> list[Subscription]:
    columns = ", ".join(f"s.{c.strip()}" for c in _SUBSCRIPTION.split(","))
    rows = scope.conn.execute(
        f"SELECT {columns}, r.full_name FROM chat_subscriptions s"  # noqa: S608
        " LEFT JOIN repositories r ON r.id = s.repository_id"
        " WHERE %s::bigint IS NULL OR s.workspace_id = %s"
        " ORDER BY s.workspace_id, s.channel_id, s.repository_id NULLS FIRST",
        (workspace_id, workspace_id),
    ).fetchall()
    return [_subscription(r) for r in rows]


def listeners(scope: TenantScope, event: str, repository_id: int | None) -> list[Listener]:
    """Who should hear `event` about `repository_id`: installation-wide subscriptions and that
    repository's, each channel once."""
    rows = scope.conn.execute(
        "SELECT DISTINCT w.id, w.platform, w.external_id, s.channel_id"
        " FROM chat_subscriptions s JOIN chat_workspaces w ON w.id = s.workspace_id"
        " WHERE %s = ANY (s.events)"
        "   AND (s.repository_id IS NULL OR s.repository_id = %s)"
        " ORDER BY w.id, s.channel_id",
        (event, repository_id),
    ).fetchall()
    return [Listener(int(r[0]), r[1], r[2], r[3]) for r in rows]


def thread_repository(
    scope: TenantScope, workspace_id: int, channel: str, thread: str
) -> str | None:
    """The repository of the latest task asked from this chat thread, or whose answer the
    thread was opened on (a Slack thread on an answer, a Telegram reply to it: the answer's
    message ids are in its `chat_posted` event); None: nothing was asked there. For a
    follow-up that names no repository."""
    row = scope.conn.execute(
        "SELECT t.subject ->> 'repository' FROM tasks t"
        " WHERE t.subject -> 'reply_to' ->> 'workspace_id' = %s"
        " AND t.subject -> 'reply_to' ->> 'channel' = %s"
        " AND (t.subject -> 'reply_to' ->> 'thread' = %s OR EXISTS ("
        "   SELECT 1 FROM task_events e WHERE e.task_id = t.id AND e.kind = 'chat_posted'"
        "   AND e.data -> 'message_ids' ? %s))"
        " ORDER BY t.created_at DESC, t.id DESC LIMIT 1",
        (str(workspace_id), channel, thread, thread),
    ).fetchone()
    return None if row is None else str(row[0])


# -- deliveries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatDelivery:
    platform: str
    delivery_key: str
    outcome: str
    detail: str | None = None


def record_delivery(scope: TenantScope, d: ChatDelivery) -> bool:
    """Record an inbound chat request for the scope's tenant. False when it was recorded
    before (by any tenant, or unattributed): the unique index sees every row."""
    cur = scope.conn.execute(
        "INSERT INTO chat_deliveries (platform, delivery_key, tenant_id, outcome, detail)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (platform, delivery_key) DO NOTHING",
        (d.platform, d.delivery_key, scope.tenant_id, d.outcome, d.detail),
    )
    return cur.rowcount == 1


def record_unattributed_delivery(conn: psycopg.Connection[Any], d: ChatDelivery) -> bool:
    """Record a request no tenant can be named for (the door: any transaction)."""
    row = conn.execute(
        "SELECT app_record_unattributed_chat_delivery(%s, %s, %s, %s)",
        (d.platform, d.delivery_key, d.outcome, d.detail),
    ).fetchone()
    return bool(row and row[0])


def set_delivery_outcome(
    scope: TenantScope,
    platform: str,
    delivery_key: str,
    *,
    outcome: str,
    detail: str | None,
    task_id: int | None = None,
) -> bool:
    cur = scope.conn.execute(
        "UPDATE chat_deliveries SET outcome = %s, detail = %s,"
        " task_id = coalesce(%s, task_id) WHERE platform = %s AND delivery_key = %s",
        (outcome, detail, task_id, platform, delivery_key),
    )
    return cur.rowcount == 1


def get_delivery(scope: TenantScope, platform: str, delivery_key: str) -> dict[str, Any] | None:
    cur = scope.conn.execute(
        "SELECT platform, delivery_key, tenant_id, outcome, detail, task_id, received_at"
        " FROM chat_deliveries WHERE platform = %s AND delivery_key = %s",
        (platform, delivery_key),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c.name for c in cur.description or []], row, strict=True))


# -- answers in a chat thread ----------------------------------------------------------------


@dataclass(frozen=True)
class ThreadTaskEvent:
    """An event of a task asked from a chat channel (for a follow-up's earlier exchanges)."""

    task_id: int
    thread: str  # the task's reply_to.thread ("" for none)
    kind: str
    data: dict[str, Any]
    task_created_at: datetime


def thread_task_events(
    scope: TenantScope,
    *,
    task_kind: str,
    workspace_id: int,
    channel: str,
    event_kinds: tuple[str, ...],
    before_task_id: int,
    limit: int = 100,
) -> list[ThreadTaskEvent]:
    """The `event_kinds` events of the tenant's `task_kind` tasks asked in `channel` of the
    workspace before `before_task_id`: newest task first, each task's events in order."""
    rows = scope.conn.execute(
        "SELECT t.id, coalesce(t.subject #>> '{reply_to,thread}', ''), e.kind, e.data,"
        " t.created_at FROM tasks t JOIN task_events e ON e.task_id = t.id"
        " WHERE t.kind = %s AND e.kind = ANY(%s)"
        "   AND t.subject #>> '{reply_to,workspace_id}' = %s"
        "   AND t.subject #>> '{reply_to,channel}' = %s AND t.id < %s"
        " ORDER BY t.id DESC, e.id LIMIT %s",
        (task_kind, list(event_kinds), str(workspace_id), channel, before_task_id, limit),
    ).fetchall()
    return [ThreadTaskEvent(int(r[0]), r[1], r[2], dict(r[3] or {}), r[4]) for r in rows]
