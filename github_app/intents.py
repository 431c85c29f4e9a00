"""What a webhook asks of us, decided purely from its payload: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from core.subject import TaskSubject
from core.task_kinds import QueueName, kind_of
from github_app.events import Repo


@dataclass(frozen=True)
class Ignore:
    """Nothing to do; `reason` is recorded on the delivery."""

    reason: str


@dataclass(frozen=True)
class Reject:
    """The payload does not parse for its event: answered 400 and recorded as rejected."""

    reason: str


@dataclass(frozen=True)
class AuthorizationRevoked:
    """A user revoked the App's authorization: their sign-in sessions end."""

    github_user_id: int
    login: str


@dataclass(frozen=True)
class InstallationChanged:
    """An installation was created, deleted, suspended, unsuspended or re-permissioned."""

    installation_id: int
    account_login: str
    account_id: int | None
    account_type: str
    status: str
    permissions: dict[str, Any] = field(default_factory=dict)
    repositories: tuple[Repo, ...] = ()


@dataclass(frozen=True)
class RepositoriesChanged:
    """Repositories were added to or removed from an installation."""

    installation_id: int
    account_login: str
    added: tuple[Repo, ...]
    removed: tuple[Repo, ...]


@dataclass(frozen=True)
class RequestTask:
    """Someone asked for work on an issue or pull request: becomes a task row and a job.
    `kind` names a `core.task_kinds` entry, which says the queue."""

    kind: str
    installation_id: int
    repository: Repo
    number: int
    requested_by: str
    trigger: str
    instructions: str = ""
    anyway: bool = False  # `/morningai code --anyway` (core.subject.TaskSubject.anyway)

    @property
    def queue(self) -> QueueName:
        return kind_of(self.kind).queue

    def subject(self) -> TaskSubject:
        return TaskSubject(
            self.repository.full_name,
            self.number,
            self.requested_by,
            self.trigger,
            self.instructions,
            anyway=self.anyway,
        )


PullRequestState = Literal["open", "merged", "closed"]


@dataclass(frozen=True)
class PullRequestStateChanged:
    """One of MorningAI's pull requests was merged, closed unmerged or reopened: every task of
    the installation on it records the new state. `at` is GitHub's merged_at or closed_at
    (None when reopened). A merged one also asks for the FAQ staleness check, `stale_check`."""

    installation_id: int
    repository: Repo
    number: int
    state: PullRequestState
    at: datetime | None
    stale_check: RequestTask | None = None


Intent = (
    Ignore
    | Reject
    | InstallationChanged
    | RepositoriesChanged
    | RequestTask
    | AuthorizationRevoked
    | PullRequestStateChanged
)
