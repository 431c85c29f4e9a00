"""Slack's Web API (chat.postMessage, chat.update, oauth.v2.access, auth.test), a receiver
for response_url posts, and a sender of signed Events API and slash-command requests."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from flask import Flask, Response, request

from chat.slack.signature import sign
from chatfakes.server import FakeServer

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_TEXT = 40000


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


class SlackFake(FakeServer):
    name = "slack-fake"

    def __init__(self, signing_secret: str | None = None, host: str = "127.0.0.1") -> None:
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.client_id = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}"
        self.client_secret = secrets.token_hex(16)
        self.tokens: dict[str, str] = {}  # bot token -> team_id
        self.messages: list[SlackMessage] = []
        self.responses: list[SlackResponse] = []
        self.calls: list[tuple[str, int]] = []  # (method, status) of every Web API call
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
        status = 200
        try:
            wait = self.take_rate_limit(method)
            if wait is not None:
                status = 429
                return _answer(
                    {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": f"{wait:g}"}
                )
            args = _arguments()
            if method == "oauth.v2.access":
                return self._oauth(args)
            team_id = self._team()
            if team_id is None:
                return _answer(
                    {"ok": False, "error": "invalid_auth" if _bearer() else "not_authed"}
                )
            if method == "auth.test":
                return _answer({"ok": True, "team_id": team_id, "user_id": "UBOT"})
            if method in ("chat.postMessage", "chat.update"):
                return self._message(method, team_id, args)
            return _answer({"ok": False, "error": "unknown_method"}, 404)
        finally:
            self.calls.append((method, status))

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
        problem = _block_problem(blocks)
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
        self.responses.append(SlackResponse(path, body))
        return Response("ok", 200)

    # inbound: what Slack sends to an app ---------------------------------------------------

    def signed_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.signing_secret, stamp, body),
        }

    def send_event(
        self,
        app_url: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST an Events API payload to `app_url` as Slack does (signed; a retry says so)."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", **self.signed_headers(body, timestamp)}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        return httpx.post(app_url, content=body, headers=headers, timeout=30)

    def send_command(
        self,
        app_url: str,
        text: str,
        *,
        team_id: str = "T0",
        user_id: str = "U0",
        channel_id: str = "C0",
        command: str = "/morningai",
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST a slash command's form body to `app_url`, with a response_url of this fake."""
        fields = {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": team_id.lower(),
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AFAKE",
            "response_url": self.response_url(team_id),
            "trigger_id": f"{secrets.randbelow(10**12)}.{uuid.uuid4().hex}",
        }
        body = urlencode(fields).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **self.signed_headers(body, timestamp),
        }
        return httpx.post(app_url, content=body, headers=headers, timeout=30)

    @staticmethod
    def event_payload(
        team_id: str, event: dict[str, Any], event_id: str | None = None
    ) -> dict[str, Any]:
        """An event_callback envelope around `event` (app_mention, message, …)."""
        return {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "AFAKE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
        }


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


def _block_problem(blocks: Any) -> str:
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks"
    for index, block in enumerate(blocks):
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, dict):
            limit = MAX_HEADER if block.get("type") == "header" else MAX_SECTION
            if len(str(text.get("text", ""))) > limit:
                return f"block {index}: text longer than {limit}"
    return ""
