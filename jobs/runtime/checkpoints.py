"""LangGraph's Postgres checkpointer, kept per tenant like every other table.

A task's graph checkpoints under thread `t<tenant>:task<task>`. `setup()` (run by
`morningai migrate`) creates LangGraph's tables, adds a `tenant_id` column derived from the
thread id, and forces row-level security on them; the saver then runs on a dedicated
connection whose session is scoped to the task's tenant and closed after the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row

from db.pool import enter_app_role

TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")

_RLS = """
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['checkpoints', 'checkpoint_blobs', 'checkpoint_writes'] LOOP
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_name = t AND column_name = 'tenant_id') THEN
            EXECUTE format('ALTER TABLE %I ADD COLUMN tenant_id bigint GENERATED ALWAYS AS'
                           ' (substring(thread_id from ''^t([0-9]+):'')::bigint) STORED', t);
            EXECUTE format('CREATE INDEX ON %I (tenant_id)', t);
        END IF;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS owner_maintenance ON %I', t);
        EXECUTE format('CREATE POLICY owner_maintenance ON %I TO %I USING (true)'
                       ' WITH CHECK (true)', t, current_user);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO morningai_app'
                       ' USING (tenant_id = app_current_tenant())'
                       ' WITH CHECK (tenant_id = app_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO morningai_app', t);
    END LOOP;
    GRANT SELECT ON checkpoint_migrations TO morningai_app;
END
$$;
"""


def thread_id(tenant_id: int, task_id: int) -> str:
    return f"t{int(tenant_id)}:task{int(task_id)}"


def setup(owner_url: str) -> None:
    """Create or upgrade LangGraph's tables and put them under row-level security."""
    with PostgresSaver.from_conn_string(owner_url) as saver:
        saver.setup()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(_RLS)


@contextmanager
def saver_for(url: str, tenant_id: int) -> Iterator[PostgresSaver]:
    """A checkpointer that can only see and write `tenant_id`'s threads.

    The saver needs autocommit, dict rows and no prepared statements, so it gets its own
    connection; the session-level tenant setting dies with it.
    """
    conn: psycopg.Connection[Any] = psycopg.connect(
        url, autocommit=True, prepare_threshold=0, row_factory=dict_row
    )
    try:
        enter_app_role(conn)
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(int(tenant_id)),))
        yield PostgresSaver(conn)
    finally:
        conn.close()
