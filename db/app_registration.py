"""Queries on `app_registration`: the one GitHub App registered from the manifest (sealed
secrets go in and come out as bytes; sealing happens above the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg


@dataclass(frozen=True)
class AppRow:
    app_id: int
    slug: str
    html_url: str
    client_id: str
    private_key_sealed: bytes
    webhook_secret_sealed: bytes
    client_secret_sealed: bytes
    registered_by_login: str | None
    registered_by_id: int | None
    registered_at: datetime | None = None

    def __repr__(self) -> str:  # sealed, but still nothing for a log
        return f"AppRow(app_id={self.app_id}, slug={self.slug!r})"


def get(conn: psycopg.Connection[Any]) -> AppRow | None:
    row = conn.execute(
        "SELECT app_id, slug, html_url, client_id, private_key_sealed, webhook_secret_sealed,"
        " client_secret_sealed, registered_by_login, registered_by_id, registered_at"
        " FROM app_registration WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return AppRow(
        int(row[0]),
        row[1],
        row[2],
        row[3],
        bytes(row[4]),
        bytes(row[5]),
        bytes(row[6]),
        row[7],
        row[8],
        row[9],
    )


def insert(conn: psycopg.Connection[Any], app: AppRow) -> bool:
    """Store the App; False (and nothing changed) when one is already registered."""
    cur = conn.execute(
        "INSERT INTO app_registration (app_id, slug, html_url, client_id, private_key_sealed,"
        " webhook_secret_sealed, client_secret_sealed, registered_by_login, registered_by_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            app.app_id,
            app.slug,
            app.html_url,
            app.client_id,
            app.private_key_sealed,
            app.webhook_secret_sealed,
            app.client_secret_sealed,
            app.registered_by_login,
            app.registered_by_id,
        ),
    )
    return cur.rowcount == 1
