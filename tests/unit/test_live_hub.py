"""The pure parts of the live task stream: reading a published message, the SSE wire format,
the Event shape, which live messages go out on their own, the resume point and the limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from db.task_events import TaskEvent
from jobs.runtime import live_events
from web.live_hub import CHANNEL_PREFIX, LiveMessage, parse_message
from web.task_stream import (
    Limits,
    Slots,
    frame,
    limits_from,
    live_event,
    resume_point,
    stored_event,
    worth_forwarding,
)

AT = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def body(**fields: object) -> bytes:
    return json.dumps({"task_id": 7, "type": "progress", "message": "Planning.", **fields}).encode()


def row(id_: int, kind: str, message: str = "", **data: object) -> TaskEvent:
    return TaskEvent(id_, 7, kind, message, dict(data), AT)


def test_the_hub_listens_where_the_worker_publishes() -> None:
    assert CHANNEL_PREFIX == live_events.CHANNEL_PREFIX
    assert live_events.channel(12).startswith(CHANNEL_PREFIX)


def test_a_message_takes_its_tenant_from_the_channel_not_the_body() -> None:
    found = parse_message(b"morningai:events:tenant:12", body(tenant_id=99))
    assert found == LiveMessage(12, 7, json.loads(body(tenant_id=99)))
    assert found.type == "progress"


@pytest.mark.parametrize(
    ("channel", "data"),
    [
        (b"morningai:events:tenant:", body()),
        (b"morningai:events:tenant:1x", body()),
        (b"morningai:events:tenant:\xd9\xa3", body()),  # an Arabic-Indic digit is no id
        (b"other:channel:1", body()),
        (b"morningai:events:tenant:1", b"not json"),
        (b"morningai:events:tenant:1", b"[1, 2]"),
        (b"morningai:events:tenant:1", b'{"type": "progress"}'),
        (b"morningai:events:tenant:1", b'{"task_id": "7", "type": "progress"}'),
        (b"morningai:events:tenant:1", b'{"task_id": true, "type": "progress"}'),
        (b"morningai:events:tenant:1", b'{"task_id": 7}'),
        (b"morningai:events:tenant:1", b"\xff\xfe"),
    ],
)
def test_anything_else_is_dropped(channel: bytes, data: bytes) -> None:
    assert parse_message(channel, data) is None


def test_a_frame_is_one_event_with_its_id_and_one_data_line() -> None:
    sent = frame("task", {"message": "two\nlines", "é": 1}, 301)
    assert sent == 'id: 301\nevent: task\ndata: {"message":"two\\nlines","é":1}\n\n'.encode()
    assert frame("end", {"status": "failed"}) == b'event: end\ndata: {"status":"failed"}\n\n'


def test_a_stored_event_has_the_api_shape_with_stage_and_link_from_its_data() -> None:
    shown = stored_event(row(3, "stage", "Planning.", stage="planning", link="https://x/1"))
    assert shown == {
        "id": 3,
        "type": "stage",
        "message": "Planning.",
        "stage": "planning",
        "link": "https://x/1",
        "at": "2026-12-04T20:00:00+00:00",
    }
    assert stored_event(row(4, "started", "attempt 1"))["stage"] is None


def test_a_live_event_has_the_api_shape_and_no_id() -> None:
    message = parse_message(b"morningai:events:tenant:1", body(stage="editing", at="T"))
    assert message is not None
    assert live_event(message) == {
        "id": None,
        "type": "progress",
        "message": "Planning.",
        "stage": "editing",
        "link": None,
        "at": "T",
    }


def _message(**fields: object) -> LiveMessage:
    found = parse_message(b"morningai:events:tenant:1", body(**fields))
    assert found is not None
    return found


def test_only_unrecorded_news_goes_out_on_its_own() -> None:
    assert worth_forwarding(_message(), [])
    assert worth_forwarding(_message(type="stopped", message="Stopped by @alice."), [])
    # recorded types reach the page as their stored rows
    assert not worth_forwarding(_message(type="acknowledged"), [])
    assert not worth_forwarding(_message(type="succeeded"), [])
    # a stage's progress repeats the `stage` row recorded just before it
    stage_row = row(5, "stage", "Planning.", stage="planning")
    assert not worth_forwarding(_message(stage="planning"), [stage_row])
    assert worth_forwarding(_message(stage="editing"), [stage_row])
    # tokens only: nothing the Event shape shows
    assert not worth_forwarding(_message(message="", tokens=1200), [])


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        (None, None, 0),
        ("41", None, 41),
        (None, "41", 41),
        ("41", "7", 41),
        (" 41 ", None, 41),
        ("-1", None, None),
        ("abc", None, None),
        ("1e3", None, None),
        ("\u0663", None, None),
        ("9" * 19, None, None),
    ],
)
def test_the_resume_point(header: str | None, query: str | None, expected: int | None) -> None:
    assert resume_point(header, query) == expected


def test_limits_leave_threads_for_webhooks() -> None:
    assert limits_from({}, {}) == Limits(max_streams=56)
    assert limits_from({}, {"GUNICORN_THREADS": "40"}).max_streams == 32
    assert limits_from({}, {"GUNICORN_THREADS": "4"}).max_streams == 1
    assert (
        limits_from({}, {"MORNINGAI_MAX_STREAMS": "5", "GUNICORN_THREADS": "40"}).max_streams == 5
    )
    assert (
        limits_from({"MORNINGAI_MAX_STREAMS": 2}, {"MORNINGAI_MAX_STREAMS": "5"}).max_streams == 2
    )
    tuned = limits_from(
        {"MORNINGAI_STREAM_KEEPALIVE_SECONDS": 0.2, "MORNINGAI_STREAM_MAX_SECONDS": "3"}, {}
    )
    assert (tuned.keepalive_seconds, tuned.max_seconds) == (0.2, 3.0)
    assert limits_from({}, {"MORNINGAI_MAX_STREAMS": "lots"}).max_streams == 56


def test_slots_stop_at_the_cap_and_come_back() -> None:
    slots = Slots(2)
    assert [slots.take(), slots.take(), slots.take()] == [True, True, False]
    slots.give()
    assert slots.take()
    assert slots.used == 2
