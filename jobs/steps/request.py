"""Who asked for a task, on which repository and thread — and whether they may ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis

from db import tenants
from db.tenancy import tenant_transaction
from github_app.client import WRITE_PERMISSIONS, RepoClient
from jobs.runtime.errors import Cancelled, PermanentError
from jobs.runtime.runner import TaskRun

PERMISSION_TTL_SECONDS = 60


@dataclass(frozen=True)
class Request:
    installation_id: int
    repository: str
    number: int
    requester: str
    instructions: str


def load_request(run: TaskRun) -> Request:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tenant = tenants.get(scope)
    if tenant is None:
        raise PermanentError("the installation is gone")
    s = run.subject
    return Request(
        int(tenant["installation_id"]), s.repository, s.number, s.requested_by, s.instructions
    )


def with_repo(run: TaskRun, act: Callable[[TaskRun, Request, RepoClient], str]) -> str:
    """Load the request and run `act` with one GitHub client held open for the whole job."""
    req = load_request(run)
    with run.ctx.repo(req.installation_id, req.repository) as client:
        return act(run, req, client)


def permission(client: RepoClient, user: str, cache: Redis) -> str:
    """The user's permission on the repository, remembered briefly: a burst of commands
    costs one GitHub call, and a revoked permission takes effect within a minute."""
    key = f"morningai:permission:{client.full_name}:{user.lower()}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached.decode()
    found = client.permission(user)
    cache.set(key, found, ex=PERMISSION_TTL_SECONDS)
    return found


def require_writer(client: RepoClient, req: Request, cache: Redis) -> None:
    """Only people with write access may ask; others get one polite answer."""
    if permission(client, req.requester, cache) not in WRITE_PERMISSIONS:
        client.create_comment(
            req.number,
            f"@{req.requester} MorningAI takes requests only "
            "from people with write access to this repository.",
        )
        raise Cancelled(f"@{req.requester} lacks write access")
