"""Queries on `faq_entries`: a tenant's FAQ memory, found by embedding or by full text.

An entry cites its sources (files by line range, issues and pull requests); an entry whose files
a merged PR changed is marked stale. The vector and full-text queries are `db.retrieval`'s,
shared with `db.code_chunks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg import sql
from psycopg.types.json import Jsonb

from db.retrieval import Embedding, NearestQuery, nearest, nearest_query, text_matches, vector_param
from db.tenancy import TenantScope


@dataclass(frozen=True)
class FileSource:
    path: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class ThreadSource:
    kind: Literal["issue", "pull"]
    number: int
    url: str


Source = FileSource | ThreadSource


@dataclass(frozen=True)
class NewEntry:
    repository_id: int
    question: str
    answer: str
    sources: tuple[Source, ...] = ()
    source_pr: int | None = None
    source_commit: str | None = None
    embedding: Embedding | None = None  # None: no model configured; full-text search only


@dataclass(frozen=True)
class FaqEntry:
    id: int
    repository_id: int
    question: str
    answer: str
    sources: tuple[Source, ...]
    source_pr: int | None
    source_commit: str | None
    embedding_model: str | None
    stale: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FaqHit:
    id: int
    repository_id: int
    question: str
    answer: str
    sources: tuple[Source, ...]
    stale: bool
    # cosine similarity (1 - cosine distance) from `search`; ts_rank_cd scaled to [0, 1)
    # from `search_text`
    similarity: float


_ENTRY = sql.SQL(
    "id, repository_id, question, answer, sources, source_pr, source_commit, embedding_model,"
    " stale, created_at, updated_at"
)
_HIT = sql.SQL("id, repository_id, question, answer, sources, stale")


# --- FAQ entries ------------------------------------------------------------------------------


def upsert_entry(
    scope: TenantScope, entry: NewEntry, *, duplicate_threshold: float = 0.92
) -> tuple[int, bool]:
    """Store `entry`, or update the entry of the same repository that asks the same question;
    return (id, created).

    The same question is the nearest entry by embedding (same model) when its cosine similarity
    is at least `duplicate_threshold` — that entry keeps its question and vector and takes the new
    answer and sources — or else an entry with the same question text (case and spacing aside).
    Upserts of one repository are serialised so two near-duplicates cannot both be inserted.
    """
    scope.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (f"faq_entries:{scope.tenant_id}:{entry.repository_id}",),
    )
    if entry.embedding is not None:
        hits = search(scope, entry.repository_id, entry.embedding, k=1)
        if hits and hits[0].similarity >= duplicate_threshold:
            _update_answer(scope, hits[0].id, entry)
            return hits[0].id, False
    return _insert_or_update_same_question(scope, entry)


def _update_answer(scope: TenantScope, entry_id: int, entry: NewEntry) -> None:
    scope.conn.execute(
        "UPDATE faq_entries SET answer = %s, sources = %s, source_pr = %s, source_commit = %s,"
        " stale = false, updated_at = now() WHERE id = %s",
        (
            entry.answer,
            _sources_json(entry.sources),
            entry.source_pr,
            entry.source_commit,
            entry_id,
        ),
    )


def _insert_or_update_same_question(scope: TenantScope, entry: NewEntry) -> tuple[int, bool]:
    model = entry.embedding.model if entry.embedding else None
    row = scope.conn.execute(
        "INSERT INTO faq_entries AS f (tenant_id, repository_id, question, answer, sources,"
        " source_pr, source_commit, embedding, embedding_model)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::vector, %s)"
        " ON CONFLICT (tenant_id, repository_id, question_key) DO UPDATE SET"
        "   answer = excluded.answer, sources = excluded.sources,"
        "   source_pr = excluded.source_pr, source_commit = excluded.source_commit,"
        "   embedding = coalesce(excluded.embedding, f.embedding),"
        "   embedding_model = coalesce(excluded.embedding_model, f.embedding_model),"
        "   stale = false, updated_at = now()"
        # xmax is 0 on a freshly inserted row version, set on an updated one
        " RETURNING id, xmax = 0",
        (
            scope.tenant_id,
            entry.repository_id,
            entry.question,
            entry.answer,
            _sources_json(entry.sources),
            entry.source_pr,
            entry.source_commit,
            vector_param(entry.embedding),
            model,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0]), bool(row[1])


def search_query(repository_id: int | None, embedding: Embedding, k: int = 10) -> NearestQuery:
    """The query `search` runs (for EXPLAIN)."""
    return nearest_query(
        "faq_entries", columns=_HIT, embedding=embedding, repository_id=repository_id, k=k
    )


def search(
    scope: TenantScope, repository_id: int | None, embedding: Embedding, k: int = 10
) -> list[FaqHit]:
    """The k entries nearest to `embedding` (same model), in one repository or all of the
    tenant's when `repository_id` is None; nearest first."""
    rows = nearest(scope, search_query(repository_id, embedding, k))
    return [_hit(row, 1.0 - float(row[-1])) for row in rows]


def search_text(
    scope: TenantScope, repository_id: int | None, text: str, k: int = 10
) -> list[FaqHit]:
    """Full-text search over questions and answers: retrieval when no embedding model is set."""
    rows = text_matches(
        scope,
        "faq_entries",
        columns=_HIT,
        config="english",
        text=text,
        repository_id=repository_id,
        k=k,
    )
    return [_hit(row, float(row[-1])) for row in rows]


def mark_stale_for_paths(scope: TenantScope, repository_id: int, paths: Iterable[str]) -> int:
    """Mark stale the entries of the repository that cite any of `paths`; return how many were
    newly marked (a merged PR changed files they rely on)."""
    cur = scope.conn.execute(
        "UPDATE faq_entries SET stale = true, updated_at = now()"
        " WHERE repository_id = %s AND NOT stale AND EXISTS (SELECT 1 FROM"
        "   jsonb_array_elements(sources) AS s WHERE s ->> 'path' = ANY(%s))",
        (repository_id, list(paths)),
    )
    return cur.rowcount


def list_entries(
    scope: TenantScope, repository_id: int, *, stale_only: bool = False
) -> list[FaqEntry]:
    query = sql.SQL("SELECT {} FROM faq_entries WHERE repository_id = %s{} ORDER BY id").format(
        _ENTRY, sql.SQL(" AND stale" if stale_only else "")
    )
    return [_entry(row) for row in scope.conn.execute(query, (repository_id,)).fetchall()]


def needing_embedding(scope: TenantScope, repository_id: int, model: str) -> list[FaqEntry]:
    """Entries with no vector, or one from another model: to re-embed after a model change."""
    query = sql.SQL(
        "SELECT {} FROM faq_entries WHERE repository_id = %s"
        " AND embedding_model IS DISTINCT FROM %s ORDER BY id"
    ).format(_ENTRY)
    rows = scope.conn.execute(query, (repository_id, model)).fetchall()
    return [_entry(row) for row in rows]


def set_embedding(scope: TenantScope, entry_id: int, embedding: Embedding) -> bool:
    cur = scope.conn.execute(
        "UPDATE faq_entries SET embedding = %s::vector, embedding_model = %s WHERE id = %s",
        (embedding.literal(), embedding.model, entry_id),
    )
    return cur.rowcount == 1


# --- rows and JSON ----------------------------------------------------------------------------


def _sources_json(sources: Sequence[Source]) -> Jsonb:
    return Jsonb([asdict(source) for source in sources])


def _source(item: dict[str, Any]) -> Source:
    if "path" in item:
        return FileSource(str(item["path"]), int(item["start_line"]), int(item["end_line"]))
    kind: Literal["issue", "pull"] = "pull" if item.get("kind") == "pull" else "issue"
    return ThreadSource(kind, int(item["number"]), str(item["url"]))


def _hit(row: Sequence[Any], similarity: float) -> FaqHit:
    sources = tuple(_source(item) for item in row[4])
    return FaqHit(row[0], row[1], row[2], row[3], sources, row[5], similarity)


def _entry(row: Sequence[Any]) -> FaqEntry:
    sources = tuple(_source(item) for item in row[4])
    return FaqEntry(row[0], row[1], row[2], row[3], sources, *row[5:])
