"""The chat tables under row-level security (db/chat.py, 0009_chat.sql): one tenant never sees
or changes another's workspaces, users, subscriptions or deliveries; the app role cannot forge
rows for another tenant; the doors return ids only; a workspace serves one installation; each
channel has one row per repository (the installation-wide one included); deliveries are
recorded once."""

from __future__ import annotations

import zlib
from typing import Any

import psycopg
import pytest

from db import chat, repositories
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import TenantScope, tenant_transaction, unscoped_transaction
from tests.support.task_rows import tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
CHAT_TABLES = ("chat_workspaces", "chat_users", "chat_subscriptions", "chat_deliveries")
SEALED = b"\x01" + b"N" * 12 + b"sealed-bot-token-bytes"


def _workspace(
    scope: TenantScope, external_id: str, platform: str = "slack", sealed: bytes | None = None
) -> chat.Workspace:
    new = chat.NewWorkspace(platform, external_id, f"team {external_id}", "alice", 7, sealed)
    return chat.link_workspace(scope, new)


def _repo(scope: TenantScope, name: str) -> int:
    return repositories.upsert(scope, RepoRef(zlib.crc32(name.encode()), name))


@pytest.fixture
def two(app_db: Database) -> dict[str, Any]:
    """Tenants a and b, each with a workspace, a user, a subscription and a delivery."""
    made: dict[str, Any] = {}
    for name, installation in (("a", 501), ("b", 502)):
        tenant_id = tenant(app_db, installation)
        with tenant_transaction(app_db, tenant_id) as scope:
            ws = _workspace(scope, f"T{name.upper()}", sealed=SEALED)
            user = chat.link_user(scope, ws.id, f"U{name}", github_user_id=7, github_login="al")
            repo = _repo(scope, f"{name}/app")
            sub = chat.put_subscription(
                scope, ws.id, "C1", repo, ("pr_opened",), by_login="al", by_id=7
            )
            chat.record_delivery(scope, chat.ChatDelivery("slack", f"Ev{name}", "accepted"))
        made[name] = {"tenant": tenant_id, "ws": ws, "user": user, "sub": sub, "repo": repo}
    return made


def test_every_chat_table_has_forced_rls_and_a_tenant_policy(owner_conn: Conn) -> None:
    rows = owner_conn.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid"
        "   AND p.polname = 'tenant_isolation') FROM pg_class c WHERE c.relname = ANY(%s)",
        (list(CHAT_TABLES),),
    ).fetchall()
    assert sorted(rows) == sorted((t, True, True, 1) for t in CHAT_TABLES)
    owned = owner_conn.execute(
        "SELECT count(*) FROM pg_tables WHERE tablename = ANY(%s) AND tableowner = 'morningai_app'",
        (list(CHAT_TABLES),),
    ).fetchone()
    assert owned == (0,)


def test_one_tenant_sees_and_changes_nothing_of_another(
    app_db: Database, two: dict[str, Any]
) -> None:
    a, b = two["a"], two["b"]
    with tenant_transaction(app_db, a["tenant"]) as scope:
        assert [w.id for w in chat.list_workspaces(scope)] == [a["ws"].id]
        assert chat.get_workspace(scope, b["ws"].id) is None
        assert chat.bot_token_sealed(scope, b["ws"].id) is None
        assert chat.find_user(scope, b["ws"].id, "Ub") is None
        assert chat.list_users(scope, b["ws"].id) == []
        assert [s.id for s in chat.list_subscriptions(scope)] == [a["sub"].id]
        assert chat.get_delivery(scope, "slack", "Evb") is None
        assert chat.get_delivery(scope, "slack", "Eva") is not None
        for table in CHAT_TABLES:
            assert scope.conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,), table
        # writes aimed at b's rows touch nothing
        assert not chat.unlink_workspace(scope, b["ws"].id)
        assert not chat.set_bot_token_sealed(scope, b["ws"].id, None)
        assert not chat.unlink_user(scope, b["ws"].id, "Ub")
        assert not chat.delete_subscription(scope, b["ws"].id, "C1", b["repo"])
        assert not chat.set_delivery_outcome(scope, "slack", "Evb", outcome="rejected", detail="x")
        assert chat.listeners(scope, "pr_opened", b["repo"]) == []
    with tenant_transaction(app_db, b["tenant"]) as scope:
        assert chat.bot_token_sealed(scope, b["ws"].id) == SEALED
        assert chat.find_user(scope, b["ws"].id, "Ub") is not None
        assert len(chat.list_subscriptions(scope)) == 1
        assert chat.get_delivery(scope, "slack", "Evb")["outcome"] == "accepted"  # type: ignore[index]


def test_forgetting_the_scope_sees_nothing(app_db: Database, two: dict[str, Any]) -> None:
    with unscoped_transaction(app_db) as conn:
        for table in CHAT_TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        (
            "INSERT INTO chat_workspaces (tenant_id, platform, external_id, linked_by_login,"
            " linked_by_id) VALUES (%(b)s, 'slack', 'TX', 'm', 1)",
            "a workspace for b",
        ),
        ("UPDATE chat_workspaces SET tenant_id = %(b)s", "moving a's workspace to b"),
        (
            "INSERT INTO chat_users (tenant_id, workspace_id, external_user_id, github_user_id,"
            " github_login) VALUES (%(b)s, %(b_ws)s, 'Um', 1, 'mallory')",
            "a user under b's workspace",
        ),
        (
            "INSERT INTO chat_subscriptions (tenant_id, workspace_id, channel_id, events,"
            " created_by_login, created_by_id) VALUES (%(b)s, %(b_ws)s, 'C9', '{pr_opened}',"
            " 'm', 1)",
            "a subscription for b",
        ),
        (
            "INSERT INTO chat_deliveries (platform, delivery_key, tenant_id, outcome)"
            " VALUES ('slack', 'forged', %(b)s, 'accepted')",
            "a delivery for b",
        ),
        (
            "INSERT INTO chat_deliveries (platform, delivery_key, outcome)"
            " VALUES ('slack', 'forged', 'accepted')",
            "an unattributed delivery without the door",
        ),
    ],
)
def test_the_app_role_cannot_forge_another_tenants_rows(
    app_db: Database, two: dict[str, Any], sql: str, why: str
) -> None:
    a, b = two["a"], two["b"]
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        tenant_transaction(app_db, a["tenant"]) as scope,
    ):
        scope.conn.execute(sql, {"b": b["tenant"], "b_ws": b["ws"].id, "why": why})


def test_a_row_cannot_hang_under_another_tenants_workspace_or_repository(
    app_db: Database, two: dict[str, Any]
) -> None:
    """Even with a's own tenant_id (RLS passes), b's workspace or repository is refused by the
    composite foreign keys."""
    a, b = two["a"], two["b"]
    with (
        pytest.raises(psycopg.errors.ForeignKeyViolation),
        tenant_transaction(app_db, a["tenant"]) as scope,
    ):
        chat.link_user(scope, b["ws"].id, "Um", github_user_id=1, github_login="mallory")
    with (
        pytest.raises(psycopg.errors.ForeignKeyViolation),
        tenant_transaction(app_db, a["tenant"]) as scope,
    ):
        chat.put_subscription(
            scope, a["ws"].id, "C2", b["repo"], ("pr_opened",), by_login="m", by_id=1
        )


def test_the_doors_return_ids_only(app_db: Database, two: dict[str, Any], owner_conn: Conn) -> None:
    columns = owner_conn.execute(
        "SELECT p.proname, p.prosecdef, pg_get_function_result(p.oid), p.proconfig"
        " FROM pg_proc p WHERE p.proname IN"
        " ('app_chat_workspace', 'app_record_unattributed_chat_delivery') ORDER BY 1"
    ).fetchall()
    assert columns == [
        (
            "app_chat_workspace",
            True,
            "TABLE(tenant_id bigint, workspace_id bigint)",
            ["search_path=public, pg_temp"],
        ),
        (
            "app_record_unattributed_chat_delivery",
            True,
            "boolean",
            ["search_path=public, pg_temp"],
        ),
    ]
    with unscoped_transaction(app_db) as conn:
        found = chat.find_workspace(conn, "slack", "TB")
        assert chat.find_workspace(conn, "slack", "TZ") is None
        assert chat.find_workspace(conn, "discord", "TB") is None  # the platform is part of it
    assert found == chat.WorkspaceRef(two["b"]["tenant"], two["b"]["ws"].id)


def test_a_workspace_serves_one_installation(app_db: Database, two: dict[str, Any]) -> None:
    a, b = two["a"], two["b"]
    with (
        pytest.raises(chat.WorkspaceTaken, match="linked to another installation"),
        tenant_transaction(app_db, b["tenant"]) as scope,
    ):
        _workspace(scope, "TA", sealed=b"\x01" + b"x" * 40)
    with tenant_transaction(app_db, a["tenant"]) as scope:
        kept = chat.get_workspace(scope, a["ws"].id)
        assert chat.bot_token_sealed(scope, a["ws"].id) == SEALED
        # the same platform id on another platform is another workspace
        other = _workspace(scope, "TA", platform="discord")
        assert other.id != a["ws"].id
        # linking again from the same installation refreshes the link, keeping the token
        again = chat.link_workspace(
            scope, chat.NewWorkspace("slack", "TA", "renamed", "carol", 9, None)
        )
        assert chat.bot_token_sealed(scope, a["ws"].id) == SEALED
    assert kept is not None
    assert (again.id, again.name, again.linked_by_login) == (a["ws"].id, "renamed", "carol")


def test_server_supports_nulls_not_distinct(owner_conn: Conn) -> None:
    row = owner_conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    assert int(row[0]) >= 150000


def test_one_installation_wide_row_per_channel(app_db: Database, two: dict[str, Any]) -> None:
    a = two["a"]
    with tenant_transaction(app_db, a["tenant"]) as scope:
        first = chat.put_subscription(
            scope, a["ws"].id, "C7", None, ("task_failed",), by_login="al", by_id=7
        )
        second = chat.put_subscription(
            scope,
            a["ws"].id,
            "C7",
            None,
            ("pr_opened", "task_failed", "pr_opened"),
            by_login="al",
            by_id=7,
        )
        assert second.id == first.id
        assert second.events == ("pr_opened", "task_failed")
    with (
        pytest.raises(psycopg.errors.UniqueViolation),
        tenant_transaction(app_db, a["tenant"]) as scope,
    ):
        scope.conn.execute(
            "INSERT INTO chat_subscriptions (tenant_id, workspace_id, channel_id, events,"
            " created_by_login, created_by_id) VALUES (%s, %s, 'C7', '{task_failed}', 'al', 7)",
            (a["tenant"], a["ws"].id),
        )
    with (
        pytest.raises(psycopg.errors.CheckViolation),
        tenant_transaction(app_db, a["tenant"]) as scope,
    ):
        chat.put_subscription(scope, a["ws"].id, "C8", None, ("deploy",), by_login="a", by_id=1)


def test_listeners_are_installation_wide_rows_plus_the_repositorys(
    app_db: Database, two: dict[str, Any]
) -> None:
    a = two["a"]
    ws = a["ws"].id
    with tenant_transaction(app_db, a["tenant"]) as scope:
        other = _repo(scope, "a/other")
        put = chat.put_subscription
        put(scope, ws, "C-all", None, ("task_failed", "pr_opened"), by_login="x", by_id=1)
        put(scope, ws, "C-app", a["repo"], ("task_failed",), by_login="x", by_id=1)
        put(scope, ws, "C-all", a["repo"], ("task_failed",), by_login="x", by_id=1)
        put(scope, ws, "C-other", other, ("task_failed",), by_login="x", by_id=1)
        failed = chat.listeners(scope, "task_failed", a["repo"])
        opened = chat.listeners(scope, "pr_opened", a["repo"])
        budget = chat.listeners(scope, "budget_warning", a["repo"])
        no_repo = chat.listeners(scope, "task_failed", None)
    assert [(x.channel_id, x.external_id, x.platform) for x in failed] == [
        ("C-all", "TA", "slack"),  # once, though two of its rows match
        ("C-app", "TA", "slack"),
    ]
    assert [x.channel_id for x in opened] == ["C-all", "C1"]
    assert budget == []
    assert [x.channel_id for x in no_repo] == ["C-all"]


def test_unlinking_a_workspace_removes_its_users_and_subscriptions(
    app_db: Database, two: dict[str, Any], owner_conn: Conn
) -> None:
    a = two["a"]
    with tenant_transaction(app_db, a["tenant"]) as scope:
        assert chat.unlink_workspace(scope, a["ws"].id)
    counts = owner_conn.execute(
        "SELECT (SELECT count(*) FROM chat_users), (SELECT count(*) FROM chat_subscriptions)"
    ).fetchone()
    assert counts == (1, 1)  # b's only


def test_a_delivery_is_recorded_once(app_db: Database, two: dict[str, Any]) -> None:
    a, b = two["a"], two["b"]
    delivery = chat.ChatDelivery("telegram", "9001", "ignored", "no linked chat")
    with unscoped_transaction(app_db) as conn:
        assert chat.record_unattributed_delivery(conn, delivery)
        assert not chat.record_unattributed_delivery(conn, delivery)
        assert conn.execute("SELECT count(*) FROM chat_deliveries").fetchone() == (0,)
    with tenant_transaction(app_db, a["tenant"]) as scope:
        # the same key under a tenant, the other tenant's key: both seen before
        assert not chat.record_delivery(scope, delivery)
        assert not chat.record_delivery(scope, chat.ChatDelivery("slack", "Evb", "accepted"))
        assert chat.record_delivery(scope, chat.ChatDelivery("discord", "Evb", "accepted"))
        assert chat.set_delivery_outcome(
            scope, "discord", "Evb", outcome="accepted", detail="ask", task_id=12
        )
        found = chat.get_delivery(scope, "discord", "Evb")
    assert found is not None
    assert (found["tenant_id"], found["task_id"], found["detail"]) == (a["tenant"], 12, "ask")
    with unscoped_transaction(app_db) as conn:
        assert not chat.record_unattributed_delivery(
            conn, chat.ChatDelivery("slack", "Eva", "rejected")
        )
    with tenant_transaction(app_db, b["tenant"]) as scope:
        assert chat.get_delivery(scope, "discord", "Evb") is None


def test_no_row_object_shows_a_sealed_token(app_db: Database, two: dict[str, Any]) -> None:
    new = chat.NewWorkspace("slack", "TQ", "q", "alice", 7, SEALED)
    with tenant_transaction(app_db, two["a"]["tenant"]) as scope:
        linked = chat.link_workspace(scope, new)
    for shown in (repr(new), repr(linked), str(linked), repr(chat.list_workspaces)):
        assert "sealed-bot-token" not in shown
        assert SEALED.hex() not in shown
    assert linked.has_bot_token
