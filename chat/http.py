"""What the httpx clients (Discord, Telegram) share: one httpx.Client call whose failures
become ChatApiError without the URL (Telegram's path holds the bot token, Discord's webhook
paths the interaction token), and a filter that redacts those path parts from httpx's own
request log lines."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from chat.errors import ChatApiError

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# /bot<id>:<secret>/…, /webhooks/<app id>/<token>, /interactions/<id>/<token>/…
_SECRET_PATHS = re.compile(r"(/bot)[^/\s\"']+|(/(?:webhooks|interactions)/\d+/)[^/\s\"'?]+")


def redact_url(text: str) -> str:
    return _SECRET_PATHS.sub(lambda m: (m.group(1) or m.group(2)) + "[redacted]", text)


class _RedactUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = redact_url(record.getMessage())
            record.args = None
        else:
            record.msg = redact_url(str(record.msg))
        return True


def _install_filter() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())


_install_filter()


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
