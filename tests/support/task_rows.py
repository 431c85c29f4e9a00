"""Tenants and tasks made the app's way, under row-level security, in the state a test needs."""

from __future__ import annotations

import uuid
import zlib

from db import repositories, tasks, tenants
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction, unscoped_transaction

INSTRUCTIONS = "make the greeting polite"


def tenant(db: Database, installation: int) -> int:
    with unscoped_transaction(db) as conn:
        return tenants.upsert_installation(
            conn,
            installation_id=installation,
            account_login=f"org{installation}",
            account_id=None,
            account_type="Organization",
            status="active",
        )


def make_task(
    db: Database, tenant_id: int, repo: str, number: int, kind: str = "code", **row: object
) -> int:
    """A task of `kind` on `repo`#`number`, then given `row`'s columns (e.g. status='failed',
    created_at=…, cost_usd='0.01')."""
    with tenant_transaction(db, tenant_id) as scope:
        repository_id = repositories.upsert(scope, RepoRef(zlib.crc32(repo.encode()), repo))
        subject = {
            "repository": repo,
            "number": number,
            "requested_by": "alice",
            "trigger": "label:morningai",
            "instructions": INSTRUCTIONS,
        }
        new = tasks.NewTask(kind, "default", uuid.uuid4().hex, subject, repository_id)
        task_id = tasks.create(scope, new).id
        if row:
            # column names come from the calling test, never from input
            columns = ", ".join(f"{name} = %({name})s" for name in row)
            query = f"UPDATE tasks SET {columns} WHERE id = %(id)s"
            scope.conn.execute(query, {**row, "id": task_id})
    return task_id
