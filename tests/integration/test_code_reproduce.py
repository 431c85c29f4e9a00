"""Reproduce, then fix (#15): where a repository has tests, the agent writes a test that shows
the issue, runs it in the sandbox on the base (it should fail), and again after the edit (it
should pass); the pull request's Verification shows both, and a reproduction that never failed
or still fails makes the pull request a draft that says why. Real worker code, simulator,
scripted model over HTTP, real PostgreSQL and Redis; the tests run in the real sandbox."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis

from agents.code import sandbox
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, git, labeled
from tests.support.tasks import drain, task_row

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")

# the repository's own test of `greet`: unittest, so the layout is detected without config
TEST_APP = """import unittest

from app import greet


class Greet(unittest.TestCase):
    def test_names_the_person(self):
        self.assertIn("Ada", greet("Ada"))
"""
STILL_RUDE = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'hey there, ' + name
>>>>>>> REPLACE
"""


def reproduction(number: int, assertion: str) -> str:
    return f"""test_issue_{number}.py
<<<<<<< SEARCH
=======
import unittest

from app import greet


class Issue{number}(unittest.TestCase):
    def test_greets_politely(self):
        {assertion}
>>>>>>> REPLACE
"""


POLITE = 'self.assertEqual(greet("Ada"), "Hello, Ada!")'
ALWAYS_TRUE = 'self.assertIn("Ada", greet("Ada"))'


def with_tests(sim: GitHubSimulator, config: str | None = None) -> None:
    files = {"test_app.py": TEST_APP}
    if config is not None:
        files[".github/morningai.yml"] = config
    sim.push(OWNER, REPO, "main", files)


def sandbox_events(owner_conn: Conn, task_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = owner_conn.execute(
        "SELECT message, data FROM task_events WHERE task_id = %s AND kind = 'sandbox' ORDER BY id",
        (task_id,),
    ).fetchall()
    return [(message, data) for message, data in rows]


def run_task(
    model: ScriptedModelServer, agent: WebhookSender, redis: Redis, repo: dict[str, Any]
) -> None:
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()


def is_reproduce(body: dict[str, Any]) -> bool:
    return "write one small test that reproduces" in str(body["messages"][-1]["content"])


def test_a_reproduction_failing_before_and_passing_after_opens_a_ready_pull_request(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    with_tests(sim)
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, POLITE), match=is_reproduce)
    model.expect_chat(EDIT, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    task_id, status, error, *_ = task_row(owner_conn)
    assert (status, error) == ("succeeded", None)
    asked = model.requests[1].json
    assert f"`test_issue_{number}.py`" in asked["messages"][-1]["content"]
    assert "python3 -m unittest test_issue_" in asked["messages"][-1]["content"]
    # the edit was shown the test and how it failed on the base
    edit = json.dumps(model.requests[2].json["messages"])
    assert "A test reproduces the issue" in edit
    assert "fails, as it should" in edit
    assert "AssertionError" in edit
    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is False
    body = pr["body"]
    assert f"**Reproduction** — `test_issue_{number}.py`" in body
    assert "- Before the change: ❌ failed, as it should" in body
    assert "- After the change: ✅ passed" in body
    assert "**Tests** — `python3 -m unittest test_app`" in body
    assert "not committed; shown here" in body
    # not kept by default: the branch has the fix only
    head = pr["head"]["sha"]
    assert "Hello" in git(sim, "show", f"{head}:app.py")
    listed = git(sim, "ls-tree", "--name-only", head)
    assert f"test_issue_{number}.py" not in listed
    runs = sandbox_events(owner_conn, task_id)
    assert [(d["status"], d["command"]) for _, d in runs] == [
        ("failed", f"python3 -m unittest test_issue_{number}"),
        ("passed", f"python3 -m unittest test_issue_{number}"),
        ("passed", "python3 -m unittest test_app"),
    ]
    assert all(d["isolation"] in ("bubblewrap", "process") for _, d in runs)
    # the dashboard's checks of the change have the reproduction's runs too
    [(change,)] = owner_conn.execute(
        "SELECT data FROM task_events WHERE task_id = %s AND kind = 'change'", (task_id,)
    ).fetchall()
    assert [(c["name"], c["ok"]) for c in change["checks"]][:2] == [
        (f"reproduction `test_issue_{number}.py` fails before the change", True),
        (f"reproduction `test_issue_{number}.py` passes after the change", True),
    ]


def test_a_kept_reproduction_is_committed_with_the_fix(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
) -> None:
    with_tests(sim, "reproduce:\n  keep: true\n")
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, POLITE), match=is_reproduce)
    model.expect_chat(EDIT, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is False
    kept = git(sim, "show", f"{pr['head']['sha']}:test_issue_{number}.py")
    assert 'greet("Ada"), "Hello, Ada!"' in kept
    assert "committed in this pull request" in pr["body"]
    assert f"- `test_issue_{number}.py` (added)" in pr["body"]


def test_a_reproduction_that_never_failed_opens_a_draft_that_says_so(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
) -> None:
    with_tests(sim, "reproduce:\n  keep: true\n")
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, ALWAYS_TRUE), match=is_reproduce)
    model.expect_chat(reproduction(number, ALWAYS_TRUE), match=told_it_passed)  # once more
    model.expect_chat(EDIT, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is True
    assert "passed before the change, so it does not show the issue" in pr["body"]
    assert "- Before the change: ✅ passed" in pr["body"]
    # a test that proves nothing is not committed even where tests are kept
    listed = git(sim, "ls-tree", "--name-only", pr["head"]["sha"])
    assert f"test_issue_{number}.py" not in listed


def told_it_passed(body: dict[str, Any]) -> bool:
    asked = str(body["messages"][-1]["content"])
    return is_reproduce(body) and "passed on the code as it is now" in asked


def test_a_reproduction_that_passed_on_the_base_is_written_again(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    """A first test that shows nothing (it passes on the base) is sent back with its output;
    the second, failing as it should, is the one the fix is measured by."""
    with_tests(sim)
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, ALWAYS_TRUE), match=is_reproduce)
    model.expect_chat(reproduction(number, POLITE), match=told_it_passed)
    model.expect_chat(EDIT, match="A test reproduces the issue")
    run_task(model, agent, redis, repo)

    task_id, *_ = task_row(owner_conn)
    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is False
    assert "- Before the change: ❌ failed, as it should" in pr["body"]
    assert 'greet("Ada"), "Hello, Ada!"' in pr["body"]  # the second test is the one shown
    statuses = [d["status"] for _, d in sandbox_events(owner_conn, task_id)]
    assert statuses[:3] == ["passed", "failed", "passed"]  # first test, second, second after


def test_a_reproduction_still_failing_is_retried_then_opens_a_draft(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
) -> None:
    with_tests(sim, "max_attempts: 2\n")
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, POLITE), match=is_reproduce)
    model.expect_chat(STILL_RUDE, match="Carry out this plan")

    def told_it_still_fails(body: dict[str, Any]) -> bool:
        return "still fails after your change" in json.dumps(body["messages"])

    model.expect_chat(STILL_RUDE, match=told_it_still_fails)
    run_task(model, agent, redis, repo)

    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is True
    assert "the reproduction test still fails after the change" in pr["body"]
    assert "- After the change: ❌ still fails" in pr["body"]


def test_tests_failing_on_the_base_too_are_not_a_regression(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    broken = TEST_APP + "\n    def test_broken_already(self):\n        self.assertEqual(1, 2)\n"
    sim.push(
        OWNER,
        REPO,
        "main",
        {"test_app.py": broken, ".github/morningai.yml": ("reproduce:\n  enabled: false\n")},
    )
    model.expect_chat(PLAN)
    model.expect_chat(EDIT, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    task_id, status, *_ = task_row(owner_conn)
    assert status == "succeeded"
    [pr] = sim.pulls(OWNER, REPO)
    assert "as on the base before the change: not a regression" in pr["body"]
    assert "- Reproduction test: `reproduce.enabled` is false in `.github/morningai.yml`" in (
        pr["body"]
    )
    runs = [(d["status"], m) for m, d in sandbox_events(owner_conn, task_id)]
    assert [status for status, _ in runs] == ["failed", "failed"]
    assert "on the base" in runs[1][1]


def test_a_regression_in_the_nearby_tests_fails_the_attempt(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    with_tests(sim, "max_attempts: 1\nreproduce:\n  enabled: false\n")
    forgets_the_name = EDIT.replace("'Hello, ' + name + '!'", "'Hello!'")
    model.expect_chat(PLAN)
    model.expect_chat(forgets_the_name, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    _task_id, status, error, *_ = task_row(owner_conn)
    assert status == "failed"
    assert "did not pass its checks: `python3 -m unittest test_app`" in error
    assert sim.pulls(OWNER, REPO) == []


def test_no_test_layout_means_no_reproduction_and_the_pull_request_says_why(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
) -> None:
    model.expect_chat(PLAN)
    model.expect_chat(EDIT, match="Carry out this plan")
    run_task(model, agent, redis, repo)

    [pr] = sim.pulls(OWNER, REPO)
    assert "**Not run**" in pr["body"]
    assert "- Reproduction test: no test command is configured and no test layout" in pr["body"]
    assert "- Tests: no `test_command` is set" in pr["body"]


def test_the_edit_may_not_rewrite_the_reproduction_test(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
) -> None:
    """The reproduction test is the fix's yardstick: an edit that writes its own version of it
    (one that passes without a fix) is refused, and the model is told why."""
    with_tests(sim, "reproduce:\n  keep: true\n")
    number = repo["number"]
    model.expect_chat(PLAN)
    model.expect_chat(reproduction(number, POLITE), match=is_reproduce)
    model.expect_chat(reproduction(number, ALWAYS_TRUE), match="Carry out this plan")

    def told_it_is_refused(body: dict[str, Any]) -> bool:
        return f"refused to edit 'test_issue_{number}.py'" in json.dumps(body["messages"])

    model.expect_chat(EDIT, match=told_it_is_refused)
    run_task(model, agent, redis, repo)

    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is False
    kept = git(sim, "show", f"{pr['head']['sha']}:test_issue_{number}.py")
    assert 'greet("Ada"), "Hello, Ada!"' in kept  # the test as written before the fix


ESCAPES = '''import os
import socket
import time
import unittest

from app import greet

PORT = int("$port")


def attempt(name, action):
    try:
        action()
    except OSError as exc:
        print("STOPPED", name, "-", exc.strerror or exc)
    else:
        print("ESCAPED", name)


def environs():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                found += environ.read().split(b"\\\\0")
        except OSError:
            pass
    print("ENVIRON", sorted({v.split(b"=")[0].decode() for v in found if b"=" in v}))


def fork_without_bound():
    children = []
    try:
        while len(children) < 5000:
            pid = os.fork()
            if pid == 0:
                time.sleep(1)
                os._exit(0)
            children.append(pid)
    finally:
        print("FORKED", len(children))
        for pid in children:
            os.waitpid(pid, 0)


class Issue(unittest.TestCase):
    def test_polite(self):
        attempt("network", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=3))
        attempt("write-outside", lambda: open("/usr/escaped-" + str(os.getpid()), "w"))
        environs()
        attempt("fork", fork_without_bound)
        self.assertEqual(greet("Ada"), "Hello, Ada!")
'''


@pytest.mark.skipif(
    sandbox.isolation().kind != "bubblewrap", reason=f"no bubblewrap: {sandbox.isolation().why}"
)
def test_a_reproduction_that_tries_to_escape_is_stopped_and_the_events_say_how(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    """The model's reproduction test reaches for the network, a file outside its copy, every
    process's environment and unbounded forking; each is stopped, and the run's output in the
    task's events says how (the sandbox in force is named there too)."""
    with_tests(sim)
    number = repo["number"]
    with socket.create_server(("127.0.0.1", 0)) as server:  # the worker's host, listening
        server.setblocking(False)
        port = str(server.getsockname()[1])
        test = ESCAPES.replace("$port", port)
        escaping = f"test_issue_{number}.py\n<<<<<<< SEARCH\n=======\n{test}>>>>>>> REPLACE\n"
        model.expect_chat(PLAN)
        model.expect_chat(escaping, match=is_reproduce)
        model.expect_chat(EDIT, match="Carry out this plan")
        run_task(model, agent, redis, repo)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody knocked

    task_id, status, *_ = task_row(owner_conn)
    assert status == "succeeded"
    before, *_ = sandbox_events(owner_conn, task_id)
    output = before[1]["output"]
    assert before[1]["status"] == "failed"  # the greeting, after every attempt was stopped
    assert "ESCAPED" not in output
    assert "STOPPED network" in output
    assert "STOPPED write-outside" in output
    assert "STOPPED fork - Resource temporarily unavailable" in output
    environ = next(line for line in output.splitlines() if line.startswith("ENVIRON"))
    for name in ("OPENAI_API_KEY", "GITHUB_WEBHOOK_SECRET", "GITHUB_PRIVATE_KEY", "DATABASE_URL"):
        assert name not in environ
    assert before[1]["isolation"] in ("bubblewrap", "process")
    assert not list(Path("/usr").glob("escaped-*"))
