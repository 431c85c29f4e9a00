"""Row-level security on every table of the spine and the FAQ memory, both ways: under tenant
A's scope the app role reads only A's tenants, repositories, deliveries, task events, FAQ
entries and code chunks, and can neither forge a row for tenant B nor move one of A's rows to
B. Mutation testing (bench/mutation.py, MUTATION_TESTING.md) showed a policy loosened to `true`
on tenants, repositories, webhook_deliveries or task_events passing the tests, which checked
tasks only."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from db import tenants
from db.pool import Database
from db.tenancy import tenant_transaction, unscoped_transaction

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]

# a row of each tenant table; %(t)s: the tenant, %(r)s and %(k)s: its repository and task
ROWS = {
    "repositories": (
        "INSERT INTO repositories (tenant_id, github_id, full_name)"
        " VALUES (%(t)s, %(t)s * 1000 + %(n)s, 'org/app' || %(n)s)"
    ),
    "webhook_deliveries": (
        "INSERT INTO webhook_deliveries (delivery_id, tenant_id, event, outcome)"
        " VALUES ('d-' || %(t)s || '-' || %(n)s, %(t)s, 'issues', 'accepted')"
    ),
    "faq_entries": (
        "INSERT INTO faq_entries (tenant_id, repository_id, question, answer)"
        " VALUES (%(t)s, %(r)s, 'why ' || %(n)s, 'because')"
    ),
    "task_events": (
        "INSERT INTO task_events (tenant_id, task_id, kind, message)"
        " VALUES (%(t)s, %(k)s, 'note', 'event ' || %(n)s)"
    ),
    "code_chunks": (
        "INSERT INTO code_chunks (tenant_id, repository_id, commit_sha, path, start_line,"
        " end_line, content, content_sha256)"
        " VALUES (%(t)s, %(r)s, 'abc', 'a' || %(n)s || '.py', 1, 1, 'x = 1', 'h')"
    ),
}


def _tenant(app_db: Database, installation: int) -> int:
    with unscoped_transaction(app_db) as conn:
        return tenants.upsert_installation(
            conn,
            installation_id=installation,
            account_login=f"org{installation}",
            account_id=None,
            account_type="Organization",
            status="active",
        )


@pytest.fixture
def two(app_db: Database, owner_conn: Conn) -> dict[str, int]:
    ids = {"a": _tenant(app_db, 9401), "b": _tenant(app_db, 9402)}
    for t in (ids["a"], ids["b"]):
        owner_conn.execute(ROWS["repositories"], {"t": t, "n": 0})
        repo = owner_conn.execute(
            "SELECT id FROM repositories WHERE tenant_id = %s", (t,)
        ).fetchone()
        assert repo is not None
        task = owner_conn.execute(
            "INSERT INTO tasks (tenant_id, kind, trace_id) VALUES (%s, 'code', 'tr') RETURNING id",
            (t,),
        ).fetchone()
        assert task is not None
        ids[f"repo_{t}"], ids[f"task_{t}"] = repo[0], task[0]
        for table in ("webhook_deliveries", "faq_entries", "task_events", "code_chunks"):
            owner_conn.execute(ROWS[table], {"t": t, "r": repo[0], "k": task[0], "n": 0})
    return ids


@pytest.mark.parametrize("table", ["tenants", *ROWS])
def test_a_tenant_reads_only_its_own_rows(
    app_db: Database, two: dict[str, int], table: str
) -> None:
    column = "id" if table == "tenants" else "tenant_id"
    with tenant_transaction(app_db, two["a"]) as scope:
        # the table name is one of this test's constants
        seen = scope.conn.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()
    assert seen == [(two["a"],)]


@pytest.mark.parametrize("table", list(ROWS))
def test_a_tenant_cannot_forge_a_row_for_another(
    app_db: Database, two: dict[str, int], table: str
) -> None:
    b = two["b"]
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, two["a"]) as scope,
    ):
        scope.conn.execute(
            ROWS[table], {"t": b, "r": two[f"repo_{b}"], "k": two[f"task_{b}"], "n": 1}
        )


@pytest.mark.parametrize("table", ["repositories", "webhook_deliveries"])
def test_a_tenant_cannot_hand_its_row_to_another(
    app_db: Database, two: dict[str, int], table: str
) -> None:
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, two["a"]) as scope,
    ):
        scope.conn.execute(f"UPDATE {table} SET tenant_id = %s", (two["b"],))


def test_a_tenant_cannot_make_another_tenant(app_db: Database, two: dict[str, int]) -> None:
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, two["a"]) as scope,
    ):
        scope.conn.execute(
            "INSERT INTO tenants (installation_id, account_login) VALUES (9403, 'org9403')"
        )
    with tenant_transaction(app_db, two["a"]) as scope:  # nor touch one
        changed = scope.conn.execute(
            "UPDATE tenants SET status = 'deleted' WHERE id = %s", (two["b"],)
        ).rowcount
    assert changed == 0
