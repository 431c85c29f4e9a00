"""Record a delivery and what it asks for — tenant, repositories, task — in one transaction,
one call and one PostgreSQL round trip (db/migrations/0011_webhook_intake_in_one_call.sql).

Parse → decide → act: routing decided the intent in Python; here it becomes the call's JSON
parameters, and PostgreSQL acts on it as the app role under row-level security."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.ids import new_trace_id
from db import deliveries
from db.deliveries import CreatedTask, DeliveryRecord
from db.pool import Database
from github_app.events import Envelope, Repo
from github_app.handlers.issues import LabelRequest
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

# the task a delivery created, to enqueue once its transaction committed (chat's intake too)
QueuedTask = CreatedTask


@dataclass(frozen=True)
class Outcome:
    """What the receiver answers, and the task to enqueue once the transaction committed."""

    status: int
    outcome: str
    detail: str
    task: QueuedTask | None = None


def record_rejected(db: Database, delivery_id: str, event: str, reason: str) -> bool:
    with db.connection() as conn, conn.transaction():
        record = DeliveryRecord(delivery_id, event, None, None, None, None, "rejected", reason)
        return deliveries.record_unattributed(conn, record)


def apply(db: Database, env: Envelope, intent: Intent) -> Outcome:
    """Record the delivery and act on `intent`, committed before this returns (so before the
    202). A delivery id seen before changes nothing and is answered 200 "duplicate"."""
    done = deliveries.intake(db, _delivery_json(env), _intent_json(env, intent))
    return Outcome(done.status, done.outcome, done.detail, done.task)


def _delivery_json(env: Envelope) -> dict[str, Any]:
    return {
        "delivery_id": env.delivery_id,
        "event": env.event,
        "action": env.action,
        "installation_id": env.installation_id,
        "repository": env.repository.full_name if env.repository else None,
        "sender": env.sender_login,
    }


def _repo(repo: Repo) -> dict[str, Any]:
    return {"github_id": repo.github_id, "full_name": repo.full_name, "private": repo.private}


def _task(intent: RequestTask) -> dict[str, Any]:
    labels = (
        {
            "labels": list(intent.labels),
            "global_label": intent.global_label,
            "not_triggered": intent.not_triggered,
        }
        if isinstance(intent, LabelRequest)
        else {}
    )
    return {
        **labels,
        "type": "task",
        "installation_id": intent.installation_id,
        # an installation never seen is recorded under the repository's owner until its own
        # installation event names the account
        "account_login": intent.repository.full_name.split("/")[0],
        "repository": _repo(intent.repository),
        "kind": intent.kind,
        "queue": intent.queue,
        "number": intent.number,
        "subject": intent.subject().encode(),
        "trace_id": new_trace_id(),
    }


def _intent_json(env: Envelope, intent: Intent) -> dict[str, Any]:
    """The intent as app_webhook_intake's parameter; `tenant_of` names the installation whose
    tenant it looks up (the envelope's, when it names one)."""
    common = {"tenant_of": env.installation_id or None}
    if isinstance(intent, Reject):
        return {"type": "reject", "reason": intent.reason}
    if isinstance(intent, Ignore):
        return {**common, "type": "ignore", "reason": intent.reason}
    if isinstance(intent, AuthorizationRevoked):
        return {"type": "revoked", "github_user_id": intent.github_user_id}
    if isinstance(intent, InstallationChanged):
        return {
            "type": "installation",
            "installation_id": intent.installation_id,
            "account_login": intent.account_login,
            "account_id": intent.account_id,
            "account_type": intent.account_type,
            "status": intent.status,
            "permissions": intent.permissions,
            "repositories": [_repo(r) for r in intent.repositories],
        }
    if isinstance(intent, RepositoriesChanged):
        return {
            **common,
            "type": "repositories",
            "installation_id": intent.installation_id,
            "account_login": intent.account_login,
            "added": [_repo(r) for r in intent.added],
            "removed": [_repo(r) for r in intent.removed],
        }
    if isinstance(intent, PullRequestStateChanged):
        return _pull_request_state(common, intent)
    return {**common, **_task(intent)}


def _pull_request_state(common: dict[str, Any], intent: PullRequestStateChanged) -> dict[str, Any]:
    if (intent.state == "open") != (intent.at is None):  # pr_closed_at is stored as given
        raise ValueError("closed_at is when a merged or closed pull request ended, and only that")
    return {
        **common,
        "type": "pull_request_state",
        "repository_github_id": intent.repository.github_id,
        "number": intent.number,
        "state": intent.state,
        "at": intent.at.isoformat() if intent.at else None,
        "stale_check": _task(intent.stale_check) if intent.stale_check else None,
    }
