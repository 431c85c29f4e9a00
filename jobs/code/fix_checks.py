"""Job entry point for `fix_checks` tasks: the checks of one of our pull requests failed on its
head, so push a fix to its branch through the revise path (jobs.code.change), with what failed
(check output, annotations, the Actions job's log tail) as untrusted instructions.

Before anything is spent: a head already taken up by an earlier delivery ends quietly (the
suite and each run are separate deliveries); `ci.max_fix_rounds` fix rounds already spent on
the pull request end with a comment; checks failing on the base branch too end with a comment
naming them. None of these asks the model.
"""

from __future__ import annotations

from core.repo_config import RepoConfig
from core.task_kinds import is_ours
from db import check_fixes
from db.tenancy import tenant_transaction
from github_app.client import CheckRunInfo, PullInfo, RepoClient
from github_app.handlers.checks import head_of
from jobs.code.change import issue_request, push, solve
from jobs.runtime.errors import Cancelled
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps import ci_failure
from jobs.steps.budget import guard
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, with_repo
from jobs.steps.results import remember, remember_pull
from jobs.steps.rules import load_config, org_file

MAX_ANNOTATIONS = 50


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _still_ours(client: RepoClient, req: Request, head: str) -> PullInfo:
    """The pull request, if it is still open, ours, and at the head whose checks failed."""
    pull = client.pull(req.number)
    if pull.head_repo != client.full_name or not is_ours(pull.head_ref) or pull.state != "open":
        raise Cancelled(f"#{req.number} is not an open MorningAI pull request")
    if pull.head_sha != head:
        raise Cancelled(f"#{req.number} has moved on from {head[:12]}")
    return pull


def _rounds_left(run: TaskRun, client: RepoClient, number: int, config: RepoConfig) -> None:
    trigger = run.subject.trigger
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        repository_id = run.task.repository_id
        if check_fixes.earlier_for_head(scope, repository_id, number, trigger, run.task.id):
            raise Cancelled("an earlier delivery took up the checks of this head")
        spent = check_fixes.rounds(scope, repository_id, number)
    if spent >= config.ci.max_fix_rounds:
        client.create_comment(number, ci_failure.limit_comment(spent))
        raise Cancelled(f"{spent} fix rounds spent (ci.max_fix_rounds)")


def _failure(client: RepoClient, found: CheckRunInfo) -> ci_failure.Failure:
    notes = []
    for index, note in enumerate(client.annotations(found.id)):
        if index == MAX_ANNOTATIONS:
            break
        line = ci_failure.annotation_line(
            note.path, note.start_line, note.annotation_level, note.message
        )
        notes.append(line)
    job = ci_failure.actions_job_id(found.details_url)
    log = ci_failure.trim_log(client.job_log(job)) if job is not None else ""
    return ci_failure.Failure(
        found.name, str(found.conclusion), found.title, found.summary, found.text, tuple(notes), log
    )


def _own_failures(client: RepoClient, pull: PullInfo) -> list[ci_failure.Failure]:
    """The head's failing checks that pass (or do not run) on the base branch; a comment
    names those failing there too."""
    failing = [r for r in client.check_runs(pull.head_sha) if ci_failure.failed(r.conclusion)]
    if not failing:
        raise Cancelled(f"no check fails on {pull.head_sha[:12]} any more")
    base = {r.name: r.conclusion for r in client.check_runs(pull.base_ref)}
    named = [ci_failure.Failure(r.name, str(r.conclusion)) for r in failing]
    own, inherited = ci_failure.split_by_base(named, base)
    if inherited:
        comment = ci_failure.base_failures_comment(inherited, pull.base_ref)
        client.create_comment(pull.number, comment)
    if not own:
        raise Cancelled("every failing check fails on the base branch too")
    names = {f.name for f in own}
    return [_failure(client, r) for r in failing if r.name in names]


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    head = head_of(run.subject.trigger)
    if head is None:
        raise Cancelled("the task names no head commit")
    pull = _still_ours(client, req, head)
    config = load_config(client, org_file(run.ctx, req.installation_id, client.full_name))
    _rounds_left(run, client, pull.number, config)
    failures = _own_failures(client, pull)
    progress = TaskProgress(run)
    names = ", ".join(f"`{f.name}`" for f in failures)
    progress.update(stage="reading", detail=f"Checks {names} failed on `{pull.head_ref}`.")
    remember(run, base_sha=head)
    remember_pull(run, pull.number, pull.url, opened=False, branch=pull.head_ref)
    asked = ci_failure.render(failures)
    guard(run, progress, config.budget, f"{pull.title}\n{pull.body}\n{asked}")
    request = issue_request(pull.number, pull.title, pull.body, asked)
    change = solve(
        run, client, progress, config=config, sha=head, request=request, reproduce=False
    )
    progress.update(stage="publishing", detail=f"Pushing to `{pull.head_ref}`.")
    title = change.title or "Fix the failing checks"
    message = f"{title}\n\nThe checks {names} failed on {head[:12]}."
    sha = push(client, change, parent=head, branch=pull.head_ref, message=message)
    progress.update(link=pull.url)
    return f"pushed {sha[:12]} to {pull.head_ref}"
