"""Job entry point for `faq_history` tasks: `/morningai faq` on an issue mines the closed
issues and merged pull requests updated since the last run into FAQ entries, and opens one
pull request that adds them to `docs/faq/`.

Incremental: the repository remembers how far mining got (`faq_mined_through`); each run reads
at most MAX_THREADS threads, oldest first, and the next run continues after them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from agents.faq.state import Thread
from core.task_kinds import kind_of
from db import repositories
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from github_app.publish import default_branch
from jobs.faq.answer import repository_id, write_answer
from jobs.faq.docs import open_docs_pull
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, require_writer, with_repo
from jobs.steps.results import remember_pull

KIND = kind_of("faq_history")
MAX_THREADS = 25
MAX_COMMENTS = 30


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


@dataclass(frozen=True)
class ResolvedThread:
    kind: str  # issue | pull
    number: int
    url: str
    title: str
    body: str
    updated_at: datetime
    comments: tuple[str, ...] = ()

    def as_input(self) -> Thread:
        return {
            "kind": "pull" if self.kind == "pull" else "issue",
            "number": self.number,
            "url": self.url,
            "title": self.title,
            "body": self.body,
            "comments": list(self.comments),
        }


def resolved_threads(
    client: RepoClient, since: datetime | None, limit: int
) -> list[ResolvedThread]:
    """Closed-as-completed issues and merged pull requests updated after `since`, oldest
    first, at most `limit` (the client pages through them, and stops when we do)."""
    found: list[ResolvedThread] = []
    for item in client.closed_issues(since):
        if since is not None and item.updated_at <= since:
            continue  # `since` is inclusive; the last run already read this one
        if item.by_bot:
            continue
        if item.is_pull_request and not item.merged:
            continue  # closed without merging: nothing was decided
        if not item.is_pull_request and item.state_reason not in (None, "completed"):
            continue  # not planned, duplicate: no answer to learn from
        found.append(
            ResolvedThread(
                kind="pull" if item.is_pull_request else "issue",
                number=item.number,
                url=item.url,
                title=item.title,
                body=item.body,
                updated_at=item.updated_at,
            )
        )
        if len(found) >= limit:
            break
    return found


def with_comments(client: RepoClient, thread: ResolvedThread) -> ResolvedThread:
    comments = [
        c.body
        for c in client.comments(thread.number)
        if c.body.strip() and not c.body.startswith("<!-- morningai")
    ]
    return replace(thread, comments=tuple(comments[:MAX_COMMENTS]))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    # no thread: asked from the command line by the operator (`morningai faq --repo`), and
    # so no status comment either (the sinks know)
    if run.subject.has_thread:
        require_writer(client, req, run.ctx.redis)
        client.react(req.number, "eyes")
    status = TaskProgress(run)
    status.stage("reading", "Reading closed issues and merged pull requests.")
    repo_id = repository_id(run)
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        since = repositories.faq_mined_through(scope, repo_id)
    threads = [with_comments(client, t) for t in resolved_threads(client, since, MAX_THREADS)]
    if not threads:
        status.stage("publishing", "Nothing new was resolved since the last run.")
        return "nothing new to mine"
    answer = write_answer(
        run,
        client,
        status,
        {
            "mode": "history",
            "task_label": "FAQ from the repository's history",
            "threads": [t.as_input() for t in threads],
        },
    )
    through = threads[-1].updated_at
    doc = replace(answer.doc, slug=f"history-{through:%Y-%m-%d}")
    status.stage("publishing", f"Proposing `{doc.path}`.")
    asked = f"asked for in #{req.number} by @{req.requester}" if req.number else "asked for"
    spend = answer.spend
    numbers = ", ".join(f"#{t.number}" for t in threads)
    pr = open_docs_pull(
        client,
        branch=KIND.branch_for(),
        base=default_branch(client),
        docs=[doc],
        title="docs(faq): FAQ from resolved issues and pull requests",
        body=f"FAQ entries mined from {len(threads)} resolved threads ({numbers}), "
        f"{asked}.\n\nTask {run.task.id}, trace `{run.task.trace_id}`, {spend}.",
        message=f"docs(faq): FAQ from {len(threads)} resolved threads",
    )
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        repositories.set_faq_mined_through(scope, repo_id, through)
    remember_pull(run, pr.number, pr.url, opened=pr.created)
    more = " More remain: ask again to continue." if len(threads) >= MAX_THREADS else ""
    status.set(link=pr.url)
    status.stage("publishing", f"Mined {len(threads)} resolved threads into `{doc.path}`.{more}")
    return f"{'opened' if pr.created else 'updated'} #{pr.number} from {len(threads)} threads"
