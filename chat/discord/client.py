"""The Discord REST API over httpx: interaction callbacks and follow-ups (the interaction token
authenticates those, and sits in the URL), channel messages and command registration (the bot
token, `Authorization: Bot …`). A 429 carries JSON `retry_after` (seconds, a float) and
`Retry-After`; a bucket answering `X-RateLimit-Remaining: 0` makes the next call wait
`X-RateLimit-Reset-After` first. https://discord.com/developers/docs/topics/rate-limits"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from chat.discord.interactions import COMMANDS, DEFERRED
from chat.errors import ChatApiError, RateLimited, redact
from chat.http import TIMEOUT, json_body, send
from chat.retry import MAX_WAIT, parse_seconds, with_rate_limit_retry

BASE_URL = "https://discord.com/api/v10"
PLATFORM = "discord"


@dataclass(frozen=True, slots=True)
class DiscordChannel:
    """What MorningAI reads of a channel: its id, type and server (None outside a server)."""

    id: str
    type: int
    guild_id: str | None


class DiscordClient:
    def __init__(
        self,
        application_id: str,
        bot_token: str,
        *,
        base_url: str = BASE_URL,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.application_id = application_id
        self.__token = bot_token
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=TIMEOUT)
        self._sleep = sleep
        self._clock = clock
        self._max_wait = max_wait
        self._not_before = 0.0  # monotonic time before which the exhausted bucket is empty

    def __repr__(self) -> str:
        return f"DiscordClient(application_id={self.application_id!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        bot: bool,
        secret: str = "",
    ) -> Any:
        """One call, retried after 429s within the cap; the answer's JSON (None for 204).
        `secret` (an interaction token in the path) is redacted from any error text."""
        headers = {"Authorization": f"Bot {self.__token}"} if bot else {}
        return with_rate_limit_retry(
            lambda: self._once(
                operation, method=method, path=path, body=body, headers=headers, secret=secret
            ),
            sleep=self._sleep,
            max_wait=self._max_wait,
        )

    def _once(
        self,
        operation: str,
        *,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str],
        secret: str,
    ) -> Any:
        wait = self._not_before - self._clock()
        if wait > self._max_wait:
            raise RateLimited(PLATFORM, operation, wait)
        if wait > 0:
            self._sleep(wait)
        self._not_before = 0.0
        response = send(
            self._http,
            PLATFORM,
            operation,
            method,
            self.base_url + path,
            json=body,
            headers=headers,
        )
        data = json_body(response)  # errors and 429s are objects
        if response.status_code == 429:  # the retry helper waits; no bucket wait on top
            retry_after = parse_seconds(data.get("retry_after"))
            if retry_after is None:
                retry_after = parse_seconds(response.headers.get("Retry-After")) or 1.0
            raise RateLimited(PLATFORM, operation, retry_after)
        self._remember_bucket(response)
        if response.status_code >= 400:
            code = f"{data.get('code', '')} {str(data.get('message') or 'error')[:200]}".strip()
            raise ChatApiError(
                PLATFORM, operation, response.status_code, redact(code, self.__token, secret)
            )
        return _any_json(response)

    def _remember_bucket(self, response: httpx.Response) -> None:
        if response.headers.get("X-RateLimit-Remaining") == "0":
            reset_after = parse_seconds(response.headers.get("X-RateLimit-Reset-After"))
            if reset_after is not None:
                self._not_before = self._clock() + reset_after

    # interactions (authenticated by the interaction token in the path) ---------------------

    def respond(self, interaction_id: str, token: str, payload: dict[str, Any]) -> None:
        """The interaction callback (what an endpoint could also answer inline)."""
        path = f"/interactions/{interaction_id}/{token}/callback"
        self.request("interaction callback", "POST", path, payload, bot=False, secret=token)

    def defer(self, interaction_id: str, token: str) -> None:
        self.respond(interaction_id, token, DEFERRED)

    def follow_up(self, token: str, message: dict[str, Any]) -> str:
        """A follow-up message in the interaction's channel; its id."""
        path = f"/webhooks/{self.application_id}/{token}?wait=true"
        answer = self.request("follow-up", "POST", path, message, bot=False, secret=token)
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""

    def edit_original(self, token: str, message: dict[str, Any]) -> None:
        """Replace the deferred "thinking…" response with the answer."""
        path = f"/webhooks/{self.application_id}/{token}/messages/@original"
        self.request("edit original", "PATCH", path, message, bot=False, secret=token)

    # the bot token ------------------------------------------------------------------------

    def post_channel_message(self, channel_id: str, message: dict[str, Any]) -> str:
        answer = self.request(
            "channel message", "POST", f"/channels/{channel_id}/messages", message, bot=True
        )
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""

    def get_channel(self, channel_id: str) -> DiscordChannel:
        """The channel as the bot sees it (`GET /channels/{id}`): Discord answers 404 (code
        10003) for an unknown channel and 403 (50001) for one the bot cannot view.
        https://discord.com/developers/docs/resources/channel#get-channel"""
        if not channel_id.isdigit():  # a snowflake; never let input shape the path
            raise ValueError("a Discord channel id is a snowflake (digits)")
        answer = self.request("get channel", "GET", f"/channels/{channel_id}", bot=True)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise ChatApiError(PLATFORM, "get channel", 200, "no channel in the answer")
        guild = answer.get("guild_id")
        kind = answer.get("type")
        return DiscordChannel(
            id=str(answer["id"]),
            type=kind if isinstance(kind, int) else -1,
            guild_id=str(guild) if guild else None,
        )

    def register_commands(self, commands: list[dict[str, Any]] | None = None) -> list[Any]:
        """Bulk-overwrite the global commands (`/morningai` by default); what Discord stored."""
        path = f"/applications/{self.application_id}/commands"
        body = COMMANDS if commands is None else commands
        stored = self.request("register commands", "PUT", path, body, bot=True)
        return list(stored) if isinstance(stored, list) else []


def _any_json(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None
