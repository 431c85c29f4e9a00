"""GET /api/tasks/<id>/events over real HTTP (the app on a threaded server, real PostgreSQL,
Valkey and the GitHub simulator for sign-in): who may open a stream, the stored events first
with their ids, resuming after Last-Event-ID, live events from the worker's real sink, the end
of a finished task, the keep-alive re-read, the cap on streams, the session's end, the hub
reconnecting after Redis drops it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from redis import Redis

from db import task_events, tasks
from db.pool import Database
from db.tenancy import tenant_transaction
from jobs.runtime import context, sinks
from jobs.runtime.runner import TaskRun, run_task
from jobs.runtime.sinks import Fanout
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.sign_in import Web, csrf, settings_for, sign_in
from tests.support.task_rows import make_task, tenant
from web import create_app
from web.task_stream import streaming

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]

LIVE_ONLY = ("jobs.runtime.live_events.LiveEvents",)  # no status comment: no issue to edit
WAIT_S = 10.0


@dataclass
class Tasks:
    tenant_id: int
    mine: int  # acme/widgets, where alice has write access
    theirs: int  # another installation's task, in a repository alice does not reach


@pytest.fixture
def reach(sim: GitHubSimulator, app_db: Database) -> Tasks:
    acme = sim.add_installation("acme")
    sim.create_repo("acme", "widgets", installation_id=acme)
    sim.set_permission("acme", "widgets", "alice", "write")
    other = sim.add_installation("other")
    sim.create_repo("other", "secret", installation_id=other, private=True)
    mine, theirs = tenant(app_db, acme), tenant(app_db, other)
    return Tasks(
        mine,
        make_task(app_db, mine, "acme/widgets", 1),
        make_task(app_db, theirs, "other/secret", 1),
    )


Serve = Callable[..., Web]


@pytest.fixture
def serve(database: DatabaseUrls, redis_url: str, sim: GitHubSimulator) -> Iterator[Serve]:
    """Starts the app with the stream settings given (keep-alive, cap, longest stream) and
    a browser on it; stops all of it, the live hub too, at the end of the test."""
    with ExitStack() as stack:

        def start(**config: object) -> Web:
            app = create_app(
                settings_for(database, redis_url, sim, morningai_insecure_cookies=True)
            )
            app.config.update(config)
            stack.callback(app.extensions["morningai"].close)
            stack.callback(streaming(app).hub.stop)
            url = stack.enter_context(serve_wsgi(app))
            http = stack.enter_context(httpx.Client(base_url=url, timeout=WAIT_S))
            return Web(url, http)

        yield start


@dataclass
class Stream:
    """An open SSE response, read frame by frame: events as dicts, comments counted."""

    response: httpx.Response
    lines: Iterator[str] = field(init=False)
    comments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.response.iter_lines()

    def next(self) -> dict[str, Any] | None:
        """The next event (`id` absent when it has none), or None when the stream ended."""
        found: dict[str, Any] = {}
        for line in self.lines:
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line:
                name, _, value = line.partition(": ")
                found[name] = int(value) if name == "id" else value
            elif "data" in found:
                return {**found, "data": json.loads(found["data"])}
        return None

    def rest(self) -> list[dict[str, Any]]:
        return list(iter(self.next, None))


@contextmanager
def open_stream(web: Web, task_id: int, **headers: str) -> Iterator[Stream]:
    with web.http.stream("GET", f"/api/tasks/{task_id}/events", headers=headers) as response:
        assert response.status_code == 200, response.read()
        yield Stream(response)


def record(db: Database, tenant_id: int, task_id: int, kind: str, message: str, **data: Any) -> int:
    with tenant_transaction(db, tenant_id) as scope:
        task_events.add(scope, task_id, kind, message, data)
        return task_events.after(scope, task_id, 0)[-1].id


def finish(db: Database, tenant_id: int, task_id: int, status: str) -> int:
    with tenant_transaction(db, tenant_id) as scope:
        assert tasks.finish(scope, task_id, status, None)
        task_events.add(scope, task_id, status, f"the task {status}")
        return task_events.after(scope, task_id, 0)[-1].id


def test_signed_out_is_401(serve: Serve, reach: Tasks) -> None:
    web = serve()
    answer = web.http.get(f"/api/tasks/{reach.mine}/events")
    assert answer.status_code == 401
    assert answer.json() == {"error": "not signed in"}


def test_another_installations_task_is_404_like_a_missing_one(
    serve: Serve, sim: GitHubSimulator, reach: Tasks
) -> None:
    web = serve()
    sign_in(web, sim)
    theirs = web.http.get(f"/api/tasks/{reach.theirs}/events")
    missing = web.http.get("/api/tasks/987654321/events")
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert theirs.json() == missing.json() == {"error": "no such task"}
    assert web.http.get(f"/api/tasks/{reach.mine}/events?last_event_id=x").status_code == 400


def test_stored_events_come_first_with_their_ids_and_a_resume_sends_only_later_ones(
    serve: Serve, sim: GitHubSimulator, reach: Tasks, app_db: Database
) -> None:
    web = serve()
    sign_in(web, sim)
    ids = [
        record(app_db, reach.tenant_id, reach.mine, "acknowledged", "acknowledged #1 for @alice"),
        record(app_db, reach.tenant_id, reach.mine, "stage", "Planning.", stage="planning"),
        record(app_db, reach.tenant_id, reach.mine, "stage", "Editing.", stage="editing", link="L"),
    ]
    ids.append(finish(app_db, reach.tenant_id, reach.mine, "failed"))
    with open_stream(web, reach.mine) as stream:
        response = stream.response
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        events = stream.rest()
    assert [e.get("id") for e in events] == [*ids, None]
    assert [e["event"] for e in events] == ["task"] * 4 + ["end"]
    assert [e["data"]["type"] for e in events[:4]] == ["acknowledged", "stage", "stage", "failed"]
    assert events[2]["data"]["stage"] == "editing"
    assert events[2]["data"]["link"] == "L"
    assert events[2]["data"]["id"] == ids[2]
    assert set(events[0]["data"]) == {"id", "type", "message", "stage", "link", "at"}
    assert events[-1]["data"] == {"status": "failed"}

    with open_stream(web, reach.mine, **{"Last-Event-ID": str(ids[1])}) as stream:
        assert [e.get("id") for e in stream.rest()] == [ids[2], ids[3], None]
    query = f"/api/tasks/{reach.mine}/events?last_event_id={ids[2]}"
    with web.http.stream("GET", query) as response:
        assert [e.get("id") for e in Stream(response).rest()] == [ids[3], None]


def test_live_events_from_the_worker_arrive_and_the_stream_ends_with_the_task(
    serve: Serve,
    sim: GitHubSimulator,
    reach: Tasks,
    worker_ctx: context.JobContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keep-alive at 60 s: only the pub/sub hub can bring these events in time."""
    monkeypatch.setattr(sinks, "SINKS", LIVE_ONLY)
    web = serve(MORNINGAI_STREAM_KEEPALIVE_SECONDS=60)
    sign_in(web, sim)
    go = threading.Event()

    def work(run: TaskRun) -> str:
        run.event("acknowledged", "acknowledged #1 for @alice")
        run.emit("progress", "Reading the code.", stage="reading")
        assert go.wait(WAIT_S)
        return "opened a pull request"

    with open_stream(web, reach.mine) as stream:
        worker = threading.Thread(target=run_task, args=(reach.mine, work))
        started = time.monotonic()
        worker.start()
        try:
            first = [stream.next(), stream.next(), stream.next()]
            go.set()
            rest = stream.rest()
        finally:
            go.set()
            worker.join(WAIT_S)
    assert time.monotonic() - started < WAIT_S
    assert [(e or {}).get("data", {}).get("type") for e in first] == [
        "started",
        "acknowledged",
        "progress",
    ]
    assert all("id" in e for e in first[:2] if e)
    progress = first[2] or {}
    assert "id" not in progress  # shown, not stored: nothing to resume from
    assert progress["data"]["stage"] == "reading"
    assert progress["data"]["id"] is None
    assert [e["event"] for e in rest] == ["task", "end"]
    assert rest[0]["data"]["type"] == "succeeded"
    assert rest[1]["data"] == {"status": "succeeded"}


def test_the_keep_alive_rereads_the_database_and_a_stream_ends_after_its_longest_life(
    serve: Serve, sim: GitHubSimulator, reach: Tasks, app_db: Database
) -> None:
    """An event stored but never published (Redis was down) still arrives, on the next
    keep-alive; after MORNINGAI_STREAM_MAX_SECONDS the stream closes without `end`."""
    web = serve(MORNINGAI_STREAM_KEEPALIVE_SECONDS=0.3, MORNINGAI_STREAM_MAX_SECONDS=3)
    sign_in(web, sim)
    with open_stream(web, reach.mine) as stream:
        stored = record(app_db, reach.tenant_id, reach.mine, "indexed", "indexed main")
        event = stream.next()
        assert event is not None
        assert event["id"] == stored
        started = time.monotonic()
        assert stream.rest() == []  # closed by the server, no `end`: the task still runs
        assert time.monotonic() - started < 3.5
    assert "keep-alive" in stream.comments


def test_over_the_cap_is_503_and_a_closed_stream_gives_its_place_back(
    serve: Serve, sim: GitHubSimulator, reach: Tasks
) -> None:
    web = serve(MORNINGAI_MAX_STREAMS=1, MORNINGAI_STREAM_KEEPALIVE_SECONDS=0.2)
    sign_in(web, sim)
    with open_stream(web, reach.mine):
        busy = web.http.get(f"/api/tasks/{reach.mine}/events")
        assert busy.status_code == 503
        assert int(busy.headers["retry-after"]) > 0
        assert "poll" in busy.json()["error"]
    deadline = time.monotonic() + WAIT_S
    while True:  # the server notices the closed connection at its next keep-alive
        with web.http.stream("GET", f"/api/tasks/{reach.mine}/events") as again:
            if again.status_code == 200 or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    assert again.status_code == 200


def test_signing_out_ends_the_open_stream(serve: Serve, sim: GitHubSimulator, reach: Tasks) -> None:
    web = serve(MORNINGAI_STREAM_KEEPALIVE_SECONDS=0.3)
    sign_in(web, sim)
    headers = csrf(web)
    with open_stream(web, reach.mine) as stream:
        assert web.http.post("/api/logout", headers=headers).status_code == 204
        started = time.monotonic()
        assert stream.rest() == []
        assert time.monotonic() - started < 3


def test_the_hub_reconnects_when_redis_drops_its_subscription(
    serve: Serve,
    sim: GitHubSimulator,
    reach: Tasks,
    app_db: Database,
    redis: Redis,
    worker_ctx: context.JobContext,
) -> None:
    """Progress is never stored, so only the hub's new subscription can bring it; what was
    stored meanwhile comes as soon as the hub has subscribed again."""
    web = serve(MORNINGAI_STREAM_KEEPALIVE_SECONDS=60)
    sign_in(web, sim)
    with tenant_transaction(app_db, reach.tenant_id) as scope:
        row = tasks.get(scope, reach.mine)
    assert row is not None
    run = TaskRun(worker_ctx, row, Fanout(worker_ctx, LIVE_ONLY))
    stop = threading.Event()

    def publish() -> None:
        n = 0
        while not stop.wait(0.2):
            n += 1
            run.emit("progress", f"still here {n}")

    with open_stream(web, reach.mine) as stream:
        # stored but not published (as if during the outage): the new subscription's re-read
        # brings it at once, not the keep-alive a minute later
        missed = record(app_db, reach.tenant_id, reach.mine, "indexed", "indexed main")
        assert redis.client_kill_filter(_type="pubsub") >= 1  # the hub's one connection
        resynced = stream.next()
        publisher = threading.Thread(target=publish)
        publisher.start()
        try:
            event = stream.next()
        finally:
            stop.set()
            publisher.join(WAIT_S)
    assert resynced is not None
    assert resynced["id"] == missed
    assert event is not None
    assert event["data"]["message"].startswith("still here")


def test_a_long_timeline_comes_whole_and_in_order(
    serve: Serve, sim: GitHubSimulator, reach: Tasks, app_db: Database
) -> None:
    """More stored events than one read takes (web.task_stream.READ_PAGE)."""
    with tenant_transaction(app_db, reach.tenant_id) as scope:
        for n in range(1_203):
            task_events.add(scope, reach.mine, "model", f"{n} tokens so far", {"stage": "edit"})
        ids = [e.id for e in task_events.after(scope, reach.mine, 0, limit=5_000)]
    finish(app_db, reach.tenant_id, reach.mine, "succeeded")
    web = serve()
    sign_in(web, sim)
    with open_stream(web, reach.mine, **{"Last-Event-ID": str(ids[1])}) as stream:
        events = stream.rest()
    assert [e["id"] for e in events[:-2]] == ids[2:]
    assert [e["data"]["message"] for e in events[:3]] == [f"{n} tokens so far" for n in (2, 3, 4)]
    assert events[-1]["data"] == {"status": "succeeded"}
