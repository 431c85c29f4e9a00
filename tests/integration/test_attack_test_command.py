"""The repository's test command runs code the model wrote. A model obeying an injection can
write a test that, instead of printing its own (scrubbed) environment, reads the environment
of the processes above it — the RQ work-horse and the worker, which in production hold every
secret as environment variables — from /proc/<pid>/environ. Its failure output goes back to
the model as feedback, so the secrets would reach the model server, and from there a commit.

A real `morningai worker --burst` runs the task here, with its settings in its environment.

The test command runs as an unprivileged user when the worker is root, and every worker is
marked not dumpable (agents/code/sandbox.py): the ancestors' /proc entries are closed to it.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.integration.conftest import OWNER, REPO, SECRET
from tests.integration.test_attack_injection import hits, secret_values
from tests.integration.test_attack_secrets import FIX
from tests.integration.test_code_agent import PLAN
from tests.integration.test_code_task import labeled, task_row
from tests.integration.test_worker_crash import MORNINGAI, worker_env

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


def test_model_written_tests_cannot_read_the_workers_secrets(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {".github/morningai.yml": "test_command: python3 -m unittest\n"})
    model.expect_chat(PLAN)
    model.expect_chat(READ_ANCESTORS)
    model.expect_chat(FIX)
    assert agent.post("issues", labeled(repo)).status_code == 202
    env = {**worker_env(agent_settings, 60), "GITHUB_WEBHOOK_SECRET": SECRET}
    done = subprocess.run(
        [MORNINGAI, "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    model.assert_done()
    assert task_row(owner_conn)[1] == "succeeded"
    feedback = json.dumps(model.requests[2].json)
    assert "test_leak" in feedback  # the test ran and its output went back to the model
    secrets = secret_values(agent_settings, sim)
    leaked = hits(secrets, "the model's feedback", feedback)
    assert leaked == []
    assert "Permission denied" in feedback  # it tried, and the kernel said no
