"""The Slack Web API through slack_sdk's WebClient (chat.postMessage, chat.update,
oauth.v2.access) and its WebhookClient (a command's response_url). A 429 carries Retry-After
(seconds); chat/retry.py waits it out within its cap. slack_sdk's errors are turned into
ChatApiError carrying Slack's error code only (never the request, whose headers hold the token).
https://docs.slack.dev/apis/web-api/rate-limits"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from chat.errors import ChatApiError, RateLimited, redact
from chat.http import redacting_logger
from chat.retry import MAX_WAIT, Pacer, parse_seconds, with_rate_limit_retry

BASE_URL = "https://slack.com/api/"
HOOKS_URL = "https://hooks.slack.com/"
PLATFORM = "slack"
TIMEOUT = 10
# chat.postMessage: "about one message a second" per channel
CHANNEL_INTERVAL = 1.0
# slack_sdk logs each request's URL at DEBUG: a response_url is a credential for its channel
_LOG = redacting_logger("chat.slack.sdk")


@dataclass(frozen=True, slots=True)
class SlackInstall:
    """What oauth.v2.access gives for one workspace (the bot token: store it sealed)."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    app_id: str

    def __repr__(self) -> str:
        return f"SlackInstall(team_id={self.team_id!r}, team_name={self.team_name!r})"


def _call(
    operation: str,
    call: Callable[[], Any],
    secrets: tuple[str, ...],
) -> Any:
    """One slack_sdk call; its failures as our errors, raised outside the except block so the
    SDK's exception (and its request) is not chained."""
    status: int | None = None
    code = ""
    retry_after: float | None = None
    try:
        return call()
    except SlackApiError as exc:
        status = int(getattr(exc.response, "status_code", 0) or 0) or None
        data = getattr(exc.response, "data", None)
        code = str(data.get("error", "error")) if isinstance(data, dict) else "error"
        if status == 429:
            headers = getattr(exc.response, "headers", {}) or {}
            retry_after = parse_seconds(headers.get("Retry-After") or headers.get("retry-after"))
    except SlackClientError as exc:
        code = f"client error ({type(exc).__name__})"
    except OSError as exc:
        code = f"transport error ({type(exc).__name__})"
    except ValueError as exc:  # an answer that is not JSON
        code = f"unreadable answer ({type(exc).__name__})"
    if status == 429:
        raise RateLimited(PLATFORM, operation, retry_after if retry_after is not None else 1.0)
    raise ChatApiError(PLATFORM, operation, status, redact(code[:200], *secrets))


class SlackClient:
    """One workspace's bot (its xoxb- token)."""

    def __init__(
        self,
        bot_token: str,
        *,
        base_url: str = BASE_URL,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.__token = bot_token
        self.base_url = base_url
        self._web = WebClient(token=bot_token, base_url=base_url, timeout=TIMEOUT, logger=_LOG)
        self._pacer = Pacer(clock=clock, sleep=sleep)
        self._sleep = sleep
        self._max_wait = max_wait

    def __repr__(self) -> str:
        return f"SlackClient(base_url={self.base_url!r})"

    def _retrying(self, operation: str, call: Callable[[], Any]) -> Any:
        return with_rate_limit_retry(
            lambda: _call(operation, call, (self.__token,)),
            sleep=self._sleep,
            max_wait=self._max_wait,
        )

    def post_message(
        self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
    ) -> str:
        """Post `{"text", "blocks"}` (slack/blocks.py) in a channel or a thread; its ts."""
        self._pacer.wait(channel, CHANNEL_INTERVAL)
        response = self._retrying(
            "chat.postMessage",
            lambda: self._web.chat_postMessage(
                channel=channel,
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return str(response.get("ts", ""))

    def update_message(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._retrying(
            "chat.update",
            lambda: self._web.chat_update(
                channel=channel, ts=ts, text=message.get("text", ""), blocks=message.get("blocks")
            ),
        )


def oauth_access(
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    *,
    base_url: str = BASE_URL,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = MAX_WAIT,
) -> SlackInstall:
    """Exchange an OAuth v2 code for the workspace's bot token (oauth.v2.access)."""
    web = WebClient(base_url=base_url, timeout=TIMEOUT, logger=_LOG)
    response = with_rate_limit_retry(
        lambda: _call(
            "oauth.v2.access",
            lambda: web.oauth_v2_access(
                client_id=client_id,
                client_secret=client_secret,
                code=code,
                redirect_uri=redirect_uri,
            ),
            (client_secret, code),
        ),
        sleep=sleep,
        max_wait=max_wait,
    )
    data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
    found = data.get("team")
    team: dict[str, Any] = found if isinstance(found, dict) else {}
    token = str(data.get("access_token", ""))
    if not token.startswith("xoxb-") or not team.get("id"):
        raise ChatApiError(PLATFORM, "oauth.v2.access", 200, "no bot token in the answer")
    return SlackInstall(
        team_id=str(team["id"]),
        team_name=str(team.get("name", "")),
        bot_token=token,
        bot_user_id=str(data.get("bot_user_id", "")),
        app_id=str(data.get("app_id", "")),
    )


def post_response(
    response_url: str,
    message: dict[str, Any],
    *,
    hooks_url: str = HOOKS_URL,
    in_channel: bool = True,
    replace_original: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = MAX_WAIT,
) -> None:
    """Answer a slash command through its response_url (up to 5 times within 30 minutes).

    The URL comes in the request body: only one under `hooks_url` is used, so a forged body
    cannot make us POST elsewhere."""
    if not response_url.startswith(hooks_url.rstrip("/") + "/"):
        raise ValueError("response_url is not Slack's")
    hook = WebhookClient(response_url, timeout=TIMEOUT, logger=_LOG)

    def once() -> None:
        answer = hook.send(
            text=message.get("text", ""),
            blocks=message.get("blocks"),
            response_type="in_channel" if in_channel else "ephemeral",
            replace_original=replace_original,
        )
        if answer.status_code == 429:
            wait = parse_seconds(
                answer.headers.get("Retry-After") or answer.headers.get("retry-after")
            )
            raise RateLimited(PLATFORM, "response_url", wait if wait is not None else 1.0)
        if answer.status_code >= 400:
            raise ChatApiError(PLATFORM, "response_url", answer.status_code, answer.body[:100])

    with_rate_limit_retry(once, sleep=sleep, max_wait=max_wait)
