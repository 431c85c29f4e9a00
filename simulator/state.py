"""The simulated world: accounts, installations, tokens, repositories, issues and pulls."""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.gitstore import GitStore

ROLES = ("admin", "maintain", "write", "triage", "read", "none")
ORG_ROLES = ("admin", "member")  # an organization membership's role (GitHub adds billing_manager)


@dataclass
class Account:
    """A user, organization or bot."""

    login: str
    id: int
    type: str  # "User" | "Organization" | "Bot"


# githubkit caches JWTs and installation tokens process-wide by app id, so two simulators
# in one process, or two Apps of one simulator, must never share an app id.
APP_IDS = itertools.count(100_000 + os.getpid() % 1000 * 1000)


@dataclass
class App:
    """A GitHub App: the simulator's own, or one registered from a manifest."""

    id: int
    slug: str
    name: str
    owner: Account
    bot: Account
    created_at: datetime
    # a manifest App's own credentials (the simulator's own App keeps its key in Backend)
    private_key_pem: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    permissions: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    # from its manifest: its homepage, where its webhooks go (None: inactive), and where the
    # browser goes after an install (None: the installation's page on GitHub)
    homepage: str | None = None
    hook_url: str | None = None
    setup_url: str | None = None

    @property
    def client_id(self) -> str:
        return f"Iv1.{self.id:016x}"


@dataclass
class Installation:
    id: int
    account: Account
    permissions: dict[str, str]
    events: list[str]
    repository_selection: str
    created_at: datetime
    suspended_at: datetime | None = None
    app_id: int | None = None  # a manifest App's installation (None: the simulator's own App)


@dataclass
class Token:
    """An installation access token; `repo_ids` None means every repo of the installation."""

    value: str
    installation_id: int
    expires_at: datetime
    permissions: dict[str, str]
    repo_ids: frozenset[int] | None


@dataclass
class UserGrant:
    """A user-to-server credential of the App's OAuth client: a `ghu_` access token, a
    `ghr_` refresh token, or a one-use authorization code (`challenge`, `redirect_uri` set)."""

    login: str
    client_id: str
    expires_at: datetime
    redirect_uri: str = ""
    challenge: str = ""
    access: str = ""  # a refresh token's access token, which ends when it is used


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class Reaction:
    id: int
    content: str
    user: Account
    created_at: datetime


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: Account
    created_at: datetime
    updated_at: datetime
    reactions: list[Reaction] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # earlier bodies, oldest first


@dataclass
class Review:
    """A submitted pull request review; `state` as the REST API spells it (APPROVED,
    CHANGES_REQUESTED, COMMENTED)."""

    id: int
    pull_number: int
    user: Account
    body: str
    state: str
    commit_id: str
    submitted_at: datetime


@dataclass
class ReviewComment:
    """A comment on a pull request's diff, in a review; `in_reply_to` names a thread's first
    comment."""

    id: int
    pull_number: int
    review_id: int
    user: Account
    body: str
    path: str
    line: int | None
    diff_hunk: str
    commit_id: str
    created_at: datetime
    in_reply_to: int | None = None


@dataclass
class Pull:
    """The pull-request half of an issue (issues and PRs share numbers, as on GitHub)."""

    head_ref: str
    base_ref: str
    head_sha: str
    base_sha: str
    draft: bool
    maintainer_can_modify: bool = True
    merged_at: datetime | None = None
    requested_reviewers: list[Account] = field(default_factory=list)
    # the fork the head branch lives in (None: the pull's own repository)
    head_repo: Repo | None = field(default=None, compare=False, repr=False)
    merge_commit_sha: str | None = None
    merged_by: Account | None = None


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: Account
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[Account] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    locked: bool = False
    closed_by: Account | None = None
    pull: Pull | None = None


@dataclass
class Repo:
    id: int
    owner: Account
    name: str
    private: bool
    default_branch: str
    description: str | None
    installation_id: int | None
    created_at: datetime
    git: GitStore
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # keyed by lower-case name
    roles: dict[str, str] = field(default_factory=dict)  # lower-case login -> role
    reviews: dict[int, Review] = field(default_factory=dict)
    review_comments: dict[int, ReviewComment] = field(default_factory=dict)
    next_number: int = 1
    parent: Repo | None = field(default=None, compare=False, repr=False)  # set on forks

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"


class World:
    """All simulator state behind one re-entrant lock (requests are served one at a time)."""

    def __init__(self, app_id: int, app_slug: str) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        self.clock_offset = timedelta()
        self.accounts: dict[str, Account] = {}
        owner = self.account("morningai-dev", "Organization")
        bot = self.account(f"{app_slug}[bot]", "Bot")
        self.app = App(app_id, app_slug, app_slug.replace("-", " ").title(), owner, bot, self.now())
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[tuple[str, str], Repo] = {}
        self.rate_used: dict[str, int] = {}  # requests per rate-limit bucket
        self.downloads: dict[str, tuple[int, str, datetime]] = {}  # ticket: repo, sha, expiry
        # the manifest flow: a one-hour code -> (manifest, owner, expiry); Apps made from them
        self.manifest_codes: dict[str, tuple[dict[str, Any], Account, datetime]] = {}
        self.manifest_apps: dict[int, App] = {}
        # user authorization (simulator/oauth.py): who approves on the authorize page; the codes,
        # access tokens and refresh tokens handed out, keyed by their value
        self.oauth_approver: str | None = None
        self.oauth_codes: dict[str, UserGrant] = {}
        self.user_tokens: dict[str, UserGrant] = {}
        self.refresh_tokens: dict[str, UserGrant] = {}
        # organization memberships: (org, user) in lower case -> "admin" | "member"
        self.org_roles: dict[tuple[str, str], str] = {}

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0) + self.clock_offset

    def next_id(self) -> int:
        return next(self._ids)

    def account(self, login: str, kind: str = "User") -> Account:
        """The account named `login`, created on first mention."""
        key = login.lower()
        if key not in self.accounts:
            self.accounts[key] = Account(login, self.next_id(), kind)
        return self.accounts[key]

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get((owner.lower(), name.lower()))

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def installation_repos(self, installation_id: int) -> list[Repo]:
        return [r for r in self.repos.values() if r.installation_id == installation_id]

    def is_collaborator(self, repo: Repo, login: str) -> bool:
        """An explicit grant, or the owner of a user-owned repo (public read does not count)."""
        explicit = repo.roles.get(login.lower(), "none") != "none"
        return explicit or (repo.owner.type == "User" and repo.owner.login.lower() == login.lower())

    def role(self, repo: Repo, login: str) -> str:
        """A user's role on a repo: explicit grant, owner of a user repo, or public read."""
        if login.lower() in repo.roles:
            return repo.roles[login.lower()]
        if repo.owner.type == "User" and repo.owner.login.lower() == login.lower():
            return "admin"
        return "none" if repo.private else "read"
