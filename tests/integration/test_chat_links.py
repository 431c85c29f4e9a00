"""Link codes against real Redis and PostgreSQL (github_app/chat_links.py): a code is kept only
as its SHA-256, works once (even when presented ten times at once), expires, and links only
what the dashboard decided — the installation, purpose, platform and GitHub user it was issued
for; the chat side presents nothing else."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import psycopg
import pytest
from redis import Redis

from db import chat
from db.pool import Database
from db.tenancy import tenant_transaction
from github_app import chat_links
from github_app.chat_links import LinkGrant, Refused
from tests.support.task_rows import tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def tenants(app_db: Database) -> dict[str, int]:
    return {"a": tenant(app_db, 601), "b": tenant(app_db, 602)}


def grant(tenant_id: int, purpose: str = "workspace", platform: str = "slack") -> LinkGrant:
    installation = 601 if tenant_id % 2 else 602
    return LinkGrant(purpose, platform, tenant_id, installation, 77, "alice")


def redeem_workspace(
    app_db: Database, redis: Redis, code: str, external_id: str = "T1", platform: str = "slack"
) -> chat.Workspace | Refused:
    return chat_links.redeem_workspace_code(
        app_db, redis, code, platform=platform, external_id=external_id, name="Team"
    )


def test_the_code_is_kept_only_as_its_digest_for_ten_minutes(
    redis: Redis, tenants: dict[str, int]
) -> None:
    issued = chat_links.issue(redis, grant(tenants["a"]))
    keys = redis.keys("*")
    letters = issued.code.replace("-", "")
    assert keys == [f"morningai:chat:link:{hashlib.sha256(letters.encode()).hexdigest()}".encode()]
    stored = redis.get(keys[0])
    assert stored is not None
    assert letters.encode() not in stored
    assert 590 <= redis.ttl(keys[0]) <= 600
    assert chat_links.take(redis, issued.code.lower()) == grant(tenants["a"])


def test_a_code_works_once(redis: Redis, tenants: dict[str, int]) -> None:
    issued = chat_links.issue(redis, grant(tenants["a"]))
    assert chat_links.take(redis, issued.code) is not None
    assert chat_links.take(redis, issued.code) is None


def test_a_code_works_once_when_presented_ten_times_at_once(
    redis: Redis, tenants: dict[str, int], redis_url: str
) -> None:
    issued = chat_links.issue(redis, grant(tenants["a"]))
    barrier = threading.Barrier(10)
    won: list[LinkGrant] = []

    def present() -> None:
        client = Redis.from_url(redis_url)
        barrier.wait()
        found = chat_links.take(client, issued.code)
        if found is not None:
            won.append(found)
        client.close()

    threads = [threading.Thread(target=present) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(won) == 1


def test_an_expired_code_links_nothing(
    app_db: Database, redis: Redis, tenants: dict[str, int], owner_conn: Conn
) -> None:
    issued = chat_links.issue(redis, grant(tenants["a"]))
    (key,) = redis.keys("morningai:chat:link:*")
    redis.pexpire(key, 1)  # its ten minutes are over
    redis.ping()
    while redis.exists(key):
        pass
    refused = redeem_workspace(app_db, redis, issued.code)
    assert isinstance(refused, Refused)
    assert "unknown, used or expired" in refused.reason
    assert owner_conn.execute("SELECT count(*) FROM chat_workspaces").fetchone() == (0,)


def test_a_workspace_code_links_to_its_own_installation_only(
    app_db: Database, redis: Redis, tenants: dict[str, int], owner_conn: Conn
) -> None:
    a, b = tenants["a"], tenants["b"]
    linked = redeem_workspace(app_db, redis, chat_links.issue(redis, grant(a)).code)
    assert isinstance(linked, chat.Workspace)
    assert (linked.tenant_id, linked.linked_by_login, linked.linked_by_id) == (a, "alice", 77)
    rows = owner_conn.execute("SELECT tenant_id, platform, external_id FROM chat_workspaces")
    assert rows.fetchall() == [(a, "slack", "T1")]
    # b's admin cannot take the same workspace over
    refused = redeem_workspace(app_db, redis, chat_links.issue(redis, grant(b)).code)
    assert isinstance(refused, Refused)
    assert "already linked to another MorningAI installation" in refused.reason
    assert owner_conn.execute("SELECT tenant_id FROM chat_workspaces").fetchall() == [(a,)]
    # a's admin may link it again (a refreshed link, the same row)
    again = redeem_workspace(app_db, redis, chat_links.issue(redis, grant(a)).code)
    assert isinstance(again, chat.Workspace)
    assert again.id == linked.id


@pytest.mark.parametrize(
    ("issued_for", "presented_as", "words"),
    [
        (("user", "slack"), ("workspace", "slack"), "links your GitHub account"),
        (("workspace", "slack"), ("user", "slack"), "links a workspace"),
        (("workspace", "discord"), ("workspace", "slack"), "is for Discord"),
    ],
)
def test_a_code_used_for_something_else_is_refused_and_burnt(
    app_db: Database,
    redis: Redis,
    tenants: dict[str, int],
    owner_conn: Conn,
    issued_for: tuple[str, str],
    presented_as: tuple[str, str],
    words: str,
) -> None:
    a = tenants["a"]
    with tenant_transaction(app_db, a) as scope:  # a linked workspace for the user case
        chat.link_workspace(scope, chat.NewWorkspace("slack", "T1", "t", "al", 1))
    code = chat_links.issue(redis, grant(a, *issued_for)).code
    purpose, platform = presented_as

    def present() -> object:
        if purpose == "workspace":
            return redeem_workspace(app_db, redis, code, "T2", platform)
        return chat_links.redeem_user_code(
            app_db,
            redis,
            code,
            platform=platform,
            external_workspace_id="T1",
            external_user_id="U1",
        )

    refused = present()
    assert isinstance(refused, Refused)
    assert words in refused.reason
    assert owner_conn.execute("SELECT count(*) FROM chat_users").fetchone() == (0,)
    assert owner_conn.execute("SELECT external_id FROM chat_workspaces").fetchall() == [("T1",)]
    assert chat_links.take(redis, code) is None  # used up


def test_a_user_code_links_only_in_a_workspace_of_its_installation(
    app_db: Database, redis: Redis, tenants: dict[str, int], owner_conn: Conn
) -> None:
    a, b = tenants["a"], tenants["b"]
    for tenant_id, team in ((a, "TA"), (b, "TB")):
        with tenant_transaction(app_db, tenant_id) as scope:
            chat.link_workspace(scope, chat.NewWorkspace("slack", team, team, "al", 1))

    def redeem(code: str, team: str) -> chat.ChatUser | Refused:
        return chat_links.redeem_user_code(
            app_db, redis, code, platform="slack", external_workspace_id=team,
            external_user_id="U42",
        )  # fmt: skip

    for team in ("TB", "T-unlinked"):
        refused = redeem(chat_links.issue(redis, grant(a, "user")).code, team)
        assert isinstance(refused, Refused), team
        assert "not linked to the installation that code is for" in refused.reason
    assert owner_conn.execute("SELECT count(*) FROM chat_users").fetchone() == (0,)
    linked = redeem(chat_links.issue(redis, grant(a, "user")).code, "TA")
    assert isinstance(linked, chat.ChatUser)
    assert (linked.tenant_id, linked.github_login, linked.github_user_id) == (a, "alice", 77)
    rows = owner_conn.execute("SELECT tenant_id, external_user_id, github_login FROM chat_users")
    assert rows.fetchall() == [(a, "U42", "alice")]


def test_link_in_a_chat_does_what_the_code_says(
    app_db: Database, redis: Redis, tenants: dict[str, int], owner_conn: Conn
) -> None:
    """`link <code>` carries no purpose: a workspace code links the chat it was sent in, a
    user code the person who sent it — never the other way round."""
    a = tenants["a"]

    def link(code: str, platform: str = "discord") -> object:
        return chat_links.redeem_code(
            app_db, redis, code, platform=platform, external_id="G7", name="Guild",
            external_user_id="U7",
        )  # fmt: skip

    user_first = link(chat_links.issue(redis, grant(a, "user", "discord")).code)
    assert isinstance(user_first, Refused)  # the guild is not linked yet
    workspace = link(chat_links.issue(redis, grant(a, "workspace", "discord")).code)
    assert isinstance(workspace, chat.Workspace)
    assert owner_conn.execute("SELECT count(*) FROM chat_users").fetchone() == (0,)
    user = link(chat_links.issue(redis, grant(a, "user", "discord")).code)
    assert isinstance(user, chat.ChatUser)
    assert (user.workspace_id, user.external_user_id, user.github_login) == (
        workspace.id,
        "U7",
        "alice",
    )
    elsewhere = link(chat_links.issue(redis, grant(a, "user", "discord")).code, "telegram")
    assert isinstance(elsewhere, Refused)
    assert "is for Discord" in elsewhere.reason
    assert owner_conn.execute("SELECT count(*) FROM chat_workspaces").fetchone() == (1,)
