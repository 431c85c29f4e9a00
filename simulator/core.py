"""GitHubSimulator: the public face of the fake (seeding, inspection, faults, lifecycle)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from simulator.auth import new_private_key_pem, public_key
from simulator.contract import OpenAPIContract
from simulator.exchanges import Exchange, Fault, Recorder
from simulator.gitstore import GitStore, Ident
from simulator.routes_pulls import pull_json, refresh
from simulator.routing import Backend
from simulator.server import ServerThread, create_app
from simulator.shapes import JSON, Site
from simulator.shapes_issues import comment, issue, reaction
from simulator.state import ROLES, Comment, Installation, Issue, Label, Repo, World

DEFAULT_PERMISSIONS = {"contents": "write", "issues": "write", "metadata": "read",
                       "pull_requests": "write"}
DEFAULT_EVENTS = ["issues", "issue_comment", "pull_request"]
# githubkit caches JWTs and installation tokens process-wide by app id, so two simulators
# in one process must never share an app id.
_APP_IDS = itertools.count(100_000 + os.getpid() % 1000 * 1000)


class _LateApp:
    """The WSGI app slot filled once the server's port (hence the base URL) is known."""

    app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if self.app is None:
            raise RuntimeError("simulator not started")
        return self.app(environ, start_response)


class GitHubSimulator:
    """A GitHub fake over real HTTP, with bare git repositories under `root`."""

    def __init__(self, root: Path | str, *, app_slug: str = "morningai",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self.app_id = next(_APP_IDS)
        self.private_key_pem = new_private_key_pem()
        self.world = World(self.app_id, app_slug)
        self.recorder = Recorder()
        self._slot = _LateApp()
        self._server = ServerThread(self._slot, host, port)
        self.url = f"http://{host}:{self._server.port}"
        self.site = Site(self.world, self.url, self.url)
        self._slot.app = create_app(Backend(self.world, self.recorder, self.site,
                                            public_key(self.private_key_pem)))
        self._started = False

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubSimulator:
        if not self._started:
            self._server.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._server.stop()
            self._started = False

    def __enter__(self) -> GitHubSimulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # seeding -------------------------------------------------------------------------------

    def add_installation(self, account: str, account_type: str = "Organization", *,
                         permissions: dict[str, str] | None = None,
                         events: list[str] | None = None,
                         repository_selection: str = "selected") -> int:
        """Install the app on `account`; returns the installation id."""
        with self.world.lock:
            inst = Installation(self.world.next_id(), self.world.account(account, account_type),
                                dict(permissions or DEFAULT_PERMISSIONS),
                                list(events or DEFAULT_EVENTS), repository_selection,
                                self.world.now())
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
            doomed = [v for v, t in self.world.tokens.items()
                      if t.installation_id == installation_id]
            for value in doomed:
                del self.world.tokens[value]
            return len(doomed)

    def advance_clock(self, delta: timedelta | float) -> None:
        """Move the simulator's clock (tokens and JWTs expire against it)."""
        with self.world.lock:
            self.world.clock_offset += delta if isinstance(delta, timedelta) \
                else timedelta(seconds=delta)

    def create_repo(self, owner: str, name: str, *, installation_id: int | None = None,
                    files: dict[str, str | bytes] | None = None, default_branch: str = "main",
                    private: bool = False, description: str | None = None,
                    owner_type: str | None = None) -> Repo:
        """A bare repo under `root` with one commit of `files` on `default_branch`.

        `installation_id` defaults to the installation on `owner`, if there is one.
        """
        with self.world.lock:
            if self.world.repo(owner, name) is not None:
                raise ValueError(f"{owner}/{name} exists")
            inst = installation_id if installation_id is not None else self._installation_on(owner)
            kind = owner_type or ("Organization" if inst is None else
                                  self.world.installations[inst].account.type)
            account = self.world.account(owner, kind)
            git = GitStore(self.root / owner.lower() / f"{name.lower()}.git")
            git.init(default_branch)
            repo = Repo(self.world.next_id(), account, name, private, default_branch,
                        description, inst, self.world.now(), git)
            git.commit_files(default_branch, dict(files or {"README.md": f"# {name}\n"}),
                             "Initial commit", self._ident(account.login))
            self.world.repos[(owner.lower(), name.lower())] = repo
            return repo

    def _installation_on(self, owner: str) -> int | None:
        return next((i.id for i in self.world.installations.values()
                     if i.account.login.lower() == owner.lower()), None)

    def _ident(self, login: str) -> Ident:
        account = self.world.account(login)
        return Ident(login, f"{account.id}+{login}@users.noreply.github.com", self.world.now())

    def push(self, owner: str, repo: str, branch: str, files: dict[str, str | bytes | None], *,
             message: str = "Update files", user: str | None = None) -> str:
        """Commit as a human would push (None deletes a file); returns the new head sha."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return found.git.commit_files(branch, files, message,
                                          self._ident(user or found.owner.login))

    def add_issue(self, owner: str, repo: str, title: str, body: str | None = "", *,
                  user: str = "octocat", labels: list[str] | None = None) -> int:
        """Open an issue as `user`; returns its number."""
        with self.world.lock:
            found = self._repo(owner, repo)
            for name in labels or []:
                self.add_label(owner, repo, name)
            now = self.world.now()
            item = Issue(found.next_number, self.world.next_id(), title, body,
                         self.world.account(user), now, now,
                         labels=[found.labels[n.lower()].name for n in labels or []])
            found.issues[item.number] = item
            found.next_number += 1
            return item.number

    def add_comment(self, owner: str, repo: str, issue_number: int, body: str, *,
                    user: str = "octocat") -> int:
        """Comment on an issue or pull as `user`; returns the comment id."""
        with self.world.lock:
            found = self._repo(owner, repo)
            if issue_number not in found.issues:
                raise KeyError(f"{owner}/{repo}#{issue_number} does not exist")
            now = self.world.now()
            item = Comment(self.world.next_id(), issue_number, body, self.world.account(user),
                           now, now)
            found.comments[item.id] = item
            return item.id

    def add_label(self, owner: str, repo: str, name: str, color: str = "ededed",
                  description: str | None = None) -> None:
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

    # inspection ----------------------------------------------------------------------------

    def _repo(self, owner: str, repo: str) -> Repo:
        found = self.world.repo(owner, repo)
        if found is None:
            raise KeyError(f"{owner}/{repo} does not exist")
        return found

    def git_dir(self, owner: str, repo: str) -> Path:
        return self._repo(owner, repo).git.path

    def issue(self, owner: str, repo: str, number: int) -> JSON:
        with self.world.lock:
            found = self._repo(owner, repo)
            return issue(self.site, found, found.issues[number])

    def comments(self, owner: str, repo: str, issue_number: int) -> list[JSON]:
        """Current comments (edits applied; earlier bodies under `body_history`)."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return [{**comment(self.site, found, c), "body_history": list(c.history)}
                    for c in found.comments.values() if c.issue_number == issue_number]

    def reactions(self, owner: str, repo: str, issue_number: int | None = None, *,
                  comment_id: int | None = None) -> list[JSON]:
        """Reactions on an issue/pull, or on a comment when `comment_id` is given."""
        with self.world.lock:
            found = self._repo(owner, repo)
            items = found.comments[comment_id].reactions if comment_id is not None \
                else found.issues[issue_number or 0].reactions
            return [reaction(self.site, r) for r in items]

    def pulls(self, owner: str, repo: str) -> list[JSON]:
        """Every pull request (any state), oldest first, as GET /pulls/{n} shows it."""
        with self.world.lock:
            found = self._repo(owner, repo)
            return [pull_json(self.site, found, i, refresh(found, i.pull))
                    for i in found.issues.values() if i.pull is not None]

    @property
    def requests(self) -> list[Exchange]:
        return self.recorder.snapshot()

    def inject_fault(self, method: str = "*", path: str = ".*", status: int = 500, *,
                     headers: dict[str, str] | None = None, body: Any = None,
                     times: int = 1) -> None:
        """Answer the next `times` requests matching `method` and `path` (regex) with this."""
        self.recorder.add_fault(Fault(method.upper(), re.compile(path), status,
                                      dict(headers or {}), body, times))

    def contract_violations(self, contract: OpenAPIContract | None = None) -> list[str]:
        """Problems of every recorded api.github.com exchange against GitHub's description.

        Injected faults and non-API paths (the codeload download) are skipped.
        """
        checker = contract or OpenAPIContract.load()
        return [problem for ex in self.requests if ex.operation_id and not ex.injected
                for problem in checker.check_exchange(ex)]
