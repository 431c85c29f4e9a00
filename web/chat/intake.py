"""What the three chat endpoints share once a request is verified and parsed: record it once
(`chat_deliveries`, attributed to the linked workspace's tenant or unattributed), find the chat
user, and turn the command into a task (`chat_ask`, `code`), a link, or words to say back — all
in one PostgreSQL transaction before the answer; the task is enqueued after the commit. Nothing
here calls GitHub, a model or a chat platform."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from chat.commands import Ask, Code, Command, Help, Link
from core.ids import new_trace_id
from core.logs import log_context
from core.subject import NO_THREAD, ChatThread, TaskSubject
from core.task_kinds import kind_of
from db import chat, repositories, tasks, tenants
from db.tenancy import TenantScope, enter_tenant, unscoped_transaction
from github_app import chat_links
from github_app.intake import QueuedTask
from jobs.runtime.queues import enqueue_task
from web.chat.words import NAMES, link_first, not_linked, usage
from web.services import Services

log = logging.getLogger(__name__)

SHOWN_REPOSITORIES = 5
MAX_DETAIL = 300


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed chat command: where it came from and what it asks."""

    platform: str
    delivery_key: str  # Slack event_id (or a hash), Discord interaction id, Telegram update_id
    workspace: str  # the platform's id: Slack team, Discord guild, Telegram chat
    user: str  # the platform's id of the person
    channel: str
    thread: str
    command: Command
    workspace_name: str = ""
    reply_token: str = field(default="", repr=False)  # Discord's interaction token
    # a plain message in a thread: acted on only where an earlier chat task was asked
    follow_up_only: bool = False

    def __post_init__(self) -> None:
        # ids come from a signed body, but PostgreSQL takes no NUL and columns are bounded
        for name, size in _BOUNDS.items():
            object.__setattr__(self, name, printable(getattr(self, name), size))


@dataclass(frozen=True)
class Handled:
    """What came of a command: the outcome recorded, words to say now ("" for none: the job
    answers), and the task to enqueue."""

    outcome: str  # accepted | ignored | rejected | duplicate
    detail: str
    reply: str = ""
    task: QueuedTask | None = None
    tenant_id: int | None = None
    workspace_id: int | None = None


_BOUNDS = {
    "delivery_key": 200, "workspace": 100, "user": 100, "channel": 100, "thread": 100,
    "workspace_name": 200,
}  # fmt: skip


def printable(value: str, size: int) -> str:
    """What of a platform's string can be stored (no NUL, no control) and shown in a log."""
    return "".join(c if c.isprintable() else "?" for c in value[:size])


class _Duplicate(Exception):
    """Raised inside the transaction: everything a repeated request did is rolled back."""


def body_key(prefix: str, *parts: bytes | str) -> str:
    """A delivery key for a request that carries no id of its own (a slash command, a click,
    a malformed body): a hash of what was signed."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "replace"))
        digest.update(b"\0")
    return f"{prefix}:{digest.hexdigest()[:40]}"


def record(
    services: Services, platform: str, key: str, workspace: str, *, outcome: str, detail: str
) -> bool:
    """Record a request that asks for nothing (ignored, or rejected as malformed): attributed
    when its workspace is linked. False when it was recorded before."""
    delivery = chat.ChatDelivery(
        platform, printable(key, 200), outcome, printable(detail, MAX_DETAIL)
    )
    workspace = printable(workspace, 100)
    with unscoped_transaction(services.db) as conn:
        where = chat.find_workspace(conn, platform, workspace) if workspace else None
        if where is None:
            return chat.record_unattributed_delivery(conn, delivery)
        return chat.record_delivery(enter_tenant(conn, where.tenant_id), delivery)


def handle(services: Services, inbound: Inbound) -> Handled:
    """Record `inbound` once and do what it asks (a task is enqueued after the commit)."""
    with log_context(delivery=f"{inbound.platform}:{inbound.delivery_key}"):
        if isinstance(inbound.command, Link):
            handled = _link(services, inbound, inbound.command)
        else:
            try:
                with services.db.connection() as conn, conn.transaction():
                    handled = _apply(conn, inbound)
            except _Duplicate:
                handled = Handled("duplicate", "request was already received")
        with log_context(tenant=handled.tenant_id, task=handled.task and handled.task.task_id):
            log.info("%s %s: %s (%s)", inbound.platform, _verb(inbound.command),
                     handled.outcome, handled.detail)  # fmt: skip
            if handled.task is not None:
                enqueue(services, handled.task)
    return handled


def _verb(command: Command) -> str:
    return type(command).__name__.lower()  # never the command itself: a link code is live


def _delivery(inbound: Inbound, outcome: str, detail: str) -> chat.ChatDelivery:
    return chat.ChatDelivery(
        inbound.platform, inbound.delivery_key, outcome, printable(detail, MAX_DETAIL)
    )


def _settle(
    scope: TenantScope, inbound: Inbound, outcome: str, detail: str, task_id: int | None = None
) -> None:
    chat.set_delivery_outcome(
        scope,
        inbound.platform,
        inbound.delivery_key[:200],
        outcome=outcome,
        detail=detail[:MAX_DETAIL],
        task_id=task_id,
    )


def _apply(conn: psycopg.Connection[Any], inbound: Inbound) -> Handled:
    where = chat.find_workspace(conn, inbound.platform, inbound.workspace[:100])
    if where is None:
        if not chat.record_unattributed_delivery(
            conn, _delivery(inbound, "ignored", "workspace not linked")
        ):
            raise _Duplicate
        return Handled("ignored", "workspace not linked", reply=not_linked(inbound.platform))
    scope = enter_tenant(conn, where.tenant_id)
    if not chat.record_delivery(scope, _delivery(inbound, "accepted", "received")):
        raise _Duplicate
    handled = _decide(scope, where, inbound)
    task_id = handled.task.task_id if handled.task is not None else None
    _settle(scope, inbound, handled.outcome, handled.detail, task_id)
    return Handled(
        handled.outcome, handled.detail, handled.reply, handled.task,
        where.tenant_id, where.workspace_id,
    )  # fmt: skip


def _decide(scope: TenantScope, where: chat.WorkspaceRef, inbound: Inbound) -> Handled:
    command = inbound.command
    earlier = (
        chat.thread_repository(scope, where.workspace_id, inbound.channel, inbound.thread)
        if inbound.thread
        else None
    )
    if inbound.follow_up_only and earlier is None:
        return Handled("ignored", "a thread message where nothing was asked")
    if isinstance(command, Help):
        detail = f"help: {command.problem}" if command.problem else "help"
        return Handled("ignored", detail, reply=usage(inbound.platform, command.problem))
    tenant = tenants.get(scope)
    if tenant is None or tenant.get("status") != "active":
        status = tenant.get("status") if tenant else "gone"
        return Handled(
            "ignored", f"installation is {status}",
            reply=f"MorningAI's installation for this workspace is {status}; nothing was started.",
        )  # fmt: skip
    user = chat.find_user(scope, where.workspace_id, inbound.user[:100])
    if isinstance(command, Code):
        return _code(scope, where, inbound, command, user)
    assert isinstance(command, Ask)
    return _ask(scope, where, inbound, command, user, earlier=earlier)


def _thread(where: chat.WorkspaceRef, inbound: Inbound) -> ChatThread:
    return ChatThread(
        inbound.platform,
        where.workspace_id,
        inbound.channel,
        inbound.thread,
        reply_token=inbound.reply_token,
    )


def _repository(scope: TenantScope, named: str | None) -> str | Handled:
    """The installation's repository a command is about, or why there is none."""
    names = repositories.active_names(scope)
    shown = ", ".join(names[:SHOWN_REPOSITORIES]) + (
        ", …" if len(names) > SHOWN_REPOSITORIES else ""
    )
    if named is not None:
        found = next((n for n in names if n.lower() == named.lower()), None)
        if found is not None:
            return found
        where = f" It answers about: {shown}." if names else ""
        return Handled(
            "ignored", "repository not served",
            reply=f"MorningAI does not serve {named} for this workspace.{where}",
        )  # fmt: skip
    if len(names) == 1:
        return names[0]
    if not names:
        return Handled(
            "ignored", "no repositories",
            reply="MorningAI serves no repositories for this workspace's installation yet.",
        )  # fmt: skip
    return Handled(
        "ignored", "repository not named",
        reply=f"Which repository? Name it first: `ask owner/repo <question>`. Here: {shown}.",
    )  # fmt: skip


def _ask(
    scope: TenantScope,
    where: chat.WorkspaceRef,
    inbound: Inbound,
    command: Ask,
    user: chat.ChatUser | None,
    *,
    earlier: str | None,
) -> Handled:
    """A question about the repository it names, else the thread's, else the only one."""
    repo = _repository(scope, command.repo.full_name if command.repo else earlier)
    if isinstance(repo, Handled):
        return repo
    # asking needs no GitHub identity: answers come from the installation's repositories only
    requested_by = user.github_login if user else f"{inbound.platform}:{inbound.user[:100]}"
    subject = TaskSubject(
        repo, NO_THREAD, requested_by, _trigger(inbound), command.question, _thread(where, inbound)
    )
    return _task(scope, "chat_ask", subject)


def _code(
    scope: TenantScope,
    where: chat.WorkspaceRef,
    inbound: Inbound,
    command: Code,
    user: chat.ChatUser | None,
) -> Handled:
    if user is None:
        return Handled(
            "ignored", "work asked by an unlinked user", reply=link_first(inbound.platform)
        )
    repo = _repository(scope, command.repo.full_name)
    if isinstance(repo, Handled):
        return repo
    # the code task checks the login's write permission itself (the comment commands' rule)
    subject = TaskSubject(
        repo, command.issue_number, user.github_login, _trigger(inbound), "",
        _thread(where, inbound),
    )  # fmt: skip
    return _task(scope, "code", subject)


def _trigger(inbound: Inbound) -> str:
    return f"chat:{inbound.platform}:{inbound.delivery_key[:200]}"


def _task(scope: TenantScope, kind: str, subject: TaskSubject) -> Handled:
    spec = kind_of(kind)
    new = tasks.NewTask(
        kind=kind,
        queue=spec.queue,
        trace_id=new_trace_id(),
        subject=subject.encode(),
        repository_id=repositories.id_for(scope, subject.repository),
    )
    try:
        with scope.conn.transaction():  # a savepoint: the delivery stays recorded
            task = tasks.create(scope, new)
    except psycopg.errors.UniqueViolation:
        # tasks_one_live_per_subject: one live code task per issue (questions run side by side)
        busy = f"A code task for {subject.repository}#{subject.number} is already running."
        return Handled("ignored", f"a {kind} task is already queued or running", reply=busy)
    detail = f"{kind} task on {subject.repository}" + (
        f"#{subject.number}" if subject.number != NO_THREAD else ""
    )
    queued = QueuedTask(task.id, scope.tenant_id, task.kind, task.queue, task.trace_id)
    return Handled("accepted", detail, task=queued)


def _link(services: Services, inbound: Inbound, command: Link) -> Handled:
    """`link <code>`: recorded first (a retried request must not spend the code twice)."""
    first = record(
        services, inbound.platform, inbound.delivery_key, inbound.workspace,
        outcome="accepted", detail="link code presented",
    )  # fmt: skip
    if not first:
        return Handled("duplicate", "request was already received")
    if not inbound.workspace:
        return Handled("ignored", "link outside a workspace", reply=usage(inbound.platform))
    linked = chat_links.redeem_code(
        services.db,
        services.redis,
        command.code,
        platform=inbound.platform,
        external_id=inbound.workspace[:100],
        name=inbound.workspace_name[:200],
        external_user_id=inbound.user[:100],
    )
    name = NAMES[inbound.platform]
    if isinstance(linked, chat_links.Refused):
        return Handled("ignored", "link refused", reply=linked.reason)
    if isinstance(linked, chat.Workspace):
        return Handled(
            "accepted", "workspace linked",
            reply=f"This {name} workspace is now linked to MorningAI by"
            f" @{linked.linked_by_login}. {usage(inbound.platform)}",
            tenant_id=linked.tenant_id, workspace_id=linked.id,
        )  # fmt: skip
    return Handled(
        "accepted", "user linked",
        reply=f"You are linked to @{linked.github_login} on GitHub.",
        tenant_id=linked.tenant_id, workspace_id=linked.workspace_id,
    )  # fmt: skip


def enqueue(services: Services, task: QueuedTask) -> None:
    """After the commit. If Redis is down the task stays queued in PostgreSQL and the
    reconciler enqueues it later (as web/webhooks.py does)."""
    try:
        enqueue_task(services.redis, task.task_id, 0, task.kind, task.queue, fresh=True)
    except Exception as exc:  # Redis down or confused: the row is safe, the reconciler retries
        log.warning(
            "task %s stays queued for the reconciler: Redis unavailable (%s)",
            task.task_id,
            type(exc).__name__,
        )
        return
    try:
        with services.db.connection() as conn, conn.transaction():
            tasks.mark_enqueued(enter_tenant(conn, task.tenant_id), task.task_id)
    except (psycopg.Error, PoolTimeout) as exc:
        log.warning("task %s is enqueued; noting it failed (%s)", task.task_id, type(exc).__name__)
