"""The one answer path of the FAQ task kinds: the repository's memory brought up to date, the
FAQ graph run under the tenant's checkpointer, its spend recorded, and what it wrote stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import cast

from agents.faq import graph as faq_graph
from agents.faq.context import FaqContext
from agents.faq.nodes import PACKAGE, PROMPTS
from agents.faq.state import FaqState
from agents.ports import Embedder, Progress
from github_app.client import RepoClient
from github_app.publish import branch_sha, default_branch
from jobs.faq.docs import Document
from jobs.faq.memory import (
    MemoryRetriever,
    SnapshotFiles,
    index_repository,
    reembed_if_model_changed,
    remember_entries,
)
from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.checkout import checkout
from jobs.steps.graph_run import run_graph
from jobs.steps.models import chat_model, embedder_for
from jobs.steps.progress import TaskProgress
from jobs.steps.results import Spend, record_spend


@dataclass(frozen=True)
class Answer:
    doc: Document
    sha: str  # the default branch's commit the memory was indexed at
    spend: Spend
    added: int  # FAQ entries new to the memory
    updated: int  # entries it already had, answered again


def write_answer(
    run: TaskRun,
    client: RepoClient,
    progress: TaskProgress,
    request: FaqState,
    *,
    files_at: str | None = None,
    source_pr: int | None = None,
    slug_from: Callable[[list[str]], str | None] | None = None,
) -> Answer:
    """Answer `request` from the default branch's memory, reading the files of `files_at`
    (default: the default branch); `slug_from` may keep the document's earlier name."""
    embedder = embedder_for(run.ctx.settings)
    with (
        indexed_default_branch(run, client, progress, embedder) as memory,
        snapshot(client, files_at) if files_at else nullcontext(memory.files) as files,
    ):
        earlier = slug_from(files.paths()) if slug_from else None
        state = run_faq_graph(run, progress, client.full_name, files, memory.retriever, request)
    spend = record_spend(run, progress, state)
    doc = document_of(state)
    if earlier:
        doc = replace(doc, slug=earlier)
    added, updated = store_entries(
        run, state, embedder, source_pr=source_pr, source_commit=files_at or memory.sha
    )
    return Answer(doc, memory.sha, spend, added, updated)


def repository_id(run: TaskRun) -> int:
    if run.task.repository_id is None:
        raise PermanentError("the repository is no longer installed")
    return run.task.repository_id


@dataclass(frozen=True)
class Workspace:
    """A commit's files on disk, and the repository's memory indexed at that commit."""

    sha: str
    files: SnapshotFiles
    retriever: MemoryRetriever


@contextmanager
def snapshot(client: RepoClient, sha: str) -> Iterator[SnapshotFiles]:
    with checkout(client, sha) as root:
        yield SnapshotFiles(root)


@contextmanager
def indexed_default_branch(
    run: TaskRun, client: RepoClient, progress: Progress, embedder: Embedder | None
) -> Iterator[Workspace]:
    """The default branch's files, with its chunks (and FAQ vectors) current in memory:
    unchanged chunks keep their vectors, so a re-run embeds only what changed."""
    base = default_branch(client)
    sha = branch_sha(client, base)
    if sha is None:
        raise PermanentError(f"the default branch `{base}` has no commits")
    repo_id = repository_id(run)
    progress.stage("indexing", f"Indexing `{base}` for retrieval.")
    with snapshot(client, sha) as files:
        ctx = run.ctx
        sync = index_repository(ctx.db, run.task.tenant_id, repo_id, sha, files, embedder)
        if embedder is not None:
            reembed_if_model_changed(ctx.db, run.task.tenant_id, repo_id, embedder)
        run.event("indexed", f"indexed {base} at {sha[:12]}", sync=repr(sync))
        retriever = MemoryRetriever(ctx.db, run.task.tenant_id, repo_id, embedder)
        yield Workspace(sha, files, retriever)


def run_faq_graph(  # noqa: PLR0917 - the job's five parts and its request, all required
    run: TaskRun,
    progress: Progress,
    repository: str,
    files: SnapshotFiles,
    retriever: MemoryRetriever,
    request: FaqState,
) -> FaqState:
    context = FaqContext(
        model=chat_model(run.ctx.settings),
        progress=progress,
        retriever=retriever,
        files=files,
        repository=repository,
    )
    request = {**request, "trace_id": run.task.trace_id}
    result = run_graph(run, faq_graph.build, dict(request), context, (PACKAGE, PROMPTS))
    return cast(FaqState, result)


def document_of(state: FaqState) -> Document:
    """The graph's finished document, or the reason there is none."""
    if state.get("outcome") != "ready":
        raise PermanentError(state.get("reason") or "no FAQ document was written")
    return Document(
        slug=state.get("slug") or "faq",
        title=state.get("title") or "FAQ",
        summary=state.get("summary") or _summary(state),
        markdown=state.get("markdown") or "",
    )


def _summary(state: FaqState) -> str:
    entries = state.get("entries") or []
    return f"{len(entries)} question{'s' if len(entries) != 1 else ''}"


def store_entries(
    run: TaskRun,
    state: FaqState,
    embedder: Embedder | None,
    *,
    source_pr: int | None,
    source_commit: str | None,
) -> tuple[int, int]:
    """Put the document's entries into the repository's memory; return (added, updated)."""
    stored = remember_entries(
        run.ctx.db,
        run.task.tenant_id,
        repository_id(run),
        list(state.get("entries") or []),
        embedder,
        source_pr=source_pr,
        source_commit=source_commit,
    )
    added = sum(1 for _, created in stored if created)
    return added, len(stored) - added
