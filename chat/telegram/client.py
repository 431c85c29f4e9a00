"""The Telegram Bot API over httpx: sendMessage, editMessageText, setWebhook, getMe. The bot
token is part of every URL (`/bot<token>/<method>`), so it lives only in a private attribute
and a URL built per call: never in a repr, an error or a log line (chat/http.py).
A 429 carries `parameters.retry_after` (seconds); chat/retry.py waits it out within its cap.
https://core.telegram.org/bots/api#making-requests"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from chat.errors import ChatApiError, RateLimited, redact
from chat.http import TIMEOUT, json_body, send
from chat.retry import MAX_WAIT, Pacer, parse_seconds, with_rate_limit_retry
from chat.telegram.secret import is_valid_secret_token

BASE_URL = "https://api.telegram.org"
PLATFORM = "telegram"
# "about one message a second" in a chat, 20 a minute in a group (negative chat ids)
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.0


@dataclass(frozen=True, slots=True)
class TelegramBot:
    id: int
    username: str


class TelegramClient:
    def __init__(
        self,
        bot_token: str,
        *,
        base_url: str = BASE_URL,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.__token = bot_token
        self._pacer = Pacer(clock=clock, sleep=sleep)
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=TIMEOUT)
        self._sleep = sleep
        self._max_wait = max_wait

    def __repr__(self) -> str:
        return f"TelegramClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API method; its `result`, after waiting out 429s within the cap."""
        return with_rate_limit_retry(
            lambda: self._call_once(method, params), sleep=self._sleep, max_wait=self._max_wait
        )

    def _call_once(self, method: str, params: dict[str, Any]) -> Any:
        url = f"{self.base_url}/bot{self.__token}/{method}"
        response = send(self._http, PLATFORM, method, "POST", url, json=params)
        body = json_body(response)
        if response.status_code == 200 and body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters")
        wait = (
            parse_seconds(parameters.get("retry_after")) if isinstance(parameters, dict) else None
        )
        if response.status_code == 429:
            raise RateLimited(PLATFORM, method, wait if wait is not None else 1.0)
        description = str(body.get("description") or "no description")[:200]
        raise ChatApiError(
            PLATFORM, method, response.status_code, redact(description, self.__token)
        )

    def get_me(self) -> TelegramBot:
        result = self.call("getMe", {})
        if not isinstance(result, dict):
            raise ChatApiError(PLATFORM, "getMe", 200, "no bot in the answer")
        return TelegramBot(id=int(result.get("id", 0)), username=str(result.get("username", "")))

    def send_message(
        self,
        chat_id: int,
        html: str,
        *,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """Send one HTML message (chat/telegram/html.py renders within the limit); its id."""
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": html,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if reply_to_message_id is not None:
            params["reply_parameters"] = {
                "message_id": reply_to_message_id,
                "allow_sending_without_reply": True,
            }
        if message_thread_id is not None:
            params["message_thread_id"] = message_thread_id
        self._pacer.wait(str(chat_id), GROUP_INTERVAL if chat_id < 0 else PRIVATE_INTERVAL)
        return _message_id(self.call("sendMessage", params), "sendMessage")

    def send_messages(self, chat_id: int, messages: list[str], **where: int | None) -> list[int]:
        """Several messages in order (a long answer split by html.render)."""
        return [self.send_message(chat_id, text, **where) for text in messages]

    def edit_message_text(self, chat_id: int, message_id: int, html: str) -> None:
        params = {"chat_id": chat_id, "message_id": message_id, "text": html, "parse_mode": "HTML"}
        self.call("editMessageText", params)

    def set_webhook(self, url: str, secret_token: str) -> None:
        """Point Telegram at our endpoint; every update will carry `secret_token`."""
        if not is_valid_secret_token(secret_token):
            raise ValueError("a secret_token is 1-256 characters of A-Z a-z 0-9 _ -")
        params = {
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": ["message"],
            "drop_pending_updates": False,
        }
        self.call("setWebhook", params)


def _message_id(result: Any, method: str) -> int:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    raise ChatApiError(PLATFORM, method, 200, "no message_id in the answer")
