"""Job entry point for `faq_stale` tasks: a merged pull request changed files that FAQ
entries cite, so those entries are marked stale; with `faq.auto_update: true` in
`.github/morningai.yml`, a pull request refreshing them is opened.

Quiet by design: it runs for every merged pull request and comments nowhere.
"""

from __future__ import annotations

from dataclasses import replace

from core.task_kinds import kind_of
from db import faq
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from github_app.publish import default_branch
from jobs.faq.answer import repository_id, write_answer
from jobs.faq.docs import open_docs_pull
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, with_repo
from jobs.steps.results import remember_pull
from jobs.steps.rules import load_config

KIND = kind_of("faq_stale")
MAX_REFRESH = 20


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def changed_paths(client: RepoClient, number: int) -> list[str]:
    """Every path the pull request touched, a renamed file's old name included."""
    paths: list[str] = []
    for changed in client.pull_files(number):
        paths.append(changed.path)
        if changed.previous:
            paths.append(changed.previous)
    return paths


def refresh_question(number: int, questions: list[str], paths: list[str]) -> str:
    listed = "\n".join(f"- {q}" for q in questions)
    files = ", ".join(f"`{p}`" for p in paths[:30])
    return (
        f"Pull request #{number} changed {files}. These FAQ entries cite those files and may "
        f"now be wrong; answer each of them again from the current code, keeping the question "
        f"wording:\n{listed}"
    )


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    repo_id = repository_id(run)
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        if not faq.list_entries(scope, repo_id):
            return "the repository has no FAQ entries"
    paths = changed_paths(client, req.number)
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        marked = faq.mark_stale_for_paths(scope, repo_id, paths)
        stale = faq.list_entries(scope, repo_id, stale_only=True)
    run.event("stale", f"#{req.number} made {marked} FAQ entries stale", paths=paths[:100])
    if not stale or not load_config(client).faq.auto_update:
        return f"marked {marked} FAQ entries stale"
    questions = [entry.question for entry in stale[:MAX_REFRESH]]
    # no status comment (the kind declares no stages): live views still see the progress
    answer = write_answer(
        run,
        client,
        TaskProgress(run),
        {
            "mode": "ask",
            "task_label": f"Refresh of FAQ entries made stale by PR #{req.number}",
            "question": refresh_question(req.number, questions, paths),
        },
        source_pr=req.number,
    )
    usage = answer.spend
    doc = replace(answer.doc, slug=f"refresh-pr-{req.number}")
    pr = open_docs_pull(
        client,
        branch=KIND.branch_for(),
        base=default_branch(client),
        docs=[doc],
        title=f"docs(faq): refresh FAQ entries after #{req.number}",
        body=f"#{req.number} changed files that {len(stale)} FAQ entries cite "
        f"(`faq.auto_update: true`). Refreshed answers are in `{doc.path}`.\n\n"
        f"Task {run.task.id}, trace `{run.task.trace_id}`, {usage}.",
        message=f"docs(faq): refresh FAQ entries after #{req.number}",
    )
    remember_pull(run, pr.number, pr.url, opened=pr.created)
    return f"marked {marked} stale; {'opened' if pr.created else 'updated'} #{pr.number}"
