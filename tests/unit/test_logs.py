from __future__ import annotations

import io
import json
import logging
import os
from datetime import UTC, datetime, timedelta

import pytest

from core.logs import ContextFilter, JsonFormatter, log_context, log_format


def test_records_carry_the_ids_of_their_work() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s%(ids)s"))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("outside")
        with log_context(delivery="d-1", tenant=None):
            with log_context(task=7, trace="abc"):
                logger.info("inside")
            logger.info("after task")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "outside",
        "inside [delivery=d-1 task=7 trace=abc]",
        "after task [delivery=d-1]",
    ]


def capture_json(logger_name: str) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, stream, handler


def test_json_records_carry_the_ids_under_their_own_names() -> None:
    logger, stream, handler = capture_json("test.logs.json")
    try:
        logger.info("outside")
        outer = log_context(delivery="d-1", installation=42, tenant=3)
        with outer, log_context(task=7, trace="abc"):
            logger.warning("inside %s", "the task")
    finally:
        logger.removeHandler(handler)
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert set(outside) == {"time", "level", "logger", "message", "pid"}
    assert inside == {
        "time": inside["time"],
        "level": "WARNING",
        "logger": "test.logs.json",
        "message": "inside the task",
        "pid": os.getpid(),
        "delivery_id": "d-1",
        "installation_id": 42,
        "tenant_id": 3,
        "task_id": 7,
        "trace_id": "abc",
    }
    stamp = datetime.fromisoformat(inside["time"])
    assert stamp.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)


def test_an_exception_is_one_json_line() -> None:
    logger, stream, handler = capture_json("test.logs.exc")
    try:
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            logger.exception("it broke\nacross lines")
    finally:
        logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "it broke\nacross lines"
    assert record["exc_info"].startswith("Traceback (most recent call last):")
    assert record["exc_info"].endswith("ValueError: bad\nvalue")


def test_only_the_named_fields_reach_a_json_line() -> None:
    logger, stream, handler = capture_json("test.logs.extra")
    secret = "ghs_secret_token_value"
    try:
        # attributes attached to a record (headers, environment) are not dumped
        logger.info("request", extra={"headers": {"Authorization": f"token {secret}"}})
    finally:
        logger.removeHandler(handler)
    assert secret not in stream.getvalue()
    assert set(json.loads(stream.getvalue())) == {"time", "level", "logger", "message", "pid"}


def test_log_format_is_text_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert log_format() == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json"):
        log_format("yaml")
