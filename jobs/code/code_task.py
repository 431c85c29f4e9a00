"""Job entry point for `code` tasks: issue → pull request.

The composition root: reads the issue and the repository's rules, runs the code graph on a
snapshot of the base commit (jobs.code.change), and opens or updates the pull request. Every
path ends with the status comment in a final state (the sinks see to it).
"""

from __future__ import annotations

from core.repo_config import RepoConfig
from core.task_kinds import kind_of
from github_app.client import RepoClient
from github_app.publish import branch_sha, default_branch, open_pull_request, request_review
from jobs.code import pull_request
from jobs.code.change import Change, issue_request, push, solve
from jobs.runtime.errors import Cancelled, PermanentError
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.budget import guard
from jobs.steps.prior_work import require_no_prior_work
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, require_writer, with_repo
from jobs.steps.results import remember, remember_pull
from jobs.steps.rules import load_config, org_file

KIND = kind_of("code")


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    client.react(req.number, "eyes")
    progress = TaskProgress(run)
    progress.update(stage="reading", detail="Reading the repository.")
    run.event("acknowledged", f"acknowledged #{req.number} for @{req.requester}")
    config = load_config(client, org_file(run.ctx, req.installation_id, client.full_name))
    base = config.base_branch or default_branch(client)
    # a resumed run keeps the base it started from, so its checkpoint still applies
    base_sha = run.task.base_sha or branch_sha(client, base)
    if base_sha is None:
        raise PermanentError(f"the base branch `{base}` does not exist")
    remember(run, base_sha=base_sha)
    issue = client.issue(req.number)
    if issue.state != "open" or issue.locked:
        raise Cancelled(f"issue #{req.number} is {'locked' if issue.locked else issue.state}")
    require_no_prior_work(run, client, req.number, set(issue.assignees), base)
    guard(run, progress, config.budget, f"{issue.title}\n{issue.body}\n{req.instructions}")
    change = solve(
        run,
        client,
        progress,
        config=config,
        sha=base_sha,
        request=issue_request(req.number, issue.title, issue.body, req.instructions),
    )
    progress.update(stage="publishing", detail="Opening the pull request.")
    return _open_pull(run, client, progress, config, req, base, base_sha, change)


def _open_pull(
    run: TaskRun,
    client: RepoClient,
    progress: TaskProgress,
    config: RepoConfig,
    req: Request,
    base: str,
    base_sha: str,
    change: Change,
) -> str:
    text = pull_request.render(
        issue_number=req.number,
        title=change.title,
        plan=change.plan,
        new_contents={f.path: f.content for f in change.files},
        existing_paths=set(change.existing),
        checks=change.checks,
        reproduction=change.reproduction,
        suite=change.suite,
        kept_reproduction=change.kept_reproduction,
        draft_configured=config.draft,
        trace_id=run.task.trace_id,
        model=run.ctx.settings.morningai_model,
        tokens=change.spend.tokens,
        cost=change.spend.price,
    )
    branch = KIND.branch_for(number=req.number)
    message = f"{text.title}\n\nFixes #{req.number}"
    push(client, change, parent=base_sha, branch=branch, message=message)
    pr = open_pull_request(
        client, head=branch, base=base, title=text.title, body=text.body, draft=text.draft
    )
    request_review(client, pr.number, req.requester)
    remember_pull(run, pr.number, pr.url, opened=pr.created, branch=branch)
    if base != default_branch(client):
        client.create_comment(
            req.number,
            f"Opened {pr.url} against `{base}`; it will not "
            "close this issue by itself when merged.",
        )
    progress.update(link=pr.url)
    return f"opened #{pr.number}" if pr.created else f"updated #{pr.number}"
