"""The chat inbound tests' world: the three platform fakes (they send signed requests to the
app over real HTTP), the app configured for them, two installations each with repositories
MorningAI serves, and helpers to link workspaces and users and to count what was stored."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from chatfakes import DiscordFake, SlackFake, TelegramFake
from core.settings import Settings
from db import chat, repositories
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction
from github_app import chat_links
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, settings_for
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
TELEGRAM_SECRET = "tg-webhook-secret_0123456789abcdef"
REPOS = {"tenant_a": ("acme/widgets", "acme/docs", "acme/secret"), "tenant_b": ("other/app",)}


@dataclass
class ChatRig:
    """The app over HTTP with every chat platform on, its fakes, and the world's ids."""

    url: str
    web: Web
    slack: SlackFake
    discord: DiscordFake
    telegram: TelegramFake
    settings: Settings
    db: Database
    redis: Redis
    owner: Conn
    world: dict[str, int]
    answers: list[httpx.Response] = field(default_factory=list)

    # what the fakes send, each answer kept for the secrets scan
    def keep(self, answer: httpx.Response) -> httpx.Response:
        self.answers.append(answer)
        return answer

    def slack_event(self, team: str, event: dict[str, Any], **kw: Any) -> httpx.Response:
        payload = self.slack.event_payload(team, event, kw.pop("event_id", None))
        return self.keep(self.slack.send_event(self.url + "/api/slack/events", payload, **kw))

    def slack_command(self, text: str, **kw: Any) -> httpx.Response:
        return self.keep(self.slack.send_command(self.url + "/api/slack/commands", text, **kw))

    def discord_command(self, sub: str, options: dict[str, str], **kw: Any) -> httpx.Response:
        send = {k: kw.pop(k) for k in ("timestamp", "bad_signature") if k in kw}
        payload = self.discord.command_payload(sub, options, **kw)
        return self.discord_send(payload, **send)

    def discord_send(self, payload: dict[str, Any], **kw: Any) -> httpx.Response:
        url = self.url + "/api/discord/interactions"
        return self.keep(self.discord.send_interaction(url, payload, **kw))

    def telegram_send(self, update: dict[str, Any], **kw: Any) -> httpx.Response:
        url = self.url + "/api/telegram/webhook"
        return self.keep(self.telegram.send_update(url, update, **kw))

    # links ------------------------------------------------------------------------------

    def code(self, tenant: str, purpose: str, platform: str, login: str = "alice") -> str:
        """A dashboard link code for installation `tenant` ("a" or "b"), as chat_api issues."""
        installation = self.world["acme" if tenant == "a" else "other"]
        grant = chat_links.LinkGrant(
            purpose, platform, self.world[f"tenant_{tenant}"], installation, 1000, login
        )
        return chat_links.issue(self.redis, grant).code

    def link(self, tenant: str, platform: str, external_id: str) -> int:
        """A workspace linked straight through the link code's redemption."""
        linked = chat_links.redeem_workspace_code(
            self.db, self.redis, self.code(tenant, "workspace", platform),
            platform=platform, external_id=external_id, name=f"ws {external_id}",
        )  # fmt: skip
        assert isinstance(linked, chat.Workspace), linked
        return linked.id

    def link_user(self, tenant: str, platform: str, workspace: str, user: str, login: str) -> None:
        linked = chat_links.redeem_user_code(
            self.db, self.redis, self.code(tenant, "user", platform, login),
            platform=platform, external_workspace_id=workspace, external_user_id=user,
        )  # fmt: skip
        assert isinstance(linked, chat.ChatUser), linked

    # what was stored --------------------------------------------------------------------

    def count(self, table: str) -> int:
        row = self.owner.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])

    def deliveries(self, platform: str) -> list[tuple[Any, ...]]:
        return self.owner.execute(
            "SELECT delivery_key, tenant_id, outcome, detail, task_id FROM chat_deliveries"
            " WHERE platform = %s ORDER BY id",
            (platform,),
        ).fetchall()

    def tasks(self) -> list[tuple[Any, ...]]:
        """(id, tenant_id, kind, queue, subject, enqueued) of every task, oldest first."""
        return self.owner.execute(
            "SELECT id, tenant_id, kind, queue, subject, enqueued_at IS NOT NULL FROM tasks"
            " ORDER BY id"
        ).fetchall()

    def secrets(self) -> dict[str, str]:
        s = self.settings
        found = {
            "slack signing secret": self.slack.signing_secret,
            "slack client secret": self.slack.client_secret,
            "discord bot token": self.discord.bot_token,
            "telegram bot token": self.telegram.bot_token,
            "telegram webhook secret": TELEGRAM_SECRET,
            "secret key": s.morningai_secret_key.get_secret_value()
            if s.morningai_secret_key
            else "",
        }
        found.update({f"slack bot token {i}": t for i, t in enumerate(self.slack.tokens)})
        return found


def chat_settings(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    slack: SlackFake,
    discord: DiscordFake,
    telegram: TelegramFake,
) -> Settings:
    return settings_for(
        database, redis_url, sim,
        morningai_insecure_cookies=True,
        slack_signing_secret=slack.signing_secret,
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        slack_api_url=slack.api_url,
        discord_application_id=discord.application_id,
        discord_public_key=discord.public_key_hex,
        discord_bot_token=discord.bot_token,
        discord_api_url=discord.api_url,
        telegram_bot_token=telegram.bot_token,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=telegram.api_url,
        telegram_bot_username=telegram.bot_username,
    )  # fmt: skip


def world_with_repositories(sim: GitHubSimulator, app_db: Database) -> dict[str, int]:
    """reach_world's two installations (acme: alice writes widgets; other: bob's) with their
    repositories known to MorningAI."""
    world = reach_world(sim, app_db)
    for key, names in REPOS.items():
        with tenant_transaction(app_db, world[key]) as scope:
            for name in names:
                repositories.upsert(scope, RepoRef(zlib.crc32(name.encode()), name))
    return world


@contextmanager
def chat_rig(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    app_db: Database,
    redis: Redis,
    owner: Conn,
) -> Iterator[ChatRig]:
    with ExitStack() as stack:
        slack = stack.enter_context(SlackFake())
        discord = stack.enter_context(DiscordFake())
        telegram = stack.enter_context(TelegramFake())
        telegram.webhook_secret = TELEGRAM_SECRET  # what setWebhook would have set
        settings = chat_settings(database, redis_url, sim, slack, discord, telegram)
        app = create_app(settings)
        stack.callback(app.extensions["morningai"].close)
        url = stack.enter_context(serve_wsgi(app))
        http = stack.enter_context(httpx.Client(base_url=url, timeout=30.0))
        world = world_with_repositories(sim, app_db)
        yield ChatRig(
            url, Web(url, http), slack, discord, telegram, settings, app_db, redis, owner, world
        )


def assert_no_secrets(rig: ChatRig, caplog: pytest.LogCaptureFixture) -> None:
    """No bot token, signing secret or webhook secret in any answer the app gave or any log
    line it wrote."""
    texts = [a.text + " " + " ".join(a.headers.values()) for a in rig.answers]
    # and what the platforms received from the app
    texts += [repr(m) for m in rig.slack.messages] + [repr(r) for r in rig.slack.responses]
    texts += [repr(c) for c in rig.discord.calls] + [repr(m) for m in rig.telegram.messages]
    # called at teardown: caplog.records would be the teardown's alone
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "no log line was captured"
    texts += [r.getMessage() + " " + str(r.args) for r in records + caplog.records]
    assert texts, "nothing was scanned"
    for name, value in rig.secrets().items():
        if value:
            hits = [t for t in texts if value in t]
            assert hits == [], f"{name} leaked: {hits[:1]}"


def log_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
