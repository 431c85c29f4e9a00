"""A chat platform whose settings are missing answers 404 on every one of its endpoints and is
named at start-up with what it misses; the other platforms and the rest of the app work."""

from __future__ import annotations

import logging

import httpx
import pytest

from chatfakes import TelegramFake
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.chat import TELEGRAM_SECRET
from tests.support.sign_in import settings_for
from web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
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
