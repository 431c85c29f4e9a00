"""Log lines for the service, each carrying the ids of the work it belongs to: readable text,
or one JSON object a line (`LOG_FORMAT=json`) for a log collector."""

from __future__ import annotations

import json
import logging
import os
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
            "message": record.getMessage(),
            "pid": record.process,
        }
        # set by ContextFilter when the record was made; else (gunicorn's own loggers) now
        ids = getattr(record, "context_ids", None)
        for key, value in ids if ids is not None else _ids.get():
            line[_JSON_KEYS.get(key, key)] = _json_value(value)
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
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
        if chosen == "json":
            handler.setFormatter(JsonFormatter())
    # httpx logs each request URL at INFO; GitHub URLs are fine but the noise is not
    logging.getLogger("httpx").setLevel(logging.WARNING)
