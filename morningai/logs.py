"""Readable log lines for the service; one place configures them."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or os.environ.get("LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)-7s %(process)d %(name)s: %(message)s",
    )
    # httpx logs each request URL at INFO; GitHub URLs are fine but the noise is not
    logging.getLogger("httpx").setLevel(logging.WARNING)
