"""Retrieval queries that FAQ memory (`db.faq`) and code chunks (`db.code_chunks`) share:
`Embedding`, the nearest-neighbour query by pgvector and the full-text match.

Vectors travel as pgvector text literals cast in SQL (`%s::vector`), so the pool's connections
need no adapter registered (code_chunks' bulk COPY registers one on its own cursor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from db.tenancy import TenantScope

MAX_DIM = 16_000  # pgvector's limit for one vector
HNSW_MAX_VECTOR_DIM = 2_000  # wider embeddings are indexed as halfvec (0003_faq_memory.sql)
# Row-level security, repository and model filters apply after the HNSW scan has picked its
# ef_search candidates; an iterative scan goes on until k rows pass them instead of returning
# fewer (pgvector >= 0.8). relaxed_order may return slightly out of order: re-sorted below.
ITERATIVE_SCAN = "relaxed_order"


@dataclass(frozen=True)
class Embedding:
    """A vector and the model that made it: vectors of different models are never compared."""

    model: str
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.model:
            raise ValueError("an embedding names its model")
        if not 1 <= len(self.values) <= MAX_DIM:
            raise ValueError(f"an embedding has 1 to {MAX_DIM} dimensions")
        if not math.isfinite(sum(self.values)):  # NaN and infinities survive the sum
            raise ValueError("an embedding's values are finite")
        if not any(self.values):
            raise ValueError("a zero vector has no cosine distance")

    @property
    def dim(self) -> int:
        return len(self.values)

    def literal(self) -> str:
        """pgvector's text form, e.g. `[0.5,-1]`: nine significant digits round-trip the float4
        that pgvector stores, and write in less than half the time repr() takes."""
        return "[" + ",".join([f"{v:.9g}" for v in self.values]) + "]"

    @classmethod
    def parse(cls, model: str, text: str) -> Embedding:
        return cls(model, tuple(float(v) for v in text.strip("[]").split(",")))


@dataclass(frozen=True)
class NearestQuery:
    """A k-nearest-neighbour query, kept apart from its execution so it can be EXPLAINed."""

    query: sql.Composed
    params: dict[str, object]


def nearest_query(
    table: str,
    *,
    columns: sql.Composable,
    embedding: Embedding,
    repository_id: int | None,
    k: int,
) -> NearestQuery:
    """`columns` of the k rows of `table` nearest to `embedding` by cosine distance, each row
    followed by its distance, nearest first.

    The cast and the `embedding_dim = N` literal are spelled as the partial HNSW index of that
    dimension is, so the planner can use it; a dimension without an index is searched exactly.
    """
    if k < 1:
        raise ValueError("k is at least 1")
    kind = "halfvec" if embedding.dim > HNSW_MAX_VECTOR_DIM else "vector"
    typed = sql.SQL("{}({})").format(sql.SQL(kind), sql.Literal(embedding.dim))
    where: sql.Composable = sql.SQL("embedding_dim = {} AND embedding_model = %(model)s").format(
        sql.Literal(embedding.dim)
    )
    if repository_id is not None:
        where = sql.SQL("{} AND repository_id = %(repository_id)s").format(where)
    query = sql.SQL(
        "WITH hits AS MATERIALIZED (SELECT {columns}, embedding::{typed} <=> %(query)s::{typed}"
        " AS distance FROM {table} WHERE {where} ORDER BY distance LIMIT %(k)s)"
        # `+ 0`: PostgreSQL 17+ would otherwise take the CTE's (relaxed) order as sorted
        " SELECT * FROM hits ORDER BY distance + 0"
    ).format(columns=columns, typed=typed, table=sql.Identifier(table), where=where)
    params: dict[str, object] = {
        "model": embedding.model,
        "repository_id": repository_id,
        "query": embedding.literal(),
        "k": k,
    }
    return NearestQuery(query, params)


def nearest(scope: TenantScope, nn: NearestQuery) -> list[tuple[Any, ...]]:
    """Run `nn`, planned for its own parameters.

    Never prepared: after a few runs PostgreSQL may switch a prepared statement to a generic
    plan, blind to how many rows the repository has, e.g. a sort of a big tenant's every row
    instead of the HNSW index, or the index (approximate) for a tenant a btree serves exactly.
    """
    scope.conn.execute("SELECT set_config('hnsw.iterative_scan', %s, true)", (ITERATIVE_SCAN,))
    return scope.conn.execute(nn.query, nn.params, prepare=False).fetchall()


def text_matches(
    scope: TenantScope,
    table: str,
    *,
    columns: sql.Composable,
    config: str,
    text: str,
    repository_id: int | None,
    k: int,
) -> list[tuple[Any, ...]]:
    """`columns` of the k rows of `table` whose `search_text` best matches `text` (web-search
    syntax), each followed by its rank scaled to [0, 1): the fallback without embeddings."""
    where: sql.Composable = sql.SQL("search_text @@ q")
    if repository_id is not None:
        where = sql.SQL("{} AND repository_id = %(repository_id)s").format(where)
    query = sql.SQL(
        "SELECT {columns}, ts_rank_cd(search_text, q, 32) AS rank"
        " FROM {table}, websearch_to_tsquery(%(config)s::regconfig, %(text)s) AS q"
        " WHERE {where} ORDER BY rank DESC, id LIMIT %(k)s"
    ).format(columns=columns, table=sql.Identifier(table), where=where)
    params = {"config": config, "text": text, "repository_id": repository_id, "k": k}
    return scope.conn.execute(query, params).fetchall()


def vector_param(embedding: Embedding | None) -> str | None:
    return None if embedding is None else embedding.literal()
