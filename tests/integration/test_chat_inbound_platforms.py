"""A chat platform whose settings are missing answers 404 on every one of its endpoints and is
named at start-up with what it misses; the other platforms and the rest of the app work."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from redis import Redis

from chatfakes import TelegramFake
from db.pool import Database
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.chat import TELEGRAM_SECRET, Conn, chat_rig
from tests.support.sign_in import settings_for
from web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
ENDPOINTS = (
    ("POST", "/api/slack/events"),
    ("POST", "/api/slack/commands"),
    ("POST", "/api/slack/interactions"),
    ("GET", "/api/slack/install"),
    ("GET", "/api/slack/oauth/callback"),
    ("POST", "/api/discord/interactions"),
    ("POST", "/api/telegram/webhook"),
)


def test_unconfigured_platforms_are_404_and_named_at_start(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="web.chat")
    with TelegramFake() as telegram:
        settings = settings_for(
            database, redis_url, sim,
            slack_signing_secret="only-the-signing-secret",  # no client id or secret
            telegram_bot_token=telegram.bot_token,
            telegram_webhook_secret=TELEGRAM_SECRET,
            telegram_api_url=telegram.api_url,
            telegram_bot_username=telegram.bot_username,
        )  # fmt: skip
        app = create_app(settings)
        said = [r.getMessage() for r in caplog.records if r.name == "web.chat"]
        assert said == [
            "chat platforms on: telegram; off: slack (missing SLACK_CLIENT_ID,"
            " SLACK_CLIENT_SECRET); discord (missing DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY,"
            " DISCORD_BOT_TOKEN)"
        ]
        with serve_wsgi(app) as url:
            for method, path in ENDPOINTS:
                answer = httpx.request(method, url + path, content=b"{}")
                expected = 401 if path.startswith("/api/telegram") else 404
                assert answer.status_code == expected, (path, answer.text)
            assert httpx.get(url + "/healthz").status_code == 200
            update = telegram.message_update("/help")
            assert (
                telegram.send_update(
                    url + "/api/telegram/webhook", update, secret=TELEGRAM_SECRET
                ).status_code
                == 200
            )
        app.extensions["morningai"].close()


JUNK_JSON: list[Any] = [
    {"type": "event_callback", "event_id": "Ev\u0000x", "team_id": "T\u0000",
     "event": {"type": "app_mention", "user": "U\u0000", "ts": "1.1", "channel": "C\u0000",
               "text": "ask acme/widgets \u0000why\u202e?"}},
    {"type": "event_callback", "event_id": 7, "event": []},
    {"type": "\u0000", "challenge": 5},
    {"type": 2, "id": "1" * 5000, "token": "t", "application_id": "a", "channel_id": "c",
     "guild_id": "g\u0000" * 300, "member": {"user": {"id": "u\u0000"}},
     "data": {"name": "morningai", "options": [{"name": "ask", "options": [
         {"name": "question", "value": "\u0000" * 10}]}]}},
    {"type": "\u0000" * 50},
    {"update_id": -1, "message": {"message_id": 1, "chat": {"id": 10**30}, "from": {"id": 1},
                                  "text": "/ask \u0000"}},
    {"update_id": 2**70, "message": {"text": ["x"]}},
    [], "", 0, None,
]  # fmt: skip


def test_signed_junk_is_never_a_500(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    app_db: Database,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    with chat_rig(database, redis_url, sim, app_db, redis, owner_conn) as rig:
        rig.link("a", "slack", "T0")
        bodies = [json.dumps(j).encode() for j in JUNK_JSON]
        bodies += [
            b"",
            b"\x00",
            b"\xff\xfe",
            b"payload=%ZZ",
            b"text=%E2%80&team_id=T0",
            b"{" * 5000,
        ]
        for body in bodies:
            answers = [
                httpx.post(rig.url + path, content=body, headers=rig.slack.signed_headers(body))
                for path in ("/api/slack/events", "/api/slack/commands", "/api/slack/interactions")
            ]
            headers = {"Content-Type": "application/json", **rig.discord.sign(body)}
            answers.append(httpx.post(rig.url + "/api/discord/interactions", content=body,
                                      headers=headers))  # fmt: skip
            secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            answers.append(
                httpx.post(rig.url + "/api/telegram/webhook", content=body, headers=secret)
            )
            for answer in answers:
                assert answer.status_code in (200, 400, 401), (body[:80], answer.text)
        assert rig.count("tasks") <= 1  # at most the one well-formed ask
