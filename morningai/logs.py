"""Readable log lines for the service, each carrying the ids of the work it belongs to."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ids: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("morningai_log_ids", default=())


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
        record.ids = " [" + " ".join(f"{k}={v}" for k, v in ids) + "]" if ids else ""
        return True


def configure_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)-7s %(process)d %(name)s: %(message)s%(ids)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(ContextFilter())
    # httpx logs each request URL at INFO; GitHub URLs are fine but the noise is not
    logging.getLogger("httpx").setLevel(logging.WARNING)
