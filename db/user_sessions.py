"""Queries on `user_sessions`: a signed-in person's session, found by the hash of its id
(sealed tokens go in and come out as bytes; sealing happens above the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg


@dataclass(frozen=True)
class SessionRow:
    id_hash: bytes
    github_user_id: int
    github_login: str
    access_token_sealed: bytes
    refresh_token_sealed: bytes
    access_expires_at: datetime
    refresh_expires_at: datetime

    def __repr__(self) -> str:  # sealed, but still nothing for a log
        return f"SessionRow(github_login={self.github_login!r})"


def insert(conn: psycopg.Connection[Any], row: SessionRow) -> None:
    conn.execute(
        "INSERT INTO user_sessions (id_hash, github_user_id, github_login, access_token_sealed,"
        " refresh_token_sealed, access_expires_at, refresh_expires_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            row.id_hash,
            row.github_user_id,
            row.github_login,
            row.access_token_sealed,
            row.refresh_token_sealed,
            row.access_expires_at,
            row.refresh_expires_at,
        ),
    )


def get(conn: psycopg.Connection[Any], id_hash: bytes) -> SessionRow | None:
    found = conn.execute(
        "SELECT id_hash, github_user_id, github_login, access_token_sealed, refresh_token_sealed,"
        " access_expires_at, refresh_expires_at FROM user_sessions WHERE id_hash = %s",
        (id_hash,),
    ).fetchone()
    if found is None:
        return None
    return SessionRow(
        bytes(found[0]),
        int(found[1]),
        found[2],
        bytes(found[3]),
        bytes(found[4]),
        found[5],
        found[6],
    )


def delete(conn: psycopg.Connection[Any], id_hash: bytes) -> bool:
    return conn.execute("DELETE FROM user_sessions WHERE id_hash = %s", (id_hash,)).rowcount == 1


def update_tokens(
    conn: psycopg.Connection[Any],
    id_hash: bytes,
    *,
    access_token_sealed: bytes,
    refresh_token_sealed: bytes,
    access_expires_at: datetime,
    refresh_expires_at: datetime,
) -> bool:
    """Store a rotated pair (after a refresh); False when the session is gone."""
    cur = conn.execute(
        "UPDATE user_sessions SET access_token_sealed = %s, refresh_token_sealed = %s,"
        " access_expires_at = %s, refresh_expires_at = %s WHERE id_hash = %s",
        (access_token_sealed, refresh_token_sealed, access_expires_at, refresh_expires_at, id_hash),
    )
    return cur.rowcount == 1
