"""The task-kind registry: every kind runs a real job on a real queue, and the web process can
read it (and enqueue) without loading LangGraph or the model client."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

from core.task_kinds import BRANCH_PREFIX, KINDS, QUEUE_NAMES, is_ours, kind_of
from github_app.handlers.comments import ISSUE_VERBS, PULL_VERBS
from tests.support.paths import ROOT


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_kind_names_a_job_that_takes_the_task_id(name: str) -> None:
    kind = KINDS[name]
    module, _, function = kind.job.rpartition(".")
    job = getattr(importlib.import_module(module), function)
    assert list(inspect.signature(job).parameters) == ["task_id"]
    assert kind.queue in QUEUE_NAMES
    assert kind.timeout_seconds > 0
    assert kind.name == name


@pytest.mark.parametrize("name", sorted(k for k, v in KINDS.items() if v.stages))
def test_a_kind_with_a_status_comment_ends_on_a_publishing_stage(name: str) -> None:
    # the sink's final report puts a finished task on the `publishing` stage
    stages = [stage for stage, _ in KINDS[name].stages]
    assert stages[0] == "queued"
    assert stages[-1] == "publishing"


def test_every_command_names_a_declared_kind() -> None:
    assert set(ISSUE_VERBS.values()) | set(PULL_VERBS.values()) <= set(KINDS)


def test_branches_are_ours_and_named_once() -> None:
    assert kind_of("code").branch_for(number=12) == "morningai/issue-12"
    assert kind_of("ask").branch_for(slug="x" * 300) == ("morningai/faq-" + "x" * 300)[:200]
    assert kind_of("faq_history").branch_for() == "morningai/faq-history"
    assert all(is_ours(k.branch) for k in KINDS.values() if k.branch)
    assert is_ours(BRANCH_PREFIX + "issue-1")
    assert not is_ours("feature/morningai/issue-1")
    with pytest.raises(ValueError, match="no branch"):
        kind_of("revise").branch_for(number=1)
    with pytest.raises(ValueError, match="unknown task kind"):
        kind_of("deploy")


def test_the_web_process_loads_neither_langgraph_nor_the_model_client() -> None:
    # the import contracts check the code; this checks what a running web process loads
    probe = (
        "import sys, web.wsgi, web.webhooks, core.task_kinds, jobs.runtime.queues;"
        "print(sorted(m for m in ('langgraph', 'openai', 'agents', 'jobs.code', 'jobs.faq')"
        " if m in sys.modules))"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "", "REDIS_URL": ""}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
