"""Queries on `code_chunks`: a repository's code, chunked along its structure, for retrieval."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pgvector import Vector
from pgvector.psycopg.vector import register_vector_info
from psycopg import sql
from psycopg.types import TypeInfo

from db.retrieval import (
    Embedding,
    NearestQuery,
    nearest,
    nearest_query,
    text_matches,
)
from db.tenancy import TenantScope


@dataclass(frozen=True)
class Chunk:
    path: str
    start_line: int
    end_line: int
    content: str
    embedding: Embedding | None = None  # None: no model configured; full-text search only


@dataclass(frozen=True)
class ChunkHit:
    id: int
    path: str
    start_line: int
    end_line: int
    content: str
    commit_sha: str
    # cosine similarity from `search`; ts_rank_cd scaled to [0, 1) from `search_text`
    similarity: float


@dataclass(frozen=True)
class ChunkSync:
    """What `replace_chunks` did: rows inserted, deleted, and kept untouched."""

    inserted: int
    deleted: int
    kept: int


_HIT = sql.SQL("id, path, start_line, end_line, content, commit_sha")
# a stored chunk is the same as a new one when place, content and embedding model agree
_SAME_CHUNK = sql.SQL(
    "s.path = c.path AND s.start_line = c.start_line AND s.end_line = c.end_line"
    " AND s.content_sha256 = c.content_sha256"
    " AND s.embedding_model IS NOT DISTINCT FROM c.embedding_model"
)


def content_hash(content: str) -> str:
    """The key by which an unchanged chunk is recognised (and not embedded again)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def replace_chunks(
    scope: TenantScope, repository_id: int, commit: str, chunks: Iterable[Chunk]
) -> ChunkSync:
    """Make the repository's chunks exactly `chunks`, read at `commit`.

    `chunks` is streamed through COPY. A chunk already stored with the same place, content and
    model keeps its row and its `commit_sha` (the commit it was first read at, where its content
    was the same): rewriting the row would insert its vector into the HNSW index again.
    """
    # two tasks of one repository may index it at once: the second waits for the first's
    # commit, then finds its rows and keeps them (without this, both would insert every chunk)
    scope.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (f"code_chunks:{scope.tenant_id}:{repository_id}",),
    )
    _stage(scope, chunks)
    delete = sql.SQL(
        "DELETE FROM code_chunks AS c WHERE repository_id = %s"
        " AND NOT EXISTS (SELECT 1 FROM chunk_stage AS s WHERE {})"
    ).format(_SAME_CHUNK)
    deleted = scope.conn.execute(delete, (repository_id,)).rowcount
    insert = sql.SQL(
        "INSERT INTO code_chunks (tenant_id, repository_id, commit_sha, path, start_line,"
        " end_line, content, content_sha256, embedding, embedding_model)"
        " SELECT %s, %s, %s, s.path, s.start_line, s.end_line, s.content, s.content_sha256,"
        "   s.embedding, s.embedding_model FROM chunk_stage AS s"
        " WHERE NOT EXISTS (SELECT 1 FROM code_chunks AS c WHERE c.repository_id = %s AND {})"
    ).format(_SAME_CHUNK)
    params = (scope.tenant_id, repository_id, commit, repository_id)
    inserted = scope.conn.execute(insert, params).rowcount
    total = scope.conn.execute("SELECT count(*) FROM chunk_stage").fetchone()
    assert total is not None
    return ChunkSync(inserted, deleted, int(total[0]) - inserted)


def _stage(scope: TenantScope, chunks: Iterable[Chunk]) -> None:
    """COPY `chunks` into a temporary table that lives until the transaction ends."""
    conn = scope.conn
    conn.execute("DROP TABLE IF EXISTS pg_temp.chunk_stage")
    conn.execute(
        "CREATE TEMPORARY TABLE chunk_stage (path text NOT NULL, start_line integer NOT NULL,"
        " end_line integer NOT NULL, content text NOT NULL, content_sha256 text NOT NULL,"
        " embedding vector, embedding_model text) ON COMMIT DROP"
    )
    with conn.cursor() as cur:
        # Binary COPY: writing vectors as text costs ~0.3 µs a float in Python. pgvector's
        # adapter is registered on this cursor only (a cursor is an adapt context too), so the
        # pooled connection is left as it is.
        info = TypeInfo.fetch(conn, "vector")
        register_vector_info(cast(Any, cur), info)
        with cur.copy(
            "COPY chunk_stage (path, start_line, end_line, content, content_sha256, embedding,"
            " embedding_model) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["text", "int4", "int4", "text", "text", "vector", "text"])
            for c in chunks:
                copy.write_row(_stage_row(c))
    conn.execute("ANALYZE chunk_stage")  # a temporary table has no statistics otherwise


def _stage_row(c: Chunk) -> tuple[object, ...]:
    vector = Vector(list(c.embedding.values)) if c.embedding else None
    model = c.embedding.model if c.embedding else None
    return (c.path, c.start_line, c.end_line, c.content, content_hash(c.content), vector, model)


def known_embeddings(
    scope: TenantScope, repository_id: int, model: str, hashes: Collection[str]
) -> dict[str, Embedding]:
    """Stored vectors of `model` by content hash: what need not be embedded again."""
    rows = scope.conn.execute(
        "SELECT DISTINCT ON (content_sha256) content_sha256, embedding::text FROM code_chunks"
        " WHERE repository_id = %s AND embedding_model = %s AND content_sha256 = ANY(%s)",
        (repository_id, model, list(hashes)),
    ).fetchall()
    return {sha: Embedding.parse(model, text) for sha, text in rows}


def search_query(repository_id: int | None, embedding: Embedding, k: int = 10) -> NearestQuery:
    """The query `search` runs (for EXPLAIN and the benchmark)."""
    return nearest_query(
        "code_chunks", columns=_HIT, embedding=embedding, repository_id=repository_id, k=k
    )


def search(
    scope: TenantScope, repository_id: int | None, embedding: Embedding, k: int = 10
) -> list[ChunkHit]:
    """The k chunks nearest to `embedding` (same model), nearest first."""
    rows = nearest(scope, search_query(repository_id, embedding, k))
    return [_hit(row, 1.0 - float(row[-1])) for row in rows]


def search_text(
    scope: TenantScope, repository_id: int | None, text: str, k: int = 10
) -> list[ChunkHit]:
    """Full-text search over paths and code: retrieval when no embedding model is set."""
    rows = text_matches(
        scope,
        "code_chunks",
        columns=_HIT,
        config="simple",
        text=text,
        repository_id=repository_id,
        k=k,
    )
    return [_hit(row, float(row[-1])) for row in rows]


def _hit(row: Sequence[Any], similarity: float) -> ChunkHit:
    return ChunkHit(row[0], row[1], row[2], row[3], row[4], row[5], similarity)
