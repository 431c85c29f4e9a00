"""Fault: GitHub stops accepting a cached installation token before its `expires_at` (revoked,
or expired early). The worker drops that token from the shared cache, mints a fresh one once and
carries on; a token refused again is a permanent error, said on the issue, never a loop.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit.response import Response
from redis import Redis

from core.settings import Settings
from github_app.auth import CACHE_PREFIX, MINT_LEASE, installation_github
from github_app.client import GitHubException, repo_client
from jobs.runtime.queues import queue
from simulator import GitHubSimulator
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, labeled, status_comments
from tests.support.tasks import assert_one_pull_request, drain, task_row

pytestmark = pytest.mark.usefixtures("clean_db")

BAD_CREDENTIALS = {
    "message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest",
    "status": "401",
}
REFUSED = "GitHub refused the app (401): check the installation's permissions"


def token_requests(sim: GitHubSimulator, after: float = 0.0) -> int:
    """How many installation tokens were asked for since `after` (the simulator's clock)."""
    return sum(
        1
        for ex in sim.requests
        if ex.method == "POST"
        and ex.path.startswith("/app/installations/")
        and ex.path.endswith("/access_tokens")
        and ex.arrived_at >= after
        # not the one narrowed to the organisation's `.github`, asked for its defaults
        and ex.request_json != {"repositories": [".github"]}
    )


def statuses(sim: GitHubSimulator, method: str, suffix: str) -> list[tuple[int, float]]:
    return [
        (ex.status, ex.arrived_at)
        for ex in sim.requests
        if ex.method == method and ex.path.endswith(suffix)
    ]


@pytest.mark.parametrize("how", ["revoked", "expired early"])
def test_a_token_revoked_mid_task_is_refreshed_once_and_the_task_completes(
    flow: Flow, how: str
) -> None:
    # just before the pull request is opened, GitHub forgets every token of the installation
    # or ends them early: the cached one is still far from its expires_at here
    end = flow.sim.revoke_tokens if how == "revoked" else flow.sim.expire_tokens
    flow.sim.on_request("POST", r"/pulls$", lambda: end(flow.repo["installation"]))
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)

    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)  # in the same job, no RQ retry
    [(refused, at_refused), (opened, _)] = statuses(flow.sim, "POST", "/pulls")
    assert (refused, opened) == (401, 201)
    assert token_requests(flow.sim, after=at_refused) == 1  # exactly one fresh token
    assert token_requests(flow.sim) == 2  # the first, and the fresh one
    flow.model.assert_done()
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_a_token_refused_again_fails_the_task_once_and_says_why(flow: Flow) -> None:
    # GitHub refuses the fresh token too: a permanent error, not a loop of new tokens
    flow.sim.inject_fault("POST", r"/pulls$", 401, body=BAD_CREDENTIALS, times=10)
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)

    assert task_row(flow.db)[1:4] == ("failed", REFUSED, 1)
    [(first, at_first), (second, _)] = statuses(flow.sim, "POST", "/pulls")
    assert (first, second) == (401, 401)
    assert token_requests(flow.sim, after=at_first) == 1
    assert queue(flow.redis, "default").scheduled_job_registry.get_job_ids() == []  # no retry
    [comment] = status_comments(flow.sim, flow.repo["number"])
    assert "❌ Failed" in comment["body"]
    assert f"I could not finish: {REFUSED}." in comment["body"]
    assert flow.sim.pulls(OWNER, REPO) == []


def test_clients_share_one_cached_token_per_installation_and_repository(
    sim: GitHubSimulator, settings: Settings, redis: Redis, installed: dict[str, Any]
) -> None:
    """Every client (one per job, in any worker process) reads the token from Redis: two
    clients of one repository mint one token; a client narrowed to another repository of the
    installation has its own."""
    other = sim.create_repo(OWNER, "other", installation_id=installed["installation"])
    number = sim.add_issue(OWNER, "other", "Hi", "there")
    for _ in range(2):
        with repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}") as c:
            c.issue(installed["number"])
    assert token_requests(sim) == 1
    with repo_client(settings, redis, installed["installation"], other.full_name) as c:
        c.issue(number)
    assert token_requests(sim) == 2


def _refusal(token: str) -> RequestFailed:
    request = httpx.Request(
        "GET", "https://api.github.com/repos/o/r", headers={"authorization": f"token {token}"}
    )
    return RequestFailed(Response(httpx.Response(401, request=request), Any))


def test_a_refused_token_is_dropped_only_while_it_is_still_the_cached_one(
    settings: Settings, redis: Redis, installed: dict[str, Any]
) -> None:
    """Two workers meet the same revoked token; the first mints a fresh one. The second's 401
    (for the old token) must not throw the fresh one away, or each worker would mint its own."""
    gh = installation_github(settings, redis, installed["installation"], f"{OWNER}/{REPO}")
    decide = gh.config.auto_retry
    assert callable(decide)
    [key] = redis.keys(f"{CACHE_PREFIX}:*installation*") or [None]
    assert key is None  # nothing cached yet
    with repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}") as c:
        c.issue(installed["number"])
    [key] = redis.keys(f"{CACHE_PREFIX}:*installation*")
    fresh = redis.get(key)
    assert fresh is not None

    assert decide(_refusal("ghs_revokedlongago"), 0).do_retry is True  # asked again…
    assert redis.get(key) == fresh  # …with the fresh token, which stays cached
    assert decide(_refusal(fresh.decode()), 1).do_retry is False  # one refresh per call
    assert redis.get(key) == fresh
    assert decide(_refusal(fresh.decode()), 0).do_retry is True
    assert redis.get(key) is None  # the refused token is dropped: the retry mints another


def test_workers_missing_the_token_at_once_mint_one(
    sim: GitHubSimulator, settings: Settings, redis: Redis, installed: dict[str, Any]
) -> None:
    """Six jobs start at once with nothing cached (or just after a revocation): the first to
    miss mints the token, the others wait for it instead of minting five more."""
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def job() -> None:
        try:
            with repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}") as c:
                start.wait()
                c.issue(installed["number"])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert token_requests(sim) == 1


def test_a_failed_mint_gives_its_lease_back_at_once(
    sim: GitHubSimulator, settings: Settings, redis: Redis, installed: dict[str, Any]
) -> None:
    """GitHub refuses to mint (here a 502): the next call mints straight away instead of
    waiting for the failed mint's lease to lapse."""
    sim.inject_fault("POST", r"/access_tokens$", 502)
    with repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}") as c:
        with pytest.raises(GitHubException):
            c.issue(installed["number"])
        started = time.monotonic()
        assert c.issue(installed["number"]).number == installed["number"]
    assert time.monotonic() - started < MINT_LEASE.total_seconds() / 3  # no wait for it
    assert token_requests(sim) == 2
    assert redis.keys(f"{CACHE_PREFIX}:minting:*") == []
