"""Job entry point for `faq_pr` tasks: `/morningai faq` on a pull request writes the FAQ for
the change into `docs/faq/` on the pull request's own branch (a comment for forks)."""

from __future__ import annotations

import re

from github_app.client import PullInfo, RepoClient, RequestFailed
from jobs.faq.answer import write_answer
from jobs.faq.docs import DOCS_DIR, Document, as_comment, is_fork, push_to_pull
from jobs.runtime.runner import TaskRun, run_task
from jobs.steps.progress import TaskProgress
from jobs.steps.request import Request, require_writer, with_repo
from jobs.steps.results import remember

MAX_DIFF_CHARS = 40_000
MAX_LINKED = 3
# GitHub's closing keywords: https://docs.github.com/en/issues/tracking-your-work-with-issues/linking-a-pull-request-to-an-issue
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d+)\b", re.I)


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    client.react(req.number, "eyes")
    progress = TaskProgress(run)
    progress.update(stage="reading", detail=f"Reading pull request #{req.number}.")
    pull = client.pull(req.number)
    # a resumed run keeps the head it started from, so its checkpoint still applies
    head_sha = run.task.base_sha or pull.head_sha
    remember(run, base_sha=head_sha, pr_number=pull.number, pr_url=pull.url)
    changed, diff = _changes(client, pull.number)
    answer = write_answer(
        run,
        client,
        progress,
        {
            "mode": "pr",
            "task_label": f"FAQ for PR #{pull.number}",
            "pr_number": pull.number,
            "pr_title": pull.title,
            "pr_body": pull.body + _linked_issues(client, pull.body),
            "pr_url": pull.url,
            "diff": diff,
            "changed_paths": changed,
        },
        files_at=head_sha,
        source_pr=pull.number,
        # a second `/morningai faq` updates the file the first one wrote
        slug_from=lambda paths: _existing_slug(paths, pull.number),
    )
    run.event("remembered", f"{answer.added} FAQ entries added, {answer.updated} updated")
    return _publish(client, progress, pull, answer.doc)


def _publish(client: RepoClient, status: TaskProgress, pull: PullInfo, doc: Document) -> str:
    if is_fork(client, pull):
        client.create_comment(
            pull.number,
            as_comment(
                doc.markdown,
                f"This pull request comes from a fork, so here is the FAQ for it "
                f"(`{doc.path}`) as a comment; a maintainer can add it to the change.",
            ),
        )
        status.update(stage="publishing", detail="Posted the FAQ as a comment (fork).")
        return "commented (fork)"
    status.update(stage="publishing", detail=f"Committing `{doc.path}` to `{pull.head_ref}`.")
    try:
        sha = push_to_pull(client, pull, [doc], f"docs(faq): FAQ for #{pull.number}\n\n{doc.title}")
    except RequestFailed as exc:
        # a protected branch (403/422 from the ref update): say so and give the document anyway
        if exc.response.status_code not in (403, 422):
            raise
        client.create_comment(
            pull.number,
            as_comment(
                doc.markdown, f"I may not push to `{pull.head_ref}`, so here is `{doc.path}`."
            ),
        )
        status.update(detail=f"`{pull.head_ref}` refused the push; posted the FAQ as a comment.")
        return "commented (branch refused the push)"
    if sha is None:
        status.update(detail=f"`{doc.path}` on `{pull.head_ref}` was already up to date.")
        return "unchanged"
    status.update(detail=f"Committed `{doc.path}` to `{pull.head_ref}` ({sha[:7]}).")
    return f"committed {sha[:12]} to {pull.head_ref}"


def _changes(client: RepoClient, number: int) -> tuple[list[str], str]:
    """The changed paths and a unified diff of the pull request, cut to a reading size."""
    paths: list[str] = []
    parts: list[str] = []
    size = 0
    for changed in client.pull_files(number):
        paths.append(changed.path)
        patch = f"--- a/{changed.path}\n+++ b/{changed.path}\n{changed.patch}\n"
        if size + len(patch) <= MAX_DIFF_CHARS:
            parts.append(patch)
            size += len(patch)
    if len(parts) < len(paths):
        parts.append(f"(diff cut: {len(paths) - len(parts)} more files changed)\n")
    return paths, "".join(parts)


def _linked_issues(client: RepoClient, body: str) -> str:
    """The issues the pull request says it closes ("Fixes #12"), as more context for the FAQ."""
    found: list[str] = []
    numbers = list(dict.fromkeys(int(n) for n in _CLOSES.findall(body)))
    for number in numbers[:MAX_LINKED]:
        try:
            issue = client.issue(number)
        except RequestFailed:
            continue  # a reference to something that does not exist is not our problem
        if not issue.is_pull_request:
            found.append(f"\n\nLinked issue #{number}: {issue.title}\n{issue.body[:4000]}")
    return "".join(found)


def _existing_slug(paths: list[str], number: int) -> str | None:
    prefix = f"{DOCS_DIR}/pr-{number}-"
    found = sorted(p for p in paths if p.startswith(prefix) and p.endswith(".md"))
    return found[0][len(DOCS_DIR) + 1 : -len(".md")] if found else None
