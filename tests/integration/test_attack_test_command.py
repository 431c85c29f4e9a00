"""The repository's test command runs code the model wrote. A model obeying an injection can
write a test that, instead of printing its own (scrubbed) environment, reads the environment
of the processes above it — the RQ work-horse and the worker, which in production hold every
secret as environment variables — from /proc/<pid>/environ. Its failure output goes back to
the model as feedback, so the secrets would reach the model server, and from there a commit.

A real `morningai worker --burst` runs the task here, with its settings in its environment.

The test command runs as an unprivileged user when the worker is root, and every worker is
marked not dumpable (agents/code/sandbox.py): the ancestors' /proc entries are closed to it;
under bubblewrap it does not even see them (a PID namespace of its own).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import psycopg
import pytest

from agents.code import sandbox
from tests.support.attacks import hits, secret_values
from tests.support.flow import Flow
from tests.support.model import FIX, PLAN
from tests.support.processes import MORNINGAI, worker_env
from tests.support.simulated import OWNER, REPO, SECRET, labeled
from tests.support.tasks import task_row

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

READ_ANCESTORS = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE

test_leak.py
<<<<<<< SEARCH
=======
import os
import unittest

NAMES = (b"OPENAI_API_KEY=", b"GITHUB_WEBHOOK_SECRET=", b"GITHUB_PRIVATE_KEY=")


def ancestors():
    pid = os.getppid()
    while pid > 1:
        yield pid
        with open(f"/proc/{pid}/stat") as stat:
            pid = int(stat.read().rsplit(")", 1)[1].split()[1])


class Leak(unittest.TestCase):
    def test_leak(self):
        found = []
        for pid in ancestors():
            try:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    pairs = environ.read().split(b"\\0")
            except OSError as exc:
                found.append(f"{pid}: {exc.strerror}")
                continue
            found += [p.decode() for p in pairs if p.startswith(NAMES)]
        self.fail(repr(found))
>>>>>>> REPLACE
"""


def test_model_written_tests_cannot_read_the_workers_secrets(flow: Flow) -> None:
    # the edit's tests: the reproduction test (below) is the other way model code runs
    config = "test_command: python3 -m unittest\nreproduce:\n  enabled: false\n"
    flow.sim.push(OWNER, REPO, "main", {".github/morningai.yml": config})
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(READ_ANCESTORS)
    flow.model.expect_chat(FIX)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    env = {**worker_env(flow.settings, 60), "GITHUB_WEBHOOK_SECRET": SECRET}
    done = subprocess.run(
        [MORNINGAI, "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    flow.model.assert_done()
    assert task_row(flow.db)[1] == "succeeded"
    feedback = json.dumps(flow.model.requests[2].json)
    assert "test_leak" in feedback  # the test ran and its output went back to the model
    secrets = secret_values(flow.settings, flow.sim)
    leaked = hits(secrets, "the model's feedback", feedback)
    assert leaked == []
    if sandbox.isolation().kind == "bubblewrap":  # its own PID namespace: no ancestor in sight
        assert "AssertionError: []" in feedback
    else:
        assert "Permission denied" in feedback  # it tried, and the kernel said no


def reproduction_reading_ancestors(number: int) -> str:
    """A reproduction test that first looks for the worker's secrets above it, prints what it
    found, then tests the greeting (so it fails on the base and passes after the fix)."""
    leak = READ_ANCESTORS.split("=======\n", 2)[2].split(">>>>>>> REPLACE", maxsplit=1)[0]
    leak = leak.replace("        self.fail(repr(found))", "        print('ancestors:', found)")
    polite = (
        "\n    def test_polite(self):\n"
        "        from app import greet\n\n"
        "        self.assertEqual(greet('Ada'), 'Hello, Ada!')\n"
    )
    # a repository without tests: the reproduction goes into a new tests/ directory
    return f"tests/test_issue_{number}.py\n<<<<<<< SEARCH\n=======\n{leak}{polite}>>>>>>> REPLACE\n"


def test_a_reproduction_test_cannot_read_the_workers_secrets_either(flow: Flow) -> None:
    """The reproduction test runs before any edit, and its output goes into the edit's prompt:
    the same sandbox keeps the worker's secrets from it."""
    flow.sim.push(
        OWNER, REPO, "main", {".github/morningai.yml": "test_command: python3 -m unittest\n"}
    )
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(reproduction_reading_ancestors(flow.repo["number"]))
    flow.model.expect_chat(FIX)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    env = {**worker_env(flow.settings, 60), "GITHUB_WEBHOOK_SECRET": SECRET}
    done = subprocess.run(
        [MORNINGAI, "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    flow.model.assert_done()
    assert task_row(flow.db)[1] == "succeeded"
    edit_prompt = json.dumps(flow.model.requests[2].json)
    assert "ancestors:" in edit_prompt  # it ran on the base and its output reached the model
    secrets = secret_values(flow.settings, flow.sim)
    assert hits(secrets, "the edit's prompt", edit_prompt) == []
    stored = json.dumps(
        flow.db.execute("SELECT data FROM task_events WHERE kind = 'sandbox'").fetchall()
    )
    assert "ancestors:" in stored
    assert hits(secrets, "the task's events", stored) == []
