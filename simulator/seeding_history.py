"""Seeding a repository's history: forks, pull requests, merges and closed issues. A merge,
close or reopen of a pull request on a repository whose App has an active hook delivers
`pull_request` to it, as GitHub does (simulator.pull_events)."""

from __future__ import annotations

from simulator import pull_events
from simulator.gitstore import GitStore
from simulator.merging import MergeRequest, merge
from simulator.pulls import open_pull, refresh
from simulator.routes_pulls import pull_json
from simulator.routing import Backend
from simulator.seeding import Seeding
from simulator.state import Account, Issue, Repo

CLOSE_REASONS = ("completed", "not_planned", "duplicate")


class HistorySeeding(Seeding):
    """What happened before the app arrived: forks, pulls opened and merged, issues closed."""

    _backend: Backend

    def fork(
        self, owner: str, repo: str, fork_owner: str, *, installation_id: int | None = None
    ) -> Repo:
        """Fork `owner/repo` to `fork_owner/repo`: its own bare repository with every branch.

        The app is not installed on the fork unless `installation_id` says so, as when a
        contributor forks a repository the app serves.
        """
        with self.world.lock:
            parent = self._repo(owner, repo)
            if self.world.repo(fork_owner, parent.name) is not None:
                raise ValueError(f"{fork_owner}/{parent.name} exists")
            account = self.world.account(fork_owner)
            git = GitStore(self.root / account.login.lower() / f"{parent.name.lower()}.git")
            git.init(parent.default_branch)
            git.fetch(parent.git.path, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
            fork = Repo(
                self.world.next_id(),
                account,
                parent.name,
                parent.private,
                parent.default_branch,
                parent.description,
                installation_id,
                self.world.now(),
                git,
                parent=parent,
            )
            self.world.repos[(fork_owner.lower(), parent.name.lower())] = fork
            return fork

    def open_pull(
        self,
        owner: str,
        repo: str,
        *,
        head_ref: str,
        title: str,
        head_owner: str | None = None,
        base_ref: str | None = None,
        body: str | None = "",
        user: str | None = None,
        draft: bool = False,
        maintainer_can_modify: bool = True,
    ) -> int:
        """Open a pull on `owner/repo` from `head_owner`'s fork (default: the repo itself).

        The head commit is fetched into the parent as `refs/pull/<n>/head`, as GitHub does.
        `user` (the author) defaults to `head_owner`. Returns the pull's number.
        """
        with self.world.lock:
            found = self._repo(owner, repo)
            source = self._repo(head_owner, found.name) if head_owner else found
            refs = (head_ref, base_ref or found.default_branch)
            author = self.world.account(user or source.owner.login)
            return open_pull(
                self.world,
                found,
                source,
                refs,
                (title, body),
                user=author,
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
            ).number

    def merge_pull(
        self,
        owner: str,
        repo: str,
        number: int,
        by: str = "alice",
        *,
        method: str = "merge",
        title: str | None = None,
        message: str | None = None,
    ) -> str:
        """Merge pull `number` as `by` (what PUT .../merge does); returns the new base sha."""
        with self.world.lock:
            found = self._repo(owner, repo)
            issue = found.issues.get(number)
            if issue is None or issue.pull is None:
                raise KeyError(f"{owner}/{repo}#{number} is not a pull request")
            ask = MergeRequest(method, title, message)
            merger = self.world.account(by)
            sha = merge(self.world, found, issue, merger, ask)
            self._announce(found, issue, "closed", merger)
            return sha

    def reopen_pull(self, owner: str, repo: str, number: int, by: str = "alice") -> None:
        """Reopen a pull closed without merging, as `by` (GitHub never reopens a merged one)."""
        with self.world.lock:
            found = self._repo(owner, repo)
            issue = found.issues.get(number)
            if issue is None or issue.pull is None:
                raise KeyError(f"{owner}/{repo}#{number} is not a pull request")
            if issue.pull.merged_at is not None or issue.state == "open":
                raise ValueError(f"{owner}/{repo}#{number} is merged or open")
            issue.state, issue.closed_at, issue.closed_by = "open", None, None
            issue.updated_at = self.world.now()
            self._announce(found, issue, "reopened", self.world.account(by))

    def _announce(self, found: Repo, issue: Issue, action: str, by: Account) -> None:
        site = self._backend.site
        pull_events.announce(
            self._backend,
            found,
            action=action,
            by=by,
            pull=lambda: pull_json(site, found, issue, refresh(found, issue)),
        )

    def close_issue(
        self,
        owner: str,
        repo: str,
        number: int,
        reason: str = "completed",
        *,
        by: str | None = None,
    ) -> None:
        """Close an issue (or a pull, unmerged) with `reason`: completed|not_planned|duplicate."""
        if reason not in CLOSE_REASONS:
            raise ValueError(f"reason must be one of {CLOSE_REASONS}")
        with self.world.lock:
            found = self._repo(owner, repo)
            issue = found.issues.get(number)
            if issue is None:
                raise KeyError(f"{owner}/{repo}#{number} does not exist")
            now = self.world.now()
            issue.state, issue.closed_at, issue.updated_at = "closed", now, now
            issue.state_reason = None if issue.pull else reason
            issue.closed_by = self.world.account(by or found.owner.login)
            if issue.pull is not None:
                self._announce(found, issue, "closed", issue.closed_by)
