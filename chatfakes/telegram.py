"""Telegram's Bot API (`/bot<token>/<method>`: getMe, sendMessage, editMessageText,
setWebhook, getWebhookInfo) with its 401 for an unknown token, its 4,096-character limit
counted after entity parsing, its HTML checks and 429s, and a sender of updates carrying the
webhook's secret token."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask, Response, request

from chatfakes.limits import telegram_html, utf16_units
from chatfakes.server import FakeServer

MAX_TEXT = 4096
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class TelegramMessage:
    method: str  # "sendMessage" | "editMessageText"
    chat_id: int
    message_id: int
    text: str  # as sent (HTML)
    plain: str  # after entity parsing: what the user reads
    parse_mode: str
    message_thread_id: int | None
    reply_to_message_id: int | None


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _error(status: int, description: str, **extra: Any) -> Response:
    return _answer({"ok": False, "error_code": status, "description": description, **extra}, status)


class TelegramFake(FakeServer):
    name = "telegram-fake"

    def __init__(self, bot_username: str = "MorningAIBot", host: str = "127.0.0.1") -> None:
        self.bot_id = 7_000_000_000 + secrets.randbelow(10**8)
        self.bot_token = f"{self.bot_id}:{secrets.token_urlsafe(26)}"
        self.bot_username = bot_username
        self.messages: list[TelegramMessage] = []
        self.calls: list[tuple[str, int]] = []  # (method, status); never the token
        self.webhook_url = ""
        self.webhook_secret = ""
        self._message_ids = itertools.count(100)
        self._update_ids = itertools.count(500_000_000 + secrets.randbelow(10**6))
        app = Flask("telegram-fake")
        app.add_url_rule("/bot<token>/<method>", view_func=self._api, methods=["GET", "POST"])
        super().__init__(app, host)
        self.api_url = self.url  # the client's base URL: it adds /bot<token>/<method>

    def sent_to(self, chat_id: int) -> list[TelegramMessage]:
        with self.lock:
            return [m for m in self.messages if m.chat_id == chat_id]

    # the Bot API -------------------------------------------------------------------------

    def _api(self, token: str, method: str) -> Response:
        response = self._dispatch(token, method)
        self.calls.append((method, response.status_code))
        return response

    def _dispatch(self, token: str, method: str) -> Response:
        if not secrets.compare_digest(token.encode(), self.bot_token.encode()):
            return _error(401, "Unauthorized")
        wait = self.take_rate_limit(method)
        if wait is not None:
            return _error(
                429, f"Too Many Requests: retry after {wait:g}", parameters={"retry_after": wait}
            )
        params = _params()
        if method == "getMe":
            return _answer(
                {
                    "ok": True,
                    "result": {
                        "id": self.bot_id,
                        "is_bot": True,
                        "first_name": "MorningAI",
                        "username": self.bot_username,
                    },
                }
            )
        if method in ("sendMessage", "editMessageText"):
            return self._message(method, params)
        if method == "setWebhook":
            return self._set_webhook(params)
        if method == "getWebhookInfo":
            return _answer(
                {"ok": True, "result": {"url": self.webhook_url, "pending_update_count": 0}}
            )
        return _error(404, "Not Found")

    def _message(self, method: str, params: dict[str, Any]) -> Response:
        text, mode = str(params.get("text") or ""), str(params.get("parse_mode") or "")
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return _error(400, "Bad Request: chat not found")
        plain, problem = telegram_html(text) if mode.upper() == "HTML" else (text, "")
        if problem:
            return _error(400, f"Bad Request: can't parse entities: {problem}")
        if not plain.strip():
            return _error(400, "Bad Request: message text is empty")
        if utf16_units(plain) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        if method == "editMessageText":
            message_id = params.get("message_id")
            if not isinstance(message_id, int) or not any(
                m.chat_id == chat_id and m.message_id == message_id for m in self.messages
            ):
                return _error(400, "Bad Request: message to edit not found")
        else:
            message_id = next(self._message_ids)
        reply = params.get("reply_parameters") or {}
        thread = params.get("message_thread_id")
        self.messages.append(
            TelegramMessage(
                method, chat_id, int(message_id), text, plain, mode,
                thread if isinstance(thread, int) else None,
                reply.get("message_id") if isinstance(reply, dict) else None,
            )
        )  # fmt: skip
        result = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id},
            "text": plain,
        }
        return _answer({"ok": True, "result": result})

    def _set_webhook(self, params: dict[str, Any]) -> Response:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if secret and _SECRET.fullmatch(secret) is None:
            return _error(400, "Bad Request: secret token contains unallowed characters")
        if url and not url.startswith("https://"):
            return _error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook_url, self.webhook_secret = url, secret
        return _answer({"ok": True, "result": True, "description": "Webhook was set"})

    # inbound: what Telegram sends to an app -----------------------------------------------

    def message_update(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int = 42,
        chat_type: str = "private",
        update_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """An update carrying a text message (bot commands marked as Telegram marks them)."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Team chat"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Ada",
                "username": f"user{user_id}",
            },
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0]) if text.split() else 1
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
        return {
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "message": message,
        }

    def send_update(
        self, app_url: str, update: dict[str, Any], *, secret: str | None = None
    ) -> httpx.Response:
        """POST an update as Telegram does: with the secret token set by setWebhook (or
        `secret`; "" sends none)."""
        token = self.webhook_secret if secret is None else secret
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        return httpx.post(app_url, content=json.dumps(update).encode(), headers=headers, timeout=30)


def _params() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    params: dict[str, Any] = {**request.args.to_dict(), **request.form.to_dict()}
    for key in ("chat_id", "message_id", "message_thread_id"):
        if isinstance(params.get(key), str) and params[key].lstrip("-").isdigit():
            params[key] = int(params[key])
    return params
