"""What a job needs from the outside world, built once per worker process."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from redis import Redis

from core.settings import Settings
from db.pool import Database
from github_app import registration
from github_app.client import RepoClient, repo_client

STALE_AFTER = timedelta(seconds=60)  # the default of TASK_STALE_SECONDS


@dataclass
class JobContext:
    settings: Settings
    db: Database
    redis: Redis
    worker_name: str

    @property
    def stale_after(self) -> timedelta:
        """How long a running task may go without a heartbeat before it counts as orphaned."""
        return timedelta(seconds=self.settings.task_stale_seconds)

    @property
    def heartbeat_every(self) -> timedelta:
        # several beats per stale window, so one slow beat does not orphan a live task
        return min(timedelta(seconds=10), self.stale_after / 4)

    def repo(self, installation_id: int, full_name: str) -> RepoClient:
        return repo_client(self.github_settings(), self.redis, installation_id, full_name)

    def github_settings(self) -> Settings:
        """The settings, with the App registered at /setup/complete filling what the
        environment leaves unset (read once it is there: a worker started before setup)."""
        if not registration.app_from_environment(self.settings):
            stored = registration.load(self.db, self.settings)
            self.settings = registration.effective_settings(self.settings, stored)
        return self.settings

    def close(self) -> None:
        self.db.close()
        self.redis.close()


_contexts: dict[int, JobContext] = {}


def build(settings: Settings) -> JobContext:
    return JobContext(
        settings=settings,
        db=Database(settings.require_database_url(), max_size=4).open(wait=False),
        redis=Redis.from_url(settings.require_redis_url()),
        worker_name=f"{socket.gethostname()}:{os.getpid()}",
    )


def current() -> JobContext:
    """The process's context. Forked work-horses build their own: a pool's sockets must
    never be shared across a fork."""
    pid = os.getpid()
    if pid not in _contexts:
        _contexts[pid] = build(Settings())
    return _contexts[pid]


def install(ctx: JobContext) -> None:
    """Use `ctx` for jobs run in this process (tests, SimpleWorker)."""
    _contexts[os.getpid()] = ctx
