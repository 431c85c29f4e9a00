"""A subscribed channel belongs to its workspace: Discord and Telegram share one bot across every
server and chat, so `PUT /api/chat/subscriptions` asks Discord whose channel it is (GET
/channels/{id} on the fake, over real HTTP) and holds a Telegram workspace to its one chat;
nothing is stored otherwise. The sink checks Telegram again before sending, for rows stored
before the check. Signed in through the simulator; real PostgreSQL and Redis."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from chatfakes import DiscordFake, SlackFake, TelegramFake
from core.settings import Settings
from core.subject import TaskSubject
from db import chat
from db.pool import Database
from db.tenancy import tenant_transaction
from jobs.chat.sink import ChatSink
from jobs.runtime import context
from jobs.runtime.sinks import TaskEvent, TaskRef
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.chat_jobs import Fakes, chat_settings, link_workspace, subscribe
from tests.support.chat_jobs import tenant_with_repo as tenant_with_repository
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, csrf, settings_for, sign_in
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]

GUILD, OTHER_GUILD = "810000000000000001", "820000000000000002"
CHAT, OTHER_CHAT = "-1001500", "-1002600"
EVENTS = ["task_failed"]


@pytest.fixture
def discord() -> Iterator[DiscordFake]:
    with DiscordFake() as fake:
        yield fake


@pytest.fixture
def telegram() -> Iterator[TelegramFake]:
    with TelegramFake() as fake:
        yield fake


@pytest.fixture
def web(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    discord: DiscordFake,
    telegram: TelegramFake,
) -> Iterator[Web]:
    """The app over HTTP, Discord and Telegram pointed at their fakes."""
    settings = settings_for(
        database, redis_url, sim,
        morningai_insecure_cookies=True,
        discord_application_id=discord.application_id,
        discord_public_key=discord.public_key_hex,
        discord_bot_token=discord.bot_token,
        discord_api_url=discord.api_url,
        telegram_bot_token=telegram.bot_token,
        telegram_api_url=telegram.api_url,
    )  # fmt: skip
    app = create_app(settings)
    with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
        yield Web(url, http)
    app.extensions["morningai"].close()


@pytest.fixture
def world(sim: GitHubSimulator, app_db: Database, web: Web) -> dict[str, int]:
    """acme (alice its admin, signed in) with a linked Discord server and Telegram chat; the
    other installation with its own Discord server, where the same bot also is."""
    made = dict(reach_world(sim, app_db))
    for key, platform, external in (
        ("discord", "discord", GUILD),
        ("telegram", "telegram", CHAT),
        ("other_discord", "discord", OTHER_GUILD),
    ):
        tenant = made["tenant_b" if key.startswith("other") else "tenant_a"]
        new = chat.NewWorkspace(platform, external, f"ws {external}", "someone", 5)
        with tenant_transaction(app_db, tenant) as scope:
            made[key] = chat.link_workspace(scope, new).id
    sim.set_org_role("acme", "alice", "admin")
    sign_in(web, sim)
    return made


def put(
    web: Web, workspace: int, channel: str | None, events: list[str] = EVENTS
) -> httpx.Response:
    body: dict[str, Any] = {"workspace_id": workspace, "repository": None, "events": events}
    if channel is not None:
        body["channel_id"] = channel
    return web.http.put("/api/chat/subscriptions", json=body, headers=csrf(web))


def stored(owner_conn: Conn) -> list[tuple[Any, ...]]:
    return owner_conn.execute(
        "SELECT workspace_id, channel_id, events FROM chat_subscriptions ORDER BY id"
    ).fetchall()


# -- Discord ----------------------------------------------------------------------------------


def test_a_channel_of_another_discord_server_is_refused_and_nothing_stored(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn
) -> None:
    elsewhere = discord.add_channel(OTHER_GUILD)
    answer = put(web, world["discord"], elsewhere)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert f"channel {elsewhere} is not a channel of the linked Discord server ({GUILD})" in error
    assert OTHER_GUILD not in error  # nothing said about the other server
    assert [c.target for c in discord.of_kind("get channel")] == [elsewhere]  # Discord was asked
    assert stored(owner_conn) == []
    assert discord.of_kind("channel message") == []


def test_the_workspaces_own_discord_channel_is_stored(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn
) -> None:
    own = discord.add_channel(GUILD)
    answer = put(web, world["discord"], own)
    assert answer.status_code == 200, answer.text
    assert answer.json()["subscription"]["channel_id"] == own
    assert stored(owner_conn) == [(world["discord"], own, EVENTS)]


@pytest.mark.parametrize("channel", ["830000000000000003", "hidden", "general"])
def test_an_unknown_or_unseen_discord_channel_is_a_400(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn, channel: str
) -> None:
    if channel == "hidden":  # in the server, but the bot may not view it: Discord says 403
        channel = discord.add_channel(GUILD, visible=False)
    answer = put(web, world["discord"], channel)
    assert answer.status_code == 400, answer.text
    assert (
        f"channel {channel} is not a channel of the linked Discord server" in answer.json()["error"]
    )
    assert stored(owner_conn) == []
    if channel == "general":  # not a snowflake: refused without asking Discord
        assert discord.of_kind("get channel") == []
        assert [r[0] for r in discord.refused] == []


def test_a_short_discord_429_is_waited_out_and_the_channel_stored(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn
) -> None:
    own = discord.add_channel(GUILD)
    discord.rate_limit("get channel", times=1, retry_after=0.3)
    answer = put(web, world["discord"], own)
    assert answer.status_code == 200, answer.text
    assert [(r[0], r[1]) for r in discord.refused] == [("get channel", 429)]
    assert stored(owner_conn) == [(world["discord"], own, EVENTS)]


def test_a_long_discord_429_is_a_502_with_its_wait_and_nothing_stored(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn
) -> None:
    own = discord.add_channel(GUILD)
    discord.rate_limit("get channel", times=1, retry_after=42.5)
    answer = put(web, world["discord"], own)
    assert answer.status_code == 502, answer.text
    assert answer.headers["Retry-After"] == "43"
    assert "wait 42.5 s" in answer.json()["error"]
    assert stored(owner_conn) == []
    assert put(web, world["discord"], own).status_code == 200  # the limit over: stored


def test_discord_unreachable_is_a_502_and_nothing_stored(
    web: Web,
    world: dict[str, int],
    discord: DiscordFake,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    own = discord.add_channel(GUILD)
    discord.stop()
    answer = put(web, world["discord"], own)
    assert answer.status_code == 502, answer.text
    assert "Discord could not be asked" in answer.json()["error"]
    assert stored(owner_conn) == []
    logged = caplog.text + answer.text
    assert discord.bot_token not in logged


def test_removing_a_discord_subscription_asks_discord_nothing(
    web: Web, world: dict[str, int], discord: DiscordFake, app_db: Database, owner_conn: Conn
) -> None:
    """A row stored before the check, pointing elsewhere, can still be taken out."""
    elsewhere = discord.add_channel(OTHER_GUILD)
    subscribe(app_db, world["tenant_a"], world["discord"], elsewhere, None, ("task_failed",))
    answer = put(web, world["discord"], elsewhere, events=[])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"subscription": None}
    assert stored(owner_conn) == []
    assert discord.of_kind("get channel") == []


# -- Telegram ---------------------------------------------------------------------------------


def test_another_telegram_chat_is_refused_and_nothing_stored(
    web: Web, world: dict[str, int], telegram: TelegramFake, owner_conn: Conn
) -> None:
    answer = put(web, world["telegram"], OTHER_CHAT)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == (
        f"a Telegram workspace is one chat: channel_id is {CHAT} (or leave it out)"
    )
    assert stored(owner_conn) == []
    assert telegram.calls == []  # nothing asked, nothing sent


def test_a_telegram_subscription_is_its_chat_named_or_left_out(
    web: Web, world: dict[str, int], owner_conn: Conn
) -> None:
    left_out = put(web, world["telegram"], None)
    assert left_out.status_code == 200, left_out.text
    assert left_out.json()["subscription"]["channel_id"] == CHAT
    named = put(web, world["telegram"], CHAT, events=["task_failed", "pr_opened"])
    assert named.status_code == 200, named.text
    assert stored(owner_conn) == [(world["telegram"], CHAT, ["pr_opened", "task_failed"])]
    gone = put(web, world["telegram"], None, events=[])
    assert gone.json() == {"subscription": None}
    assert stored(owner_conn) == []


def test_only_telegram_may_leave_the_channel_out(
    web: Web, world: dict[str, int], discord: DiscordFake, owner_conn: Conn
) -> None:
    answer = put(web, world["discord"], None)
    assert answer.status_code == 400, answer.text
    assert "channel_id is the platform's channel id" in answer.json()["error"]
    assert discord.of_kind("get channel") == []
    assert stored(owner_conn) == []


# -- the sink ---------------------------------------------------------------------------------


@pytest.fixture
def job_chat(settings: Settings, telegram: TelegramFake) -> Iterator[Settings]:
    """The worker's context with the chat platforms pointed at their fakes, installed here."""
    with SlackFake() as slack, DiscordFake() as discord:
        chatty = chat_settings(settings, Fakes(slack, discord, telegram))
        ctx = context.build(chatty)
        context.install(ctx)
        yield chatty
        ctx.close()


@pytest.mark.usefixtures("clean_db")
def test_the_sink_refuses_a_telegram_row_pointing_at_another_chat(
    job_chat: Settings,
    telegram: TelegramFake,
    sim: GitHubSimulator,
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    installation = sim.add_installation("acme")
    tenant_id, repository_id = tenant_with_repository(app_db, installation, "acme/widgets", 4242)
    workspace = link_workspace(app_db, job_chat, tenant_id, "telegram", CHAT)
    subscribe(app_db, tenant_id, workspace, CHAT, None, ("faq_pr_opened",))
    # a legacy row, stored before the API checked channels, pointing at a stranger's chat
    subscribe(app_db, tenant_id, workspace, OTHER_CHAT, None, ("faq_pr_opened",))
    subject = TaskSubject("acme/widgets", 0, "alice", "cli")
    url = "https://github.example/acme/widgets/pull/77"
    [(task_id,)] = owner_conn.execute(
        "INSERT INTO tasks (tenant_id, repository_id, kind, queue, subject, trace_id, pr_url)"
        " VALUES (%s, %s, 'faq_history', 'low', %s, 'trace-x', %s) RETURNING id",
        (tenant_id, repository_id, json.dumps(subject.encode()), url),
    )
    sink = ChatSink(context.current())
    sink.emit(
        TaskEvent(TaskRef(task_id, tenant_id, "trace-x", "faq_history", subject), "succeeded")
    )
    sink.close()
    assert telegram.sent_to(int(OTHER_CHAT)) == []
    [heard] = telegram.sent_to(int(CHAT))  # the workspace's own chat still hears
    assert "FAQ pull request opened" in heard.plain
    assert f"channel {OTHER_CHAT} is not telegram chat {CHAT}" in caplog.text
