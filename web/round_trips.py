"""The browser's round trips through GitHub (App registration, sign-in): a single-use `state`
kept in Redis under its SHA-256 only, and the one-time `code` GitHub sends back, checked."""

from __future__ import annotations

import hashlib
import re
import secrets

from redis import Redis

_PREFIX = "morningai:"
# a code goes into a URL path (manifest conversion) or a form: nothing else is allowed
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_MAX_STATE = 200


def _key(purpose: str, state: str) -> str:
    # the key holds a digest: a Redis listing shows no usable state
    return f"{_PREFIX}{purpose}:state:{hashlib.sha256(state.encode('utf-8')).hexdigest()}"


def new_state() -> str:
    """A fresh random state for one round trip."""
    return secrets.token_urlsafe(32)


def keep(redis: Redis, purpose: str, state: str, kept: str, ttl_seconds: int) -> None:
    """Remember `kept` until `state` comes back (or `ttl_seconds` pass)."""
    redis.set(_key(purpose, state), kept, ex=ttl_seconds)


def take_state(redis: Redis, purpose: str, state: str) -> bytes | None:
    """What was kept with `state`, once: GETDEL answers the first caller only, so a state is
    single-use even under a race. None for a missing, unknown, expired or reused state."""
    if not state or len(state) > _MAX_STATE:
        return None
    kept = redis.getdel(_key(purpose, state))
    return kept if isinstance(kept, bytes) else None


def valid_code(code: str) -> bool:
    return bool(_CODE.match(code))
