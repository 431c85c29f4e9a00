"""Organisation-wide configuration and the installation's monthly budget, end to end: signed
webhook, RQ job, the code graph against the scripted model server, the status comment in the
simulator (issue #13)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.budget import next_reset
from jobs.runtime import context
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, labeled, status_comments
from tests.support.task_rows import make_task
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")

CONFIG = ".github/morningai.yml"
RESETS = f"{next_reset(datetime.now(UTC)):%Y-%m-%d}"


def _org(sim: GitHubSimulator, text: str) -> None:
    """The organisation's defaults, in its `.github` repository (the App installed there)."""
    sim.create_repo(OWNER, ".github", files={CONFIG: text})


def _task(owner_conn: Conn, repository: str = f"{OWNER}/{REPO}") -> tuple[Any, ...]:
    rows = owner_conn.execute(
        "SELECT k.id, k.status, k.error, k.prompt_tokens + k.completion_tokens FROM tasks k"
        " JOIN repositories r ON r.id = k.repository_id WHERE r.full_name = %s",
        (repository,),
    ).fetchall()
    assert len(rows) == 1
    return tuple(rows[0])


def _spent_already(owner_conn: Conn, ctx: context.JobContext, tokens: int, usd: str) -> None:
    """A task of this month on another repository of the installation, that spent this much."""
    [(tenant_id,)] = owner_conn.execute("SELECT id FROM tenants").fetchall()
    make_task(
        ctx.db,
        tenant_id,
        f"{OWNER}/other",
        1,
        status="succeeded",
        prompt_tokens=tokens,
        completion_tokens=0,
        cost_usd=usd,
    )


def _run(agent: WebhookSender, repo: dict[str, Any], redis: Redis, before: Any = None) -> None:
    assert agent.post("issues", labeled(repo)).status_code == 202
    if before is not None:
        before()
    drain(redis)


def test_the_organisation_default_applies(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    _org(sim, "draft: true\n")
    model.expect_chat(PLAN, match="Greeting is rude", usage=(1200, 80))
    model.expect_chat(EDIT, match="Carry out this plan", usage=(1500, 60))
    _run(agent, repo, redis)
    assert _task(owner_conn)[1] == "succeeded"
    [pr] = sim.pulls(OWNER, REPO)
    assert pr["draft"] is True  # the repository has no file: the organisation's applies


def test_a_repository_lowers_what_the_organisation_allows(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    _org(sim, "token_budget: 100000\n")
    sim.push(OWNER, REPO, "main", {CONFIG: "_extends: .github\ntoken_budget: 1000\n"})
    model.expect_chat(PLAN, usage=(1200, 80))  # over the repository's 1,000: no edit asked
    _run(agent, repo, redis)
    _, status, error, _ = _task(owner_conn)
    assert status == "failed"
    assert error == "the task used 1,280 tokens of its 1,000 budget"


def test_a_repository_asking_beyond_the_organisation_is_refused_by_line(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    _org(sim, "token_budget: 100000\nbudget:\n  monthly_usd: 50\n")
    sim.push(OWNER, REPO, "main", {CONFIG: "draft: true\ntoken_budget: 500000\n"})
    _run(agent, repo, redis)  # no model call is scripted: none may be made
    _, status, error, _ = _task(owner_conn)
    assert status == "failed"
    assert error == (
        f"`{CONFIG}` is invalid: {CONFIG}, line 2: 'token_budget' may be at most 100,000 here"
        f" (the organisation's limit in {OWNER}/.github), not 500,000"
    )
    [comment] = status_comments(sim, repo["number"])
    assert "line 2: 'token_budget' may be at most 100,000" in comment["body"]


def test_at_80_percent_the_status_comment_warns(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    agent_ctx: context.JobContext,
) -> None:
    _org(sim, "budget:\n  monthly_usd: 10\n")
    model.expect_chat(PLAN, usage=(1200, 80))
    model.expect_chat(EDIT, usage=(1500, 60))
    _run(agent, repo, redis, lambda: _spent_already(owner_conn, agent_ctx, 1000, "8.5"))
    assert _task(owner_conn)[1] == "succeeded"
    [comment] = status_comments(sim, repo["number"])
    warning = "⚠️ This installation has used 85% of its monthly budget ($8.50 of $10.00)"
    first = next(b for b in comment["body_history"] if "Finding the files" in b)
    assert warning in first  # before the first model call
    assert "no model calls yet" in first
    assert warning in comment["body"]
    assert f"It resets on {RESETS} (UTC)." in comment["body"]


def test_at_100_percent_a_new_task_ends_at_once_without_a_model_call(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    agent_ctx: context.JobContext,
) -> None:
    _org(sim, "budget:\n  monthly_tokens: 5000\n")
    _run(agent, repo, redis, lambda: _spent_already(owner_conn, agent_ctx, 5000, "0.01"))
    _, status, error, tokens = _task(owner_conn)
    assert (status, tokens) == ("failed", 0)
    reason = (
        "this installation's monthly budget is used up (5,000 of 5,000 tokens);"
        f" it resets on {RESETS} at 00:00 UTC"
    )
    assert error == reason
    [comment] = status_comments(sim, repo["number"])
    assert "❌ Failed" in comment["body"]
    assert reason in comment["body"]
    assert model.requests == []


def test_a_running_task_crossing_100_percent_stops_at_its_next_step(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    _org(sim, "budget:\n  monthly_tokens: 1000\n")
    model.expect_chat(PLAN, usage=(1200, 80))  # the plan takes the month past 1,000 tokens
    _run(agent, repo, redis)
    _, status, error, tokens = _task(owner_conn)
    assert status == "failed"
    assert error == (
        "stopped before editing: this installation's monthly budget is used up"
        f" (1,280 of 1,000 tokens); it resets on {RESETS} at 00:00 UTC"
    )
    assert tokens == 1280  # what it spent before stopping counts in the month
    assert sim.pulls(OWNER, REPO) == []
    [comment] = status_comments(sim, repo["number"])
    assert (
        "stopped before editing: this installation's monthly budget is used up" in (comment["body"])
    )
    assert "1,280 tokens" in comment["body"]


def test_the_status_comment_shows_the_estimate_then_the_cost(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    # the organisation's own price: $1 and $2 per million tokens in and out
    _org(sim, "budget:\n  input_usd_per_million: 1\n  output_usd_per_million: 2\n")
    model.expect_chat(PLAN, usage=(1200, 80))
    model.expect_chat(EDIT, usage=(1500, 60))
    _run(agent, repo, redis)
    task_id, status, _, _ = _task(owner_conn)
    assert status == "succeeded"
    [comment] = status_comments(sim, repo["number"])
    [(message, data)] = owner_conn.execute(
        "SELECT message, data FROM task_events WHERE task_id = %s AND kind = 'estimate'",
        (task_id,),
    ).fetchall()
    estimate = f"💰 Estimate: {message}"
    # shown before the first model call was paid: the first update published after it
    first = next(b for b in comment["body_history"] if "Finding the files" in b)
    assert estimate in first
    assert "no model calls yet" in first
    assert message.startswith("up to ~")
    assert data["cost_usd"] == pytest.approx(_estimated(data["tokens"]))
    # at the end: what it cost, at the organisation's price, beside the estimate
    cost = (2700 * 1 + 140 * 2) / 1e6
    assert f"💰 Cost: 2,840 tokens (~${cost:.4f}) · estimated {message}" in comment["body"]
    [(stored,)] = owner_conn.execute("SELECT cost_usd FROM tasks").fetchall()
    assert float(stored) == pytest.approx(cost)


def _estimated(tokens: int) -> float:
    """The estimate's price at $1/$2 per million: 2,000 of its tokens are output."""
    return ((tokens - 2000) * 1 + 2000 * 2) / 1e6


def test_without_an_organisation_github_the_defaults_apply_and_github_is_asked_once(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.push(OWNER, REPO, "main", {CONFIG: "token_budget: 1000\n"})
    second = sim.add_issue(OWNER, REPO, "Greeting is rude too", "Say Hello.", user="alice")
    model.expect_chat(PLAN, usage=(1200, 80), times=2)  # each task stops over its budget
    for number in (repo["number"], second):
        assert agent.post("issues", labeled({**repo, "number": number})).status_code == 202
        drain(redis)
    statuses = [r[0] for r in owner_conn.execute("SELECT status FROM tasks ORDER BY id")]
    assert statuses == ["failed", "failed"]
    org_tokens = [
        ex
        for ex in sim.requests
        if ex.path.endswith("/access_tokens") and ex.request_json == {"repositories": [".github"]}
    ]
    # GitHub refused it (no such repository for the installation); not asked again meanwhile
    assert [ex.status for ex in org_tokens] == [422]
