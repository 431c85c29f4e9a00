"""Log set-up that mutation testing (bench/mutation.py, MUTATION_TESTING.md) found untested:
`configure_logging` makes every handler's lines JSON when asked, tags them with the work's ids
once however often it runs, and quiets httpx's per-request lines; a record keeps the ids of the
context it was made in, even when a handler formats it elsewhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from core.logs import ContextFilter, JsonFormatter, configure_logging, log_context


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
    assert logging.getLogger("httpx").level == logging.WARNING


def test_text_format_keeps_text_lines_with_the_ids(root_handler: logging.Handler) -> None:
    configure_logging("INFO", "text")
    assert not isinstance(root_handler.formatter, JsonFormatter)
    assert sum(isinstance(f, ContextFilter) for f in root_handler.filters) == 1
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
