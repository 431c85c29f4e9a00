"""Never duplicate a person's work: before a code task spends anything, look for someone already
on the issue (github_app.prior_work decides) and end the task `cancelled` with the links.

The requester can override with `/morningai code --anyway`; a label never carries it.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from datetime import UTC, datetime, timedelta

from github_app.client import RepoClient
from github_app.prior_work import (
    RECENT_DAYS,
    AssigneeBranch,
    PriorWork,
    explain,
    linking_pulls,
    names_issue,
    prior_work,
)
from jobs.runtime.errors import Cancelled
from jobs.runtime.runner import TaskRun


def look_for_prior_work(
    client: RepoClient, number: int, assignees: Set[str], skip_branches: Set[str]
) -> list[PriorWork]:
    """Open pull requests by people that link issue `number`, and branches naming it with a
    recent commit by an assignee. Three listings, plus one per branch naming the issue."""
    cross = client.cross_referencing_pulls(number)
    pulls = linking_pulls(number, client.full_name, client.open_pulls(), cross)
    since = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
    branches = _assignee_branches(client, number, assignees, skip_branches, since)
    return prior_work(pulls, list(branches))


def _assignee_branches(
    client: RepoClient,
    number: int,
    assignees: Set[str],
    skip_branches: Set[str],
    since: datetime,
) -> Iterator[AssigneeBranch]:
    people = sorted(a for a in assignees if not a.endswith("[bot]"))
    if not people:
        return
    for name in client.branch_names():
        if name in skip_branches or not names_issue(name, number):
            continue
        for login in people:
            url = client.commit_by(name, login, since)
            if url is not None:
                yield AssigneeBranch(name, login, url)
                break


def require_no_prior_work(
    run: TaskRun, client: RepoClient, number: int, assignees: Set[str], base: str
) -> None:
    """Raise Cancelled, naming who and where, when a person is already on the issue — unless
    the request said `--anyway`."""
    if run.subject.anyway:
        run.record("prior_work", "asked to work on it anyway; not looking for prior work")
        return
    found = look_for_prior_work(client, number, assignees, {base})
    if found:
        raise Cancelled(explain(found))
