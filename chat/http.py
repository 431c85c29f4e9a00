"""What the chat clients share: one httpx.Client call (Discord, Telegram) whose failures become
ChatApiError without the URL (Telegram's path holds the bot token, Discord's webhook paths the
interaction token), and a log filter that redacts those path parts, Slack's response_url
secrets and Slack tokens from httpx's and slack_sdk's own log lines."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from chat.errors import ChatApiError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# /bot<id>:<secret>/…, /webhooks/<app id>/<token>, /interactions/<id>/<token>/…, and
# Slack's response_url /commands/<team>/<id>/<secret> (also /actions/…, /app/…)
_SECRET_PATHS = re.compile(
    r"(/bot)[^/\s\"']+"
    r"|(/(?:webhooks|interactions)/\d+/)[^/\s\"'?]+"
    r"|(/(?:commands|actions|app)/[A-Z0-9]+/\d+/)[^/\s\"'?,]+"
)


# Slack tokens (slack_sdk logs oauth.v2.access's answer, the bot token in it, at DEBUG)
_SLACK_TOKENS = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")


def redact_url(text: str) -> str:
    """`text` without the secret parts of our platforms' URLs, nor Slack tokens."""
    text = _SECRET_PATHS.sub(
        lambda m: next(g for g in m.groups() if g is not None) + "[redacted]", text
    )
    return _SLACK_TOKENS.sub(lambda m: m.group(1) + "-[redacted]", text)


class _RedactUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = redact_url(record.getMessage())
            record.args = None
        else:
            record.msg = redact_url(str(record.msg))
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger `name` with the redacting filter (a logger's filters see only its own
    records, not its children's: install it on the logger that logs)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, _RedactUrls) for f in logger.filters):
        logger.addFilter(_RedactUrls())
    return logger


redacting_logger("httpx")  # httpx logs every request's URL at INFO on this very logger


def send(
    http: httpx.Client,
    platform: str,
    operation: str,
    method: str,
    url: str,
    *,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One request; a transport failure is a ChatApiError naming only the operation.

    The httpx exception is not chained (`from` nothing, and raised outside the except block):
    its request, and so the URL, must not travel with ours."""
    failure = ""
    try:
        return http.request(method, url, json=json, headers=headers)
    except httpx.HTTPError as exc:
        failure = type(exc).__name__
    raise ChatApiError(platform, operation, None, f"transport error ({failure})")


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
