"""Queries on `repositories`: the repositories an installation has granted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.tenancy import TenantScope


@dataclass(frozen=True)
class RepoRef:
    github_id: int
    full_name: str
    private: bool = False


def upsert(scope: TenantScope, repo: RepoRef) -> int:
    """Insert or refresh a repository (re-activating it) and return its row id."""
    row = scope.conn.execute(
        "INSERT INTO repositories (tenant_id, github_id, full_name, private)"
        " VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (tenant_id, github_id) DO UPDATE SET full_name = excluded.full_name,"
        "   private = excluded.private, active = true, updated_at = now()"
        " RETURNING id",
        (scope.tenant_id, repo.github_id, repo.full_name, repo.private),
    ).fetchone()
    assert row is not None
    return int(row[0])


def active_names(scope: TenantScope) -> list[str]:
    rows = scope.conn.execute(
        "SELECT full_name FROM repositories WHERE active ORDER BY full_name"
    ).fetchall()
    return [r[0] for r in rows]


def id_for(scope: TenantScope, full_name: str) -> int | None:
    """The row id of the tenant's repository named `full_name` (case as GitHub ignores it)."""
    row = scope.conn.execute(
        "SELECT id FROM repositories WHERE lower(full_name) = lower(%s) ORDER BY active DESC, id"
        " LIMIT 1",
        (full_name,),
    ).fetchone()
    return None if row is None else int(row[0])


def faq_mined_through(scope: TenantScope, repository_id: int) -> datetime | None:
    row = scope.conn.execute(
        "SELECT faq_mined_through FROM repositories WHERE id = %s", (repository_id,)
    ).fetchone()
    return None if row is None else row[0]


def set_faq_mined_through(scope: TenantScope, repository_id: int, when: datetime) -> None:
    """Move the history-mining mark forward (never back: a slow older run cannot rewind it)."""
    scope.conn.execute(
        "UPDATE repositories SET faq_mined_through = greatest(faq_mined_through, %s) WHERE id = %s",
        (when, repository_id),
    )


def set_trigger_label(scope: TenantScope, full_name: str, label: str | None) -> int:
    """Store the trigger label the repository's configuration names (None: it names none, the
    global label applies), which the webhook intake decides against; returns the rows changed
    (none when the label is already stored, or the repository is not the tenant's)."""
    cur = scope.conn.execute(
        "UPDATE repositories SET trigger_label = %s, updated_at = now()"
        " WHERE lower(full_name) = lower(%s) AND trigger_label IS DISTINCT FROM %s",
        (label, full_name, label),
    )
    return cur.rowcount
