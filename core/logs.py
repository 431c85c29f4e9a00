"""Log lines for the service, each carrying the ids of the work it belongs to: readable text,
or one JSON object a line (`LOG_FORMAT=json`) for a log collector; credentials in URLs and
headers redacted from every line, whatever the level."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_ids: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("morningai_log_ids", default=())

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(process)d %(name)s: %(message)s%(ids)s"
# log_context's short keys, as JSON fields
_JSON_KEYS = {
    "delivery": "delivery_id",
    "installation": "installation_id",
    "tenant": "tenant_id",
    "task": "task_id",
    "trace": "trace_id",
}


REDACTED = "<redacted>"
# credentials that reach log lines inside URLs, headers and exception texts: a query's token
# (GitHub's tarball redirect to codeload carries one: whoever has the URL downloads a private
# repository), a URL's user:password@ (git's x-access-token:<token>@), an Authorization
# value, a Telegram bot URL, a private key
_CREDENTIALS = (
    (
        re.compile(
            r"([?&](?:access_token|refresh_token|client_secret|token|code|jwt|sig)=)[^&#\s'\"]+",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(://[^/@\s:'\"]*:)[^@\s/'\"]+@"), rf"\1{REDACTED}@"),
    (
        re.compile(r"\b(Bearer|token|Basic)(\s+)[\w.~+/=-]{16,}", re.IGNORECASE),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(/bot\d+:)[\w-]+"), rf"\1{REDACTED}"),
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
        ),
        f"{REDACTED} private key",
    ),
)
# the libraries that log URLs and headers, each on a logger of its own: a logger's filter
# sees every record made on it, at any level and whatever handlers a host configured
_LIBRARY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "urllib3.connectionpool",
    "openai",
    "openai._base_client",
    "githubkit",
)


def redact(text: str) -> str:
    """`text` with the credentials `_CREDENTIALS` describes replaced by `<redacted>` — pure."""
    for pattern, replacement in _CREDENTIALS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites a record's message and exception text with credentials redacted (the
    exception is rendered now, into `exc_text`, which formatters print instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a caller's bad format string: logging reports it later
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _RENDER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_RENDER = logging.Formatter()
_REDACT = RedactFilter()


def redact_library_logs() -> None:
    """Put the redacting filter on the libraries' own loggers (idempotent)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


# at import: every process that makes HTTP calls imports this module, also those that never
# call configure_logging (tests, a host's own logging set-up)
redact_library_logs()


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Tag every record logged inside the block (this thread/context) with `ids`."""
    merged = dict(_ids.get())
    merged.update({k: v for k, v in ids.items() if v is not None})
    token = _ids.set(tuple(merged.items()))
    try:
        yield
    finally:
        _ids.reset(token)


class ContextFilter(logging.Filter):
    """Adds ` [delivery=… tenant=… task=… trace=…]` to records as `%(ids)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _ids.get()
        record.context_ids = ids
        record.ids = " [" + " ".join(f"{k}={v}" for k, v in ids) + "]" if ids else ""
        return True


def _json_value(value: object) -> object:
    return value if isinstance(value, int | float | str | bool) else str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context's ids, exc_info.

    Only these fields: never the record's other attributes, so nothing a caller attached
    (a request's headers, the environment) can reach the log by accident.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "pid": record.process,
        }
        # set by ContextFilter when the record was made; else (gunicorn's own loggers) now
        ids = getattr(record, "context_ids", None)
        for key, value in ids if ids is not None else _ids.get():
            line[_JSON_KEYS.get(key, key)] = _json_value(value)
        if record.exc_text:  # set, and redacted, by RedactFilter
            line["exc_info"] = redact(record.exc_text)
        elif record.exc_info:
            line["exc_info"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def log_format(value: str | None = None) -> str:
    """`LOG_FORMAT` (or `value`), checked: `text` (the default) or `json`."""
    chosen = (value or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {chosen!r}")
    return chosen


def configure_logging(level: str | None = None, fmt: str | None = None) -> None:
    chosen = log_format(fmt)
    # a no-op when the root logger has handlers already (gunicorn_config.py's in JSON mode)
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "INFO")).upper(), format=TEXT_FORMAT
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if _REDACT not in handler.filters:  # our own loggers' records (and any library's)
            handler.addFilter(_REDACT)
        if chosen == "json":
            handler.setFormatter(JsonFormatter())
    # httpx logs each request URL at INFO; GitHub URLs are fine but the noise is not
    logging.getLogger("httpx").setLevel(logging.WARNING)
