"""A repository's memory for the FAQ graph and `/morningai ask`: code chunks and FAQ entries,
indexed and searched in one tenant's scope, by embedding or (no model configured) full text.

One file on purpose, just over the usual size: indexing, retrieval and remembering entries must
agree on the same chunks, embedding model and full-text fallback, and read best side by side.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

from agents.chunking import TextChunk, chunk_file, chunkable, chunkable_text
from agents.faq.context import KnownEntry, Passage
from agents.ports import Embedder
from db import code_chunks, faq
from db.code_chunks import Chunk, content_hash
from db.faq import FileSource, NewEntry, Source, ThreadSource
from db.pool import Database
from db.retrieval import Embedding
from db.tenancy import TenantScope, tenant_transaction

log = logging.getLogger(__name__)

DUPLICATE_THRESHOLD = 0.92  # cosine similarity at which two questions are the same question
_BINARY_PROBE = 8192  # git's heuristic: a NUL byte in the first 8 KB means binary
_WORD = re.compile(r"\w+")
_QUERY_CACHE = 8  # query vectors kept: the graph asks code() and faq() the same question

Hit = TypeVar("Hit")


class SnapshotFiles:
    """RepoFiles over an extracted snapshot (jobs.steps.snapshot): relative "/"-separated paths;
    a path that is absolute, climbs with `..` or leads outside the root is missing."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._paths: list[str] | None = None

    def exists(self, path: str) -> bool:
        return self._file(path) is not None

    def lines(self, path: str) -> list[str] | None:
        text = self.text(path)
        if text is None:
            return None
        lines = text.split("\n")  # the line ends chunk_file and GitHub count
        if lines[-1] == "":
            lines.pop()
        return [line.removesuffix("\r") for line in lines]

    def text(self, path: str) -> str | None:
        """The file's UTF-8 text, or None when it is missing or binary."""
        file = self._file(path)
        try:
            data = file.read_bytes() if file else b""
            return data.decode("utf-8") if file and b"\x00" not in data[:_BINARY_PROBE] else None
        except (OSError, UnicodeDecodeError):
            return None

    def size(self, path: str) -> int:
        file = self._file(path)
        return file.stat().st_size if file else 0

    def paths(self) -> list[str]:
        if self._paths is None:  # a snapshot does not change
            found = (p for p in self.root.rglob("*") if not p.is_symlink() and p.is_file())
            self._paths = sorted(p.relative_to(self.root).as_posix() for p in found)
        return list(self._paths)

    def _file(self, path: str) -> Path | None:
        pure = PurePosixPath(path)
        if not path or "\x00" in path or pure.is_absolute() or ".." in pure.parts:
            return None
        candidate = self.root.joinpath(*pure.parts)
        if candidate.is_symlink() or not candidate.is_file():
            return None
        return candidate if candidate.resolve().is_relative_to(self.root) else None


# --- indexing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexReport:
    """What `index_repository` did: files and chunks read, texts sent to the embedding model,
    and rows inserted, deleted and kept (unchanged chunks keep their row and vector)."""

    files: int
    chunks: int
    embedded: int
    inserted: int
    deleted: int
    kept: int


def index_repository(  # noqa: PLR0917 - the shape the FAQ jobs call (jobs/faq_run.py)
    db: Database,
    tenant_id: int,
    repository_id: int,
    commit: str,
    files: SnapshotFiles | Path,
    embedder: Embedder | None,
) -> IndexReport:
    """Make the repository's code chunks those of `files` at `commit`.

    Only chunks whose content has no stored vector of `embedder`'s model are embedded; with
    another model (or none) nothing is reused, so one repository's vectors stay in one space.
    The embedding calls happen before the transaction, which only writes.
    """
    files = files if isinstance(files, SnapshotFiles) else SnapshotFiles(files)
    pieces, read = _chunks(files)
    vectors: dict[str, Embedding] = {}
    embedded = 0
    if embedder is not None and pieces:
        vectors, embedded = _vectors(db, tenant_id, repository_id, pieces, embedder)

    def rows() -> Iterator[Chunk]:
        for c in pieces:
            vector = vectors.get(content_hash(c.content))
            yield Chunk(c.path, c.start_line, c.end_line, c.content, vector)

    with tenant_transaction(db, tenant_id) as scope:
        sync = code_chunks.replace_chunks(scope, repository_id, commit, rows())
    report = IndexReport(read, len(pieces), embedded, sync.inserted, sync.deleted, sync.kept)
    log.info("tenant %s repository %s: indexed %s: %s", tenant_id, repository_id, commit, report)
    return report


def _chunks(files: SnapshotFiles) -> tuple[list[TextChunk], int]:
    """Chunks of every chunkable text file, and how many files they came from. Blank chunks
    (a long run of empty lines) are left out: there is nothing in them to find."""
    out: list[TextChunk] = []
    read = 0
    for path in files.paths():
        if not chunkable(path, files.size(path)):
            continue
        text = files.text(path)
        if text is None or not chunkable_text(text):
            continue
        read += 1
        out += [c for c in chunk_file(path, text) if c.content.strip()]
    return out, read


def _vectors(
    db: Database, tenant_id: int, repository_id: int, pieces: list[TextChunk], embedder: Embedder
) -> tuple[dict[str, Embedding], int]:
    """A vector for each distinct content: stored ones reused, the rest embedded (the content
    alone, as it is what the stored vector is keyed by); and how many were embedded."""
    contents = {content_hash(c.content): c.content for c in pieces}
    with tenant_transaction(db, tenant_id) as scope:
        known = code_chunks.known_embeddings(scope, repository_id, embedder.model, contents)
    missing = [sha for sha in contents if sha not in known]
    if missing:
        fresh = embedder.embed([contents[sha] for sha in missing])
        for sha, values in zip(missing, fresh, strict=True):
            known[sha] = Embedding(embedder.model, values)
    return known, len(missing)


# --- retrieval --------------------------------------------------------------------------------


@dataclass
class MemoryRetriever:
    """The FAQ graph's Retriever over one repository of one tenant.

    By embedding when there is a model and the repository has vectors of it; otherwise, or
    when that finds nothing, by full text: all words first, then any of them.
    """

    db: Database
    tenant_id: int
    repository_id: int
    embedder: Embedder | None
    _queries: dict[str, Embedding] = field(default_factory=dict, repr=False)

    def code(self, query: str, k: int) -> list[Passage]:
        hits = self._search(query, k, code_chunks.search, code_chunks.search_text)
        return [Passage(h.path, h.start_line, h.end_line, h.content) for h in hits]

    def faq(self, query: str, k: int) -> list[KnownEntry]:
        hits = self._search(query, k, faq.search, faq.search_text)
        return [KnownEntry(h.question, h.answer, _paths(h.sources), h.stale) for h in hits]

    def _search(
        self,
        query: str,
        k: int,
        by_vector: Callable[[TenantScope, int | None, Embedding, int], list[Hit]],
        by_text: Callable[[TenantScope, int | None, str, int], list[Hit]],
    ) -> list[Hit]:
        query = query.replace("\x00", " ").strip()  # PostgreSQL text holds no NUL
        if k < 1 or not query:
            return []
        embedding = self._embedding(query)  # before the transaction: a network call
        with tenant_transaction(self.db, self.tenant_id) as scope:
            hits = by_vector(scope, self.repository_id, embedding, k) if embedding else []
            return hits or _text_search(by_text, scope, self.repository_id, query, k)

    def _embedding(self, query: str) -> Embedding | None:
        if self.embedder is None:
            return None
        if query not in self._queries:
            if len(self._queries) >= _QUERY_CACHE:
                del self._queries[next(iter(self._queries))]
            (values,) = self.embedder.embed([query])
            self._queries[query] = Embedding(self.embedder.model, values)
        return self._queries[query]


def _text_search(
    by_text: Callable[[TenantScope, int | None, str, int], list[Hit]],
    scope: TenantScope,
    repository_id: int,
    query: str,
    k: int,
) -> list[Hit]:
    """websearch_to_tsquery never fails on syntax, but a question's every word rarely occurs in
    one chunk (and a stray "-" excludes the next word): then any word will do, best first."""
    hits = by_text(scope, repository_id, query, k)
    words = [w for w in _WORD.findall(query) if w.lower() != "or"]
    if hits or len(words) < 2:
        return hits
    return by_text(scope, repository_id, " or ".join(words), k)


def _paths(sources: tuple[Source, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.path for s in sources if isinstance(s, FileSource)))


# --- FAQ entries ------------------------------------------------------------------------------


def remember_entries(
    db: Database,
    tenant_id: int,
    repository_id: int,
    entries: list[dict[str, Any]],
    embedder: Embedder | None,
    *,
    source_pr: int | None,
    source_commit: str | None,
) -> list[tuple[int, bool]]:
    """Store FAQ entries ({"question", "answer", "sources"}); return (id, created) for each.

    The question alone is embedded: a near-duplicate is the same *question* (the stored entry
    keeps its question and vector and takes the new answer, so a vector of the old answer would
    go stale), and what is searched with is a question too. Answers are still found by text.
    """
    news = [_new_entry(repository_id, e, source_pr, source_commit) for e in entries]
    if embedder is not None and news:
        vectors = embedder.embed([n.question for n in news])
        news = [
            replace(n, embedding=Embedding(embedder.model, v))
            for n, v in zip(news, vectors, strict=True)
        ]
    with tenant_transaction(db, tenant_id) as scope:
        return [faq.upsert_entry(scope, n, duplicate_threshold=DUPLICATE_THRESHOLD) for n in news]


def reembed_if_model_changed(
    db: Database, tenant_id: int, repository_id: int, embedder: Embedder | None
) -> int:
    """Give the repository's FAQ entries that have no vector of `embedder`'s model one; return
    how many. (Code chunks need nothing of the kind: `index_repository` reuses only vectors of
    its own model and replaces the rest.)"""
    if embedder is None:
        return 0
    with tenant_transaction(db, tenant_id) as scope:
        stale = faq.needing_embedding(scope, repository_id, embedder.model)
    if not stale:
        return 0
    vectors = embedder.embed([e.question for e in stale])
    with tenant_transaction(db, tenant_id) as scope:
        done = [
            faq.set_embedding(scope, e.id, Embedding(embedder.model, v))
            for e, v in zip(stale, vectors, strict=True)
        ]
    return sum(done)


def _new_entry(
    repository_id: int, item: dict[str, Any], source_pr: int | None, source_commit: str | None
) -> NewEntry:
    question, answer = item.get("question"), item.get("answer")
    if not isinstance(question, str) or not question.strip() or not isinstance(answer, str):
        raise ValueError("a FAQ entry has a question and an answer")
    sources = tuple(_source(s) for s in item.get("sources") or ())
    return NewEntry(
        repository_id, question.strip(), answer, sources, source_pr, source_commit, None
    )


def _source(item: dict[str, Any]) -> Source:
    """A cited file (lines 0 and 0: the whole file) or an issue or pull request."""
    if "path" in item:
        return FileSource(
            str(item["path"]), int(item.get("start_line") or 0), int(item.get("end_line") or 0)
        )
    kind: Literal["issue", "pull"] = "pull" if item.get("kind") == "pull" else "issue"
    return ThreadSource(kind, int(item["number"]), str(item.get("url") or ""))
