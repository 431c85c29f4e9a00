"""Repository memory end to end: indexing a snapshot, re-indexing only what changed, retrieval
by embedding and by full text, FAQ de-duplication, model changes and tenant isolation — real
PostgreSQL (app role, forced RLS) and the scripted model server behind the real openai client."""

from __future__ import annotations

import math
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from agents.chunking import chunk_file
from agents.embeddings import OpenAIEmbedder
from db import code_chunks, repositories, tenants
from db.code_chunks import Chunk
from db.pool import Database
from db.tenancy import tenant_transaction, unscoped_transaction
from jobs.faq.memory import (
    MemoryRetriever,
    SnapshotFiles,
    index_repository,
    reembed_if_model_changed,
    remember_entries,
)
from morningai.embedded import DatabaseUrls
from simulator.openai_server import (
    EMBEDDINGS_PATH,
    ScriptedModelServer,
    scripted_model_server,
    text_vector,
)

DIM = 256  # wide enough that text_vector's word vectors hardly overlap by chance
Owner = psycopg.Connection[tuple[Any, ...]]

AUTH = textwrap.dedent(
    '''\
    """Login sessions and their tokens."""

    import hashlib
    import hmac
    import secrets
    import time


    def issue_token(user_id: int, secret: bytes) -> str:
        """A signed session token for the user."""
        nonce = secrets.token_hex(8)
        stamp = str(int(time.time()))
        payload = f"{user_id}:{nonce}:{stamp}"
        signature = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}:{signature}"


    def refresh_token(token: str, secret: bytes) -> str:
        """Refresh an expired login token: check its signature, then issue a new one."""
        payload, _, signature = token.rpartition(":")
        expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise PermissionError("bad token signature")
        user_id = int(payload.split(":")[0])
        return issue_token(user_id, secret)
    '''
)
STORAGE = textwrap.dedent(
    '''\
    """The database connection pool."""

    import psycopg_pool

    POOL_SIZE = 10
    TIMEOUT = 5.0


    def open_pool(url: str) -> psycopg_pool.ConnectionPool:
        """Open the pool of database connections, waiting for the first one."""
        pool = psycopg_pool.ConnectionPool(url, max_size=POOL_SIZE, timeout=TIMEOUT)
        pool.open(wait=True)
        pool.check()
        return pool
    '''
)
GUIDE = textwrap.dedent(
    """\
    # Operating guide

    How to run the service day to day.
    Read this before your first on-call shift.
    It is short, and worth it.
    Really.

    ## Backups

    Nightly backups go to the bucket named in BACKUP_BUCKET.
    Restore one with `make restore DATE=2024-01-31`.
    A restore takes about ten minutes.
    Check the row counts afterwards.
    """
)


@pytest.fixture
def embeddings() -> Iterator[ScriptedModelServer]:
    with scripted_model_server() as server:
        yield server


def _embedder(server: ScriptedModelServer, model: str = "embed-test") -> OpenAIEmbedder:
    return OpenAIEmbedder.connect(model, "test-key", server.base_url, dimensions=DIM, max_retries=0)


def _inputs(server: ScriptedModelServer) -> list[list[str]]:
    """The inputs of each embeddings request the server received, in order."""
    return [r.json["input"] for r in server.requests if r.path == EMBEDDINGS_PATH]


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def _repo_tree(root: Path) -> Path:
    return _tree(
        root,
        {
            "app/auth.py": AUTH,
            "app/storage.py": STORAGE,
            "docs/guide.md": GUIDE,
            "app/empty.py": "",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "node_modules/left-pad/index.js": "module.exports = function leftPad() {}\n",
            "package-lock.json": '{"lockfileVersion": 3}\n',
        },
    )


def _expected_chunks(files: dict[str, str]) -> list[tuple[str, int, int, str]]:
    return sorted(
        (c.path, c.start_line, c.end_line, c.content)
        for path, text in files.items()
        for c in chunk_file(path, text)
    )


def _tenant(db: Database, installation_id: int, full_name: str) -> tuple[int, int]:
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
        repo = repositories.upsert(scope, repositories.RepoRef(installation_id * 10, full_name))
    return tenant_id, repo


def _stored(owner: Owner, repository_id: int) -> list[tuple[Any, ...]]:
    return owner.execute(
        "SELECT path, start_line, end_line, content, embedding_model, commit_sha"
        " FROM code_chunks WHERE repository_id = %s ORDER BY path, start_line",
        (repository_id,),
    ).fetchall()


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


# --- SnapshotFiles ----------------------------------------------------------------------------


def test_snapshot_files_reads_text_and_refuses_escapes(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "snap",
        {
            "a.py": "x = 1\r\ny = 2\n",
            "docs/b.md": "# B",
            "bin.dat": b"\x00\x01",
            "bad.txt": b"\xff",
        },
    )
    (tmp_path / "secret.txt").write_text("outside\n")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    files = SnapshotFiles(root)
    assert files.paths() == ["a.py", "bad.txt", "bin.dat", "docs/b.md"]
    assert files.lines("a.py") == ["x = 1", "y = 2"]
    assert files.lines("docs/b.md") == ["# B"]
    assert files.lines("./docs/b.md") == ["# B"]
    for refused in ("../secret.txt", "docs/../../secret.txt", str(tmp_path / "secret.txt")):
        assert not files.exists(refused)
        assert files.lines(refused) is None
    assert files.lines("link.txt") is None
    assert files.lines("bin.dat") is None
    assert files.lines("bad.txt") is None
    assert files.lines("missing.py") is None
    assert files.lines("docs") is None
    assert files.exists("a.py")


# --- indexing ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_db")
def test_index_then_reindex_embeds_only_changed_chunks(
    app_db: Database, owner_conn: Owner, embeddings: ScriptedModelServer, tmp_path: Path
) -> None:
    tenant, repo = _tenant(app_db, 3101, "org/app")
    root = _repo_tree(tmp_path / "snap")
    expected = _expected_chunks(
        {"app/auth.py": AUTH, "app/storage.py": STORAGE, "docs/guide.md": GUIDE}
    )
    embedder = _embedder(embeddings)

    embeddings.expect_embeddings()
    first = index_repository(app_db, tenant, repo, "c1", root, embedder=embedder)
    assert (first.files, first.chunks, first.embedded) == (3, len(expected), len(expected))
    assert (first.inserted, first.deleted, first.kept) == (len(expected), 0, 0)
    assert sorted(_inputs(embeddings)[0]) == sorted(c[3] for c in expected)
    stored = _stored(owner_conn, repo)
    assert [row[:4] for row in stored] == expected
    assert {row[4] for row in stored} == {f"embed-test@{DIM}"}

    # Nothing changed: no request at all, every row kept.
    again = index_repository(app_db, tenant, repo, "c2", root, embedder=embedder)
    assert (again.embedded, again.inserted, again.deleted, again.kept) == (0, 0, 0, len(expected))
    assert len(_inputs(embeddings)) == 1

    # One function gains a line: only its chunk is embedded; the chunk below it moved, so its
    # row is replaced, but with the vector it already had.
    changed = AUTH.replace(
        "    nonce = secrets.token_hex(8)\n",
        "    nonce = secrets.token_hex(16)\n    assert nonce\n",
    )
    (root / "app/auth.py").write_text(changed)
    new_issue = next(
        c for c in chunk_file("app/auth.py", changed) if "def issue_token" in c.content
    )
    embeddings.expect_embeddings(match=lambda body: body["input"] == [new_issue.content])
    third = index_repository(app_db, tenant, repo, "c3", root, embedder=embedder)
    assert third.embedded == 1
    assert (third.inserted, third.deleted, third.kept) == (2, 2, len(expected) - 2)
    stored = _stored(owner_conn, repo)
    assert [row[:4] for row in stored] == _expected_chunks(
        {"app/auth.py": changed, "app/storage.py": STORAGE, "docs/guide.md": GUIDE}
    )
    commits = {row[0]: row[5] for row in stored if "def " in row[3] and row[0] == "app/auth.py"}
    assert set(commits.values()) == {"c3"}
    assert {row[5] for row in stored if row[0] != "app/auth.py"} == {"c1"}


@pytest.mark.usefixtures("clean_db")
def test_full_text_fallback_without_an_embedder(
    app_db: Database, owner_conn: Owner, tmp_path: Path
) -> None:
    tenant, repo = _tenant(app_db, 3102, "org/app")
    report = index_repository(
        app_db, tenant, repo, "c1", _repo_tree(tmp_path / "snap"), embedder=None
    )
    assert report.embedded == 0
    assert owner_conn.execute(
        "SELECT count(*), count(embedding) FROM code_chunks WHERE repository_id = %s", (repo,)
    ).fetchone() == (report.chunks, 0)

    retriever = MemoryRetriever(app_db, tenant, repo, None)
    (hit, *_) = retriever.code("refresh expired token signature", k=3)
    assert hit.path == "app/auth.py"
    assert "def refresh_token" in hit.text
    assert hit.text == "".join(
        line + "\n" for line in AUTH.split("\n")[hit.start_line - 1 : hit.end_line]
    )
    # Punctuation, quotes, a stray minus, SQL: never an error; words that never occur together
    # still find something (any of them will do).
    for question in (
        'How do I restore a backup?!? "make restore" -- (urgent) :) ',
        "'); DROP TABLE code_chunks; --",
        "pool && ||| !!! ::: ?? <-> *",
        "\x00 restore",
    ):
        passages = retriever.code(question, k=5)
        assert all(p.path in {"app/auth.py", "app/storage.py", "docs/guide.md"} for p in passages)
    assert retriever.code("backup restore penguin", k=2)[0].path == "docs/guide.md"
    assert retriever.code("   ", k=3) == []
    assert retriever.code("token", k=0) == []
    assert retriever.faq("anything at all?", k=3) == []
    remember_entries(
        app_db,
        tenant,
        repo,
        [{"question": "How do I restore a backup?", "answer": "Run `make restore`."}],
        None,
        source_pr=None,
        source_commit=None,
    )
    assert [e.question for e in retriever.faq("restoring backups???", k=3)] == [
        "How do I restore a backup?"
    ]
    assert retriever.faq("How do I... (with the CLI) -- restore?", k=3)
    assert retriever.faq("how do I?", k=3) == []  # stop words only: nothing to match


@pytest.mark.usefixtures("clean_db")
def test_retriever_finds_the_right_passage_and_faq_by_embedding(
    app_db: Database, embeddings: ScriptedModelServer, tmp_path: Path
) -> None:
    tenant, repo = _tenant(app_db, 3103, "org/app")
    embedder = _embedder(embeddings)
    embeddings.expect_embeddings()
    index_repository(app_db, tenant, repo, "c1", _repo_tree(tmp_path / "snap"), embedder=embedder)
    embeddings.expect_embeddings()
    remember_entries(
        app_db,
        tenant,
        repo,
        [
            {
                "question": "How do I restore a nightly backup?",
                "answer": "Run make restore with the date.",
                "sources": [
                    {"path": "docs/guide.md", "start_line": 8, "end_line": 13},
                    {"kind": "pull", "number": 4, "url": "https://github.com/org/app/pull/4"},
                    {"path": "docs/guide.md", "start_line": 1, "end_line": 2},
                    {"path": "Makefile"},
                ],
            },
            {"question": "Which pool size do we use?", "answer": "Ten.", "sources": []},
        ],
        embedder,
        source_pr=4,
        source_commit="c1",
    )
    retriever = MemoryRetriever(app_db, tenant, repo, embedder)
    question = "how do I restore a nightly backup from the bucket"
    # one embeddings request for the question, shared by code() and faq()
    embeddings.expect_embeddings(match=lambda body: body["input"] == [question])
    passages = retriever.code(question, k=2)
    entries = retriever.faq(question, k=1)
    assert passages[0].path == "docs/guide.md"
    assert "make restore" in passages[0].text
    assert entries[0].question == "How do I restore a nightly backup?"
    assert entries[0].paths == ("docs/guide.md", "Makefile")
    assert not entries[0].stale
    assert len(_inputs(embeddings)) == 3


@pytest.mark.usefixtures("clean_db")
def test_remember_entries_updates_a_near_identical_question(
    app_db: Database, owner_conn: Owner, embeddings: ScriptedModelServer
) -> None:
    tenant, repo = _tenant(app_db, 3104, "org/app")
    embedder = _embedder(embeddings)
    asked = "How do I refresh the login token?"
    again = "How do I refresh the login token, please?"
    other = "Where are backups stored?"
    # the premise: the two phrasings are near-identical for this model, the third is not
    assert _cosine(text_vector(asked, DIM), text_vector(again, DIM)) >= 0.92
    assert _cosine(text_vector(asked, DIM), text_vector(other, DIM)) < 0.92

    embeddings.expect_embeddings(match=lambda body: body["input"] == [asked])
    [(first, created)] = remember_entries(
        app_db,
        tenant,
        repo,
        [{"question": asked, "answer": "Call refresh_token."}],
        embedder,
        source_pr=1,
        source_commit="c1",
    )
    assert created
    embeddings.expect_embeddings(match=lambda body: body["input"] == [again, other])
    results = remember_entries(
        app_db,
        tenant,
        repo,
        [
            {
                "question": again,
                "answer": "Call refresh_token(token, secret).",
                "sources": [{"path": "app/auth.py", "start_line": 19, "end_line": 26}],
            },
            {"question": other, "answer": "In BACKUP_BUCKET."},
        ],
        embedder,
        source_pr=2,
        source_commit="c2",
    )
    assert results[0] == (first, False)
    assert results[1][1]
    rows = owner_conn.execute(
        "SELECT id, question, answer, source_pr, sources FROM faq_entries"
        " WHERE repository_id = %s ORDER BY id",
        (repo,),
    ).fetchall()
    assert rows == [
        (
            first,
            asked,
            "Call refresh_token(token, secret).",
            2,
            [{"path": "app/auth.py", "start_line": 19, "end_line": 26}],
        ),
        (results[1][0], other, "In BACKUP_BUCKET.", 2, []),
    ]
    with pytest.raises(ValueError, match="question"):
        remember_entries(
            app_db,
            tenant,
            repo,
            [{"question": " ", "answer": "x"}],
            None,
            source_pr=None,
            source_commit=None,
        )


@pytest.mark.usefixtures("clean_db")
def test_a_model_change_reembeds_faq_and_replaces_code_vectors(
    app_db: Database, owner_conn: Owner, embeddings: ScriptedModelServer, tmp_path: Path
) -> None:
    tenant, repo = _tenant(app_db, 3105, "org/app")
    root = _repo_tree(tmp_path / "snap")
    old, new = _embedder(embeddings, "embed-old"), _embedder(embeddings, "embed-new")
    embeddings.expect_embeddings(times=2)
    first = index_repository(app_db, tenant, repo, "c1", root, embedder=old)
    remember_entries(
        app_db,
        tenant,
        repo,
        [{"question": "How do I restore a nightly backup?", "answer": "make restore"}],
        old,
        source_pr=None,
        source_commit=None,
    )
    remember_entries(  # stored with no model configured: no vector at all
        app_db,
        tenant,
        repo,
        [{"question": "Who is on call?", "answer": "See the rota."}],
        None,
        source_pr=None,
        source_commit=None,
    )

    # Before re-indexing, the new model has no code vectors: the search falls back to text.
    retriever = MemoryRetriever(app_db, tenant, repo, new)
    embeddings.expect_embeddings(match=lambda body: body["input"] == ["pool size timeout"])
    assert retriever.code("pool size timeout", k=1)[0].path == "app/storage.py"

    embeddings.expect_embeddings(
        match=lambda body: (
            body["input"] == ["How do I restore a nightly backup?", "Who is on call?"]
        )
    )
    assert reembed_if_model_changed(app_db, tenant, repo, new) == 2
    assert reembed_if_model_changed(app_db, tenant, repo, new) == 0  # no request: nothing left
    assert reembed_if_model_changed(app_db, tenant, repo, None) == 0

    embeddings.expect_embeddings()
    second = index_repository(app_db, tenant, repo, "c2", root, embedder=new)
    assert second.embedded == first.chunks  # nothing of the old model is reused
    assert (second.inserted, second.deleted, second.kept) == (first.chunks, first.chunks, 0)
    models = owner_conn.execute(
        "SELECT DISTINCT embedding_model FROM code_chunks WHERE repository_id = %s"
        " UNION ALL SELECT DISTINCT embedding_model FROM faq_entries WHERE repository_id = %s",
        (repo, repo),
    ).fetchall()
    assert models == [(f"embed-new@{DIM}",), (f"embed-new@{DIM}",)]


@pytest.mark.usefixtures("clean_db")
def test_a_retriever_sees_its_own_tenant_only(
    app_db: Database, embeddings: ScriptedModelServer, tmp_path: Path
) -> None:
    a, repo_a = _tenant(app_db, 3106, "org/same")
    b, repo_b = _tenant(app_db, 3107, "org/same")
    embedder = _embedder(embeddings)
    secret = "def zebra_secret():\n    return 'the zebra key of tenant b'\n"
    embeddings.expect_embeddings(times=4)
    index_repository(app_db, a, repo_a, "a1", _repo_tree(tmp_path / "a"), embedder=embedder)
    index_repository(
        app_db, b, repo_b, "b1", _tree(tmp_path / "b", {"zebra.py": secret}), embedder=embedder
    )
    for tenant, repo, question in ((a, repo_a, "Where is the zebra?"), (b, repo_b, "zebra key?")):
        remember_entries(
            app_db,
            tenant,
            repo,
            [{"question": question, "answer": f"tenant {tenant}"}],
            embedder,
            source_pr=None,
            source_commit=None,
        )

    mine = MemoryRetriever(app_db, a, repo_a, embedder)
    embeddings.expect_embeddings(match=lambda body: body["input"] == ["zebra key"])
    passages = mine.code("zebra key", k=50)
    entries = mine.faq("zebra key", k=50)
    assert passages
    assert all("zebra" not in p.text and p.path != "zebra.py" for p in passages)
    assert [e.answer for e in entries] == [f"tenant {a}"]
    # without embeddings too
    plain = MemoryRetriever(app_db, a, repo_a, None)
    assert all(p.path != "zebra.py" for p in plain.code("zebra key", k=50))
    assert [e.answer for e in plain.faq("zebra key", k=50)] == [f"tenant {a}"]
    # B's repository id under A's tenant: nothing at all
    crossed = MemoryRetriever(app_db, a, repo_b, None)
    assert crossed.code("zebra key", k=50) == []
    assert crossed.faq("zebra key", k=50) == []
    theirs = MemoryRetriever(app_db, b, repo_b, None)
    assert [p.path for p in theirs.code("zebra", k=50)] == ["zebra.py"]


def test_two_indexings_of_one_repository_at_once_store_each_chunk_once(
    database: DatabaseUrls, owner_conn: Owner
) -> None:
    """Two tasks of one repository (an `ask` and a `faq`) index it at the same moment: the
    second waits for the first to commit, then keeps its rows instead of adding its own."""
    db = Database(database.app, max_size=4).open(wait=True)
    try:
        tenant, repo = _tenant(db, 3107, "org/app")
        chunks = [Chunk("a.py", 1, 2, "def a():\n    return 1\n")]
        second: list[int] = []
        with tenant_transaction(db, tenant) as first:
            assert code_chunks.replace_chunks(first, repo, "c1", chunks).inserted == 1

            def index_again() -> None:
                with tenant_transaction(db, tenant) as scope:
                    second.append(code_chunks.replace_chunks(scope, repo, "c2", chunks).inserted)

            racer = threading.Thread(target=index_again)
            racer.start()
            racer.join(timeout=1.0)
            assert racer.is_alive()  # waiting for the first transaction
        racer.join(timeout=10.0)
        assert second == [0]
        [(rows,)] = owner_conn.execute(
            "SELECT count(*) FROM code_chunks WHERE repository_id = %s", (repo,)
        ).fetchall()
        assert rows == 1
    finally:
        db.close()
