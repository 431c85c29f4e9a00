"""The chat end-to-end tests' world: GitHub (the simulator) with two installations announced
to the app by signed `installation.created` webhooks, the app over HTTP with every chat
platform pointed at its fake and the scripted model server, the worker's context in this
process, people signed in through GitHub's web flow, and the steps a person takes — each
through the app's own HTTP endpoints, nothing written to PostgreSQL by hand."""

from __future__ import annotations

import json
import logging
import runpy
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from redis import Redis

from chatfakes.discord import DiscordFake
from chatfakes.slack import SlackFake
from chatfakes.telegram import TelegramFake
from core.settings import Settings
from github_app import chat_links
from jobs.runtime import context
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.chat_jobs import Fakes, recorded_texts, secret_hits
from tests.support.paths import ROOT
from tests.support.sign_in import Web, csrf, settings_for, sign_in
from tests.support.simulated import APP, SECRET
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
PUBLIC_URL = "https://morningai.example"
API_KEY = "sk-e2e-" + uuid.uuid4().hex
TELEGRAM_SECRET = "tg_e2e_" + uuid.uuid4().hex
ORG, NAME = "acme", "widgets"
FULL = f"{ORG}/{NAME}"
OTHER_ORG, OTHER_FULL = "other", "other/app"
QUESTION = "What does greet return?"
DEADLINE = 3.0  # seconds Slack and Discord give an app to answer
# the loggers of the test's own HTTP clients (the browser, the platforms' senders): their lines
# about the test's requests are the browser's or the platform's, not the app's
CLIENT_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11")


class ClientLines(logging.Filter):
    """Marks the HTTP client's log records made while the test itself (a browser, a platform)
    is calling the app, so the secrets scan reads only the app's own lines."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    @contextmanager
    def calling(self) -> Iterator[None]:
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = False

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self._local, "on", False):
            record.e2e_test_client = True
        return True


def app_lines(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """The records the app and its worker wrote: not the test clients' about their own
    requests, and not werkzeug's request lines (the test server's; in production gunicorn
    writes them, with the path only — checked here)."""
    config = runpy.run_path(str(ROOT / "gunicorn_config.py"))
    assert '"%(m)s %(U)s %(H)s"' in config["access_log_format"]  # no query string, no %(r)s
    return [r for r in records if not getattr(r, "e2e_test_client", False) and r.name != "werkzeug"]


@dataclass
class World:
    acme: int  # installation ids
    other: int
    number: int  # the issue on acme/widgets


@dataclass
class E2E:
    """The app over HTTP, its worker here, GitHub, the model, the chat fakes, and what the
    test saw (every inbound answer, every link code) for the secrets scan."""

    url: str
    sim: GitHubSimulator
    model: ScriptedModelServer
    fakes: Fakes
    settings: Settings
    redis: Redis
    owner: Conn
    world: World
    stack: ExitStack
    client_lines: ClientLines
    browsers: dict[str, Web] = field(default_factory=dict)
    answers: list[httpx.Response] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    # the dashboard, as a signed-in person's browser -----------------------------------------

    def browser(self, login: str) -> Web:
        if login not in self.browsers:
            http = self.stack.enter_context(httpx.Client(base_url=self.url, timeout=30.0))
            web = Web(self.url, http)
            sign_in(web, self.sim, login)
            self.browsers[login] = web
        return self.browsers[login]

    def _write_headers(self, web: Web) -> dict[str, str]:
        return {**csrf(web), "Origin": self.url}

    def link_code(self, login: str, installation: int, purpose: str, platform: str) -> str:
        """`POST /api/chat/link-codes` as the Chat page does: the code it shows."""
        web = self.browser(login)
        body = {"installation_id": installation, "purpose": purpose, "platform": platform}
        with self.client_lines.calling():
            issued = web.http.post(
                "/api/chat/link-codes", json=body, headers=self._write_headers(web)
            )
        assert issued.status_code == 201, issued.text
        code = str(issued.json()["code"])
        self.codes += [code, chat_links.normalize(code) or code]
        return code

    def workspace_id(self, login: str, platform: str, external_id: str) -> int:
        listed = self.browser(login).http.get("/api/chat/workspaces")
        assert listed.status_code == 200, listed.text
        [found] = [
            w
            for w in listed.json()["workspaces"]
            if (w["platform"], w["external_id"]) == (platform, external_id)
        ]
        return int(found["id"])

    def subscribe(
        self,
        login: str,
        platform: str,
        external_id: str,
        channel: str,
        repository: str | None,
        events: list[str],
    ) -> dict[str, Any]:
        """`PUT /api/chat/subscriptions` (CSRF header): the saved subscription."""
        web = self.browser(login)
        body = {
            "workspace_id": self.workspace_id(login, platform, external_id),
            "channel_id": channel,
            "repository": repository,
            "events": events,
        }
        saved = web.http.put("/api/chat/subscriptions", json=body, headers=self._write_headers(web))
        assert saved.status_code == 200, saved.text
        subscription: dict[str, Any] = saved.json()["subscription"]
        return subscription

    # the chat side: what each platform sends the app ----------------------------------------

    def keep(self, answer: httpx.Response) -> httpx.Response:
        """Keep the app's answer to a platform (for the scan); each came within the platforms'
        deadline (Slack's and Discord's 3 s)."""
        assert answer.elapsed.total_seconds() < DEADLINE, answer.request.url.path
        self.answers.append(answer)
        return answer

    def slack_install(self, login: str, installation: int, team: str) -> httpx.Response:
        """Add to Slack with a workspace code: the install page sends the browser to Slack's
        authorize page with the code as `state`, the admin approves, Slack sends it back."""
        web = self.browser(login)
        code = self.link_code(login, installation, "workspace", "slack")
        with self.client_lines.calling():
            start = web.http.get("/api/slack/install", params={"code": code})
        assert start.status_code == 302, start.text
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["client_id"] == [self.fakes.slack.client_id]
        approved = self.fakes.slack.authorize(team, query["redirect_uri"][0])
        back = {"code": approved, "state": query["state"][0]}
        with self.client_lines.calling():
            return self.keep(web.http.get("/api/slack/oauth/callback", params=back))

    def slack_command(self, text: str, team: str, user: str, channel: str) -> httpx.Response:
        url = self.url + "/api/slack/commands"
        return self.keep(
            self.fakes.slack.send_command(url, text, team_id=team, user_id=user, channel_id=channel)
        )

    def slack_event(self, team: str, event: dict[str, Any]) -> httpx.Response:
        payload = self.fakes.slack.event_payload(team, event)
        return self.keep(self.fakes.slack.send_event(self.url + "/api/slack/events", payload))

    def discord(
        self, sub: str, options: dict[str, str], *, guild: str, user: str, channel: str
    ) -> tuple[dict[str, Any], httpx.Response]:
        """A signed `/morningai <sub>` interaction: the interaction and the app's answer."""
        interaction = self.fakes.discord.command_payload(
            sub, options, guild_id=guild, user_id=user, channel_id=channel
        )
        url = self.url + "/api/discord/interactions"
        return interaction, self.keep(self.fakes.discord.send_interaction(url, interaction))

    def telegram(
        self, text: str, *, chat: int, user: int, reply_to: int | None = None
    ) -> tuple[int, httpx.Response]:
        """A group message to the bot (`reply_to`: in reply to that message of the bot's): its
        message id and the app's answer to the update."""
        tg = self.fakes.telegram
        update = tg.message_update(text, chat_id=chat, user_id=user, chat_type="supergroup")
        if reply_to is not None:
            bot = {"id": tg.bot_id, "is_bot": True, "first_name": "MorningAI",
                   "username": tg.bot_username}  # fmt: skip
            update["message"]["reply_to_message"] = {
                "message_id": reply_to, "date": 1, "from": bot,
                "chat": update["message"]["chat"], "text": "…",
            }  # fmt: skip
        answer = self.fakes.telegram.send_update(self.url + "/api/telegram/webhook", update)
        return int(update["message"]["message_id"]), self.keep(answer)

    # what must never be seen ----------------------------------------------------------------

    def secrets(self) -> list[str]:
        fakes, s = self.fakes, self.settings
        found = [
            fakes.slack.signing_secret,
            fakes.slack.client_secret,
            *fakes.slack.tokens,
            fakes.discord.bot_token,
            fakes.telegram.bot_token,
            TELEGRAM_SECRET,
            SECRET,  # GitHub's webhook secret
            API_KEY,
            self.sim.oauth_client()[1],
            *self.codes,
            *installation_tokens(self.sim),
            *user_tokens(self.sim),
        ]
        if s.morningai_secret_key is not None:
            found.append(s.morningai_secret_key.get_secret_value())
        return found

    def assert_no_secrets(self, caplog: pytest.LogCaptureFixture) -> None:
        """Nothing the platforms were sent, no answer the app gave them, nothing it wrote on
        GitHub and no log line holds a secret."""
        texts = [("sent to a platform", t) for t in recorded_texts(self.fakes)]
        texts += [("answered to a platform", a.text + json.dumps(dict(a.headers)))
                  for a in self.answers]  # fmt: skip
        texts += [("written on GitHub", json.dumps(c, default=str)) for c in self.github_writes()]
        records = app_lines(caplog.get_records("setup") + caplog.get_records("call"))
        assert records, "no log line was captured"
        texts += [
            (f"logged by {r.name}", f"{r.getMessage()} {r.args!r} {r.exc_text or ''}")
            for r in records
        ]
        secrets = self.secrets()
        assert installation_tokens(self.sim), "the scan knows the installation tokens"
        assert user_tokens(self.sim), "and the signed-in people's tokens"
        assert len(secrets) > 12  # the scan looked for something
        leaks = [
            f"{where}: {_masked(text, hit)}"
            for where, text in texts
            for hit in secret_hits([text], secrets)
        ]
        assert leaks == [], "\n".join(leaks)

    def github_writes(self) -> list[Any]:
        return [ex.request_json for ex in self.sim.requests if ex.method != "GET"]


def _masked(text: str, prefix: str) -> str:
    """Where in `text` the secret starting with `prefix` is, the secret itself masked."""
    at = text.find(prefix)
    return (text[max(0, at - 60) : at] + "<SECRET>")[-80:]


def installation_tokens(sim: GitHubSimulator) -> list[str]:
    """Every installation token GitHub minted for the app."""
    return [
        str(ex.response_json["token"])
        for ex in sim.requests
        # a refused exchange (the organisation's `.github`, where the App is not installed)
        # answers an error with no token
        if ex.path.endswith("/access_tokens")
        and isinstance(ex.response_json, dict)
        and "token" in ex.response_json
    ]


def user_tokens(sim: GitHubSimulator) -> list[str]:
    """Every user token (and refresh token) GitHub gave the app at sign-in."""
    return [
        str(ex.response_json[key])
        for ex in sim.requests
        if ex.path == "/login/oauth/access_token" and isinstance(ex.response_json, dict)
        for key in ("access_token", "refresh_token")
        if ex.response_json.get(key)
    ]


def _settings(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, model: ScriptedModelServer,
    fakes: Fakes,
) -> Settings:  # fmt: skip
    return settings_for(
        database, redis_url, sim,
        morningai_insecure_cookies=True,
        morningai_public_url=PUBLIC_URL,
        openai_api_key=API_KEY,
        openai_base_url=model.base_url,
        morningai_model="gpt-4.1-mini",
        slack_signing_secret=fakes.slack.signing_secret,
        slack_client_id=fakes.slack.client_id,
        slack_client_secret=fakes.slack.client_secret,
        slack_api_url=fakes.slack.api_url,
        discord_application_id=fakes.discord.application_id,
        discord_public_key=fakes.discord.public_key_hex,
        discord_bot_token=fakes.discord.bot_token,
        discord_api_url=fakes.discord.api_url,
        telegram_bot_token=fakes.telegram.bot_token,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=fakes.telegram.api_url,
        telegram_bot_username=fakes.telegram.bot_username,
    )  # fmt: skip


def _announce(sender: WebhookSender, installation: int, owner: str, *repos: Any) -> None:
    """GitHub's `installation.created` for `owner` with its repositories, to the app."""
    payload = webhook_example("installation", "created")
    payload["installation"]["id"] = installation
    payload["installation"]["account"].update(login=owner, id=installation * 7)
    payload["repositories"] = [
        {"id": r.id, "node_id": "R_x", "name": r.name, "full_name": f"{owner}/{r.name}",
         "private": True}
        for r in repos
    ]  # fmt: skip
    payload["sender"].update(login="alice", type="User")
    answer = sender.post("installation", payload)
    assert answer.status_code == 202, answer.text


def _github(sim: GitHubSimulator, sender: WebhookSender) -> World:
    """acme (alice: org admin, write on acme/widgets, whose issue asks for a polite greeting;
    and acme/docs) and other (bob: org admin of other/app), installed and announced."""
    acme = sim.add_installation(ORG)
    repo = sim.create_repo(
        ORG, NAME, installation_id=acme, private=True,
        files={"README.md": "# widgets\n", "app.py": APP},
    )  # fmt: skip
    number = sim.add_issue(
        ORG, NAME, "Greeting is rude", "`greet()` in app.py says 'hey'. It should say Hello.",
        user="alice",
    )  # fmt: skip
    sim.set_permission(ORG, NAME, "alice", "write")
    sim.set_org_role(ORG, "alice", "admin")
    # a second repository: a question naming none needs its thread's (or is asked which)
    docs = sim.create_repo(ORG, "docs", installation_id=acme, private=True)
    other = sim.add_installation(OTHER_ORG)
    other_repo = sim.create_repo(OTHER_ORG, "app", installation_id=other, private=True)
    sim.set_permission(OTHER_ORG, "app", "bob", "admin")
    sim.set_org_role(OTHER_ORG, "bob", "admin")
    _announce(sender, acme, ORG, repo, docs)
    _announce(sender, other, OTHER_ORG, other_repo)
    return World(acme, other, number)


@contextmanager
def e2e_world(
    database: DatabaseUrls,
    redis_url: str,
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    redis: Redis,
    owner: Conn,
) -> Iterator[E2E]:
    with ExitStack() as stack:
        slack = stack.enter_context(SlackFake())
        discord = stack.enter_context(DiscordFake())
        telegram = stack.enter_context(TelegramFake())
        telegram.webhook_secret = TELEGRAM_SECRET  # what `morningai telegram set-webhook` set
        fakes = Fakes(slack, discord, telegram)
        settings = _settings(database, redis_url, sim, model, fakes)
        app = create_app(settings)
        stack.callback(app.extensions["morningai"].close)
        url = stack.enter_context(serve_wsgi(app))
        ctx = context.build(settings)  # the worker's, run here by `drain`
        context.install(ctx)
        stack.callback(ctx.close)
        sender = WebhookSender(url, SECRET.encode())
        stack.callback(sender.close)
        world = _github(sim, sender)
        marks = ClientLines()
        for name in CLIENT_LOGGERS:
            logging.getLogger(name).addFilter(marks)
            stack.callback(logging.getLogger(name).removeFilter, marks)
        yield E2E(url, sim, model, fakes, settings, redis, owner, world, stack, marks)
