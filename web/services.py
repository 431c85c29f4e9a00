"""The long-lived clients a web process holds: built once by create_app, opened lazily."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from redis import Redis

from core.settings import Settings
from db.pool import Database


@dataclass
class Services:
    settings: Settings
    _db: Database | None = None
    _redis: Redis | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
