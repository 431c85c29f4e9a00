"""When GitHub does not answer about a signed-in person, every dashboard endpoint answers 502
(try again), a write too — never a 500 and never a guess at their reach. Mutation testing
(bench/mutation.py, MUTATION_TESTING.md) found this path untested: a write that went on with
the error answer as its viewer, a non-401 failure treated as an expired token, and the status
itself all survived."""

from __future__ import annotations

import pytest
from redis import Redis

from db.pool import Database
from simulator import GitHubSimulator
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, csrf, sign_in
from tests.support.task_rows import make_task

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]


def test_github_down_is_a_502_for_reads_and_writes(
    web: Web, sim: GitHubSimulator, app_db: Database, redis: Redis
) -> None:
    made = reach_world(sim, app_db)
    running = make_task(app_db, made["tenant_a"], "acme/widgets", 2, status="running")
    sign_in(web, sim)
    headers = csrf(web)
    for key in redis.scan_iter("morningai:viewer:reach:*"):  # GitHub is asked again
        redis.delete(key)
    sim.inject_fault("GET", r"/user.*", status=502, times=100)
    read = web.http.get("/api/tasks")
    write = web.http.post(f"/api/tasks/{running}/stop", headers=headers)
    for answer in (read, write):
        assert answer.status_code == 502, answer.text
        assert answer.json() == {"error": "GitHub did not answer; try again in a moment"}
