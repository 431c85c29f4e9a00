"""Slack's Web API (chat.postMessage, chat.update, oauth.v2.access, auth.test), a receiver
for response_url posts, and a sender of signed Events API and slash-command requests."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request

from chatfakes.limits import slack_block_problem
from chatfakes.server import FakeServer
from chatfakes.slack_inbound import SlackSender

MAX_TEXT = 40000
# a response_url: "up to 5 times within 30 minutes"
RESPONSE_URL_USES = 5


@dataclass(frozen=True)
class SlackMessage:
    method: str  # "chat.postMessage" | "chat.update"
    team_id: str
    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SlackResponse:
    """A post to a response_url."""

    path: str
    body: dict[str, Any]


def _answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(json.dumps(body), status, headers or {}, mimetype="application/json")


class SlackFake(SlackSender, FakeServer):
    name = "slack-fake"

    def __init__(self, signing_secret: str | None = None, host: str = "127.0.0.1") -> None:
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.client_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}"
        self.client_secret = secrets.token_hex(16)
        self.tokens: dict[str, str] = {}  # bot token -> team_id
        self.messages: list[SlackMessage] = []
        self.responses: list[SlackResponse] = []
        self._response_uses: dict[str, int] = {}
        # (method, HTTP status, Slack's error or "") of every Web API call
        self.calls: list[tuple[str, int, str]] = []
        self._codes: dict[str, tuple[str, str]] = {}  # OAuth code -> (team_id, redirect_uri)
        self._ts = itertools.count(1)
        app = Flask("slack-fake")
        app.add_url_rule("/api/<method>", view_func=self._api, methods=["POST", "GET"])
        app.add_url_rule("/hooks/<path:path>", view_func=self._hook, methods=["POST"])
        super().__init__(app, host)
        self.api_url = self.url + "/api/"
        self.hooks_url = self.url + "/hooks/"

    # set-up and inspection ---------------------------------------------------------------

    def add_team(self, team_id: str) -> str:
        """An installed workspace: its bot token (xoxb-…)."""
        token = f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
        with self.lock:
            self.tokens[token] = team_id
        return token

    def authorize(self, team_id: str, redirect_uri: str = "") -> str:
        """What Slack's /oauth/v2/authorize gives back after the admin approves: a code."""
        code = secrets.token_hex(12)
        with self.lock:
            self._codes[code] = (team_id, redirect_uri)
        return code

    def response_url(self, team_id: str = "T0") -> str:
        number, secret = secrets.randbelow(10**12), secrets.token_hex(12)
        return f"{self.hooks_url}commands/{team_id}/{number}/{secret}"

    def messages_in(self, channel: str, thread_ts: str | None = None) -> list[SlackMessage]:
        with self.lock:
            return [
                m
                for m in self.messages
                if m.channel == channel and (thread_ts is None or m.thread_ts == thread_ts)
            ]

    # the Web API -------------------------------------------------------------------------

    def _api(self, method: str) -> Response:
        response = self._dispatch(method)
        body = response.get_json(silent=True) or {}
        self.calls.append((method, response.status_code, str(body.get("error", ""))))
        return response

    def _dispatch(self, method: str) -> Response:
        wait = self.take_rate_limit(method)
        if wait is not None:
            headers = {"Retry-After": f"{wait:g}"}
            return _answer({"ok": False, "error": "ratelimited"}, 429, headers)
        args = _arguments()
        if method == "oauth.v2.access":
            return self._oauth(args)
        team_id = self._team()
        if team_id is None:
            return _answer({"ok": False, "error": "invalid_auth" if _bearer() else "not_authed"})
        if method == "auth.test":
            return _answer({"ok": True, "team_id": team_id, "user_id": "UBOT"})
        if method in ("chat.postMessage", "chat.update"):
            return self._message(method, team_id, args)
        return _answer({"ok": False, "error": "unknown_method"}, 404)

    def _team(self) -> str | None:
        return self.tokens.get(_bearer())

    def _message(self, method: str, team_id: str, args: dict[str, Any]) -> Response:
        channel, text = str(args.get("channel") or ""), str(args.get("text") or "")
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not channel:
            return _answer({"ok": False, "error": "channel_not_found"})
        if not text and not blocks:
            return _answer({"ok": False, "error": "no_text"})
        if len(text) > MAX_TEXT:
            return _answer({"ok": False, "error": "msg_too_long"})
        problem = slack_block_problem(blocks)
        if problem:
            return _answer({"ok": False, "error": "invalid_blocks", "errors": [problem]})
        ts = str(args.get("ts") or "") if method == "chat.update" else self._next_ts()
        if method == "chat.update" and not any(m.ts == ts for m in self.messages):
            return _answer({"ok": False, "error": "message_not_found"})
        thread = args.get("thread_ts")
        self.messages.append(
            SlackMessage(
                method, team_id, channel, ts, str(thread) if thread else None, text, blocks
            )
        )
        return _answer({"ok": True, "channel": channel, "ts": ts, "message": {"text": text}})

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _oauth(self, args: dict[str, Any]) -> Response:
        client_id, client_secret = _basic() or (args.get("client_id"), args.get("client_secret"))
        if client_id != self.client_id or client_secret != self.client_secret:
            return _answer({"ok": False, "error": "invalid_client_id"})
        found = self._codes.pop(str(args.get("code") or ""), None)  # single use
        if found is None:
            return _answer({"ok": False, "error": "invalid_code"})
        team_id, redirect_uri = found
        if redirect_uri and args.get("redirect_uri") != redirect_uri:
            return _answer({"ok": False, "error": "bad_redirect_uri"})
        token = self.add_team(team_id)
        return _answer(
            {
                "ok": True,
                "access_token": token,
                "token_type": "bot",
                "scope": "commands,chat:write,app_mentions:read",
                "bot_user_id": "UBOT",
                "app_id": "AFAKE",
                "team": {"id": team_id, "name": f"Team {team_id}"},
                "enterprise": None,
                "authed_user": {"id": "UADMIN"},
            }
        )

    def _hook(self, path: str) -> Response:
        wait = self.take_rate_limit("response_url")
        if wait is not None:
            return Response("rate limited", 429, {"Retry-After": f"{wait:g}"})
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return Response("invalid_payload", 400)
        uses = self._response_uses.get(path, 0)
        if uses >= RESPONSE_URL_USES:
            return Response("used_url", 404)
        self._response_uses[path] = uses + 1
        self.responses.append(SlackResponse(path, body))
        return Response("ok", 200)


def _arguments() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return {**request.args.to_dict(), **request.form.to_dict()}


def _bearer() -> str:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    return credential if scheme.lower() == "bearer" else ""


def _basic() -> tuple[str, str] | None:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    user, _, password = base64.b64decode(credential).decode().partition(":")
    return user, password
