"""The long-lived clients a web process holds: built once by create_app, opened lazily."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import psycopg
from flask import current_app
from psycopg_pool import PoolTimeout
from redis import Redis

from core.secrets_at_rest import SealedValueError, SecretKeyError
from core.settings import Settings
from db.pool import Database
from github_app import registration

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    _db: Database | None = None
    _redis: Redis | None = None
    _github: Settings | None = None  # the effective settings, once they name a whole App
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def github_settings(self) -> Settings:
        """The settings with the App registered at /setup/complete filling what the environment
        leaves unset; read again until an App is complete, so setup needs no restart."""
        if self._github is not None:
            return self._github
        if not self.settings.missing_github_settings():
            self._github = self.settings
            return self.settings
        try:
            effective = registration.effective_settings(
                self.settings, registration.load(self.db, self.settings)
            )
        except (psycopg.Error, PoolTimeout, SecretKeyError, SealedValueError) as exc:
            log.warning("the registered App could not be read (%s)", type(exc).__name__)
            return self.settings
        if not effective.missing_github_settings():
            self._github = effective
        return effective

    @property
    def db(self) -> Database:
        with self._lock:
            if self._db is None:
                self._db = Database(self.settings.require_database_url(), timeout=3.0).open(
                    wait=False
                )
            return self._db

    @property
    def redis(self) -> Redis:
        with self._lock:
            if self._redis is None:
                self._redis = Redis.from_url(
                    self.settings.require_redis_url(),
                    socket_connect_timeout=1.0,
                    socket_timeout=2.0,
                    health_check_interval=30,
                )
            return self._redis

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            if self._redis is not None:
                self._redis.close()
                self._redis = None


def current_services() -> Services:
    """The clients of the app handling the current request (set up by `create_app`)."""
    found: Services = current_app.extensions["morningai"]
    return found
