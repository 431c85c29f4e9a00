"""A task's progress and end reach every registered sink: the status comment, live views over
Redis pub/sub, and any sink added in `jobs.runtime.sinks.SINKS` without touching task code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from redis import Redis
from redis.client import PubSub

from jobs.runtime import sinks
from jobs.runtime.live_events import CHANNEL_PREFIX
from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.simulated import STOPS_WITH, labeled, status_comments
from tests.support.sinks import BROKEN, RECORDER, Recorder
from tests.support.tasks import drain, events, task_row

Conn = psycopg.Connection[tuple[Any, ...]]

RECORDED_AS_PROGRESS = ("stage", "model", "change")

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def live(redis: Redis) -> Iterator[PubSub]:
    listener = redis.pubsub(ignore_subscribe_messages=True)
    listener.psubscribe(CHANNEL_PREFIX + "*")
    yield listener
    listener.close()


def published(listener: PubSub) -> list[tuple[str, dict[str, Any]]]:
    """Everything published so far (the events were sent before this is called)."""
    out = []
    quiet_reads = 0
    while quiet_reads < 3:  # None also stands for a subscription notice that was skipped
        item = listener.get_message(timeout=0.2)
        if item is None:
            quiet_reads += 1
            continue
        out.append((item["channel"].decode(), json.loads(item["data"])))
    return out


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recorder]]:
    monkeypatch.setattr(sinks, "SINKS", (*sinks.SINKS, BROKEN, RECORDER))
    Recorder.heard.clear()
    Recorder.closed = 0
    yield Recorder
    Recorder.heard.clear()


def test_a_live_view_hears_every_event_of_a_code_task(flow: Flow, live: PubSub) -> None:
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    task_id, status, _, _, trace_id = task_row(flow.db)
    assert status == "succeeded"
    [(tenant_id,)] = flow.db.execute("SELECT tenant_id FROM tasks").fetchall()
    # a shared Redis (REDIS_URL) carries other test workers' tasks on the same channels:
    # this task is the one with this trace id, unique to it
    heard = [(ch, body) for ch, body in published(live) if body["trace_id"] == trace_id]
    assert {channel for channel, _ in heard} == {f"{CHANNEL_PREFIX}{tenant_id}"}
    assert {body["task_id"] for _, body in heard} == {task_id}
    types = [body["type"] for _, body in heard]
    # the record is still PostgreSQL's: every stored event was also published, in order
    stored = events(flow.db, task_id)
    # stages, model calls and the change are recorded for the timeline and heard as progress
    told = [kind for kind, _, _ in stored if kind not in RECORDED_AS_PROGRESS]
    assert [t for t in types if t != "progress"] == told
    stored_stages = [
        data["stage"]
        for (data,) in flow.db.execute(
            "SELECT data FROM task_events WHERE task_id = %s AND kind = 'stage' ORDER BY id",
            (task_id,),
        )
    ]
    assert stored_stages == [body["stage"] for _, body in heard if body.get("stage")]
    stored = told
    assert stored[0] == "started"
    assert stored[-1] == "succeeded"
    assert heard[-1][1]["final"] is True
    stages = [body["stage"] for _, body in heard if body.get("stage")]
    assert stages[0] == "reading"
    assert {"planning", "editing", "publishing"} <= set(stages)
    [pr] = flow.sim.pulls("octo-org", "hello")
    assert any(body.get("link") == pr["html_url"] for _, body in heard)
    # the issue's own words (here an injection attempt) are not broadcast
    assert all("API key" not in json.dumps(body) for _, body in heard)


@pytest.mark.usefixtures("worker_ctx", "broken_config")
def test_a_sink_added_in_one_place_hears_every_task_and_a_broken_one_silences_none(
    recorder: type[Recorder],
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    assert sender.post("issues", labeled(installed)).status_code == 202
    drain(redis)
    task_id, status, error, *_ = task_row(owner_conn)
    assert status == "failed"
    assert error.startswith(STOPS_WITH)
    heard = recorder.heard
    assert {e.task.id for e in heard} == {task_id}
    assert [e.type for e in heard if e.type != "progress"] == [
        kind for kind, _, _ in events(owner_conn, task_id) if kind not in RECORDED_AS_PROGRESS
    ]
    assert heard[-1].type == "failed"
    assert heard[-1].message == error
    assert heard[-1].task.subject.number == installed["number"]
    assert any(e.stage == "reading" for e in heard)
    assert recorder.closed == 1  # the run's sinks are closed when it ends
    # the sink that failed on every event did not keep the status comment from its end
    [comment] = status_comments(sim, installed["number"])
    assert "❌ Failed" in comment["body"]
    assert STOPS_WITH in comment["body"]
