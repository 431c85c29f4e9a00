"""Job entry point for `checks_passed` tasks: a check suite succeeded on the head of one of our
pull requests, so the status comment of the task that last pushed to it says the checks pass
(edited in place, found by its marker). No model call; quiet when anything is amiss."""

from __future__ import annotations

from db import check_fixes
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from github_app.handlers.checks import head_of
from jobs.runtime.errors import Cancelled
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps import ci_failure
from jobs.steps.request import Request, with_repo
from jobs.steps.status_comment import marker


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    head = head_of(run.subject.trigger)
    pull = client.pull(req.number)
    if head is None or pull.head_sha != head or pull.state != "open":
        raise Cancelled(f"#{req.number} is no longer at that head")
    # several suites (one per CI app) may run on a head: all of them must pass
    if not ci_failure.all_pass(r.conclusion for r in client.check_runs(head)):
        raise Cancelled(f"not every check of {head[:12]} passes")
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        found = check_fixes.last_pusher(scope, run.task.repository_id, req.number)
    if found is None:
        raise Cancelled(f"no task of ours pushed to #{req.number}")
    task_id, thread = found
    tag = marker(task_id)
    for comment in client.comments(thread):
        if comment.body.startswith(tag):
            client.update_comment(comment.id, ci_failure.with_checks_passed(comment.body, head))
            return f"task {task_id}'s status comment says the checks pass on {head[:12]}"
    raise Cancelled(f"task {task_id} keeps no status comment")
