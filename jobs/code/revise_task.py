"""Job entry point for `revise` tasks: `/morningai revise <what>` on one of our pull requests
pushes a follow-up commit to its branch, through the same graph and checks."""

from __future__ import annotations

from github_app.client import PullInfo, RepoClient
from github_app.publish import FileChange, commit, point_branch
from jobs.runtime.errors import Cancelled, PermanentError
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.agent_run import (
    Request,
    checkout,
    executable,
    load_config,
    record_usage,
    remember,
    report,
    require_writer,
    run_graph,
    status_for,
    with_repo,
)

BRANCH_PREFIX = "morningai/"


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act), report)


def _own_pull(client: RepoClient, number: int) -> PullInfo:
    """Only pull requests MorningAI opened in this repository can be revised."""
    pull = client.pull(number)
    ours = pull.head_repo == client.full_name and pull.head_ref.startswith(BRANCH_PREFIX)
    if not ours or pull.state != "open":
        client.create_comment(
            number,
            "`/morningai revise` works on open pull requests that "
            "MorningAI opened in this repository.",
        )
        raise Cancelled(f"#{number} is not an open MorningAI pull request")
    return pull


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    if not req.instructions.strip():
        client.create_comment(req.number, "Say what to change: `/morningai revise <what>`.")
        raise Cancelled("no instructions given")
    pull = _own_pull(client, req.number)
    client.react(req.number, "eyes")
    status = status_for(run, client, req.number)
    status.update(stage="reading", detail=f"Reading `{pull.head_ref}`.")
    config = load_config(client)
    # a resumed run keeps the head it started from, so its checkpoint still applies
    head_sha = run.task.base_sha or pull.head_sha
    remember(run, base_sha=head_sha, branch=pull.head_ref, pr_number=pull.number, pr_url=pull.url)
    with checkout(client, head_sha) as snapshot:
        state = run_graph(
            run,
            status,
            config,
            snapshot,
            {
                "issue_number": pull.number,
                "issue_title": pull.title,
                "issue_body": pull.body,
                "instructions": req.instructions,
            },
        )
        record_usage(run, status, state)
        if state.get("outcome") != "ready":
            raise PermanentError(state.get("reason") or "the agent produced no change")
        status.update(stage="publishing", detail=f"Pushing to `{pull.head_ref}`.")
        contents = state.get("new_contents", {})
        changes = [FileChange(p, c, executable(snapshot / p)) for p, c in sorted(contents.items())]
        title = state.get("title") or "Revise"
        sha = commit(client, head_sha, changes, f"{title}\n\n{req.instructions}")
    point_branch(client, pull.head_ref, sha)
    status.update(link=pull.url)
    return f"pushed {sha[:12]} to {pull.head_ref}"
