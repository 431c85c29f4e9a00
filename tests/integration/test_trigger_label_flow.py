"""A repository's own trigger label, end to end (issue #13): signed webhooks, the RQ job that
reads `.github/morningai.yml` (the organisation's under it) and stores the label it names, and
the intake deciding on the next label by it — against the simulator and the scripted model.

Each repository here sets `token_budget: 1000`: a job reads the configuration, asks for the
plan once and stops over its budget, so each task costs one scripted call."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from redis import Redis

from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import PLAN
from tests.support.simulated import OWNER, REPO, labeled
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")

CONFIG = ".github/morningai.yml"
OVER_BUDGET = "the task used 1,280 tokens of its 1,000 budget"


def _label(agent: WebhookSender, repo: dict[str, Any], name: str) -> Any:
    payload = labeled(repo)
    payload["label"]["name"] = name
    response = agent.post("issues", payload)
    assert response.status_code == 202
    return response.json()


def _task_runs(
    agent: WebhookSender,
    repo: dict[str, Any],
    model: ScriptedModelServer,
    redis: Redis,
    owner_conn: Conn,
    label: str,
) -> None:
    """`label` starts a task, which runs: reads the configuration, plans once, stops."""
    model.expect_chat(PLAN, usage=(1200, 80))
    answer = _label(agent, repo, label)
    assert answer["outcome"] == "accepted", answer
    drain(redis)
    row = owner_conn.execute(
        "SELECT status, error, subject ->> 'trigger' FROM tasks ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == ("failed", OVER_BUDGET, f"label:{label}")


def _stored(owner_conn: Conn) -> Any:
    row = owner_conn.execute(
        "SELECT trigger_label FROM repositories WHERE full_name = %s", (f"{OWNER}/{REPO}",)
    ).fetchone()
    assert row is not None
    return row[0]


def _ignored(agent: WebhookSender, repo: dict[str, Any], name: str, here: str) -> None:
    answer = _label(agent, repo, name)
    assert answer["outcome"] == "ignored", answer
    assert answer["detail"] == f"label is not the trigger label (the trigger label here is {here})"


def test_a_repository_label_replaces_the_global_one_once_a_job_read_it(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {CONFIG: "trigger_label: ai-fix\ntoken_budget: 1000\n"})
    # no job has read the configuration yet: the global label still starts the first task
    _task_runs(agent, repo, model, redis, owner_conn, "morningai")
    assert _stored(owner_conn) == "ai-fix"
    _ignored(agent, repo, "morningai", "ai-fix")
    _task_runs(agent, repo, model, redis, owner_conn, "ai-fix")
    assert owner_conn.execute("SELECT count(*) FROM tasks").fetchone() == (2,)
    # the key removed: once a job read that, the global label is back
    sim.push(OWNER, REPO, "main", {CONFIG: "token_budget: 1000\n"})
    _task_runs(agent, repo, model, redis, owner_conn, "ai-fix")
    assert _stored(owner_conn) is None
    _ignored(agent, repo, "ai-fix", "morningai")


def test_a_repository_naming_none_keeps_the_global_label(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {CONFIG: "token_budget: 1000\n"})
    _task_runs(agent, repo, model, redis, owner_conn, "morningai")
    assert _stored(owner_conn) is None
    _ignored(agent, repo, "ai-fix", "morningai")
    _task_runs(agent, repo, model, redis, owner_conn, "morningai")


def test_the_organisation_names_the_default_and_a_repository_its_own(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.create_repo(OWNER, ".github", files={CONFIG: "trigger_label: org-fix\n"})
    sim.push(OWNER, REPO, "main", {CONFIG: "token_budget: 1000\n"})
    _task_runs(agent, repo, model, redis, owner_conn, "morningai")
    assert _stored(owner_conn) == "org-fix"
    _ignored(agent, repo, "morningai", "org-fix")
    # the repository names its own: it overrides the organisation's once a job read it
    sim.push(OWNER, REPO, "main", {CONFIG: "trigger_label: ai-fix\ntoken_budget: 1000\n"})
    _task_runs(agent, repo, model, redis, owner_conn, "org-fix")
    assert _stored(owner_conn) == "ai-fix"
    _ignored(agent, repo, "org-fix", "ai-fix")
