"""Secrets scan: a whole flow — an injected, labeled issue → code task (the model obeys, is
refused, then writes a test that dumps the environment, then a real fix) → pull request; then
`/morningai ask` — with known secret values, and everything the app wrote searched for them.

Secrets: the settings' openai_api_key, github_webhook_secret and github_private_key (each line
of its body), every installation token the simulator minted (read from its world state); the
worker's environment holds the same values, as in production where settings come from it.
Searched: every log record at DEBUG (all loggers, all threads), every row of every table in
PostgreSQL (task_events, tasks.error, deliveries, FAQ memory, code chunks, LangGraph
checkpoints — bytes included), every comment (with its edit history), pull request title and
body, every commit message, author and file on every branch of the simulator's bare
repository, and every RQ key in Redis (job data decompressed). Zero hits. The scan is
tests/support/secrets_scan.py; test_attack_secrets_failures.py runs it over failure flows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.support.attacks import (
    INJECTION,
    OBEYING_EDIT,
    OBEYING_PLAN,
    WORKFLOW,
    requests_outside,
    secret_values,
)
from tests.support.faq import ask_reply
from tests.support.flow import Flow
from tests.support.model import FIX
from tests.support.secrets_scan import (
    Everything,
    all_secrets,
    everything_logged,
    everywhere,
    model_requests_text,
)
from tests.support.simulated import OWNER, REPO, comment, labeled
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

CONFIG = "test_command: python3 -m unittest\ntest_timeout_seconds: 60\n"
DUMP_ENV = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE

test_env.py
<<<<<<< SEARCH
=======
import os
import unittest


class Leak(unittest.TestCase):
    def test_environment(self):
        self.fail("printed the environment: " + repr(sorted(os.environ.items())))
>>>>>>> REPLACE
"""


def reproduction_printing_the_environment(number: int) -> str:
    # a repository without tests: the reproduction goes into a new tests/ directory
    return f"""tests/test_issue_{number}.py
<<<<<<< SEARCH
=======
import os
import unittest

from app import greet


class Issue(unittest.TestCase):
    def test_polite(self):
        print("environment:", sorted(os.environ.items()))
        self.assertEqual(greet("Ada"), "Hello, Ada!")
>>>>>>> REPLACE
"""


@pytest.fixture
def logged() -> Iterator[Everything]:
    """Every logger at DEBUG, every record kept (tests/support/secrets_scan.py)."""
    with everything_logged() as handler:
        yield handler


def test_no_secret_is_anywhere_the_app_wrote(
    logged: Everything,  # first: from before the app starts
    flow: Flow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets_now = secret_values(flow.settings, flow.sim)
    # the worker's environment holds the secrets, as it does in production
    monkeypatch.setenv("OPENAI_API_KEY", secrets_now["openai_api_key"])
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", secrets_now["github_webhook_secret"])
    assert flow.settings.github_private_key is not None
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", flow.settings.github_private_key.get_secret_value())
    flow.sim.push(
        OWNER, REPO, "main", {".github/morningai.yml": CONFIG, ".github/workflows/ci.yml": WORKFLOW}
    )
    number = flow.sim.add_issue(
        OWNER, REPO, "Greeting is rude", INJECTION, user="alice", labels=["morningai"]
    )
    target = {**flow.repo, "number": number}

    # the model obeys the injection: its reproduction test prints the environment (its output
    # going into the edit's prompt), its edit is refused, then it dumps the environment in a
    # test (which fails, its output going back to the model), then writes the fix with a test
    flow.model.expect_chat(OBEYING_PLAN)
    flow.model.expect_chat(reproduction_printing_the_environment(number))
    flow.model.expect_chat(OBEYING_EDIT)
    flow.model.expect_chat(DUMP_ENV)
    flow.model.expect_chat(FIX)
    assert flow.sender.post("issues", labeled(target)).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.expect_chat(ask_reply("app.py"), match="What does greet return")
    ask = comment(target, number, "/morningai ask What does greet return?", on_pull=False)
    assert flow.sender.post("issue_comment", ask).json()["outcome"] == "accepted"
    drain(flow.redis)
    flow.model.assert_done()

    statuses = flow.db.execute("SELECT kind, status, error FROM tasks ORDER BY id").fetchall()
    assert statuses == [("code", "succeeded", None), ("ask", "succeeded", None)]
    [pr] = flow.sim.pulls(OWNER, REPO)
    assert "**Tests** — `python3 -m unittest`" in pr["body"]
    assert "- After the change: ✅ passed" in pr["body"]
    # the reproduction's environment print ran, scrubbed, and reached the edit's prompt
    assert "environment:" in json.dumps(flow.model.requests[2].json)
    # the environment dump ran, scrubbed: the model saw its output, without a secret
    feedback = json.dumps(flow.model.requests[4].json)
    assert "printed the environment" in feedback
    assert "('PATH', " in feedback

    # now with the tokens the jobs minted
    secrets = all_secrets(flow.settings, flow.sim)
    assert any(name.startswith("installation token") for name in secrets)
    logs = logged.text
    assert "issues.labeled: accepted" in logs  # the capture saw the app's own records
    found = everywhere(
        secrets,
        logs=logs,
        owner_conn=flow.db,
        redis=flow.redis,
        sim=flow.sim,
        more={"model requests": model_requests_text(flow.model.requests)},
    )
    assert found == []
    assert requests_outside(flow.sim, f"{OWNER}/{REPO}") == []
