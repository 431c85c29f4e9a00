"""A real forking worker is SIGKILLed while its task waits on the model; the next worker
finds the orphaned task and finishes it once: one branch, one pull request, one comment. A
model call that had finished before the kill is not asked again, nor paid for twice: the next
worker resumes the graph from the checkpoint written after it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from typing import Any

import psutil
import psycopg
import pytest
from redis import Redis

from agents.llm import estimated_cost
from agents.ports import Usage
from core.settings import Settings
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.processes import MORNINGAI, worker_env
from tests.support.simulated import OWNER, REPO, labeled, status_comments
from tests.support.tasks import events, task_row

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [MORNINGAI, "worker"],
        env=worker_env(settings, 2),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_machine(worker: subprocess.Popen[bytes]) -> None:
    """The machine dies: the worker and its work-horse (RQ puts the horse in a process group
    of its own) are killed without a chance to record anything."""
    for proc in [*psutil.Process(worker.pid).children(recursive=True), worker]:
        os.kill(proc.pid, signal.SIGKILL)
    worker.wait(10)


def finish_with_next_worker(settings: Settings, owner_conn: Conn) -> None:
    """Wait for the dead worker's heartbeat to go stale, then run a burst worker: its
    reconciler finds the orphaned task and runs it again."""

    def stale() -> bool:
        row = owner_conn.execute(
            "SELECT heartbeat_at < now() - interval '2.5 seconds' FROM tasks"
        ).fetchone()
        return bool(row and row[0])

    wait_for(stale, 30, "the dead worker's heartbeat to go stale")
    second = subprocess.run(
        [MORNINGAI, "worker", "--burst"],
        env=worker_env(settings, 2),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stderr


def assert_completed_once(sim: GitHubSimulator, repo: dict[str, Any], owner_conn: Conn) -> None:
    """One succeeded task on its second attempt, one pull request, one status comment, one
    branch."""
    _task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("succeeded", None, 2)
    assert len(sim.pulls(OWNER, REPO)) == 1
    assert len(status_comments(sim, repo["number"])) == 1
    heads = subprocess.run(
        ["git", "--git-dir", str(sim.git_dir(OWNER, REPO)), "branch", "--list", "morningai/*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert heads == [f"morningai/issue-{repo['number']}"]


def test_killed_worker_task_completes_once(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN, delay=8)  # the first worker dies while waiting for this answer
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202

    first = start_worker(agent_settings)
    try:
        wait_for(lambda: len(model.requests) == 1, 60, "the first plan request")
        assert task_row(owner_conn)[1] == "running"
    finally:
        kill_machine(first)
    assert task_row(owner_conn)[1] == "running"  # nobody recorded anything

    finish_with_next_worker(agent_settings, owner_conn)
    assert_completed_once(sim, repo, owner_conn)
    assert len(model.requests) == 3


def test_a_crash_mid_exploration_resumes_without_asking_finished_turns_again(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    """The model looks around one tool turn at a time, each a step of the graph: a worker
    killed during the second turn leaves the first on disk, tool result and all."""
    held = threading.Event()
    first_turn = [{"name": "list_dir", "arguments": {"path": "."}}]
    second_turn = [{"name": "open_file", "arguments": {"path": "app.py"}}]
    model.expect_chat(tool_calls=first_turn, usage=(1000, 10))
    model.expect_chat(tool_calls=second_turn, usage=(1100, 10), hold=held)
    model.expect_chat(tool_calls=second_turn, usage=(1100, 10))  # asked again: never answered
    model.expect_chat(PLAN, usage=PLAN_USAGE)
    model.expect_chat(EDIT, match=is_edit, usage=EDIT_USAGE)
    assert agent.post("issues", labeled(repo)).status_code == 202

    first = start_worker(agent_settings)
    try:
        try:
            wait_for(lambda: len(model.requests) == 2, 60, "the first turn answered")
        finally:
            kill_machine(first)
        finish_with_next_worker(agent_settings, owner_conn)
    finally:
        held.set()

    asked = [r.json for r in model.requests]
    turns = [sum(m["role"] == "tool" for m in body["messages"]) for body in asked]
    # the first turn was asked once; the rerun's second turn already carries its tool result
    assert turns == [0, 1, 1, 2, 0]
    assert_completed_once(sim, repo, owner_conn)
    task_id, *_ = task_row(owner_conn)
    tools = owner_conn.execute(
        "SELECT data->>'tool' FROM task_events WHERE task_id = %s AND kind = 'tool' ORDER BY id",
        (task_id,),
    ).fetchall()
    assert tools == [("list_dir",), ("open_file",)]  # each tool ran once
    row = owner_conn.execute(
        "SELECT prompt_tokens, completion_tokens FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    spent = Usage(1000, 10) + Usage(1100, 10) + Usage(*PLAN_USAGE) + Usage(*EDIT_USAGE)
    assert row == (spent.prompt_tokens, spent.completion_tokens)  # the killed call not paid


def is_plan(body: dict[str, Any]) -> bool:
    return str(body["messages"][-1]["content"]).startswith("Resolve this issue")


def is_edit(body: dict[str, Any]) -> bool:
    return str(body["messages"][-1]["content"]).startswith("Carry out this plan")


PLAN_USAGE = (1000, 100)  # (prompt, completion) tokens
EDIT_USAGE = (2000, 200)


def test_a_model_call_finished_before_the_kill_is_not_asked_again(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    held = threading.Event()  # the first worker dies while the edit call is held
    model.expect_chat(PLAN, match=is_plan, usage=PLAN_USAGE)
    model.expect_chat(EDIT, match=is_edit, usage=EDIT_USAGE, hold=held)
    model.expect_chat(EDIT, match=is_edit, usage=EDIT_USAGE)  # the next worker's edit call
    assert agent.post("issues", labeled(repo)).status_code == 202

    first = start_worker(agent_settings)
    try:
        try:
            wait_for(lambda: len(model.requests) == 2, 60, "the plan answered, the edit asked")
            assert task_row(owner_conn)[1] == "running"
        finally:
            kill_machine(first)
        assert task_row(owner_conn)[1] == "running"  # nobody recorded anything
        finish_with_next_worker(agent_settings, owner_conn)
    finally:
        held.set()  # the dead worker's call: its answer goes nowhere

    asked = [r.json for r in model.requests]
    assert [is_plan(body) for body in asked] == [True, False, False]  # planned once
    assert [is_edit(body) for body in asked] == [False, True, True]
    assert_completed_once(sim, repo, owner_conn)
    # paid once for the plan, once for the edit that was answered
    spent = Usage(*PLAN_USAGE) + Usage(*EDIT_USAGE)
    task_id, *_ = task_row(owner_conn)
    row = owner_conn.execute(
        "SELECT prompt_tokens, completion_tokens, cost_usd FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    cost = estimated_cost(agent_settings.morningai_model, spent)
    assert cost is not None
    assert row is not None
    assert (row[0], row[1]) == (spent.prompt_tokens, spent.completion_tokens)
    assert float(row[2]) == pytest.approx(cost)
    # the model calls the task's timeline lists (running totals): the plan, then the edit
    recorded = owner_conn.execute(
        "SELECT data->>'prompt_tokens', data->>'completion_tokens' FROM task_events"
        " WHERE task_id = %s AND kind = 'model' ORDER BY id",
        (task_id,),
    ).fetchall()
    assert recorded == [("1000", "100"), ("3000", "300")]
    assert ("resumed", "resuming the graph from its last checkpoint") in [
        (kind, message) for kind, message, _ in events(owner_conn, task_id)
    ]
    [comment] = status_comments(sim, repo["number"])
    assert f"{spent.total:,} tokens" in comment["body"]
