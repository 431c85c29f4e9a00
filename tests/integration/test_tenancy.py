"""Row-level security: under tenant A nothing of tenant B can be read, changed or forged."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from db import migrate as migrations
from db import task_events, tasks, tenants
from db.pool import Database
from db.tenancy import tenant_transaction, unscoped_transaction
from morningai.embedded import DatabaseUrls

pytestmark = pytest.mark.usefixtures("clean_db")


def _tenant_with_task(db: Database, installation_id: int) -> tuple[int, int]:
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=installation_id,
            account_login=f"org{installation_id}",
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant_id) as scope:
        task = tasks.create(scope, tasks.NewTask("code", "default", uuid.uuid4().hex))
        task_events.add(scope, task.id, "created", "made")
    return tenant_id, task.id


def test_app_role_owns_nothing_and_cannot_bypass(app_db: Database) -> None:
    with app_db.connection() as conn:
        row = conn.execute(
            "SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r"
            " WHERE r.rolname = current_user"
        ).fetchone()
        owned = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            " AND tableowner = current_user"
        ).fetchone()
    assert row == ("morningai_app", False, False)
    assert owned == (0,)


def test_every_tenant_table_has_forced_rls(
    owner_conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    rows = owner_conn.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (SELECT 1 FROM"
        "  information_schema.columns col WHERE col.table_name = c.relname"
        "  AND col.column_name = 'tenant_id')"
    ).fetchall()
    names = {r[0] for r in rows}
    assert {"repositories", "webhook_deliveries", "tasks", "task_events"} <= names
    assert all(r[1] and r[2] for r in rows), rows
    tenants_row = owner_conn.execute(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'tenants'"
    ).fetchone()
    assert tenants_row == (True, True)


def test_isolation_select_update_delete_insert(app_db: Database) -> None:
    a, task_a = _tenant_with_task(app_db, 1001)
    b, task_b = _tenant_with_task(app_db, 1002)
    with tenant_transaction(app_db, a) as scope:
        assert tasks.get(scope, task_a) is not None
        assert tasks.get(scope, task_b) is None
        assert scope.conn.execute("SELECT count(*) FROM tasks").fetchone() == (1,)
        assert scope.conn.execute("SELECT count(*) FROM task_events").fetchone() == (1,)
        assert scope.conn.execute("SELECT count(*) FROM tenants").fetchone() == (1,)
        updated = scope.conn.execute(
            "UPDATE tasks SET status = 'failed' WHERE id = %s", (task_b,)
        ).rowcount
        deleted = scope.conn.execute("DELETE FROM tasks WHERE id = %s", (task_b,)).rowcount
        assert (updated, deleted) == (0, 0)
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, a) as scope,
    ):
        scope.conn.execute(
            "INSERT INTO tasks (tenant_id, kind, trace_id) VALUES (%s, 'code', 'x')", (b,)
        )
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, a) as scope,
    ):
        scope.conn.execute("UPDATE tasks SET tenant_id = %s WHERE id = %s", (b, task_a))
    with tenant_transaction(app_db, b) as scope:
        task = tasks.get(scope, task_b)
        assert task is not None
        assert task.status == "queued"


def test_forgetting_the_scope_sees_nothing(app_db: Database) -> None:
    _tenant_with_task(app_db, 1003)
    with unscoped_transaction(app_db) as conn:
        for table in ("tenants", "tasks", "task_events", "repositories", "webhook_deliveries"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO tasks (tenant_id, kind, trace_id) VALUES (1, 'code', 'x')")


def test_scope_does_not_leak_to_the_next_pool_user(database: DatabaseUrls) -> None:
    db = Database(database.app, min_size=1, max_size=1).open(wait=True)
    try:
        tenant_id, _ = _tenant_with_task(db, 1004)
        with tenant_transaction(db, tenant_id):
            pass
        with db.connection() as conn:
            assert conn.execute(
                "SELECT nullif(current_setting('app.tenant_id', true), '')"
            ).fetchone() == (None,)
            assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)
    finally:
        db.close()


def test_owner_connection_drops_to_the_app_role(database: DatabaseUrls) -> None:
    """A deployment that connects as the owner (Render's default user) still runs under RLS."""
    with psycopg.connect(database.admin, autocommit=True) as conn:
        conn.execute("GRANT morningai_app TO morningai_owner")
    db = Database(database.owner, max_size=1).open(wait=True)
    try:
        _tenant_with_task(db, 1005)
        with db.connection() as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("morningai_app",)
            assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)
    finally:
        db.close()


def test_migrations_are_recorded_and_safe_to_rerun(database: DatabaseUrls) -> None:
    assert migrations.migrate(database.owner) == []
    with psycopg.connect(database.owner) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in migrations.load_migrations()]


def test_vector_extension_is_enabled(owner_conn: psycopg.Connection[tuple[object, ...]]) -> None:
    row = owner_conn.execute("SELECT '[1,2,3]'::vector <=> '[1,2,4]'::vector").fetchone()
    assert row is not None
    assert 0 < float(str(row[0])) < 0.01


def test_checkpoints_are_tenant_scoped(
    database: DatabaseUrls, owner_conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    """LangGraph's checkpoint tables carry tenant_id too, under forced RLS."""
    from jobs.runtime.checkpoints import TABLES, saver_for, thread_id

    flags = owner_conn.execute(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)",
        (list(TABLES),),
    ).fetchall()
    assert sorted(flags) == sorted((t, True, True) for t in TABLES)
    owner_conn.execute(
        "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint, metadata)"
        " VALUES (%s, '', 'c1', '{}', '{}'), (%s, '', 'c2', '{}', '{}')",
        (thread_id(1, 10), thread_id(2, 20)),
    )
    with saver_for(database.app, 1) as saver:
        rows = saver.conn.execute("SELECT thread_id, tenant_id FROM checkpoints").fetchall()
        assert rows == [{"thread_id": "t1:task10", "tenant_id": 1}]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            saver.conn.execute(
                "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint,"
                " metadata) VALUES ('t2:task99', '', 'x', '{}', '{}')"
            )
