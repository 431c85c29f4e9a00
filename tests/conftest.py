"""Real services for the suite: PostgreSQL with pgvector (a fresh database per session) and a
Redis-compatible server — the embedded ones, or those named by DATABASE_URL / REDIS_URL.

Under pytest-xdist each worker is a session of its own: its own database on the one server
(started under a lock), and its own embedded Redis server, or its own database number of
REDIS_URL's server (keys are a database's; pub/sub channels are the whole server's, so there a
worker listening to every tenant's channel hears the other workers' tasks too, and a test picks
its own task's messages by trace id)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from redis import Redis

from db.pool import Database
from morningai.embedded import (
    DatabaseUrls,
    EmbeddedRedis,
    drop_database,
    provision_database,
    start_postgres,
)
from morningai.schema import migrate_all
from tests.support.model_fixture import model, pytest_runtest_makereport
from tests.support.paths import ROOT
from tests.support.services import postgres_lock, redis_url_for_worker

__all__ = ["model", "pytest_runtest_makereport"]  # the scripted model server, checked at teardown

TENANT_TABLES = (
    "chat_deliveries",
    "chat_subscriptions",
    "chat_users",
    "chat_workspaces",
    "task_events",
    "tasks",
    "webhook_deliveries",
    "repositories",
    "tenants",
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A superuser URL: DATABASE_URL when set (it must be allowed to create databases and
    roles), else the embedded server under .morningai/test-postgres."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    with postgres_lock():
        return start_postgres(ROOT / ".morningai" / "test-postgres")


@pytest.fixture(scope="session")
def database(pg_admin_url: str) -> Iterator[DatabaseUrls]:
    name = f"morningai_test_{os.getpid()}_{secrets.token_hex(3)}"
    with postgres_lock():
        urls = provision_database(pg_admin_url, name)
        migrate_all(urls.owner)
    yield urls
    drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def app_db(database: DatabaseUrls) -> Iterator[Database]:
    # all its connections made up front: a pool that grows later does it in a background
    # thread, and psycopg_pool's jitter there moves the global `random` state, which Hypothesis
    # reports as a strategy using `random` when it happens during another module's draw
    db = Database(database.app, min_size=8, max_size=8).open(wait=True)
    yield db
    db.close()


@pytest.fixture
def owner_conn(database: DatabaseUrls) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """The owner's view (sees every tenant) — for assertions, never for the app's own work."""
    with psycopg.connect(database.owner, autocommit=True) as conn:
        yield conn


@pytest.fixture
def clean_db(database: DatabaseUrls) -> None:
    with psycopg.connect(database.owner, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TENANT_TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield redis_url_for_worker(os.environ["REDIS_URL"])
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()
