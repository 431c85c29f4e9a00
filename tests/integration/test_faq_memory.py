"""FAQ and code memory: de-duplication, nearest-neighbour search, staleness, and tenant isolation
of every search, through the real query path (app role, forced RLS, the HNSW indexes)."""

from __future__ import annotations

import math
import random

import psycopg
import pytest
from psycopg import sql

from db import code_chunks, faq, repositories, tenants
from db.code_chunks import Chunk
from db.faq import FileSource, NewEntry, ThreadSource
from db.pool import Database
from db.retrieval import Embedding
from db.tenancy import TenantScope, tenant_transaction, unscoped_transaction

pytestmark = pytest.mark.usefixtures("clean_db")
MODEL = "test-embed"


def _tenant_repo(db: Database, installation_id: int, repos: int = 1) -> tuple[int, list[int]]:
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=installation_id,
            account_login=f"org{installation_id}",
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant_id) as scope:
        ids = [
            repositories.upsert(
                scope, repositories.RepoRef(installation_id * 10 + n, f"org{installation_id}/r{n}")
            )
            for n in range(repos)
        ]
    return tenant_id, ids


def _vec(*values: float, model: str = MODEL) -> Embedding:
    """An 8-dimension embedding from its first values (unindexed dimension: exact search)."""
    padded = (*values, *([0.0] * (8 - len(values))))
    return Embedding(model, tuple(float(v) for v in padded))


def _axis(i: int) -> Embedding:
    """(1, 0, ...) with `i` on axis i: farther from (1, 0, ...) as i grows, and apart from
    one another (cosine similarity at most 0.71)."""
    values = [0.0] * 8
    values[0] = 1.0
    values[i] += float(i)
    return Embedding(MODEL, tuple(values))


def _random(seed: int, dim: int = 384) -> Embedding:
    rng = random.Random(seed)
    values = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    norm = math.sqrt(sum(v * v for v in values))
    return Embedding(MODEL, tuple(v / norm for v in values))


def _entry(
    repo: int, question: str, embedding: Embedding | None, sources: tuple[faq.Source, ...] = ()
) -> NewEntry:
    return NewEntry(repo, question, f"answer to {question}", sources, embedding=embedding)


def _plan(scope: TenantScope, nn: faq.NearestQuery) -> str:
    rows = scope.conn.execute(sql.SQL("EXPLAIN ") + nn.query, nn.params).fetchall()
    return "\n".join(r[0] for r in rows)


def _force_hnsw(scope: TenantScope) -> None:
    """Steer the planner to the HNSW index, which is what is under test: for so few rows it
    rightly prefers a sequential scan, or the tenant's btree and a sort (exact)."""
    scope.conn.execute("SET LOCAL enable_seqscan = off")
    scope.conn.execute("SET LOCAL enable_sort = off")


def test_upsert_creates_and_near_duplicate_updates_in_the_same_repository_only(
    app_db: Database,
) -> None:
    tenant, (repo, other) = _tenant_repo(app_db, 2001, repos=2)
    with tenant_transaction(app_db, tenant) as scope:
        first, created = faq.upsert_entry(scope, _entry(repo, "How do I log in?", _vec(1, 0)))
        assert created
        # cosine similarity 0.995: the same question asked again
        again = NewEntry(repo, "How can I sign in?", "use the token", embedding=_vec(1, 0.1))
        assert faq.upsert_entry(scope, again) == (first, False)
        # similarity 0.89 with the default threshold 0.92: a question of its own
        near = _entry(repo, "How do I log out?", _vec(1, 0.5))
        second, created = faq.upsert_entry(scope, near)
        assert created
        assert second != first
        # the same question in another repository of the tenant gets its own entry
        elsewhere, created = faq.upsert_entry(scope, _entry(other, "How do I log in?", _vec(1, 0)))
        assert created
        assert elsewhere not in (first, second)
        entries = faq.list_entries(scope, repo)
    assert [(e.id, e.question, e.answer) for e in entries] == [
        (first, "How do I log in?", "use the token"),
        (second, "How do I log out?", "answer to How do I log out?"),
    ]


def test_threshold_and_exact_question_without_embeddings(app_db: Database) -> None:
    tenant, (repo,) = _tenant_repo(app_db, 2002)
    with tenant_transaction(app_db, tenant) as scope:
        first, _ = faq.upsert_entry(scope, _entry(repo, "Why is CI slow?", _vec(1, 0)))
        strict = faq.upsert_entry(
            scope, _entry(repo, "CI is slow, why?", _vec(1, 0.1)), duplicate_threshold=0.999
        )
        assert strict[1]
        # no model configured: the same question (case and spacing aside) is the same entry
        plain, created = faq.upsert_entry(scope, _entry(repo, "  why is   CI slow? ", None))
        assert (plain, created) == (first, False)
        stored = faq.list_entries(scope, repo)[0]
        assert stored.embedding_model == MODEL  # the vector it had is kept
        hits = faq.search_text(scope, repo, "slow CI")
        assert {h.id for h in hits} == {first, strict[0]}
        assert all(0 < h.similarity < 1 for h in hits)


def test_search_order_k_model_and_sources(app_db: Database) -> None:
    tenant, (repo, other) = _tenant_repo(app_db, 2003, repos=2)
    sources = (FileSource("app.py", 3, 9), ThreadSource("pull", 7, "https://x/pull/7"))
    with tenant_transaction(app_db, tenant) as scope:
        ids = [
            faq.upsert_entry(scope, _entry(repo, f"q{i}", _axis(i), sources=sources))[0]
            for i in range(5)
        ]
        faq.upsert_entry(scope, _entry(other, "q-other", _vec(1, 0)))
        faq.upsert_entry(scope, _entry(repo, "q-model", _vec(1, 0, model="another-model")))
        hits = faq.search(scope, repo, _vec(1, 0), k=3)
        everywhere = faq.search(scope, None, _vec(1, 0), k=10)
    assert [h.id for h in hits] == ids[:3]
    assert hits[0].similarity == pytest.approx(1.0)
    assert hits[0].similarity > hits[1].similarity > hits[2].similarity
    assert hits[0].sources == sources
    assert len(everywhere) == 6  # both repositories; never the other model's vector
    assert "q-model" not in {h.question for h in everywhere}


def test_memory_search_is_tenant_isolated(app_db: Database) -> None:
    a, (repo_a,) = _tenant_repo(app_db, 2004)
    b, (repo_b,) = _tenant_repo(app_db, 2005)
    same = _random(1)
    for tenant, repo in ((a, repo_a), (b, repo_b)):
        with tenant_transaction(app_db, tenant) as scope:
            faq.upsert_entry(scope, _entry(repo, f"secret of {tenant}", same))
            code_chunks.replace_chunks(
                scope, repo, "c1", [Chunk("app.py", 1, 2, f"secret {tenant}", same)]
            )
    with tenant_transaction(app_db, a) as scope:
        _force_hnsw(scope)
        assert "faq_entries_embedding_384_idx" in _plan(scope, faq.search_query(None, same))
        assert "code_chunks_embedding_384_idx" in _plan(scope, code_chunks.search_query(None, same))
        cases: list[tuple[int | None, bool]] = [(None, True), (repo_a, True), (repo_b, False)]
        for target, own in cases:
            questions = [h.question for h in faq.search(scope, target, same)]
            contents = [h.content for h in code_chunks.search(scope, target, same)]
            assert questions == ([f"secret of {a}"] if own else [])
            assert contents == ([f"secret {a}"] if own else [])
        assert [h.question for h in faq.search_text(scope, None, "secret")] == [f"secret of {a}"]
        assert [h.content for h in code_chunks.search_text(scope, None, "secret")] == [
            f"secret {a}"
        ]
        secret_b = code_chunks.content_hash(f"secret {b}")
        assert code_chunks.known_embeddings(scope, repo_b, MODEL, [secret_b]) == {}


def test_writes_for_another_tenant_fail(app_db: Database) -> None:
    a, (repo_a,) = _tenant_repo(app_db, 2006)
    b, (repo_b,) = _tenant_repo(app_db, 2007)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), tenant_transaction(app_db, a) as s:
        s.conn.execute(
            "INSERT INTO faq_entries (tenant_id, repository_id, question, answer)"
            " VALUES (%s, %s, 'q', 'a')",
            (b, repo_b),
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege), tenant_transaction(app_db, a) as s:
        s.conn.execute(
            "INSERT INTO code_chunks (tenant_id, repository_id, commit_sha, path, start_line,"
            " end_line, content, content_sha256) VALUES (%s, %s, 'c', 'p', 1, 1, 'x', 'h')",
            (b, repo_b),
        )
    # under its own tenant id, A cannot attach rows to B's repository either
    with pytest.raises(psycopg.errors.ForeignKeyViolation), tenant_transaction(app_db, a) as s:
        faq.upsert_entry(s, _entry(repo_b, "mine?", None))
    with pytest.raises(psycopg.errors.ForeignKeyViolation), tenant_transaction(app_db, a) as s:
        code_chunks.replace_chunks(s, repo_b, "c", [Chunk("p", 1, 1, "x")])
    with tenant_transaction(app_db, a) as s:
        assert faq.list_entries(s, repo_a) == []


def test_mark_stale_for_paths(app_db: Database) -> None:
    tenant, (repo, other) = _tenant_repo(app_db, 2008, repos=2)
    with tenant_transaction(app_db, tenant) as scope:
        cites = (FileSource("src/auth.py", 1, 20), ThreadSource("issue", 4, "https://x/issues/4"))
        stale_id, _ = faq.upsert_entry(scope, _entry(repo, "auth?", None, sources=cites))
        faq.upsert_entry(
            scope, _entry(repo, "docs?", None, sources=(FileSource("README.md", 1, 2),))
        )
        faq.upsert_entry(scope, _entry(other, "auth too?", None, sources=cites))
        assert faq.mark_stale_for_paths(scope, repo, ["src/auth.py", "nothing.py"]) == 1
        assert faq.mark_stale_for_paths(scope, repo, ["src/auth.py"]) == 0  # already stale
        assert [e.id for e in faq.list_entries(scope, repo, stale_only=True)] == [stale_id]
        assert faq.list_entries(scope, other, stale_only=True) == []
        # a refreshed answer is current again
        faq.upsert_entry(scope, _entry(repo, "auth?", None, sources=cites))
        assert faq.list_entries(scope, repo, stale_only=True) == []


def test_memory_tables_have_forced_rls_and_cosine_hnsw_indexes(
    owner_conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    flags = owner_conn.execute(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
        " WHERE relname IN ('faq_entries', 'code_chunks') ORDER BY relname"
    ).fetchall()
    assert flags == [("code_chunks", True, True), ("faq_entries", True, True)]
    policies = owner_conn.execute(
        "SELECT tablename, policyname FROM pg_policies"
        " WHERE tablename IN ('faq_entries', 'code_chunks') ORDER BY 1, 2"
    ).fetchall()
    assert [p[1] for p in policies] == ["owner_maintenance", "tenant_isolation"] * 2
    indexes = owner_conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'faq_entries' AND indexdef LIKE '%hnsw%'"
    ).fetchall()
    assert len(indexes) == 5
    assert all("cosine_ops" in str(i[0]) for i in indexes)


@pytest.mark.parametrize("dim", [384, 1536, 3072])
def test_search_uses_the_hnsw_index_of_its_dimension(app_db: Database, dim: int) -> None:
    tenant, (repo,) = _tenant_repo(app_db, 2009)
    with tenant_transaction(app_db, tenant) as scope:
        faq.upsert_entry(scope, _entry(repo, "q", _random(2, dim)))
        code_chunks.replace_chunks(scope, repo, "c1", [Chunk("a.py", 1, 1, "x", _random(2, dim))])
        scope.conn.execute("SET LOCAL enable_seqscan = off")
        faq_plan = _plan(scope, faq.search_query(repo, _random(3, dim)))
        code_plan = _plan(scope, code_chunks.search_query(repo, _random(3, dim)))
        assert [h.question for h in faq.search(scope, repo, _random(3, dim))] == ["q"]
    assert f"faq_entries_embedding_{dim}_idx" in faq_plan, faq_plan
    assert f"code_chunks_embedding_{dim}_idx" in code_plan, code_plan


def test_a_small_tenant_gets_k_hits_through_the_shared_index(app_db: Database) -> None:
    """RLS filters after the HNSW scan; the iterative scan keeps going until k rows pass."""
    big, (big_repo,) = _tenant_repo(app_db, 2010)
    small, (small_repo,) = _tenant_repo(app_db, 2011)
    with tenant_transaction(app_db, big) as scope:
        chunks = [Chunk(f"b{i}.py", 1, 1, f"b{i}", _random(i)) for i in range(400)]
        code_chunks.replace_chunks(scope, big_repo, "c1", chunks)
    with tenant_transaction(app_db, small) as scope:
        chunks = [Chunk(f"s{i}.py", 1, 1, f"s{i}", _random(1000 + i)) for i in range(12)]
        code_chunks.replace_chunks(scope, small_repo, "c1", chunks)
    query = _random(5000)
    with tenant_transaction(app_db, small) as scope:
        exact = [h.id for h in code_chunks.search(scope, small_repo, query, k=10)]
    with tenant_transaction(app_db, small) as scope:
        _force_hnsw(scope)
        scope.conn.execute("SET LOCAL hnsw.ef_search = 10")
        assert "code_chunks_embedding_384_idx" in _plan(
            scope, code_chunks.search_query(small_repo, query)
        )
        hits = [h.id for h in code_chunks.search(scope, small_repo, query, k=10)]
    assert hits == exact
    assert len(hits) == 10


def test_replace_chunks_keeps_unchanged_rows_and_their_vectors(app_db: Database) -> None:
    tenant, (repo,) = _tenant_repo(app_db, 2012)
    old = [
        Chunk("a.py", 1, 5, "def a():\n    pass\n", _vec(1, 0)),
        Chunk("b.py", 1, 3, "def b():\n    pass\n", _vec(0, 1)),
    ]
    with tenant_transaction(app_db, tenant) as scope:
        assert code_chunks.replace_chunks(scope, repo, "c1", old) == code_chunks.ChunkSync(2, 0, 0)
        kept_id = code_chunks.search(scope, repo, _vec(1, 0), k=1)[0].id
    new = [old[0], Chunk("b.py", 1, 4, "def b():\n    return 1\n", _vec(0, 1, 1))]
    with tenant_transaction(app_db, tenant) as scope:
        assert code_chunks.replace_chunks(scope, repo, "c2", new) == code_chunks.ChunkSync(1, 1, 1)
        hits = code_chunks.search(scope, repo, _vec(1, 0), k=5)
        known = code_chunks.known_embeddings(
            scope, repo, MODEL, [code_chunks.content_hash(c.content) for c in new]
        )
    assert [(h.id, h.path, h.commit_sha) for h in hits][:1] == [(kept_id, "a.py", "c1")]
    assert {h.path: h.commit_sha for h in hits} == {"a.py": "c1", "b.py": "c2"}
    assert known[code_chunks.content_hash(old[0].content)] == old[0].embedding
    assert len(known) == 2


def test_the_vector_adapter_stays_off_the_pooled_connection(app_db: Database) -> None:
    """replace_chunks registers pgvector's binary adapter on its COPY cursor only."""
    tenant, (repo,) = _tenant_repo(app_db, 2014)
    with tenant_transaction(app_db, tenant) as scope:
        code_chunks.replace_chunks(scope, repo, "c1", [Chunk("a.py", 1, 1, "x", _vec(1, 2))])
        row = scope.conn.execute("SELECT embedding FROM code_chunks").fetchone()
    assert row == ("[1,2,0,0,0,0,0,0]",)


def test_embedding_validation_and_reembedding(app_db: Database) -> None:
    with pytest.raises(ValueError, match="zero"):
        Embedding(MODEL, (0.0, 0.0))
    with pytest.raises(ValueError, match="finite"):
        Embedding(MODEL, (1.0, math.nan))
    tenant, (repo,) = _tenant_repo(app_db, 2013)
    with tenant_transaction(app_db, tenant) as scope:
        entry, _ = faq.upsert_entry(scope, _entry(repo, "q", _vec(1, 0, model="old")))
        faq.upsert_entry(scope, _entry(repo, "r", None))
        todo = faq.needing_embedding(scope, repo, "new")
        assert [e.question for e in todo] == ["q", "r"]
        assert faq.set_embedding(scope, entry, _vec(0, 1, model="new"))
        assert [h.id for h in faq.search(scope, repo, _vec(0, 1, model="new"))] == [entry]
        assert faq.search(scope, repo, _vec(1, 0, model="old")) == []
