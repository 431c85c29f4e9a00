"""Job entry point for `code` tasks: issue → pull request.

The composition root: builds the adapters (GitHub, the model, the checkpointer), runs the
code graph on a snapshot of the base commit, and publishes the result. Every path ends with
the status comment in a final state that says what happened.
"""

from __future__ import annotations

from pathlib import Path

from agents.code.state import CodeState
from github_app.client import RepoClient
from github_app.publish import (
    FileChange,
    branch_sha,
    commit,
    default_branch,
    open_pull_request,
    point_branch,
    request_review,
)
from jobs.code import pull_request
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
from jobs.steps.repo_config import RepoConfig
from jobs.steps.status_comment import StatusComment


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act), report)


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    client.react(req.number, "eyes")
    status = status_for(run, client, req.number)
    status.update(stage="reading", detail="Reading the repository.")
    run.event("acknowledged", f"acknowledged #{req.number} for @{req.requester}")
    config = load_config(client)
    base = config.base_branch or default_branch(client)
    # a resumed run keeps the base it started from, so its checkpoint still applies
    base_sha = run.task.base_sha or branch_sha(client, base)
    if base_sha is None:
        raise PermanentError(f"the base branch `{base}` does not exist")
    remember(run, base_sha=base_sha)
    issue = client.issue(req.number)
    if issue.state != "open" or issue.locked:
        raise Cancelled(f"issue #{req.number} is {'locked' if issue.locked else issue.state}")
    with checkout(client, base_sha) as root:
        state = run_graph(
            run,
            status,
            config,
            root,
            {
                "issue_number": req.number,
                "issue_title": issue.title,
                "issue_body": issue.body,
                "instructions": req.instructions,
            },
        )
        return _publish(run, client, status, config, req, base, base_sha, root, state)


def _publish(
    run: TaskRun,
    client: RepoClient,
    status: StatusComment,
    config: RepoConfig,
    req: Request,
    base: str,
    base_sha: str,
    root: Path,
    state: CodeState,
) -> str:
    tokens, cost = record_usage(run, status, state)
    if state.get("outcome") != "ready":
        raise PermanentError(state.get("reason") or "the agent produced no change")
    status.update(stage="publishing", detail="Opening the pull request.")
    contents = state.get("new_contents", {})
    text = pull_request.render(
        issue_number=req.number,
        title=state.get("title", ""),
        plan=state.get("plan", ""),
        new_contents=contents,
        existing_paths={p for p in contents if (root / p).is_file()},
        checks=state.get("checks", []),
        test_command=config.test_command,
        draft_configured=config.draft,
        trace_id=run.task.trace_id,
        model=run.ctx.settings.morningai_model,
        tokens=tokens,
        cost=cost,
    )
    changes = [FileChange(p, c, executable(root / p)) for p, c in sorted(contents.items())]
    sha = commit(client, base_sha, changes, f"{text.title}\n\nFixes #{req.number}")
    branch = pull_request.branch_name(req.number)
    point_branch(client, branch, sha)
    pr = open_pull_request(
        client, head=branch, base=base, title=text.title, body=text.body, draft=text.draft
    )
    request_review(client, pr.number, req.requester)
    remember(run, branch=branch, pr_number=pr.number, pr_url=pr.url)
    if base != default_branch(client):
        client.create_comment(
            req.number,
            f"Opened {pr.url} against `{base}`; it will not "
            "close this issue by itself when merged.",
        )
    status.update(link=pr.url)
    return f"opened #{pr.number}" if pr.created else f"updated #{pr.number}"
