"""Record a delivery and what it asks for — tenant, repositories, task — in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from core.ids import new_trace_id
from db import deliveries, repositories, tasks, tenants, user_sessions
from db.deliveries import DeliveryRecord
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import TenantScope, enter_tenant
from github_app.events import Envelope
from github_app.intents import (
    AuthorizationRevoked,
    Ignore,
    InstallationChanged,
    Intent,
    PullRequestStateChanged,
    Reject,
    RepositoriesChanged,
    RequestTask,
)


@dataclass(frozen=True)
class QueuedTask:
    task_id: int
    tenant_id: int
    kind: str
    queue: str
    trace_id: str


@dataclass(frozen=True)
class Outcome:
    """What the receiver answers, and the task to enqueue once the transaction committed."""

    status: int
    outcome: str
    detail: str
    task: QueuedTask | None = None


class _Duplicate(Exception):
    """Raised inside the transaction to roll back everything a redelivery did."""


def _delivery(env: Envelope, outcome: str, detail: str | None) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=env.delivery_id,
        event=env.event,
        action=env.action,
        installation_id=env.installation_id,
        repository=env.repository.full_name if env.repository else None,
        sender=env.sender_login,
        outcome=outcome,
        detail=detail,
    )


def record_rejected(db: Database, delivery_id: str, event: str, reason: str) -> bool:
    with db.connection() as conn, conn.transaction():
        record = DeliveryRecord(delivery_id, event, None, None, None, None, "rejected", reason)
        return deliveries.record_unattributed(conn, record)


def apply(db: Database, env: Envelope, intent: Intent) -> Outcome:
    try:
        with db.connection() as conn, conn.transaction():
            return _apply(conn, env, intent)
    except _Duplicate:
        return Outcome(200, "duplicate", "delivery was already received")


def _record(scope: TenantScope, env: Envelope, outcome: str, detail: str | None) -> None:
    if not deliveries.record(scope, _delivery(env, outcome, detail)):
        raise _Duplicate


def _record_unattributed(
    conn: psycopg.Connection[Any], env: Envelope, outcome: str, detail: str
) -> None:
    if not deliveries.record_unattributed(conn, _delivery(env, outcome, detail)):
        raise _Duplicate


def _apply(conn: psycopg.Connection[Any], env: Envelope, intent: Intent) -> Outcome:
    if isinstance(intent, Reject):
        _record_unattributed(conn, env, "rejected", intent.reason)
        return Outcome(400, "rejected", intent.reason)
    if isinstance(intent, InstallationChanged):
        return _installation(conn, env, intent)
    if isinstance(intent, AuthorizationRevoked):
        ended = user_sessions.delete_for_user(conn, intent.github_user_id)
        detail = f"authorization revoked: {ended} session(s) ended"
        _record_unattributed(conn, env, "accepted", detail)
        return Outcome(202, "accepted", detail)
    tenant = tenants.for_installation(conn, env.installation_id) if env.installation_id else None
    if isinstance(intent, RepositoriesChanged):
        return _repositories(conn, env, intent, tenant)
    if isinstance(intent, PullRequestStateChanged):
        return _pull_request_state(conn, env, intent, tenant)
    if isinstance(intent, RequestTask):
        if tenant is None:
            tenant_id = tenants.upsert_installation(
                conn,
                installation_id=intent.installation_id,
                account_login=intent.repository.full_name.split("/")[0],
                account_id=None,
                account_type="Organization",
                status="active",
            )
            tenant = tenants.TenantRef(tenant_id, "active")
        if tenant.accepts_work:
            return _task(enter_tenant(conn, tenant.tenant_id), env, intent)
        intent = Ignore(f"installation is {tenant.status}")
    if tenant is None:
        _record_unattributed(conn, env, "ignored", intent.reason)
    else:
        _record(enter_tenant(conn, tenant.tenant_id), env, "ignored", intent.reason)
    return Outcome(202, "ignored", intent.reason)


def _installation(
    conn: psycopg.Connection[Any], env: Envelope, intent: InstallationChanged
) -> Outcome:
    tenant_id = tenants.upsert_installation(
        conn,
        installation_id=intent.installation_id,
        account_login=intent.account_login,
        account_id=intent.account_id,
        account_type=intent.account_type,
        status=intent.status,
        permissions=intent.permissions,
    )
    scope = enter_tenant(conn, tenant_id)
    _record(scope, env, "accepted", f"installation {intent.status}")
    repositories.upsert_many(
        scope, (RepoRef(r.github_id, r.full_name, r.private) for r in intent.repositories)
    )
    return Outcome(202, "accepted", f"installation {intent.status}")


def _repositories(
    conn: psycopg.Connection[Any],
    env: Envelope,
    intent: RepositoriesChanged,
    tenant: tenants.TenantRef | None,
) -> Outcome:
    tenant_id = (
        tenant.tenant_id
        if tenant
        else tenants.upsert_installation(
            conn,
            installation_id=intent.installation_id,
            account_login=intent.account_login,
            account_id=None,
            account_type="Organization",
            status="active",
        )
    )
    scope = enter_tenant(conn, tenant_id)
    detail = f"{len(intent.added)} added, {len(intent.removed)} removed"
    _record(scope, env, "accepted", detail)
    repositories.upsert_many(
        scope, (RepoRef(r.github_id, r.full_name, r.private) for r in intent.added)
    )
    repositories.deactivate(scope, (r.github_id for r in intent.removed))
    return Outcome(202, "accepted", detail)


def _pull_request_state(
    conn: psycopg.Connection[Any],
    env: Envelope,
    intent: PullRequestStateChanged,
    tenant: tenants.TenantRef | None,
) -> Outcome:
    """Every task of the tenant on the pull request records its state — also for a suspended
    installation: it is a fact about work already done, not new work. A merge also asks for
    the FAQ staleness check, as for anyone's merged pull request."""
    if tenant is None:  # an installation never seen has no tasks
        return _apply(conn, env, intent.stale_check or Ignore("installation is unknown"))
    scope = enter_tenant(conn, tenant.tenant_id)
    updated = tasks.set_pull_request_state(
        scope, intent.repository.github_id, intent.number, intent.state, intent.at
    )
    done = f"pull request #{intent.number} {intent.state}: {updated} task(s) updated"
    if intent.stale_check is not None and tenant.accepts_work:
        return _task(scope, env, intent.stale_check, done=done)
    outcome = "accepted" if updated else "ignored"
    _record(scope, env, outcome, done)
    return Outcome(202, outcome, done)


def _task(
    scope: TenantScope, env: Envelope, intent: RequestTask, done: str | None = None
) -> Outcome:
    """`done`: what the same delivery already changed, said first in its detail."""
    detail = "; ".join(filter(None, (done, f"{intent.kind} task for #{intent.number}")))
    _record(scope, env, "accepted", detail)
    repo = intent.repository
    repository_id = repositories.upsert(
        scope, RepoRef(repo.github_id, repo.full_name, repo.private)
    )
    new = tasks.NewTask(
        kind=intent.kind,
        queue=intent.queue,
        trace_id=new_trace_id(),
        subject=intent.subject().encode(),
        repository_id=repository_id,
        delivery_id=env.delivery_id,
    )
    try:
        with scope.conn.transaction():  # a savepoint: the delivery stays recorded
            task = tasks.create(scope, new)
    except psycopg.errors.UniqueViolation:
        busy = f"a {intent.kind} task for #{intent.number} is already queued or running"
        outcome = "accepted" if done else "ignored"
        detail = "; ".join(filter(None, (done, busy)))
        deliveries.set_outcome(scope, env.delivery_id, outcome, detail)
        return Outcome(202, outcome, detail)
    deliveries.link_task(scope, env.delivery_id, task.id)
    queued = QueuedTask(task.id, scope.tenant_id, task.kind, task.queue, task.trace_id)
    return Outcome(202, "accepted", detail, queued)
