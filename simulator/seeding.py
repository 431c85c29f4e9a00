"""Seeding the simulated world: installations, repositories, issues, comments, grants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from simulator.gitparse import Ident
from simulator.gitstore import ZERO_SHA, GitStore
from simulator.pulls import follow_push
from simulator.state import ORG_ROLES, ROLES, Comment, Installation, Issue, Label, Repo, World

DEFAULT_PERMISSIONS = {
    "contents": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}
DEFAULT_EVENTS = ["issues", "issue_comment", "pull_request"]


class Seeding:
    """What a test sets up before the app runs (the GitHubSimulator's setup half)."""

    root: Path
    world: World

    # accounts and installations ---------------------------------------------------------

    def add_installation(
        self,
        account: str,
        account_type: str = "Organization",
        *,
        permissions: dict[str, str] | None = None,
        events: list[str] | None = None,
        repository_selection: str = "selected",
    ) -> int:
        """Install the app on `account`; returns the installation id."""
        with self.world.lock:
            inst = Installation(
                self.world.next_id(),
                self.world.account(account, account_type),
                dict(permissions or DEFAULT_PERMISSIONS),
                list(events or DEFAULT_EVENTS),
                repository_selection,
                self.world.now(),
            )
            self.world.installations[inst.id] = inst
            return inst.id

    def suspend_installation(self, installation_id: int, suspended: bool = True) -> None:
        """A suspended installation gets 403 on token creation and on repo access."""
        with self.world.lock:
            inst = self.world.installations[installation_id]
            inst.suspended_at = self.world.now() if suspended else None

    def revoke_tokens(self, installation_id: int) -> int:
        """Invalidate every token of the installation (next use: 401); returns how many."""
        with self.world.lock:
            doomed = [
                v for v, t in self.world.tokens.items() if t.installation_id == installation_id
            ]
            for value in doomed:
                del self.world.tokens[value]
            return len(doomed)

    def expire_tokens(self, installation_id: int) -> int:
        """End the installation's tokens now, before the `expires_at` they were handed out
        with (next use: 401, as for an expired token); returns how many."""
        with self.world.lock:
            now = self.world.now()
            doomed = [t for t in self.world.tokens.values() if t.installation_id == installation_id]
            for token in doomed:
                token.expires_at = now
            return len(doomed)

    def advance_clock(self, delta: timedelta | float) -> None:
        """Move the simulator's clock (tokens and JWTs expire against it)."""
        with self.world.lock:
            self.world.clock_offset += (
                delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
            )

    def create_repo(
        self,
        owner: str,
        name: str,
        *,
        installation_id: int | None = None,
        files: Mapping[str, str | bytes] | None = None,
        default_branch: str = "main",
        private: bool = False,
        description: str | None = None,
        owner_type: str | None = None,
    ) -> Repo:
        """A bare repo under `root` with one commit of `files` on `default_branch`.

        `installation_id` defaults to the installation on `owner`, if there is one.
        """
        with self.world.lock:
            if self.world.repo(owner, name) is not None:
                raise ValueError(f"{owner}/{name} exists")
            inst = installation_id if installation_id is not None else self._installation_on(owner)
            kind = owner_type or (
                "Organization" if inst is None else self.world.installations[inst].account.type
            )
            account = self.world.account(owner, kind)
            git = self._init_git(account.login, name, default_branch, files)
            repo = Repo(
                self.world.next_id(),
                account,
                name,
                private,
                default_branch,
                description,
                inst,
                self.world.now(),
                git,
            )
            self.world.repos[(owner.lower(), name.lower())] = repo
            return repo

    def _init_git(
        self, owner: str, name: str, branch: str, files: Mapping[str, str | bytes] | None
    ) -> GitStore:
        git = GitStore(self.root / owner.lower() / f"{name.lower()}.git")
        git.init(branch)
        content = files or {"README.md": f"# {name}\n"}
        git.commit_files(branch, content, "Initial commit", self._ident(owner))
        return git

    def _installation_on(self, owner: str) -> int | None:
        return next(
            (
                i.id
                for i in self.world.installations.values()
                if i.account.login.lower() == owner.lower()
            ),
            None,
        )

    def _ident(self, login: str) -> Ident:
        account = self.world.account(login)
        return Ident(login, f"{account.id}+{login}@users.noreply.github.com", self.world.now())

    def push(
        self,
        owner: str,
        repo: str,
        branch: str,
        files: Mapping[str, str | bytes | None],
        *,
        message: str = "Update files",
        user: str | None = None,
        start: str | None = None,
    ) -> str:
        """Commit as a human would push (None deletes a file); returns the new head sha.

        A new branch starts at `start` (a branch or sha), or as a root commit when None.
        Works on forks too; open pulls whose head is this branch follow it.
        """
        with self.world.lock:
            found = self._repo(owner, repo)
            ref = f"refs/heads/{branch}"
            if start is not None and found.git.resolve(ref) is None:
                origin = found.git.resolve_commit(start)
                if origin is None:
                    raise KeyError(f"{start} is not a commit of {owner}/{repo}")
                found.git.set_ref(ref, origin, ZERO_SHA)
            sha = found.git.commit_files(
                branch, files, message, self._ident(user or found.owner.login)
            )
            follow_push(self.world, found, branch)
            return sha

    def add_issue(
        self,
        owner: str,
        repo: str,
        title: str,
        body: str | None = "",
        *,
        user: str = "octocat",
        labels: list[str] | None = None,
    ) -> int:
        """Open an issue as `user`; returns its number."""
        with self.world.lock:
            found = self._repo(owner, repo)
            for name in labels or []:
                self.add_label(owner, repo, name)
            now = self.world.now()
            item = Issue(
                found.next_number,
                self.world.next_id(),
                title,
                body,
                self.world.account(user),
                now,
                now,
                labels=[found.labels[n.lower()].name for n in labels or []],
            )
            found.issues[item.number] = item
            found.next_number += 1
            return item.number

    def add_comment(
        self, owner: str, repo: str, issue_number: int, body: str, *, user: str = "octocat"
    ) -> int:
        """Comment on an issue or pull as `user`; returns the comment id."""
        with self.world.lock:
            found = self._repo(owner, repo)
            if issue_number not in found.issues:
                raise KeyError(f"{owner}/{repo}#{issue_number} does not exist")
            now = self.world.now()
            item = Comment(
                self.world.next_id(), issue_number, body, self.world.account(user), now, now
            )
            found.comments[item.id] = item
            found.issues[issue_number].updated_at = now
            return item.id

    def add_label(
        self,
        owner: str,
        repo: str,
        name: str,
        color: str = "ededed",
        description: str | None = None,
    ) -> None:
        with self.world.lock:
            labels = self._repo(owner, repo).labels
            labels.setdefault(name.lower(), Label(self.world.next_id(), name, color, description))

    def set_permission(self, owner: str, repo: str, username: str, role: str) -> None:
        """Grant `role` (admin|maintain|write|triage|read|none) to `username` on the repo."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        with self.world.lock:
            self._repo(owner, repo).roles[username.lower()] = role
            self.world.account(username)

    def set_org_role(self, org: str, username: str, role: str | None) -> None:
        """Make `username` an active member of the organization `org` with `role` (admin or
        member), or no member at all (None): GET /user/memberships/orgs/{org} answers so."""
        if role not in ORG_ROLES and role is not None:
            raise ValueError(f"role must be one of {ORG_ROLES} or None")
        with self.world.lock:
            self.world.account(org, "Organization")
            self.world.account(username)
            key = (org.lower(), username.lower())
            if role is None:
                self.world.org_roles.pop(key, None)
            else:
                self.world.org_roles[key] = role

    def _repo(self, owner: str, repo: str) -> Repo:
        found = self.world.repo(owner, repo)
        if found is None:
            raise KeyError(f"{owner}/{repo} does not exist")
        return found
