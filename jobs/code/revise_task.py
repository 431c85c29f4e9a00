"""Job entry point for `revise` tasks: `/morningai revise <what>` on one of our pull requests, or
a person's review of one (jobs.code.review_replies), pushes a follow-up commit to its branch,
through the same graph, checks and publishing path as a code task (jobs.code.change); a
review's threads each get a reply saying what changed."""

from __future__ import annotations

from core.task_kinds import is_ours
from github_app.client import PullInfo, RepoClient
from jobs.code import review_replies
from jobs.code.change import issue_request, push, solve
from jobs.runtime.errors import Cancelled
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.budget import guard
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, require_writer, with_repo
from jobs.steps.results import remember, remember_pull
from jobs.steps.rules import load_config, org_file


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _own_pull(client: RepoClient, number: int) -> PullInfo:
    """Only pull requests MorningAI opened in this repository can be revised."""
    pull = client.pull(number)
    ours = pull.head_repo == client.full_name and is_ours(pull.head_ref)
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
    trigger = run.subject.trigger
    review = review_replies.from_review(trigger)
    notes = review_replies.read_notes(client, req.number, trigger) if review else []
    if review and not notes and not req.instructions.strip():
        raise Cancelled("the review has neither comments nor a body")
    if not review and not req.instructions.strip():
        client.create_comment(req.number, "Say what to change: `/morningai revise <what>`.")
        raise Cancelled("no instructions given")
    pull = _own_pull(client, req.number)
    client.react(req.number, "eyes")
    progress = TaskProgress(run)
    progress.update(stage="reading", detail=f"Reading `{pull.head_ref}`.")
    config = load_config(client, org_file(run.ctx, req.installation_id, client.full_name))
    # a resumed run keeps the head it started from, so its checkpoint still applies
    head_sha = run.task.base_sha or pull.head_sha
    remember(run, base_sha=head_sha)
    remember_pull(run, pull.number, pull.url, opened=False, branch=pull.head_ref)
    noted = (f"{n.path}\n{n.diff_hunk}\n{n.body}" for n in notes)
    asked = "\n".join([pull.title, pull.body or "", req.instructions, *noted])
    guard(run, progress, config.budget, asked)
    request = issue_request(pull.number, pull.title, pull.body, req.instructions)
    request["review_notes"] = review_replies.as_state(notes)
    change = solve(
        run, client, progress, config=config, sha=head_sha, request=request, reproduce=False
    )
    progress.update(stage="publishing", detail=f"Pushing to `{pull.head_ref}`.")
    title = change.title or "Revise"
    message = f"{title}\n\n{req.instructions}".rstrip()
    sha = push(client, change, parent=head_sha, branch=pull.head_ref, message=message)
    changed = {f.path for f in change.files}
    review_replies.reply_all(client, pull.number, notes, changed=changed, sha=sha, plan=change.plan)
    progress.update(link=pull.url)
    return f"pushed {sha[:12]} to {pull.head_ref}"
