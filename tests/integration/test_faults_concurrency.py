"""Fault: GitHub (or a proxy in front of the app) sends the same thing many times at once.

Posts over real HTTP from their own threads and connections, released together by a barrier,
against the app with its real pool — served in this process, and as two gunicorn processes
on the same PostgreSQL and Redis. What the race left is read as the database's owner and from
Redis, never through the intake's own code. Each race ends with one delivery row per id, one
live task per issue, one RQ job per task, and every other answer a clear duplicate or
"already queued or running" — never a 500.

The installation's first delivery creates its tenant, which serialises the racers, so the
races that matter run against a known tenant on a warm pool (`_warm`).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from redis import Redis

from jobs.runtime.queues import job_id
from morningai.embedded import DatabaseUrls
from tests.fakes.http import serve_wsgi
from tests.support import well_formed as wf
from tests.support.races import Post, deliveries, gunicorns, race, rq_jobs, tasks_for
from tests.support.webhooks import make_settings
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
COPIES = 10  # the installation's first delivery
RACERS = 20  # against a known tenant and a warm pool
WARM_ISSUE, RACED_ISSUE = 1, 4242

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def served(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[tuple[str, Flask]]:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        yield url, app
    app.extensions["morningai"].close()


@pytest.fixture(scope="module")
def two_apps(
    database: DatabaseUrls, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    with gunicorns(database, redis_url, tmp_path_factory.mktemp("two-apps")) as urls:
        yield urls


def issue(number: int, label: str = wf.TRIGGER_LABEL) -> dict[str, Any]:
    """GitHub's issues.labeled (or the skeleton, without fetched examples) on issue `number`."""
    payload = wf.build(wf.Kind("", "issues", "labeled", "", None, wf.labeled(label)))
    payload["issue"]["number"] = number
    return payload


def labeled(url: str, number: int, delivery: str | None = None, label: str = "morningai") -> Post:
    return Post(url, "issues", delivery or str(uuid.uuid4()), issue(number, label))


def _warm(urls: list[str], redis: Redis) -> list[str]:
    """The tenant made, and each app's pool grown: a task on another issue (its job stays in
    RQ), then a burst of ignored deliveries to every server. Returns the RQ jobs it left."""
    (first,) = race([labeled(urls[0], WARM_ISSUE)])
    assert (first.status_code, first.json()["outcome"]) == (202, "accepted"), first.text
    burst = race([labeled(url, WARM_ISSUE, label="bug") for url in urls for _ in range(8)])
    assert {(r.status_code, r.json()["outcome"]) for r in burst} == {(202, "ignored")}
    time.sleep(0.3)  # let the pools settle
    warm_jobs = rq_jobs(redis)
    assert len(warm_jobs) == 1
    return warm_jobs


def _wait_for_pool(app: Flask, size: int) -> None:
    """Give the pool a moment to finish the connections the burst asked for (it grows in a
    background thread); a fast intake may never have needed `size`, which is no failure."""
    pool = app.extensions["morningai"].db.pool
    deadline = time.monotonic() + 3
    while pool.get_stats()["pool_size"] < size and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.get_stats()["pool_size"] >= 1


def _outcomes(answers: list[Any]) -> Counter[tuple[int, str]]:
    """(status, outcome) counted; an answer that is not the app's JSON (a 500) by its text."""
    return Counter(
        (a.status_code, a.json()["outcome"] if a.status_code < 500 else a.text[:60])
        for a in answers
    )


def _assert_one_delivery_run_once(
    answers: list[Any], delivery: str, owner_conn: Conn, redis: Redis, warm_jobs: list[str]
) -> None:
    outcomes = _outcomes(answers)
    assert outcomes == {(202, "accepted"): 1, (200, "duplicate"): len(answers) - 1}, outcomes
    assert {a.json()["delivery"] for a in answers} == {delivery}
    assert deliveries(owner_conn)[delivery][0] == "accepted"
    tasks = tasks_for(owner_conn, RACED_ISSUE)
    assert [(status, d) for _, status, d in tasks] == [("queued", delivery)], tasks
    assert sorted(rq_jobs(redis)) == sorted([*warm_jobs, job_id(tasks[0][0], 0)])


def _assert_one_issue_is_one_task(
    answers: list[Any], sent: list[str], owner_conn: Conn, redis: Redis, warm_jobs: list[str]
) -> None:
    outcomes = _outcomes(answers)
    assert outcomes == {(202, "accepted"): 1, (202, "ignored"): len(sent) - 1}, outcomes
    said = {a.json()["delivery"]: (a.json()["outcome"], a.json()["detail"]) for a in answers}
    assert sorted(said) == sorted(sent)
    ignored = [detail for outcome, detail in said.values() if outcome == "ignored"]
    assert all("already queued or running" in detail for detail in ignored), ignored
    recorded = deliveries(owner_conn)  # one row per id, asserted there
    assert {d: recorded[d][0] for d in sent} == {d: o for d, (o, _) in said.items()}
    (accepted,) = [d for d, (o, _) in said.items() if o == "accepted"]
    tasks = tasks_for(owner_conn, RACED_ISSUE)
    assert [(status, d) for _, status, d in tasks] == [("queued", accepted)], tasks
    assert sorted(rq_jobs(redis)) == sorted([*warm_jobs, job_id(tasks[0][0], 0)])


# -- the installation's first delivery (its tenant created by whichever post wins) -----------


def test_one_delivery_posted_ten_times_at_once_is_one_task_and_one_job(
    served: tuple[str, Flask], owner_conn: Conn, redis: Redis
) -> None:
    url, _ = served
    delivery = str(uuid.uuid4())
    answers = race([labeled(url, RACED_ISSUE, delivery)] * COPIES)

    _assert_one_delivery_run_once(answers, delivery, owner_conn, redis, [])
    assert owner_conn.execute("SELECT count(*) FROM tenants").fetchone() == (1,)
    assert list(deliveries(owner_conn)) == [delivery]


def test_ten_deliveries_for_one_issue_at_once_are_one_task_and_one_job(
    served: tuple[str, Flask], owner_conn: Conn, redis: Redis
) -> None:
    url, _ = served
    posts = [labeled(url, RACED_ISSUE) for _ in range(COPIES)]
    answers = race(posts)

    _assert_one_issue_is_one_task(answers, [p.delivery for p in posts], owner_conn, redis, [])


# -- a known tenant, a warm pool -------------------------------------------------------------


def test_a_delivery_raced_twenty_times_on_a_warm_app_runs_once(
    served: tuple[str, Flask], owner_conn: Conn, redis: Redis
) -> None:
    url, app = served
    warm_jobs = _warm([url], redis)
    _wait_for_pool(app, 4)
    delivery = str(uuid.uuid4())
    answers = race([labeled(url, RACED_ISSUE, delivery)] * RACERS)

    _assert_one_delivery_run_once(answers, delivery, owner_conn, redis, warm_jobs)


def test_twenty_deliveries_for_one_issue_on_a_warm_app_are_one_task(
    served: tuple[str, Flask], owner_conn: Conn, redis: Redis
) -> None:
    url, app = served
    warm_jobs = _warm([url], redis)
    _wait_for_pool(app, 4)
    posts = [labeled(url, RACED_ISSUE) for _ in range(RACERS)]
    answers = race(posts)

    _assert_one_issue_is_one_task(
        answers, [p.delivery for p in posts], owner_conn, redis, warm_jobs
    )


# -- two app processes on the same PostgreSQL and Redis ---------------------------------------


def test_a_delivery_raced_across_two_app_processes_runs_once(
    two_apps: list[str], owner_conn: Conn, redis: Redis
) -> None:
    warm_jobs = _warm(two_apps, redis)
    delivery = str(uuid.uuid4())
    answers = race([labeled(two_apps[i % 2], RACED_ISSUE, delivery) for i in range(RACERS)])

    _assert_one_delivery_run_once(answers, delivery, owner_conn, redis, warm_jobs)


def test_deliveries_for_one_issue_across_two_app_processes_are_one_task(
    two_apps: list[str], owner_conn: Conn, redis: Redis
) -> None:
    warm_jobs = _warm(two_apps, redis)
    posts = [labeled(two_apps[i % 2], RACED_ISSUE) for i in range(RACERS)]
    answers = race(posts)

    _assert_one_issue_is_one_task(
        answers, [p.delivery for p in posts], owner_conn, redis, warm_jobs
    )


def test_both_races_at_once_across_two_app_processes(
    two_apps: list[str], owner_conn: Conn, redis: Redis
) -> None:
    """The same delivery ten times and ten other deliveries for the same issue, all released
    together across both processes: still one task and one job, the raced id recorded once."""
    warm_jobs = _warm(two_apps, redis)
    same = str(uuid.uuid4())
    posts = [labeled(two_apps[i % 2], RACED_ISSUE, same) for i in range(10)]
    posts += [labeled(two_apps[i % 2], RACED_ISSUE) for i in range(10)]
    answers = race(posts)

    outcomes = _outcomes(answers)
    assert outcomes == {(202, "accepted"): 1, (202, "ignored"): 10, (200, "duplicate"): 9}, outcomes
    recorded = deliveries(owner_conn)
    for p in posts:
        assert p.delivery in recorded
    tasks = tasks_for(owner_conn, RACED_ISSUE)
    assert len(tasks) == 1, tasks
    assert sorted(rq_jobs(redis)) == sorted([*warm_jobs, job_id(tasks[0][0], 0)])
