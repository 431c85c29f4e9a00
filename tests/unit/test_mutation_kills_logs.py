"""Log set-up and redaction that mutation testing (bench/mutation.py, MUTATION_TESTING.md)
found untested: `configure_logging` makes every handler's lines JSON when asked, tags them with
the work's ids and redacts them, once however often it runs, and quiets httpx's per-request
lines; a record keeps the ids of the context it was made in, even when a handler formats it
elsewhere; every HTTP library's logger, named here as the libraries name them, carries the
redacting filter; an exception's text is redacted in text lines too, and in a JSON line whose
record carries only the rendered text; a record with a bad format string is not dropped."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from core.logs import (
    ContextFilter,
    JsonFormatter,
    RedactFilter,
    configure_logging,
    log_context,
)

TOKEN = "ghs_16CharactersOrMoreOfToken0123"


@pytest.fixture
def root_handler() -> Iterator[logging.Handler]:
    """The root logger with one handler of ours (pytest's own put back afterwards)."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    handler = logging.StreamHandler(io.StringIO())
    root.handlers = [handler]
    try:
        yield handler
    finally:
        root.handlers = saved
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(httpx_level)


def test_json_format_makes_every_handler_write_json_tagged_once(
    root_handler: logging.Handler,
) -> None:
    configure_logging("INFO", "json")
    configure_logging("INFO", "json")  # twice, as the worker and gunicorn's hooks may
    assert isinstance(root_handler.formatter, JsonFormatter)
    assert sum(isinstance(f, ContextFilter) for f in root_handler.filters) == 1
    assert sum(isinstance(f, RedactFilter) for f in root_handler.filters) == 1
    assert logging.getLogger("httpx").level == logging.WARNING


def test_text_format_keeps_text_lines_with_the_ids(root_handler: logging.Handler) -> None:
    configure_logging("INFO", "text")
    assert not isinstance(root_handler.formatter, JsonFormatter)
    assert sum(isinstance(f, ContextFilter) for f in root_handler.filters) == 1
    assert sum(isinstance(f, RedactFilter) for f in root_handler.filters) == 1
    assert logging.getLogger("httpx").level == logging.WARNING


def test_a_record_keeps_the_ids_of_where_it_was_made() -> None:
    record = logging.LogRecord("test.logs.later", logging.INFO, __file__, 1, "queued", (), None)
    with log_context(task=7, trace="abc"):
        ContextFilter().filter(record)
    with log_context(task=8):  # formatted later, in another context (a queue's thread)
        line = json.loads(JsonFormatter().format(record))
    assert (line["task_id"], line["trace_id"]) == (7, "abc")
    # a record no filter saw (gunicorn's own loggers) takes the ids of where it is formatted
    bare = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "booted", (), None)
    with log_context(task=9):
        assert json.loads(JsonFormatter().format(bare))["task_id"] == 9


@pytest.mark.parametrize(
    "name",
    [
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
    ],
)
def test_every_http_librarys_logger_redacts(name: str) -> None:
    assert any(isinstance(f, RedactFilter) for f in logging.getLogger(name).filters)


def _failing_record() -> logging.LogRecord:
    try:
        raise RuntimeError(f"GET https://codeload.github.com/o/r?token={TOKEN} failed")
    except RuntimeError:
        return logging.LogRecord("test", logging.ERROR, __file__, 1, "it broke", (), sys.exc_info())


def test_an_exception_text_is_redacted_in_a_text_line() -> None:
    record = _failing_record()
    assert RedactFilter().filter(record)
    line = logging.Formatter("%(message)s").format(record)
    assert "token=<redacted>" in line
    assert TOKEN not in line


def test_a_json_line_of_a_record_with_only_its_exception_text() -> None:
    # a record that crossed a process boundary (a queue or socket handler) keeps exc_text only
    record = logging.LogRecord("test", logging.ERROR, __file__, 1, "it broke", (), None)
    record.exc_text = f"Traceback (most recent call last):\nRuntimeError: GET /r?token={TOKEN}"
    line = json.loads(JsonFormatter().format(record))
    assert (
        line["exc_info"]
        == "Traceback (most recent call last):\nRuntimeError: GET /r?token=<redacted>"
    )


def test_a_record_with_a_bad_format_string_is_not_dropped() -> None:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "%s and %s", ("one",), None)
    assert RedactFilter().filter(record) is True
