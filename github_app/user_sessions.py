"""Signed-in people's sessions: a random id for the cookie, stored only as its SHA-256; the
user's GitHub tokens sealed with AES-256-GCM (core/secrets_at_rest) in `user_sessions`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from core.secrets_at_rest import SecretBox
from core.settings import Settings
from db import user_sessions
from db.pool import Database
from db.user_sessions import SessionRow
from github_app.rest.user import GitHubUser
from github_app.user_auth import UserTokens

# bound into each ciphertext (AES-GCM associated data): a value only opens as what it was
ACCESS, REFRESH = "user_sessions.access_token", "user_sessions.refresh_token"


@dataclass(frozen=True)
class UserSession:
    github_user_id: int
    github_login: str
    tokens: UserTokens = field(repr=False)


def id_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8")).digest()


def _box(settings: Settings) -> SecretBox:
    key = settings.morningai_secret_key
    return SecretBox.from_setting(key.get_secret_value() if key is not None else None)


def create(db: Database, settings: Settings, user: GitHubUser, tokens: UserTokens) -> str:
    """A new session for `user`; returns its id (for the cookie only: stored as a hash)."""
    session_id = secrets.token_urlsafe(32)
    box = _box(settings)
    row = SessionRow(
        id_hash(session_id),
        user.id,
        user.login,
        box.seal(tokens.access_token.encode("utf-8"), ACCESS),
        box.seal(tokens.refresh_token.encode("utf-8"), REFRESH),
        tokens.access_expires_at,
        tokens.refresh_expires_at,
    )
    with db.connection() as conn:
        user_sessions.insert(conn, row)
    return session_id


def load(db: Database, settings: Settings, session_id: str) -> UserSession | None:
    with db.connection() as conn:
        row = user_sessions.get(conn, id_hash(session_id))
    if row is None:
        return None
    box = _box(settings)
    tokens = UserTokens(
        box.open(row.access_token_sealed, ACCESS).decode("utf-8"),
        box.open(row.refresh_token_sealed, REFRESH).decode("utf-8"),
        row.access_expires_at,
        row.refresh_expires_at,
    )
    return UserSession(row.github_user_id, row.github_login, tokens)


def end(db: Database, session_id: str) -> bool:
    with db.connection() as conn:
        return user_sessions.delete(conn, id_hash(session_id))


def store_tokens(db: Database, settings: Settings, session_id: str, tokens: UserTokens) -> bool:
    """Keep a refreshed (rotated) pair, sealed again."""
    box = _box(settings)
    with db.connection() as conn:
        return user_sessions.update_tokens(
            conn,
            id_hash(session_id),
            access_token_sealed=box.seal(tokens.access_token.encode("utf-8"), ACCESS),
            refresh_token_sealed=box.seal(tokens.refresh_token.encode("utf-8"), REFRESH),
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
        )
