"""Job entry point for `code` tasks (issue → pull request).

What runs today is the spine's part of it: check who asked, acknowledge with 👀 and one
status comment, then end. The code agent itself (issue #3) is not built yet, so the task
ends `failed` with that reason, in the comment too — never silently.
"""

from __future__ import annotations

from github_app.client import WRITE_PERMISSIONS
from jobs import status_comment
from jobs.errors import Cancelled, PermanentError
from jobs.runner import TaskRun, run_task

NOT_BUILT = (
    "The code agent is not built yet in this version of MorningAI, so no pull request was opened."
)


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, _work, _report)


def _subject(run: TaskRun) -> tuple[str, int, str]:
    s = run.task.subject
    return str(s["repository"]), int(s["number"]), str(s["requested_by"])


def _installation(run: TaskRun) -> int:
    from db import tenants
    from db.tenancy import tenant_transaction

    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        row = tenants.get(scope)
    if row is None:
        raise PermanentError("the installation is gone")
    return int(row["installation_id"])


def _work(run: TaskRun) -> str:
    repo_name, number, requester = _subject(run)
    client = run.ctx.repo(_installation(run), repo_name)
    permission = client.permission(requester)
    if permission not in WRITE_PERMISSIONS:
        run.event("refused", f"@{requester} has {permission} permission; write is required")
        client.create_comment(
            number,
            f"@{requester} MorningAI takes requests only from people "
            "with write access to this repository.",
        )
        raise Cancelled(f"@{requester} lacks write access")
    client.react(number, "eyes")
    status_comment.publish(
        client,
        number,
        status_comment.Status(run.task.id, run.task.trace_id, "running", "Reading the request."),
    )
    run.event("acknowledged", f"acknowledged #{number} for @{requester}")
    raise PermanentError(NOT_BUILT)


def _report(run: TaskRun, state: str, reason: str) -> None:
    """Leave the status comment in its final state, whatever ended the task."""
    repo_name, number, _ = _subject(run)
    client = run.ctx.repo(_installation(run), repo_name)
    if state == "cancelled":
        return  # the requester was already answered
    detail = reason if state != "succeeded" else "Finished."
    status_comment.publish(
        client, number, status_comment.Status(run.task.id, run.task.trace_id, state, detail)
    )
