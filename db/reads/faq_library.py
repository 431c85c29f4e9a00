"""A tenant's FAQ library as people browse it: entries of some repositories, best full-text
match first for a search, else the most recently written first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.tenancy import TenantScope

MAX_ENTRIES = 100


@dataclass(frozen=True)
class LibraryEntry:
    id: int
    repository: str
    question: str
    answer: str
    sources: list[dict[str, Any]]  # as stored: {path, start_line, end_line} or {kind, number, url}
    source_pr: int | None
    stale: bool
    updated_at: datetime
    rank: float  # full-text rank in [0, 1); 0 when browsing without a query


_COLUMNS = "e.id, r.full_name, e.question, e.answer, e.sources, e.source_pr, e.stale, e.updated_at"


def entries(
    scope: TenantScope, repositories: Sequence[str], query: str | None, limit: int = 50
) -> list[LibraryEntry]:
    """Entries of the named repositories (ignoring case; row-level security keeps them to the
    scope's tenant) matching `query` in web-search syntax (`"exact words" -not or`), or all."""
    if not 1 <= limit <= MAX_ENTRIES:
        raise ValueError(f"a page holds 1 to {MAX_ENTRIES} entries")
    names = [name.lower() for name in repositories]
    if query:
        rows = scope.conn.execute(
            f"SELECT {_COLUMNS}, ts_rank_cd(e.search_text, q, 32)"  # noqa: S608 - constant columns
            " FROM faq_entries e JOIN repositories r ON r.id = e.repository_id,"
            " websearch_to_tsquery('english', %s) AS q"
            " WHERE lower(r.full_name) = ANY(%s) AND e.search_text @@ q"
            " ORDER BY 9 DESC, e.updated_at DESC, e.id DESC LIMIT %s",
            (query, names, limit),
        ).fetchall()
    else:
        rows = scope.conn.execute(
            f"SELECT {_COLUMNS}, 0.0 FROM faq_entries e"  # noqa: S608 - constant columns
            " JOIN repositories r ON r.id = e.repository_id WHERE lower(r.full_name) = ANY(%s)"
            " ORDER BY e.updated_at DESC, e.id DESC LIMIT %s",
            (names, limit),
        ).fetchall()
    return [
        LibraryEntry(r[0], r[1], r[2], r[3], list(r[4] or []), r[5], r[6], r[7], float(r[8]))
        for r in rows
    ]
