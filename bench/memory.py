"""Memory benchmark: code-chunk vectors in PostgreSQL/pgvector, through the app's own path.

    .venv/bin/python -m bench.memory [--rows 100000] [--dim 384] [--queries 200]
        [--ef-search 40,200] [--small-share 0.05] [--seed 1]

It provides PostgreSQL (bench/services.py: the embedded one unless DATABASE_URL, a superuser
URL, is set), drops and re-creates the `morningai_bench_memory` database and migrates it. Two
tenants share the table: a big one (one repository, (1 - small share) of the rows) and a small
one; each repository's chunks go in with one `db.code_chunks.replace_chunks` call (COPY streamed
under the app role and RLS) while the dimension's HNSW index is absent, then the owner rebuilds
that index from its own definition and times it, and a last, smaller repository is written with
the index in place (online insert cost). The vectors are clustered (each point is a cluster
centre moved within the cluster's own 8-dimensional subspace, plus a little isotropic noise), so
the ten nearest neighbours are meaningful. Queries, drawn from the same distribution, go through
`db.code_chunks.search` as the app role; recall@10 is against the same query with
`enable_indexscan = off` (exact). Timings are single-client, client-side, warm cache.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from bench.machine import machine, percentile
from bench.services import provided_database
from db import code_chunks, repositories, retrieval, tenants
from db.code_chunks import Chunk
from db.pool import Database
from db.retrieval import Embedding
from db.tenancy import tenant_transaction, unscoped_transaction
from morningai.embedded import DatabaseUrls

BENCH_DB = "morningai_bench_memory"
MODEL = "bench-clustered"
K = 10
SUBSPACE = 8  # dimensions a cluster spreads over
SPREAD = 0.35  # standard deviation along each of them (a centre has norm 1)
NOISE = 0.05  # isotropic noise: uniform in [-NOISE/2, NOISE/2] per dimension
POINTS_PER_CLUSTER = 100
ONLINE_ROWS = 2_000
WARMUP_QUERIES = 20
ITERATIVE = retrieval.ITERATIVE_SCAN  # what the app runs with
BUILD_MEMORY = "1GB"  # maintenance_work_mem for the build: the graph must fit, or it crawls


@dataclass(frozen=True)
class Options:
    rows: int
    dim: int
    queries: int
    ef_search: tuple[int, ...]
    small_share: float
    seed: int


@dataclass(frozen=True)
class Cluster:
    centre: list[float]
    directions: list[list[float]]


@dataclass(frozen=True)
class Tenant:
    tenant_id: int
    repository_id: int
    rows: int
    name: str


@dataclass(frozen=True)
class Timed:
    """One query's hits (ids, nearest first) and its client-side latency in seconds."""

    ids: list[int]
    seconds: float


# --- data ------------------------------------------------------------------------------------


def unit(rng: random.Random, dim: int) -> list[float]:
    values = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def make_clusters(rng: random.Random, count: int, dim: int) -> list[Cluster]:
    return [
        Cluster(unit(rng, dim), [unit(rng, dim) for _ in range(SUBSPACE)]) for _ in range(count)
    ]


def sample(rng: random.Random, clusters: Sequence[Cluster]) -> array[float]:
    cluster = rng.choice(clusters)
    point = cluster.centre
    for direction in cluster.directions:
        g = rng.gauss(0.0, SPREAD)
        point = [p + g * d for p, d in zip(point, direction, strict=True)]
    point = [p + NOISE * (rng.random() - 0.5) for p in point]
    norm = math.sqrt(sum(p * p for p in point))
    return array("f", [p / norm for p in point])


def chunks(vectors: Sequence[array[float]], prefix: str) -> Iterator[Chunk]:
    """What the app would store: a small function per chunk, with its vector."""
    for i, vector in enumerate(vectors):
        line = 1 + (i % 50) * 3
        content = f"def {prefix}_{i}(x):\n    return x + {i}\n"
        path = f"src/{prefix}/mod_{i // 50}.py"
        yield Chunk(path, line, line + 1, content, Embedding(MODEL, tuple(vector)))


# --- database --------------------------------------------------------------------------------


def make_tenant(db: Database, installation_id: int, rows: int, name: str) -> Tenant:
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=installation_id,
            account_login=name,
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant_id) as scope:
        repo = repositories.upsert(scope, repositories.RepoRef(installation_id, f"{name}/repo"))
    return Tenant(tenant_id, repo, rows, name)


def index_name(dim: int) -> str:
    return f"code_chunks_embedding_{dim}_idx"


def drop_index(owner_url: str, dim: int) -> str:
    """Drop the dimension's HNSW index; return its definition."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_get_indexdef(to_regclass(%s))", (index_name(dim),)).fetchone()
        if row is None or row[0] is None:
            sys.exit(f"dimension {dim} has no HNSW index in db/migrations/0003_faq_memory.sql")
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index_name(dim))))
        return str(row[0])


def build_index(owner_url: str, definition: str) -> float:
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(BUILD_MEMORY)))
        started = time.perf_counter()
        conn.execute(definition.encode())
        seconds = time.perf_counter() - started
        conn.execute("ANALYZE code_chunks")
    return seconds


def ingest(db: Database, tenant: Tenant, vectors: Sequence[array[float]]) -> float:
    """Rows per second of one `replace_chunks` call, chunk and vector building included."""
    started = time.perf_counter()
    with tenant_transaction(db, tenant.tenant_id) as scope:
        sync = code_chunks.replace_chunks(
            scope, tenant.repository_id, "c0ffee", chunks(vectors, tenant.name)
        )
    seconds = time.perf_counter() - started
    assert sync.inserted == len(vectors), sync
    return len(vectors) / seconds


def server_facts(owner_url: str) -> str:
    with psycopg.connect(owner_url) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'),"
            " (SELECT extversion FROM pg_extension WHERE extname = 'vector'),"
            " current_setting('shared_buffers'), current_setting('work_mem'),"
            " current_setting('max_parallel_maintenance_workers'),"
            " pg_size_pretty(pg_table_size('code_chunks'))"
        ).fetchone()
    assert row is not None
    return (
        f"PostgreSQL {row[0]}, pgvector {row[1]}, shared_buffers {row[2]}, work_mem {row[3]},"
        f" max_parallel_maintenance_workers {row[4]}; code_chunks {row[5]}"
    )


def index_size(owner_url: str, dim: int) -> str:
    with psycopg.connect(owner_url) as conn:
        row = conn.execute(
            "SELECT pg_size_pretty(pg_relation_size(to_regclass(%s)))", (index_name(dim),)
        ).fetchone()
    return str(row[0]) if row else "?"


# --- queries ---------------------------------------------------------------------------------


def search(db: Database, tenant: Tenant, query: Embedding, settings: Sequence[str]) -> Timed:
    """`code_chunks.search` under the tenant, after `SET LOCAL` of each of `settings`."""
    with tenant_transaction(db, tenant.tenant_id) as scope:
        for setting in settings:
            scope.conn.execute(f"SET LOCAL {setting}".encode())
        started = time.perf_counter()
        hits = code_chunks.search(scope, tenant.repository_id, query, K)
        seconds = time.perf_counter() - started
    return Timed([h.id for h in hits], seconds)


def plan_of(db: Database, tenant: Tenant, query: Embedding, settings: Sequence[str]) -> str:
    """The scan that feeds the search's LIMIT, as EXPLAIN names it."""
    nn = code_chunks.search_query(tenant.repository_id, query, K)
    with tenant_transaction(db, tenant.tenant_id) as scope:
        for setting in settings:
            scope.conn.execute(f"SET LOCAL {setting}".encode())
        rows = scope.conn.execute(sql.SQL("EXPLAIN ") + nn.query, nn.params).fetchall()
    for (line,) in rows:
        text = str(line).strip().removeprefix("->").strip()
        if "Scan" in text and "CTE Scan" not in text:
            return text.split("  (")[0]
    return "?"


def recall(found: Sequence[Timed], exact: Sequence[Timed]) -> float:
    shares = [len(set(f.ids) & set(e.ids)) / len(e.ids) for f, e in zip(found, exact, strict=True)]
    return sum(shares) / len(shares)


def row(label: str, results: Sequence[Timed], exact: Sequence[Timed], plan: str) -> str:
    ms = sorted(r.seconds * 1000 for r in results)
    short = min(len(r.ids) for r in results)
    return (
        f"{label:<58} {percentile(ms, 50):8.2f} {percentile(ms, 99):8.2f}"
        f" {recall(results, exact):9.3f} {short:6d}  {plan}"
    )


def variants(tenant: Tenant, opts: Options) -> list[tuple[str, list[str], str]]:
    """(label, SET LOCAL settings, hnsw.iterative_scan) per table row after the exact one.

    For the small tenant the planner may rightly prefer its btree and a sort (exact); the
    forced rows show the shared HNSW index instead, with and without the iterative scan that
    `db.retrieval.nearest` turns on (RLS filters after the index scan).
    """
    rows = [(f"ef_search={ef}", [f"hnsw.ef_search = {ef}"], ITERATIVE) for ef in opts.ef_search]
    if tenant.name == "small":
        forced = ["enable_seqscan = off", "enable_sort = off"]
        ef = opts.ef_search[0]
        rows.append(
            (f"ef_search={ef}, HNSW forced", [f"hnsw.ef_search = {ef}", *forced], ITERATIVE)
        )
        rows.append(
            (
                f"ef_search={ef}, HNSW forced, no iterative scan",
                [f"hnsw.ef_search = {ef}", *forced],
                "off",
            )
        )
    return rows


def timed_queries(
    db: Database, tenant: Tenant, queries: Sequence[Embedding], settings: Sequence[str]
) -> list[Timed]:
    for q in queries[:WARMUP_QUERIES]:
        search(db, tenant, q, settings)
    return [search(db, tenant, q, settings) for q in queries]


def measure_tenant(
    db: Database, tenant: Tenant, queries: Sequence[Embedding], opts: Options
) -> list[str]:
    """Table rows for one tenant: exact search, then the HNSW index at each ef_search."""
    exact_settings = ["enable_indexscan = off"]
    exact = timed_queries(db, tenant, queries, exact_settings)
    who = f"{tenant.name} ({tenant.rows} rows)"
    lines = [row(f"{who} exact", exact, exact, plan_of(db, tenant, queries[0], exact_settings))]
    for label, settings, iterative in variants(tenant, opts):
        retrieval.ITERATIVE_SCAN = iterative
        try:
            found = timed_queries(db, tenant, queries, settings)
            plan = plan_of(db, tenant, queries[0], settings)
        finally:
            retrieval.ITERATIVE_SCAN = ITERATIVE
        lines.append(row(f"{who} {label}", found, exact, plan))
    return lines


# --- run -------------------------------------------------------------------------------------


def generate(opts: Options) -> tuple[list[array[float]], list[Embedding]]:
    rng = random.Random(opts.seed)
    started = time.perf_counter()
    clusters = make_clusters(rng, max(1, opts.rows // POINTS_PER_CLUSTER), opts.dim)
    vectors = [sample(rng, clusters) for _ in range(opts.rows + ONLINE_ROWS)]
    queries = [
        Embedding(MODEL, tuple(sample(rng, clusters))) for _ in range(opts.queries + WARMUP_QUERIES)
    ]
    print(
        f"data: {opts.rows} + {ONLINE_ROWS} vectors, dim {opts.dim}, {len(clusters)} clusters,"
        f" generated in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return vectors, queries


def load(
    db: Database, urls: DatabaseUrls, opts: Options, vectors: list[array[float]]
) -> tuple[Tenant, Tenant]:
    """Both tenants' rows without the index, the index build, then rows with it in place."""
    small_rows = round(opts.rows * opts.small_share)
    big = make_tenant(db, 930_001, opts.rows - small_rows, "big")
    small = make_tenant(db, 930_002, small_rows, "small")
    definition = drop_index(urls.owner, opts.dim)
    rates = [ingest(db, t, vectors[i : i + t.rows]) for t, i in ((big, 0), (small, big.rows))]
    print(f"ingest without the HNSW index: {', '.join(f'{r:,.0f}' for r in rates)} rows/s")
    print(f"index build: {build_index(urls.owner, definition):.1f} s", end="")
    print(f" (maintenance_work_mem {BUILD_MEMORY}), size {index_size(urls.owner, opts.dim)}")
    online = make_tenant(db, 930_003, ONLINE_ROWS, "online")
    rate = ingest(db, online, vectors[opts.rows :])
    print(f"ingest with the HNSW index: {rate:,.0f} rows/s ({ONLINE_ROWS} rows)", flush=True)
    return big, small


def run(opts: Options) -> int:
    print(machine())
    vectors, queries = generate(opts)
    urls, _ = provided_database(BENCH_DB, "bench-memory-postgres")
    db = Database(urls.app, max_size=2).open(wait=True)
    try:
        tenants_measured = load(db, urls, opts, vectors)
        del vectors
        print(server_facts(urls.owner))
        print(
            f"\n{'search (k=10, one client)':<58} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>9}"
            f" {'min k':>6}  plan"
        )
        for tenant in tenants_measured:
            for line in measure_tenant(db, tenant, queries[WARMUP_QUERIES:], opts):
                print(line, flush=True)
    finally:
        db.close()
    return 0


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=100_000, help="vectors in the index")
    parser.add_argument("--dim", type=int, default=384, help="an indexed dimension (0003)")
    parser.add_argument("--queries", type=int, default=200, help="queries per setting")
    parser.add_argument("--ef-search", default="40,200", help="hnsw.ef_search values (40: default)")
    parser.add_argument(
        "--small-share", type=float, default=0.05, help="share of rows of the small tenant"
    )
    parser.add_argument("--seed", type=int, default=1)
    a = parser.parse_args(argv)
    ef = tuple(int(v) for v in a.ef_search.split(","))
    if min(a.rows, a.dim, a.queries, *ef) < 1 or not 0 < a.small_share < 1:
        parser.error("counts must be positive and --small-share between 0 and 1")
    return Options(a.rows, a.dim, a.queries, ef, a.small_share, a.seed)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
