"""Credentials in URLs, headers and exception texts never reach a log line: the libraries'
own records (httpx logs every URL at INFO, httpcore the response headers at DEBUG) and ours."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from core.logs import JsonFormatter, RedactFilter, redact

TOKEN = "ghs_16CharactersOrMoreOfToken0123"
ARCHIVE = "AAAAB3NzaC1yc2EAAAADAQABAAABgQ"  # codeload's ?token=
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAline\n-----END RSA PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    "text",
    [
        f"HTTP Request: GET https://codeload.github.com/o/r/legacy.tar.gz/main?token={ARCHIVE}",
        f"(b'Location', b'https://codeload.github.com/o/r/legacy.tar.gz/x?a=1&token={ARCHIVE}')",
        f"git clone https://x-access-token:{TOKEN}@github.com/o/r.git",
        f"Authorization: Bearer {TOKEN}",
        f"Authorization: token {TOKEN}",
        f"POST https://api.telegram.org/bot123456:{TOKEN}/sendMessage",
        f"key={PEM}",
    ],
)
def test_credentials_are_redacted(text: str) -> None:
    cleaned = redact(text)
    assert "<redacted>" in cleaned
    assert TOKEN not in cleaned
    assert ARCHIVE not in cleaned
    assert "MIIEowIBAAKCAQEAline" not in cleaned


def test_ordinary_words_are_kept() -> None:
    text = "used 259 tokens; token budget 200000; GET /repos/o/r/tarball/main?ref=main"
    assert redact(text) == text


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What a plain handler on the root writes, every logger at DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore.http11")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_http_libraries_records_are_redacted_whatever_the_handler(lines: io.StringIO) -> None:
    # the lines httpx and httpcore write when the tarball's redirect is followed
    url = f"https://codeload.github.com/o/r/legacy.tar.gz/main?token={ARCHIVE}"
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "GET", url, "HTTP/1.1 200 OK")
    headers = [(b"Location", url.encode())]
    logging.getLogger("httpcore.http11").debug(f"receive_response_headers.complete {headers}")
    written = lines.getvalue()
    assert "HTTP Request: GET https://codeload.github.com/o/r/legacy.tar.gz/main?token=" in written
    assert ARCHIVE not in written


def test_an_exception_text_is_redacted() -> None:
    record = logging.LogRecord("jobs", logging.WARNING, __file__, 1, "clone failed", None, None)
    try:
        raise RuntimeError(f"fatal: https://x-access-token:{TOKEN}@github.com/o/r.git")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "RuntimeError: fatal: https://x-access-token:<redacted>@github.com/o/r.git" in text
    assert TOKEN not in text
    assert TOKEN not in json.loads(JsonFormatter().format(record))["exc_info"]


def test_a_json_line_is_redacted_without_the_filter() -> None:
    record = logging.LogRecord(
        "app", logging.INFO, __file__, 1, "sent %s", (f"Bearer {TOKEN}",), None
    )
    assert json.loads(JsonFormatter().format(record))["message"] == "sent Bearer <redacted>"
